package analysis

import (
	"fmt"
	"slices"
	"testing"
)

// paraphrases are groups of appeals from different enterprises that
// describe one problem in their own words, and unrelated appeals that
// must join no group.
var paraphrases = struct {
	groups    [][]Doc
	unrelated []Doc
}{
	groups: [][]Doc{
		{ // 光谷园区道路施工反复停电
			{EnterpriseID: 1, Category: "水电气网", District: "东湖新技术开发区", Text: "光谷三路道路施工挖断电缆，园区这周已经停电三次，生产线停工，请供电公司尽快恢复供电。"},
			{EnterpriseID: 2, Category: "水电气网", District: "东湖新技术开发区", Text: "因光谷三路修路施工，电缆被挖断，我们园区本周停电三次，生产线无法开工，希望尽快恢复供电。"},
			{EnterpriseID: 3, Category: "水电气网", District: "东湖新技术开发区", Text: "光谷三路施工把电缆挖断了，园区一周内停电三次，车间停工损失很大，请协调供电公司恢复供电。"},
			{EnterpriseID: 4, Category: "其他", District: "东湖新技术开发区", Text: "园区旁光谷三路道路施工导致电缆挖断、频繁停电，本周三次停电，生产线停工，恳请尽快恢复供电。"},
		},
		{ // 区城投拖欠工程款
			{EnterpriseID: 5, Category: "拖欠账款", District: "江夏区", Text: "区城投公司拖欠我司道路工程款280万元，工程已验收一年多仍未支付，请督促城投尽快付款。"},
			{EnterpriseID: 6, Category: "拖欠账款", District: "江夏区", Text: "城投公司拖欠我公司市政道路工程款，验收已一年多，工程款至今未支付，请督促尽快付款。"},
			{EnterpriseID: 7, Category: "拖欠账款", District: "江夏区", Text: "我们承建的区城投道路工程验收一年多了，城投一直拖欠工程款不支付，请求督促城投付款。"},
		},
		{ // 高新技术企业补贴迟迟不兑现
			{EnterpriseID: 8, Category: "政策咨询", District: "洪山区", Text: "去年认定的高新技术企业奖励补贴至今没有兑现，申报材料已提交半年，请问补贴何时发放？"},
			{EnterpriseID: 9, Category: "政策咨询", District: "洪山区", Text: "我司去年通过高新技术企业认定，奖励补贴申报材料提交半年了还没兑现，想问补贴什么时候发放。"},
			{EnterpriseID: 10, Category: "政策咨询", District: "武昌区", Text: "高新技术企业认定奖励补贴申报半年仍未兑现，材料早已提交，请告知补贴发放时间。"},
			{EnterpriseID: 11, Category: "政策咨询", District: "洪山区", Text: "高新技术企业认定后的奖励补贴迟迟不兑现，申报材料提交已经半年，补贴何时能发放？"},
			{EnterpriseID: 12, Category: "政策咨询", District: "洪山区", Text: "请问去年高新技术企业认定的补贴什么时候兑现发放？申报材料半年前就提交了。"},
		},
	},
	unrelated: []Doc{
		{EnterpriseID: 20, Category: "融资信贷", District: "江岸区", Text: "小微企业申请创业担保贷款，银行要求提供房产抵押，能否降低担保条件？"},
		{EnterpriseID: 21, Category: "用工社保", District: "汉阳区", Text: "春节后招工难，普工缺口五十人，希望人社部门组织专场招聘会。"},
		{EnterpriseID: 22, Category: "知识产权", District: "洪山区", Text: "我司商标被外地企业抢注，想申请知识产权维权援助，应该找哪个部门？"},
		{EnterpriseID: 23, Category: "审批服务", District: "东湖新技术开发区", Text: "新厂房消防验收排队两个月还没安排现场检查，影响投产，请加快审批。"},
		{EnterpriseID: 24, Category: "税费服务", District: "武昌区", Text: "出口退税申报后三个月仍未到账，资金周转困难，请税务部门帮忙查询进度。"},
		{EnterpriseID: 25, Category: "水电气网", District: "江夏区", Text: "新建车间需要接入天然气，燃气公司报装周期太长，希望缩短报装时间。"},
		{EnterpriseID: 26, Category: "涉企执法", District: "汉阳区", Text: "一个月内被不同部门检查五次，内容重复，希望实行综合查一次。"},
		{EnterpriseID: 27, Category: "市场准入", District: "江岸区", Text: "参加区属国企招投标时被要求本地注册，这是否属于排斥外地企业？"},
		{EnterpriseID: 28, Category: "水电气网", District: "东湖新技术开发区", Text: "园区网络信号差，光纤宽带报装一个月没有施工，请运营商尽快安装。"},
		{EnterpriseID: 29, Category: "拖欠账款", District: "洪山区", Text: "某医院采购我司医疗设备货款80万元逾期半年未付，请帮助催收。"},
	},
}

