package analysis_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/appeal/analysis"
	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
	"github.com/qinqing/qinqing/internal/workday"
)

type env struct {
	ctx    context.Context
	db     *store.DB
	svc    *analysis.Service
	now    time.Time
	office *auth.Actor
	leader *auth.Actor
	unit   *auth.Actor // staff of the owner unit
	other  *auth.Actor // staff of another unit
	ent    *auth.Actor
	unitID int64
	seq    int
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	e := &env{ctx: audit.WithActor(context.Background(), audit.Who{Name: "test"}), db: db,
		now: time.Date(2026, 3, 20, 10, 0, 0, 0, workday.Shanghai)}
	log := &audit.Log{DB: db, Now: func() time.Time { return e.now }}
	units := org.New(db, org.Options{Audit: log, Now: func() time.Time { return e.now }})
	op := auth.Operator("test")
	u, err := units.CreateUnit(e.ctx, op, org.UnitInput{Name: "市城管执法委", Kind: org.KindDepartment})
	if err != nil {
		t.Fatal(err)
	}
	o, err := units.CreateUnit(e.ctx, op, org.UnitInput{Name: "市商务局", Kind: org.KindDepartment})
	if err != nil {
		t.Fatal(err)
	}
	e.unitID = u.ID
	e.svc = analysis.New(db, analysis.Options{Audit: log, Units: units, Now: func() time.Time { return e.now }})
	entID := int64(7)
	e.office = &auth.Actor{UserID: 1, Name: "office", Role: auth.RoleAdmin}
	e.leader = &auth.Actor{UserID: 2, Name: "leader", Role: auth.RoleLeader}
	e.unit = &auth.Actor{UserID: 3, Name: "unit", Role: auth.RoleUnitStaff, UnitID: &u.ID}
	e.other = &auth.Actor{UserID: 4, Name: "other", Role: auth.RoleUnitStaff, UnitID: &o.ID}
	e.ent = &auth.Actor{UserID: 5, Name: "ent", Role: auth.RoleEnterprise, EnterpriseID: &entID}
	return e
}

