package analysis

import "testing"

// TestQuantity: numbers with their measure words are not topics; words
// that only begin with a numeral are.
func TestQuantity(t *testing.T) {
	for w, want := range map[string]bool{
		"二十个": true, "一个月": true, "两个多月": true, "十一点": true, "第三": true, "20天": true, "三百万元": true, "半年": true,
		"万科": false, "一起": false, "三楼": false, "停车": false, "千瓦": false, "个体": false, "月底": false, "十": true,
	} {
		if got := quantity(w); got != want {
			t.Errorf("quantity(%q) = %v, want %v", w, got, want)
		}
	}
}
