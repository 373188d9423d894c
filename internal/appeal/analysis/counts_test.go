package analysis_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/appeal/analysis"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
)

// TestTopicCounts checks that a month's topics summed from the kept counts
// equal the topics counted appeal by appeal — after the words are kept,
// after appeals move to another unit or are merged (Observe, as in an
// appeal's transition), and after the dictionary changes and Refresh
// recounts — on both databases, by month, district, category and unit.
func TestTopicCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		texts := []struct{ cat, district, title, content string }{
			{"拖欠账款", "江夏区", "国企拖欠账款", "某国企拖欠账款半年，资金周转困难。"},
			{"拖欠账款", "江夏区", "工程款被拖欠", "区城投拖欠工程款一年未付，资金周转困难。"},
			{"用地规划", "洪山区", "园区停车难", "园区门口没有停车位，员工违停被罚。"},
			{"用地规划", "洪山区", "停车位不足", "写字楼停车位不足，停车收费太高。"},
			{"水电气网", "汉阳区", "园区频繁停电", "道路施工挖断电缆，园区一周停电三次。"},
			{"用工社保", "汉阳区", "招工难", "普工招工难，缺口五十人，希望组织招聘会。"},
		}
		var ids []int64
		for i := range 24 {
			tx := texts[i%len(texts)]
			at := day(2, 3+i%20)
			if i%3 != 0 {
				at = day(3, 2+i%25)
			}
			ids = append(ids, e.file(t, int64(30+i), tx.cat, tx.district, tx.title, tx.content, at, false))
		}
		other := *e.other.UnitID
		if _, err := db.ExecContext(e.ctx, `UPDATE appeals SET unit_id = CASE WHEN id % 2 = 0 THEN CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) END`, e.unitID, other); err != nil {
			t.Fatal(err)
		}
		march, err := analysis.MonthScope("2026-03")
		if err != nil {
			t.Fatal(err)
		}
		scopes := []analysis.Scope{march}
		for _, f := range []func(*analysis.Scope){
			func(s *analysis.Scope) { s.District = "江夏区" },
			func(s *analysis.Scope) { s.Category = "用地规划" },
			func(s *analysis.Scope) { s.UnitID = e.unitID },
			func(s *analysis.Scope) { s.UnitID = other },
			func(s *analysis.Scope) { s.UnitID = other; s.District = "洪山区" }, // two filters: appeal by appeal
		} {
			sc := march
			f(&sc)
			scopes = append(scopes, sc)
		}
		report := func(sc analysis.Scope) *analysis.TopicReport {
			t.Helper()
			rep, err := e.svc.Topics(e.ctx, e.office, sc)
			if err != nil {
				t.Fatal(err)
			}
			rep.Segmented = 0
			return rep
		}
		// byAppeal makes the counts stale (the dictionary's version moves
		// on without a change of content) and counts appeal by appeal.
		byAppeal := func() []*analysis.TopicReport {
			t.Helper()
			if _, err := e.svc.AddWord(e.ctx, e.office, "拖欠账款", analysis.KindTerm); err != nil {
				t.Fatal(err)
			}
			var out []*analysis.TopicReport
			for _, sc := range scopes {
				out = append(out, report(sc))
			}
			return out
		}
		// summed recounts and reads the counts.
		summed := func(want []*analysis.TopicReport) {
			t.Helper()
			if _, err := e.svc.Refresh(e.ctx); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM appeal_topic_state WHERE dict_version = counted_version`).Scan(&n); err != nil || n != 1 {
				t.Fatalf("the counts are not current after Refresh (%v)", err)
			}
			for i, sc := range scopes {
				got := report(sc)
				if !reflect.DeepEqual(got, want[i]) {
					t.Errorf("scope %+v: summed %+v\nappeal by appeal %+v", sc, got, want[i])
				}
				if got.Appeals == 0 || len(got.Topics) == 0 {
					t.Errorf("scope %+v: nothing counted", sc)
				}
			}
		}
		summed(byAppeal())

		// Appeals move: one to the other unit and district, one merged.
		move := func(id int64, set string, args ...any) {
			t.Helper()
			before := e.appealOf(t, id)
			err := db.InTx(e.ctx, func(tx *store.Tx) error {
				if _, err := tx.ExecContext(e.ctx, `UPDATE appeals SET `+set+` WHERE id = ?`, append(args, id)...); err != nil {
					return err
				}
				return e.svc.Observe(e.ctx, tx, appeal.Change{Before: before, After: e.appealOfTx(t, tx, id)})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		move(ids[1], "unit_id = ?, district = ?", other, "洪山区")
		move(ids[4], "status = 'merged'")
		move(ids[2], "unit_id = ?", e.unitID)
		// The counts moved with them, without a recount.
		var moved []*analysis.TopicReport
		for _, sc := range scopes {
			moved = append(moved, report(sc))
		}
		want := byAppeal()
		if !reflect.DeepEqual(moved, want) {
			t.Errorf("after the moves, summed %+v\nappeal by appeal %+v", moved, want)
		}
		summed(want)

		// The office's dictionary changes.
		if _, err := e.svc.AddWord(e.ctx, e.office, "停车", analysis.KindStop); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AddWord(e.ctx, e.office, "招工难", analysis.KindTerm); err != nil {
			t.Fatal(err)
		}
		want = byAppeal()
		for _, tp := range want[0].Topics {
			if tp.Word == "停车" {
				t.Errorf("停车 is a stop word and a topic")
			}
		}
		summed(want)
	})
}

// appealOf reads the facts of an appeal the topic counts depend on.
func (e *env) appealOf(t *testing.T, id int64) *appeal.Appeal {
	t.Helper()
	var a *appeal.Appeal
	err := e.db.InTx(e.ctx, func(tx *store.Tx) error { a = e.appealOfTx(t, tx, id); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (e *env) appealOfTx(t *testing.T, tx *store.Tx, id int64) *appeal.Appeal {
	t.Helper()
	a := &appeal.Appeal{ID: id}
	var at int64
	var unit *int64
	var status string
	if err := tx.QueryRowContext(context.WithoutCancel(e.ctx), `SELECT received_at, COALESCE(district, ''), category, unit_id, status FROM appeals WHERE id = ?`, id).
		Scan(&at, &a.District, &a.Category, &unit, &status); err != nil {
		t.Fatal(err)
	}
	a.ReceivedAt, a.UnitID, a.Status = time.UnixMilli(at), unit, appeal.Status(status)
	return a
}