// file inserts an appeal as intake would leave it; the analysis reads
// only the appeals table.
func (e *env) file(t *testing.T, ent int64, category, district, title, content string, at time.Time, publish bool) int64 {
	t.Helper()
	e.seq++
	var id int64
	err := e.db.InTx(e.ctx, func(tx *store.Tx) error {
		var entID any
		if ent != 0 {
			if _, err := tx.ExecContext(e.ctx, `INSERT INTO enterprises (id, uscc, name, created_at, updated_at) VALUES (?, ?, ?, 0, 0)
				ON CONFLICT DO NOTHING`, ent, "USCC"+time.Duration(ent).String(), "企业"+time.Duration(ent).String()); err != nil {
				return err
			}
			entID = ent
		}
		return tx.QueryRowContext(e.ctx, `INSERT INTO appeals (number, client, external_ref, channel, enterprise_id, enterprise_name, contact_name, contact_phone,
		district, category, urgency, title, content, publish, received_at, created_at, status, updated_at)
		VALUES (?, 'test', ?, 'portal', ?, ?, '张三', '13800000000', ?, ?, '一般', ?, ?, ?, ?, ?, 'handling', ?) RETURNING id`,
			"QS2026-"+string(rune('A'+e.seq%26))+time.Duration(e.seq).String(), time.Duration(e.seq).String(), entID, "企业"+time.Duration(ent).String(),
			district, category, title, content, publish, store.Millis(at), store.Millis(at), store.Millis(at)).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func day(m time.Month, d int) time.Time { return time.Date(2026, m, d, 9, 0, 0, 0, workday.Shanghai) }

func TestTopics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		// February: one appeal on arrears. March: four on arrears (the
		// dictionary's term, written inside longer sentences), two on
		// parking.
		e.file(t, 1, "拖欠账款", "江夏区", "工程款被拖欠", "区城投拖欠账款一年未付。", day(2, 10), false)
		e.file(t, 1, "其他", "江夏区", "园区停车难", "园区门口没有停车位。", day(2, 12), false)
		e.file(t, 1, "其他", "江夏区", "停车收费", "停车收费不合理。", day(2, 13), false)
		for i := range 4 {
			e.file(t, int64(10+i), "拖欠账款", "江夏区", "国企拖欠账款", "某国企拖欠账款半年，资金周转困难。", day(3, 2+i), false)
		}
		e.file(t, 20, "其他", "洪山区", "停车位不足", "写字楼停车位不足。", day(3, 9), false)
		e.file(t, 21, "其他", "洪山区", "停车收费高", "停车收费太高。", day(3, 10), false)
		sc, err := analysis.MonthScope("2026-03")
		if err != nil {
			t.Fatal(err)
		}
		t.Run("ErrForbidden", func(t *testing.T) {
			for _, a := range []*auth.Actor{e.unit, e.ent} {
				if _, err := e.svc.Topics(e.ctx, a, sc); errs.CodeOf(err) != errs.Forbidden {
					t.Errorf("%s: %v, want forbidden", a.Name, err)
				}
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			if _, err := analysis.MonthScope("2026/3"); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("bad month: %v", err)
			}
			if _, err := e.svc.Topics(e.ctx, e.office, analysis.Scope{From: sc.To, To: sc.From}); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("reversed scope: %v", err)
			}
		})
		t.Run("OK", func(t *testing.T) {
			rep, err := e.svc.Topics(e.ctx, e.leader, sc)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Appeals != 6 || rep.PrevAppeals != 3 || rep.Segmented != 9 {
				t.Fatalf("appeals %d prev %d segmented %d, want 6 3 9", rep.Appeals, rep.PrevAppeals, rep.Segmented)
			}
			top := rep.Topics[0]
			if top.Word != "拖欠账款" || !top.Term || top.Appeals != 4 || top.Prev != 1 || !top.Rising || top.Falling ||
				math.Abs(top.PrevShare-1.0/3) > 1e-9 || math.Abs(top.Share-4.0/6) > 1e-9 {
				t.Errorf("top topic %+v, want 拖欠账款 term 4 (prev 1) rising", top)
			}
			// The term covers its words: 拖欠 and 账款 are not topics of
			// their own.
			for _, tp := range rep.Topics {
				if tp.Word == "拖欠" || tp.Word == "账款" || tp.Word == "企业" {
					t.Errorf("%q is a topic: %+v", tp.Word, tp)
				}
			}
			i := slices.IndexFunc(rep.Topics, func(tp analysis.Topic) bool { return tp.Word == "停车" })
			if i < 0 || rep.Topics[i].Appeals != 2 || rep.Topics[i].Prev != 2 || rep.Topics[i].Rising || rep.Topics[i].Falling {
				t.Errorf("停车: %+v (index %d), want 2, prev 2, neither rising nor falling (share 2/3 → 1/3 from two appeals)", rep.Topics, i)
			}
			if !slices.ContainsFunc(rep.Rising, func(tp analysis.Topic) bool { return tp.Word == "拖欠账款" }) {
				t.Errorf("rising %+v", rep.Rising)
			}
			// A second report cuts nothing again.
			again, err := e.svc.Topics(e.ctx, e.office, sc)
			if err != nil || again.Segmented != 0 {
				t.Errorf("again: segmented %d, %v", again.Segmented, err)
			}
			// By district.
			sc2 := sc
			sc2.District = "洪山区"
			rep, err = e.svc.Topics(e.ctx, e.office, sc2)
			if err != nil || rep.Appeals != 2 || rep.Topics[0].Word != "停车" {
				t.Errorf("洪山区: %+v, %v", rep, err)
			}
		})
		t.Run("Dictionary", func(t *testing.T) {
			if _, err := e.svc.AddWord(e.ctx, e.leader, "资金周转", analysis.KindTerm); errs.CodeOf(err) != errs.Forbidden {
				t.Errorf("leader adds: %v", err)
			}
			if _, err := e.svc.AddWord(e.ctx, e.office, "资金 周转", analysis.KindTerm); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("a space: %v", err)
			}
			if _, err := e.svc.AddWord(e.ctx, e.office, "资金周转困难", analysis.KindTerm); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.AddWord(e.ctx, e.office, "停车", analysis.KindStop); err != nil {
				t.Fatal(err)
			}
			rep, err := e.svc.Topics(e.ctx, e.office, sc)
			if err != nil {
				t.Fatal(err)
			}
			words := map[string]analysis.Topic{}
			for _, tp := range rep.Topics {
				words[tp.Word] = tp
			}
			if tp, ok := words["资金周转困难"]; !ok || !tp.Term || tp.Appeals != 4 {
				t.Errorf("the new term: %+v", tp)
			}
			if _, ok := words["停车"]; ok {
				t.Errorf("停车 is a stop word now and still a topic")
			}
			if err := e.svc.RemoveWord(e.ctx, e.office, "停车"); err != nil {
				t.Fatal(err)
			}
			if err := e.svc.RemoveWord(e.ctx, e.office, "停车"); errs.CodeOf(err) != errs.NotFound {
				t.Errorf("removed twice: %v", err)
			}
		})
	})
}

