package parse

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse: no input panics, and the output is well-formed: JSON that
// encodes, arrays never null, paths non-empty, valid UTF-8, ops from the set.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"testdata/docs", "../../../../shared/seeds"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(b[:min(len(b), 4096)])
			}
		}
	}
	f.Add([]byte("一、(一)1.(1)①（责任单位：（（（（"))
	f.Add([]byte("1. 85万家1.2.3.4.5.6.7.8.9.10.11.12."))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(context.Background(), "x.txt", data, Options{})
		if err != nil {
			return
		}
		if _, err := json.Marshal(p); err != nil {
			t.Fatal(err)
		}
		if p.Items == nil || p.Warnings == nil || p.Meta == nil {
			t.Fatal("nil array")
		}
		for _, it := range p.Items {
			if len(it.Path) == 0 || it.LeadUnits == nil || it.Units == nil || it.CoopUnits == nil || it.Deadlines == nil || it.Indicators == nil {
				t.Fatalf("malformed item %+v", it)
			}
			if !utf8.ValidString(it.Text) || !utf8.ValidString(it.Heading) {
				t.Fatal("invalid UTF-8")
			}
			for _, ind := range it.Indicators {
				if !strings.Contains(" >= > <= < == ", " "+ind.Op+" ") {
					t.Fatalf("op %q", ind.Op)
				}
			}
		}
	})
}

// bigDocument repeats the seed-like task paragraphs to n bytes.
func bigDocument(n int) []byte {
	var b strings.Builder
	b.WriteString("某市人民政府办公厅关于印发某市营商环境行动方案的通知\n某政办〔2024〕1号\n")
	sec := 0
	for b.Len() < n {
		sec++
		b.WriteString(chineseNumeral(sec%90+1) + "、重点任务\n")
		for i := 1; i <= 30 && b.Len() < n; i++ {
			b.WriteString("(一)优化发展环境,激发民营企业活力\n")
			b.WriteString("1. 打造公平竞争市场环境。严格实施市场准入负面清单制度,新增民营企业10万家,6月底前完成,担保费率降至1%以下。(责任单位:市发改委、市市场监管局,各区人民政府〈含开发区,下同〉)\n")
		}
	}
	return []byte(b.String())
}

// benchParse parses doc b.N times and reports, beside the wall time, the
// processor time per MB (all threads, garbage collection included), which
// other work on a shared machine does not inflate.
func benchParse(b *testing.B, doc []byte) {
	b.SetBytes(int64(len(doc)))
	start := cpuTime()
	for b.Loop() {
		if _, err := Parse(context.Background(), "big.txt", doc, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	if used := cpuTime() - start; used > 0 {
		b.ReportMetric(used.Seconds()*1000/float64(b.N)/(float64(len(doc))/(1<<20)), "cpu-ms/MB")
	}
}

// tableAfterBody is a body of tasks followed by a 责任分解表 of as many rows.
func tableAfterBody(n int) []byte {
	var body, table strings.Builder
	body.WriteString("一、重点任务\n")
	table.WriteString("附件：重点任务责任分解表\n序号 | 重点任务 | 牵头单位 | 完成时限\n")
	for i := 1; body.Len()+table.Len() < n; i++ {
		fmt.Fprintf(&body, "%d.推进第%d项改革任务。落实第%d项措施。\n", i, i, i)
		fmt.Fprintf(&table, "%d | 推进第%d项改革任务 | 市发展改革委 | 2024年12月\n", i, i)
	}
	return []byte(body.String() + table.String())
}

// BenchmarkDiffPlans compares two versions of a 1 MB plan, one with a task
// inserted near the top (every later task renumbered).
func BenchmarkDiffPlans(b *testing.B) {
	doc := string(bigDocument(1 << 20))
	old := ParseText(doc)
	cur := ParseText(strings.Replace(doc, "(一)优化发展环境", "(一)新增一项任务。(责任单位:市数据局)\n(二)优化发展环境", 1))
	b.ResetTimer()
	for b.Loop() {
		DiffPlans(old, cur)
	}
}

// BenchmarkParse5MB parses a 5 MB document of seed-like paragraphs.
func BenchmarkParse5MB(b *testing.B) {
	benchParse(b, bigDocument(5<<20))
}

// BenchmarkParsePathological parses inputs built to be slow: one giant line,
// deep brackets, 100k headings, a line of digits.
func BenchmarkParsePathological(b *testing.B) {
	numbered := func(n int) []byte { // headings run together, each the next number
		var w strings.Builder
		w.WriteString("一、任务\n")
		for i := 0; w.Len() < n; i++ {
			fmt.Fprintf(&w, "(%s)任务。", chineseNumeral(i%900+1))
			for k := 1; k <= 20; k++ {
				fmt.Fprintf(&w, "%d.任务。(责任单位:市发改委)", k)
			}
		}
		return []byte(w.String())
	}
	cases := map[string][]byte{
		"giant-line":      []byte(strings.Repeat("推动民营经济发展,新增企业10万家、", 5<<20/48)),
		"deep-brackets":   []byte("一、任务\n1.任务" + strings.Repeat("(", 1<<20) + strings.Repeat(")", 1<<20)),
		"100k-headings":   []byte(strings.Repeat("1.任务。\n", 100000)),
		"run-together":    []byte("一、任务\n" + strings.Repeat("1.任务。(责任单位:市发改委)", 50000)),
		"run-numbered":    numbered(5 << 20),
		"digits":          []byte(strings.Repeat("1.2.3.4.5.6.7.8.9.", 5<<20/18)),
		"unclosed-group":  []byte("一、任务\n1.任务(责任单位:" + strings.Repeat("市发改委、", 300000)),
		"deadline-starts": []byte("一、任务\n1.任务" + strings.Repeat("2024年12月下半年第一至每个出台后10个", 5<<20/52)),
		"labels":          []byte("一、任务\n1.任务\n" + strings.Repeat("牵头单位:配合单位:完成时限:;", 5<<20/44)),
		"long-list":       []byte("一、任务\n1.新增" + strings.Repeat("平台10家、", 5<<20/17)),
		"table-after":     tableAfterBody(5 << 20),
		// one endless sentence of amounts after a grant word
		"grant-amounts": []byte("一、任务\n1.任务" + strings.Repeat("给予奖励1万元", 5<<20/21)),
		// a tab-separated table of many rows, each closing with role clauses
		"tab-table": []byte("序号\t任务\t责任单位\n" + strings.Repeat("1\t推进改革。市发改委牵头，市财政局配合，长期坚持。\t市发改委\n", 5<<20/80)),
	}
	for name, doc := range cases {
		b.Run(name, func(b *testing.B) { benchParse(b, doc) })
	}
}
