package app_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/appeal/analysis"
	"github.com/qinqing/qinqing/internal/workday"
)

// TestTopicCountsFollowDispatch: the hot topics' counts are kept inside
// the appeals' own transitions as wired in the app — an appeal dispatched
// to another unit after its words were kept counts for that unit at once,
// as a count appeal by appeal says.
func TestTopicCountsFollowDispatch(t *testing.T) {
	f := newOwnershipFixture(t)
	s, ctx := f.app, context.Background()
	var numbers []string
	for _, c := range []string{"新厂房施工许可审批超时，影响开工。", "施工许可审批超时二十个工作日。", "施工许可一直审查中，设备无法进场。"} {
		ap, _, err := s.Appeals.File(ctx, f.actors["E1"], appeal.Intake{Category: "审批服务", Title: "施工许可审批超时", Content: c})
		if err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, ap.Number)
	}
	if st, err := s.Analysis.Refresh(ctx); err != nil || st.Segmented != 3 {
		t.Fatalf("refresh: %+v %v", st, err)
	}
	if _, err := s.Appeals.Dispatch(ctx, f.actors["A"], numbers[0], appeal.DispatchInput{UnitID: *f.actors["UO"].UnitID}); err != nil {
		t.Fatal(err)
	}
	month, err := analysis.MonthScope(time.Now().In(workday.Shanghai).Format("2006-01"))
	if err != nil {
		t.Fatal(err)
	}
	reports := func() map[string]*analysis.TopicReport {
		t.Helper()
		out := map[string]*analysis.TopicReport{}
		for _, key := range []string{"UC", "UO"} {
			sc := month
			sc.UnitID = *f.actors[key].UnitID
			rep, err := s.Analysis.Topics(ctx, f.actors["A"], sc)
			if err != nil {
				t.Fatal(err)
			}
			rep.Segmented = 0
			out[key] = rep
		}
		return out
	}
	summed := reports()
	if summed["UC"].Appeals != 2 || summed["UO"].Appeals != 1 {
		t.Fatalf("appeals by unit after the dispatch: UC %d, UO %d; want 2, 1", summed["UC"].Appeals, summed["UO"].Appeals)
	}
	// The same dictionary under a new version: counted appeal by appeal.
	if _, err := s.Analysis.AddWord(ctx, f.actors["A"], "施工许可", analysis.KindTerm); err != nil {
		t.Fatal(err)
	}
	if byAppeal := reports(); !reflect.DeepEqual(summed, byAppeal) {
		t.Errorf("summed %+v\nappeal by appeal %+v", summed, byAppeal)
	}
}