func TestClustersProblemsBoard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		var group []int64
		for i, txt := range []string{
			"光谷三路道路施工挖断电缆，园区这周已经停电三次，生产线停工，请供电公司尽快恢复供电。",
			"因光谷三路修路施工，电缆被挖断，我们园区本周停电三次，生产线无法开工，希望尽快恢复供电。",
			"光谷三路施工把电缆挖断了，园区一周内停电三次，车间停工损失很大，请协调供电公司恢复供电。",
		} {
			group = append(group, e.file(t, int64(30+i), "水电气网", "东湖新技术开发区", "园区停电", txt, day(3, 3+i), i != 1))
		}
		rep1 := e.file(t, 40, "税费服务", "武昌区", "退税慢", "出口退税申报后三个月仍未到账，请税务部门帮忙查询进度。", day(3, 4), true)
		rep2 := e.file(t, 40, "税费服务", "武昌区", "退税仍未到账", "出口退税申报三个月了仍未到账，请税务部门帮忙查询退税进度。", day(3, 11), true)
		e.file(t, 41, "用工社保", "汉阳区", "招工难", "春节后招工难，普工缺口五十人，希望组织专场招聘会。", day(3, 5), true)
		sc, _ := analysis.MonthScope("2026-03")
		if _, err := e.svc.Clusters(e.ctx, e.unit, sc); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("unit: %v", err)
		}
		rep, err := e.svc.Clusters(e.ctx, e.office, sc)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Appeals != 6 || len(rep.Clusters) != 1 || len(rep.Repeats) != 1 {
			t.Fatalf("report %+v", rep)
		}
		c := rep.Clusters[0]
		var ids []int64
		for _, ca := range c.Appeals {
			ids = append(ids, ca.ID)
		}
		if !slices.Equal(ids, group) || c.Enterprises != 3 || c.Key != group[0] || c.Category != "水电气网" || c.Repeated {
			t.Errorf("cluster %+v, want appeals %v", c, group)
		}
		if r := rep.Repeats[0]; !r.Repeated || r.Size != 2 || r.Appeals[0].ID != rep1 || r.Appeals[1].ID != rep2 {
			t.Errorf("repeat %+v", r)
		}

		in := analysis.ProblemInput{Title: "光谷三路施工反复停电", Description: "道路施工挖断电缆，沿线园区反复停电。",
			Measures: "施工前管线交底，供电公司驻场抢修。", OwnerUnitID: e.unitID, LimitDays: 10, AppealIDs: ids}
		t.Run("ErrCreate", func(t *testing.T) {
			if _, err := e.svc.CreateProblem(e.ctx, e.leader, in); errs.CodeOf(err) != errs.Forbidden {
				t.Errorf("leader: %v", err)
			}
			bad := in
			bad.LimitDays = 0
			if _, err := e.svc.CreateProblem(e.ctx, e.office, bad); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("no limit: %v", err)
			}
			bad = in
			bad.AppealIDs = []int64{ids[0], 999999}
			if _, err := e.svc.CreateProblem(e.ctx, e.office, bad); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("unknown appeal: %v", err)
			}
			if ps, n, err := e.svc.FindProblems(e.ctx, e.office, analysis.ProblemFilter{}); err != nil || n != 0 || len(ps) != 0 {
				t.Errorf("a refused problem was written: %d %v", n, err)
			}
		})
		p, err := e.svc.CreateProblem(e.ctx, e.office, in)
		if err != nil {
			t.Fatal(err)
		}
		// 2026-03-20 is a Friday: ten working days later is 2026-04-03
		// (no holiday before 清明 on 4-4…4-6).
		if p.DueDate.String() != "2026-04-03" || p.Appeals != 3 || p.Status != analysis.ProblemOpen {
			t.Errorf("problem %+v", p)
		}
		if _, err := e.svc.FindProblemByID(e.ctx, e.other, p.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("another unit reads it: %v", err)
		}
		if _, err := e.svc.ReportProgress(e.ctx, e.other, p.ID, 50, "x"); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("another unit reports: %v", err)
		}
		if ps, n, err := e.svc.FindProblems(e.ctx, e.other, analysis.ProblemFilter{}); err != nil || n != 0 || len(ps) != 0 {
			t.Errorf("another unit lists %d, %v", n, err)
		}
		if _, err := e.svc.ReportProgress(e.ctx, e.unit, p.ID, 101, "过了"); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("101 %%: %v", err)
		}
		e.now = e.now.Add(24 * time.Hour)
		if p, err = e.svc.ReportProgress(e.ctx, e.unit, p.ID, 60, "已完成管线交底，抢修队驻场。"); err != nil {
			t.Fatal(err)
		}
		if p.Progress != 60 || len(p.Updates) != 1 {
			t.Errorf("after the update %+v", p)
		}
		if Can := analysis.PermittedOn(e.unit, p); !Can.Report || Can.Close {
			t.Errorf("unit may %+v", Can)
		}
		if _, err := e.svc.CloseProblem(e.ctx, e.unit, p.ID, "好了"); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("the unit closes: %v", err)
		}

		b, err := e.svc.PublicBoard(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Items) != 1 || b.Open != 1 {
			t.Fatalf("board %+v", b)
		}
		it := b.Items[0]
		// Two of the three appeals agreed to publication.
		if it.Title != in.Title || it.Progress != 60 || it.Appeals != 3 || it.PublishedN != 2 || len(it.Updates) != 1 || it.OwnerUnit != "市城管执法委" {
			t.Errorf("board item %+v", it)
		}
		if it.Published[0].Month != "2026-03" || it.Published[0].District != "东湖新技术开发区" {
			t.Errorf("published %+v", it.Published)
		}
		counted := 0
		for _, ba := range it.Published {
			counted += ba.Count
		}
		if counted != 2 {
			t.Errorf("the published rows count %d appeals, want 2: %+v", counted, it.Published)
		}
		if got, err := e.svc.PublicBoardItem(e.ctx, it.Slug); err != nil || got.Title != in.Title {
			t.Errorf("by slug: %v", err)
		}
		if _, err := e.svc.PublicBoardItem(e.ctx, "1"); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("by id: %v", err)
		}

		if p, err = e.svc.CloseProblem(e.ctx, e.office, p.ID, "施工结束，供电恢复，三家企业确认。"); err != nil {
			t.Fatal(err)
		}
		if p.Status != analysis.ProblemClosed || p.Progress != 100 {
			t.Errorf("closed %+v", p)
		}
		if _, err := e.svc.CloseProblem(e.ctx, e.office, p.ID, "again"); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("closed twice: %v", err)
		}
		if _, err := e.svc.ReportProgress(e.ctx, e.unit, p.ID, 100, "x"); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("report on closed: %v", err)
		}
		if b, err = e.svc.PublicBoard(e.ctx); err != nil || b.Closed != 1 || b.Items[0].Status != analysis.ProblemClosed {
			t.Errorf("the board after 销号: %+v %v", b, err)
		}
		sums, err := e.svc.LinkSummaries(e.ctx, e.leader, []int64{p.ID, 4242})
		if err != nil || len(sums) != 1 || sums[p.ID].Title != in.Title {
			t.Errorf("link summaries %+v %v", sums, err)
		}
	})
}