// TestClusterDocsParaphrases checks that each group of paraphrases comes
// out as one cluster and that no unrelated appeal joins one.
func TestClusterDocsParaphrases(t *testing.T) {
	var docs []Doc
	// Interleave the groups and the unrelated texts so that order does
	// not make them adjacent.
	want := make([][]int, len(paraphrases.groups))
	maxLen := len(paraphrases.unrelated)
	for i := range maxLen {
		for gi, g := range paraphrases.groups {
			if i < len(g) {
				want[gi] = append(want[gi], len(docs))
				docs = append(docs, g[i])
			}
		}
		docs = append(docs, paraphrases.unrelated[i])
	}
	for i := range docs {
		docs[i].ID = int64(i + 1)
	}
	got := ClusterDocs(docs)
	slices.SortFunc(want, func(a, b []int) int { return len(b) - len(a) })
	if len(got) != len(want) {
		for _, g := range got {
			var txt []string
			for _, i := range g {
				txt = append(txt, docs[i].Text)
			}
			t.Logf("cluster %v: %q", g, txt)
		}
		t.Fatalf("got %d clusters %v, want %d %v", len(got), got, len(want), want)
	}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g []int) bool { return slices.Equal(g, w) }) {
			t.Errorf("group %v not found among %v", w, got)
		}
	}
	// Deterministic: the same input gives the same clusters.
	again := ClusterDocs(docs)
	if !slices.EqualFunc(got, again, slices.Equal) {
		t.Errorf("second run %v, first %v", again, got)
	}
}

// TestSimilarityScores prints the pairwise Jaccard similarities within and
// across groups, and checks that the weakest pair within a group scores
// above the strongest pair across.
func TestSimilarityScores(t *testing.T) {
	var all []Doc
	group := map[int]int{}
	for gi, g := range paraphrases.groups {
		for _, d := range g {
			group[len(all)] = gi
			all = append(all, d)
		}
	}
	for _, d := range paraphrases.unrelated {
		group[len(all)] = -1
		all = append(all, d)
	}
	sets := make([][]uint32, len(all))
	for i := range all {
		sets[i] = shingles(all[i].Text)
	}
	minIn, maxOut := 1.0, 0.0
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			jac := jaccard(sets[i], sets[j])
			if group[i] >= 0 && group[i] == group[j] {
				minIn = min(minIn, jac)
			} else {
				maxOut = max(maxOut, jac)
			}
		}
	}
	t.Logf("weakest within a group %.3f, strongest across %.3f", minIn, maxOut)
	if minIn <= maxOut {
		t.Errorf("within %.3f <= across %.3f", minIn, maxOut)
	}
}

