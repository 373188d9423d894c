package report

import (
	"context"
	"fmt"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/workday"
)

// LoadDemo makes the reports of `serve --demo` as the office and the job
// would have left them: the month before last's generated, its text
// sections written and published, and last month's a draft, as the job
// generates it on the first working day. Errors: those of Generate, SaveSections and
// Publish.
func (s *Service) LoadDemo(ctx context.Context, office *auth.Actor) error {
	today := workday.Today(s.Now)
	y, m, _ := today.YMD()
	first := workday.NewDate(y, m, 1)
	last := first - 1
	ly, lm, _ := last.YMD()
	before := (workday.NewDate(ly, lm, 1) - 1).String()[:7]
	r, err := s.Generate(ctx, office, before)
	if err != nil {
		return fmt.Errorf("demo report: %w", err)
	}
	f := r.Figures
	intro := fmt.Sprintf("%s，全市各责任单位坚持接诉即办，共受理企业诉求 %d 件，办结 %d 件。", f.MonthLabel, f.Current.Received, f.Current.Closed)
	sugg := "一是对超期未办结诉求逐件督办，限期办结；二是对热点问题开展专题分析，纳入问题清单整改；三是排名靠后和亮红灯的单位要对照问题，提出整改措施。"
	if _, err := s.SaveSections(ctx, office, r.ID, Sections{Intro: intro, Suggestions: sugg}); err != nil {
		return fmt.Errorf("demo report: %w", err)
	}
	if _, err := s.Publish(ctx, office, r.ID); err != nil {
		return fmt.Errorf("demo report: %w", err)
	}
	if _, err := s.Generate(ctx, office, last.String()[:7]); err != nil {
		return fmt.Errorf("demo report: %w", err)
	}
	return nil
}
