package analysis

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
	"github.com/qinqing/qinqing/internal/workday"
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

// massDocs makes n deterministic appeals the way qinqing seed appeals
// writes them: a title of its category (44 titles in all) repeated in the
// content, from enterprises across the city's districts — every appeal
// one of a few hundred texts, as in a mass complaint.
func massDocs(n int) []Doc {
	r := rand.New(rand.NewPCG(3, 4))
	titles := appeal.SeedTitles()
	cats := slices.Sorted(maps.Keys(titles))
	districts := []string{"420102", "420103", "420104", "420105", "420106", "420107", "420111", "420112", "420113", "420114", "420115", "420116", "420117"}
	docs := make([]Doc, n)
	for i := range docs {
		cat := cats[r.IntN(len(cats))]
		title := titles[cat][r.IntN(len(titles[cat]))]
		docs[i] = Doc{ID: int64(i + 1), EnterpriseID: int64(r.IntN(200_000) + 1), Category: cat, District: districts[r.IntN(len(districts))],
			Text: title + "。" + title + "，请相关部门协调解决。"}
	}
	return docs
}

// BenchmarkClusterMonthMass clusters a month of benchSize() appeals made
// like the seed's (massDocs): the clusters are the titles.
func BenchmarkClusterMonthMass(b *testing.B) {
	docs := massDocs(benchSize())
	b.ResetTimer()
	for b.Loop() {
		groups := ClusterDocs(docs)
		b.ReportMetric(float64(len(groups)), "clusters")
		if len(groups) > 0 {
			b.ReportMetric(float64(len(groups[0])), "largest")
		}
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

// BenchmarkTopicsMonthDB measures a month's topics over the database:
// two months of benchSize() appeals each are inserted, their words and
// topics kept through keep (the counts maintained as in production; the
// texts are cut sentence by sentence with the house numbers left out, so
// that the set-up does not take minutes of segmentation), and then the
// March report is taken three ways: summed from the kept counts (what
// Topics does for a month), counted appeal by appeal from the kept
// topics, and the plain SQL peer — one scan of the month's titles and
// contents with a LIKE per dictionary term (terms only). SQLite by
// default; QINQING_BENCH_DB=postgres for PostgreSQL.
func BenchmarkTopicsMonthDB(b *testing.B) {
	var db *store.DB
	if os.Getenv("QINQING_BENCH_DB") == "postgres" {
		db = storetest.MustOpenPostgres(b)
	} else {
		db = storetest.MustOpenSQLite(b)
	}
	ctx := context.Background()
	n := benchSize()
	docs := monthDocs(2 * n)
	seg, err := segmenter()
	if err != nil {
		b.Fatal(err)
	}
	s := New(db, Options{Audit: &audit.Log{DB: db}})
	dict, err := s.dictionary(ctx, seg)
	if err != nil {
		b.Fatal(err)
	}
	ver, _, err := s.topicState(ctx)
	if err != nil {
		b.Fatal(err)
	}
	cache := map[string][]string{}
	cut := func(text string) []string {
		var out []string
		for _, sent := range strings.Split(text, "。") {
			sent = strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return -1
				}
				return r
			}, sent)
			ws, ok := cache[sent]
			if !ok {
				ws = words(seg, sent)
				cache[sent] = ws
			}
			out = append(append(out, ws...), breakWord)
		}
		return out
	}
	units := []int64{0}
	for i := range 30 {
		var id int64
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, `INSERT INTO units (name, kind, created_at) VALUES (?, 'department', 0) RETURNING id`,
				fmt.Sprintf("单位%02d", i)).Scan(&id)
		}); err != nil {
			b.Fatal(err)
		}
		units = append(units, id)
	}
	t0 := time.Now()
	const batch = 500
	for start := 0; start < len(docs); start += batch {
		part := docs[start:min(start+batch, len(docs))]
		rows := make([]string, len(part))
		args := make([]any, 0, len(part)*12)
		for i, d := range part {
			month := time.March
			if int(d.ID) <= n {
				month = time.February
			}
			at := time.Date(2026, month, 1+int(d.ID)%28, 9+int(d.ID)%8, 0, 0, 0, workday.Shanghai)
			rows[i] = "(?, 'bench', ?, 'hotline', NULL, '企业', '', '', ?, ?, '一般', ?, ?, false, ?, ?, 'handling', ?, ?)"
			var unit any
			if u := units[int(d.ID)%len(units)]; u != 0 {
				unit = u
			}
			title, _, _ := strings.Cut(d.Text, "，")
			args = append(args, fmt.Sprintf("B%d", d.ID), fmt.Sprint(d.ID), d.District, d.Category, title, d.Text,
				store.Millis(at), store.Millis(at), store.Millis(at), unit)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO appeals (number, client, external_ref, channel, enterprise_id, enterprise_name, contact_name,
			contact_phone, district, category, urgency, title, content, publish, received_at, created_at, status, updated_at, unit_id) VALUES `+
			strings.Join(rows, ", "), args...); err != nil {
			b.Fatal(err)
		}
	}
	inserted := time.Since(t0)
	t0 = time.Now()
	var items []kept
	rows, err := db.QueryContext(ctx, `SELECT id, content FROM appeals ORDER BY id`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var k kept
		if err := rows.Scan(&k.id, &k.words); err != nil {
			b.Fatal(err)
		}
		items = append(items, k)
	}
	rows.Close()
	for i := range items {
		ws := cut(items[i].words)
		items[i].words, items[i].topics = strings.Join(ws, " "), dict.keptTopics(seg, ws)
	}
	cutting := time.Since(t0)
	t0 = time.Now()
	for start := 0; start < len(items); start += segmentBatch {
		if err := s.keep(ctx, items[start:min(start+segmentBatch, len(items))], ver); err != nil {
			b.Fatal(err)
		}
	}
	keeping := time.Since(t0)
	if _, err := s.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	var cells int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM appeal_topic_counts WHERE month = '2026-03' AND dim = 'all'`).Scan(&cells); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d appeals: inserted in %v, cut in %v, kept with their counts in %v (%.0f µs an appeal); %d count rows of the city in March",
		len(items), inserted.Round(time.Millisecond), cutting.Round(time.Millisecond), keeping.Round(time.Millisecond),
		float64(keeping.Microseconds())/float64(len(items)), cells)
	office := &auth.Actor{Name: "bench", Role: auth.RoleAdmin}
	sc, err := MonthScope("2026-03")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("counts", func(b *testing.B) {
		for b.Loop() {
			rep, err := s.Topics(ctx, office, sc)
			if err != nil || rep.Appeals != n {
				b.Fatalf("%v: %d appeals", err, rep.Appeals)
			}
		}
	})
	b.Run("by-appeal", func(b *testing.B) {
		for b.Loop() {
			now, before := map[string]int{}, map[string]int{}
			if got, _, err := s.countAppeals(ctx, sc, sc.Previous(), ver, now, before, map[string]bool{}); err != nil || got != n {
				b.Fatalf("%v: %d appeals", err, got)
			}
		}
	})
	b.Run("sql-like-peer", func(b *testing.B) {
		entries, err := s.loadDictionary(ctx)
		if err != nil {
			b.Fatal(err)
		}
		var sums []string
		var args []any
		for _, e := range entries {
			if e.Kind == KindTerm {
				sums = append(sums, "SUM(CASE WHEN a.title LIKE ? OR a.content LIKE ? THEN 1 ELSE 0 END)")
				args = append(args, "%"+e.Word+"%", "%"+e.Word+"%")
			}
		}
		cond, cargs := sc.where(sc.Previous().From, sc.To)
		q := `SELECT CASE WHEN a.received_at >= ? THEN 1 ELSE 0 END, ` + strings.Join(sums, ", ") + ` FROM appeals a WHERE ` + cond + ` GROUP BY 1`
		args = append(append([]any{store.Millis(sc.From.Start())}, args...), cargs...)
		for b.Loop() {
			rows, err := db.QueryContext(ctx, q, args...)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
			}
			rows.Close()
		}
	})
}
