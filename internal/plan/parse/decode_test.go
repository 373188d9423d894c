package parse

import (
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	xunicode "golang.org/x/text/encoding/unicode"
)

func TestDecodeBytes(t *testing.T) {
	const simp = "某市人民政府办公室关于印发优化营商环境行动方案的通知（责任单位：市发展改革委）"
	const trad = "某市人民政府辦公室關於印發優化營商環境行動方案的通知（責任單位：市發展改革委）"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(simp)
	if err != nil {
		t.Fatal(err)
	}
	big5, err := traditionalchinese.Big5.NewEncoder().String(trad)
	if err != nil {
		t.Fatal(err)
	}
	utf16, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewEncoder().String(simp)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, in, want string }{
		{"OKUTF8", simp, simp},
		{"OKUTF8BOM", "\xEF\xBB\xBF" + simp, simp},
		{"OKGBK", gbk, simp},
		{"OKBig5", big5, trad},
		{"OKUTF16", utf16, simp},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := decodeBytes([]byte(c.in))
			if err != nil || got != c.want {
				t.Errorf("got %q, %v", got, err)
			}
		})
	}
}