// TestClusterMassComplaint: more appeals than a posted list may name send
// one text; the report counts them all and lists the first by receipt,
// and the office makes a 问题清单 item of the whole cluster by its scope
// and key.
func TestClusterMassComplaint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		const n = 1010
		districts := []string{"江岸区", "江汉区", "汉阳区"}
		ids := make([]int64, n)
		var last time.Time
		for i := range ids {
			at := day(3, 1+i%28).Add(time.Duration(i) * time.Second)
			if at.After(last) {
				last = at
			}
			ids[i] = e.file(t, int64(100+i), "水电气网", districts[i%len(districts)], "园区供水管网老化频繁停水",
				"园区供水管网老化，本月已停水四次，生产受到影响，请水务部门尽快改造管网。", at, i%2 == 0)
		}
		e.file(t, 50, "税费服务", "武昌区", "退税慢", "出口退税申报后三个月仍未到账，请税务部门帮忙查询进度。", day(3, 4), true)
		sc, _ := analysis.MonthScope("2026-03")
		rep, err := e.svc.Clusters(e.ctx, e.office, sc)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Appeals != n+1 || len(rep.Clusters) != 1 || len(rep.Repeats) != 0 {
			t.Fatalf("report: %d appeals, %d clusters, %d repeats", rep.Appeals, len(rep.Clusters), len(rep.Repeats))
		}
		c := rep.Clusters[0]
		if c.Size != n || c.Enterprises != n || len(c.Appeals) != 20 || c.Key != ids[0] || c.Appeals[0].ID != ids[0] || c.Appeals[1].ID != ids[28] {
			t.Errorf("cluster: size %d, %d enterprises, %d listed, key %d (want %d), second %d (want %d)",
				c.Size, c.Enterprises, len(c.Appeals), c.Key, ids[0], c.Appeals[1].ID, ids[28])
		}
		if !c.First.Equal(day(3, 1)) || !c.Last.Equal(last) {
			t.Errorf("span %v – %v", c.First, c.Last)
		}

		in := analysis.ProblemInput{Title: "园区供水管网老化", Description: "多家企业反映园区频繁停水。", OwnerUnitID: e.unitID, LimitDays: 20}
		all := in
		all.AppealIDs = ids
		if _, err := e.svc.CreateProblem(e.ctx, e.office, all); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("%d posted ids: %v", n, err)
		}
		if _, err := e.svc.CreateProblemFromCluster(e.ctx, e.unit, in, sc, c.Key); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("unit: %v", err)
		}
		if _, err := e.svc.CreateProblemFromCluster(e.ctx, e.office, in, sc, ids[1]); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("a key that is no cluster's: %v", err)
		}
		if _, err := e.svc.CreateProblemFromCluster(e.ctx, e.office, in, analysis.Scope{From: sc.From, To: sc.To, District: "江岸区", Category: "税费服务"}, c.Key); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("another scope: %v", err)
		}
		bad := in
		bad.Description = ""
		if _, err := e.svc.CreateProblemFromCluster(e.ctx, e.office, bad, sc, c.Key); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("no description: %v", err)
		}
		if ps, total, err := e.svc.FindProblems(e.ctx, e.office, analysis.ProblemFilter{}); err != nil || total != 0 || len(ps) != 0 {
			t.Errorf("a refused problem was written: %d %v", total, err)
		}
		p, err := e.svc.CreateProblemFromCluster(e.ctx, e.office, in, sc, c.Key)
		if err != nil {
			t.Fatal(err)
		}
		if p.Appeals != n || len(p.AppealList) != n {
			t.Errorf("the problem links %d appeals (%d listed), want %d", p.Appeals, len(p.AppealList), n)
		}
		if first := p.FirstAppeals(50); len(first) != 50 || first[0].ID != ids[0] || first[1].ID != ids[28] {
			t.Errorf("its page lists %d appeals first", len(first))
		}
		b, err := e.svc.PublicBoard(e.ctx)
		if err != nil || len(b.Items) != 1 || b.Items[0].Appeals != n {
			t.Errorf("board %+v %v", b, err)
		}
	})
}
