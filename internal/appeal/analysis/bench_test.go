package analysis

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// monthDocs makes n deterministic appeal texts like a month's: sentences
// drawn from a pool of problems, places and consequences, so that most
// texts share words but few describe the same problem.
func monthDocs(n int) []Doc {
	r := rand.New(rand.NewPCG(1, 2))
	places := []string{"光谷", "沌口", "江夏", "汉阳", "青山", "洪山", "黄陂", "新洲", "东西湖", "蔡甸", "江岸", "硚口", "武昌"}
	problems := []string{"道路施工挖断电缆导致停电", "国企拖欠工程款一年未付", "高新技术企业补贴迟迟不兑现", "出口退税长期不到账",
		"消防验收排队时间太长", "天然气报装周期长", "招工难普工缺口大", "商标被抢注需要维权", "执法检查过于频繁",
		"园区停车位不足", "银行贷款要求抵押", "人才公寓申请困难", "物流车辆限行", "用地指标迟迟不批", "社保缴费系统故障"}
	effects := []string{"生产线停工", "资金周转困难", "影响正常经营", "损失严重", "订单无法交付", "员工意见很大", "项目无法投产"}
	asks := []string{"请尽快协调解决", "希望相关部门帮助", "请督促有关单位", "恳请给予支持", "请告知办理进度"}
	cats := []string{"水电气网", "拖欠账款", "政策咨询", "税费服务", "审批服务", "用工社保", "知识产权", "涉企执法", "融资信贷", "用地规划"}
	docs := make([]Doc, n)
	for i := range docs {
		var b strings.Builder
		for range 2 + r.IntN(3) {
			fmt.Fprintf(&b, "%s%d号%s，%s，%s。", places[r.IntN(len(places))], r.IntN(300), problems[r.IntN(len(problems))],
				effects[r.IntN(len(effects))], asks[r.IntN(len(asks))])
		}
		docs[i] = Doc{ID: int64(i + 1), EnterpriseID: int64(r.IntN(n/2) + 1), Category: cats[r.IntN(len(cats))], District: places[r.IntN(len(places))], Text: b.String()}
	}
	return docs
}

// benchSize is the month's size: QINQING_BENCH_APPEALS or 140,000.
func benchSize() int {
	if n, err := strconv.Atoi(os.Getenv("QINQING_BENCH_APPEALS")); err == nil && n > 0 {
		return n
	}
	return 140_000
}

func BenchmarkClusterMonth(b *testing.B) {
	docs := monthDocs(benchSize())
	b.ResetTimer()
	for b.Loop() {
		groups := ClusterDocs(docs)
		b.ReportMetric(float64(len(groups)), "clusters")
	}
}

func BenchmarkSegmentMonth(b *testing.B) {
	seg, err := segmenter()
	if err != nil {
		b.Fatal(err)
	}
	docs := monthDocs(benchSize())
	b.ResetTimer()
	for b.Loop() {
		parallel(len(docs), func(i int) { words(seg, docs[i].Text) })
	}
}

func BenchmarkTopicsMonth(b *testing.B) {
	seg, err := segmenter()
	if err != nil {
		b.Fatal(err)
	}
	docs := monthDocs(benchSize())
	stored := make([]string, len(docs))
	parallel(len(docs), func(i int) { stored[i] = strings.Join(words(seg, docs[i].Text), " ") })
	dict := buildDictionary(seg, []Entry{{Word: "拖欠", Kind: KindTerm}, {Word: "停车", Kind: KindTerm}, {Word: "停电", Kind: KindTerm}, {Word: "补贴", Kind: KindTerm}})
	b.ResetTimer()
	for b.Loop() {
		counts := map[string]int{}
		isTerm := map[string]bool{}
		var buf []string
		for _, ws := range stored {
			buf = dict.topics(seg, strings.Fields(ws), buf[:0], isTerm)
			for _, w := range buf {
				counts[w]++
			}
		}
	}
}

func TestMeasureLoad(t *testing.T) {
	st, err := MeasureLoad()
	if err != nil {
		t.Fatal(err)
	}
	if st.Words < 100_000 {
		t.Errorf("the dictionary has %d words", st.Words)
	}
	t.Logf("segmenter: %v, %d MB heap, %d words", st.Duration, st.HeapBytes>>20, st.Words)
}