// TestClusterDocsMassComplaint checks that thousands of appeals sending
// a few identical texts (a mass complaint) come out as one cluster per
// text of its exact size, from several districts, while unrelated texts
// join none, and that texts sharing a cluster's words do not join it.
func TestClusterDocsMassComplaint(t *testing.T) {
	texts := []Doc{
		paraphrases.groups[0][0], paraphrases.groups[1][0], paraphrases.groups[2][0],
		paraphrases.unrelated[0], paraphrases.unrelated[1],
	}
	districts := []string{"江岸区", "江汉区", "武昌区", "洪山区", "汉阳区", "江夏区"}
	var docs []Doc
	want := make([][]int, len(texts))
	for i := range 3000 {
		k := []int{0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4}[i%15] // unequal sizes, interleaved
		d := texts[k]
		d.EnterpriseID = int64(1000 + i)
		d.District = districts[i%len(districts)]
		want[k] = append(want[k], len(docs))
		docs = append(docs, d)
		if i%375 == 0 { // noise: each once
			docs = append(docs, paraphrases.unrelated[2+i/375])
		}
	}
	for i := range docs {
		docs[i].ID = int64(i + 1)
	}
	got := ClusterDocs(docs)
	var sizes []int
	for _, w := range want {
		sizes = append(sizes, len(w))
	}
	if len(got) != len(texts) {
		t.Fatalf("got %d clusters, want %d of sizes %v", len(got), len(texts), sizes)
	}
	for k, w := range want {
		if !slices.ContainsFunc(got, func(g []int) bool { return slices.Equal(g, w) }) {
			t.Errorf("text %d: its %d appeals are not one cluster", k, len(w))
		}
	}
	for i := 1; i < len(got); i++ {
		if len(got[i]) > len(got[i-1]) {
			t.Errorf("cluster %d (%d) larger than the one before (%d)", i, len(got[i]), len(got[i-1]))
		}
	}
	// Deterministic: the same input gives the same clusters.
	if again := ClusterDocs(docs); !slices.EqualFunc(got, again, slices.Equal) {
		t.Errorf("second run differs")
	}

	// With their paraphrases, each text's cluster takes them in too.
	docs = docs[:len(docs):len(docs)]
	for gi, g := range paraphrases.groups {
		for _, d := range g[1:] {
			d.ID = int64(len(docs) + 1)
			want[gi] = append(want[gi], len(docs))
			docs = append(docs, d)
		}
	}
	got = ClusterDocs(docs)
	if len(got) != len(texts) {
		t.Fatalf("with paraphrases: got %d clusters, want %d", len(got), len(texts))
	}
	for k, w := range want {
		if !slices.ContainsFunc(got, func(g []int) bool { return slices.Equal(g, w) }) {
			t.Errorf("with paraphrases: text %d's %d appeals are not one cluster", k, len(w))
		}
	}
}

// TestClusterDocsIdenticalGeneric checks that identical texts made only
// of words common to many texts still join, and that texts without a
// letter or digit do not.
func TestClusterDocsIdenticalGeneric(t *testing.T) {
	var docs []Doc
	for i := range 100 {
		docs = append(docs, Doc{ID: int64(len(docs) + 1), EnterpriseID: int64(i + 1), Text: fmt.Sprintf("第%d号企业诉求：请相关部门协调解决。", i)})
	}
	for i := range 30 {
		docs = append(docs, Doc{ID: int64(len(docs) + 1), EnterpriseID: int64(500 + i), Text: "请相关部门协调解决。"})
		docs = append(docs, Doc{ID: int64(len(docs) + 1), EnterpriseID: int64(600 + i), Text: "？！"})
	}
	var want []int
	for i := range 30 {
		want = append(want, 100+2*i)
	}
	got := ClusterDocs(docs)
	if !slices.ContainsFunc(got, func(g []int) bool { return slices.Equal(g, want) }) {
		t.Errorf("the 30 identical texts are not one cluster: %v", got)
	}
	for _, g := range got {
		for _, i := range g {
			if docs[i].Text == "？！" {
				t.Errorf("a text without a letter joins cluster %v", g)
			}
		}
	}
}

// TestClusterDocsManyDistricts checks that one text sent from more
// districts and categories than a shingle may be common to stays one
// cluster: document frequency counts distinct texts, not the groups of
// a text in each district.
func TestClusterDocsManyDistricts(t *testing.T) {
	var docs []Doc
	var want []int
	for i := range 600 {
		d := paraphrases.groups[1][0]
		d.ID, d.EnterpriseID = int64(len(docs)+1), int64(i+1)
		d.District, d.Category = fmt.Sprintf("D%02d", i%60), fmt.Sprintf("C%d", i%5)
		want = append(want, len(docs))
		docs = append(docs, d)
		if i%60 == 0 {
			u := paraphrases.unrelated[i/60]
			u.ID = int64(len(docs) + 1)
			docs = append(docs, u)
		}
	}
	got := ClusterDocs(docs)
	if len(got) != 1 || !slices.Equal(got[0], want) {
		t.Fatalf("got %d clusters of sizes %v, want one of %d", len(got), func() (n []int) {
			for _, g := range got {
				n = append(n, len(g))
			}
			return n
		}(), len(want))
	}
}
