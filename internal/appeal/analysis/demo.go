package analysis

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/workday"
)

// DemoInput is what the analysis demo takes: the office's account, the
// account of the owner unit's staff, and the owner unit.
type DemoInput struct {
	Office    *auth.Actor
	Owner     *auth.Actor // staff of OwnerUnit
	OwnerUnit int64
}

// LoadDemo makes a 问题清单 item of `serve --demo` the way the office
// would: it clusters the appeals of the last 30 days, takes the cluster
// about parking in 光谷软件园 (appeal.LoadDemo files it), puts it on the
// list two working days ago with 洪山区 as the owner unit, and the unit
// reports its progress twice since. Errors: NotFound (no such cluster),
// those of the domain methods.
func (s *Service) LoadDemo(ctx context.Context, in DemoInput) error {
	today := workday.Today(s.Now)
	when := func(n, hour int) *Service {
		o := s.Options
		t := s.Calendar.AddWorkdays(today, -n).Start().Add(time.Duration(hour) * time.Hour)
		o.Now = func() time.Time { return t }
		return New(s.db, o)
	}
	sc := Scope{From: today - 29, To: today}
	rep, err := when(2, 10).Clusters(ctx, in.Office, sc)
	if err != nil {
		return err
	}
	var key int64
	for _, c := range rep.Clusters {
		if strings.Contains(c.Title, "光谷软件园") {
			key = c.Key
			break
		}
	}
	if key == 0 {
		return fmt.Errorf("demo problem: no cluster about parking in 光谷软件园 among %d clusters", len(rep.Clusters))
	}
	p, err := when(2, 10).CreateProblemFromCluster(ctx, in.Office, ProblemInput{
		Title:       "光谷软件园停车难",
		Description: "光谷软件园多家企业反映园区停车位严重不足，员工只能在周边道路违停并被处罚。",
		Measures:    "洪山区牵头，会同交管部门和园区运营方：近期开放周边学校和商业停车场错时共享，施划临时停车位；中期在园区北侧地块建设立体停车场。",
		OwnerUnitID: in.OwnerUnit, LimitDays: 30,
	}, sc, key)
	if err != nil {
		return fmt.Errorf("demo problem: %w", err)
	}
	for _, u := range []struct {
		n, hour, progress int
		note              string
	}{
		{1, 11, 20, "已与园区运营方和周边两所学校签订错时共享停车协议，晚间和周末开放车位 300 个。"},
		{1, 16, 40, "交管部门已在园区东侧道路施划临时停车位 120 个；立体停车场完成选址，正在办理用地手续。"},
	} {
		if _, err := when(u.n, u.hour).ReportProgress(ctx, in.Owner, p.ID, u.progress, u.note); err != nil {
			return fmt.Errorf("demo problem progress: %w", err)
		}
	}
	return nil
}
