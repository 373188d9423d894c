package network

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/workday"
)

// demoStations are the service stations of `serve --demo`.
var demoStations = []StationInput{
	{Name: "洪山区中小企业服务站", Address: "洪山区珞喻路 456 号", District: "420111", Coverage: []string{"珞南街道", "关山街道", "卓刀泉街道", "洪山街道"}},
	{Name: "江岸区中小企业服务站", Address: "江岸区沿江大道 188 号", District: "420102", Coverage: []string{"大智街道", "后湖街道", "塔子湖街道"}},
	{Name: "武昌区中小企业服务站", Address: "武昌区中北路 99 号", District: "420106", Coverage: []string{"中南路街道", "水果湖街道"}},
}

// DemoSpecialist is one specialist of the demo network: the account's
// username, its station and its grid.
type DemoSpecialist struct {
	Username string
	Station  string // a demo station's name
	Grid     []GridCell
}

// DemoSpecialists are the specialists of `serve --demo`, each with a few
// streets (a few hundred enterprises, as Wuhan's 2,000 specialists for
// 950,000 private enterprises would have). The first is the demo login
// "specialist". Enterprises outside every grid — other streets, unknown
// streets, other districts — stay unassigned, as the coverage report of a
// network still growing shows.
var DemoSpecialists = []DemoSpecialist{
	{Username: "specialist", Station: "洪山区中小企业服务站", Grid: streets("420111", "珞南街道", "关山街道", "卓刀泉街道")},
	{Username: "hs_zhou", Station: "洪山区中小企业服务站", Grid: streets("420111", "狮子山街道", "张家湾街道", "梨园街道", "洪山街道")},
	{Username: "ja_wang", Station: "江岸区中小企业服务站", Grid: streets("420102", "大智街道", "一元街道", "车站街道", "后湖街道")},
	{Username: "wc_li", Station: "武昌区中小企业服务站", Grid: streets("420106", "中南路街道", "水果湖街道", "珞珈山街道")},
}

// streets is the grid of the named streets of a district.
func streets(district string, names ...string) []GridCell {
	out := make([]GridCell, len(names))
	for i, n := range names {
		out[i] = GridCell{District: district, Street: n}
	}
	return out
}

// demoVisitContent are what the demo visits were about, and what some
// enterprises raised.
var demoVisitContent = []struct{ content, problems string }{
	{"了解企业生产经营情况和全年用工计划", ""},
	{"宣讲高新技术企业认定和研发费用加计扣除政策", "希望简化研发费用归集的材料"},
	{"走访了解扩产计划，收集用地需求", "扩产用地指标紧张"},
	{"对接银行普惠金融产品", "流动资金贷款审批周期长"},
	{"回访上次反映的问题办理情况", ""},
	{"帮助企业完善一企一档信息", ""},
	{"了解招工情况，推送稳岗补贴政策", "一线技术工人招聘难"},
	{"协调水电气报装进度", "新厂房用电增容报装进度慢"},
}

// demoHistoryDays is how long ago the demo network began: the enterprises
// were assigned then, and the visits fall between then and today.
const demoHistoryDays = 180

// LoadDemo builds the service network of `serve --demo` on an empty
// network: the demo stations, the specialists (userID resolves a demo
// username to its account) with their grids, every enterprise in a grid
// assigned as of half a year ago, and half a year of visits — about a
// quarter of the enterprises not visited within ReminderDays, so that the
// workbench and the reminders have something to say — and then the visit
// reminders. own, if not 0, is the demo enterprise account's enterprise:
// the first specialist looks after it, with a recent visit. For the demo
// loader only. Errors: those of CreateStation, SaveSpecialist, Assign,
// Reassign and RecordVisit; Invalid for a username userID does not know.
func (s *Service) LoadDemo(ctx context.Context, userID func(username string) int64, own int64) error {
	admin := auth.Operator("demo")
	stations := map[string]int64{}
	for _, in := range demoStations {
		st, err := s.CreateStation(ctx, admin, in)
		if err != nil {
			return fmt.Errorf("demo station %s: %w", in.Name, err)
		}
		stations[in.Name] = st.ID
	}
	today := workday.Today(s.now)
	// The network as it was half a year ago: assignments carry that date.
	then := *s
	then.Now = func() time.Time { return s.now().AddDate(0, 0, -demoHistoryDays) }
	ids := make([]int64, len(DemoSpecialists))
	for i, d := range DemoSpecialists {
		if ids[i] = userID(d.Username); ids[i] == 0 {
			return fmt.Errorf("demo specialist %s: no such account", d.Username)
		}
		if _, err := s.SaveSpecialist(ctx, admin, ids[i], SpecialistInput{StationID: stations[d.Station], Grid: d.Grid}); err != nil {
			return fmt.Errorf("demo specialist %s: %w", d.Username, err)
		}
	}
	if _, err := then.Assign(ctx, admin, AssignOptions{}); err != nil {
		return fmt.Errorf("demo assignment: %w", err)
	}
	if own != 0 {
		if a, err := s.FindAssignment(ctx, admin, own); err != nil || a == nil || a.SpecialistID != ids[0] {
			if _, err := then.Reassign(ctx, admin, own, ids[0]); err != nil {
				return fmt.Errorf("demo assignment of the demo enterprise: %w", err)
			}
		}
	}
	for i, d := range DemoSpecialists {
		u, err := s.Auth.FindUserByID(ctx, ids[i])
		if err != nil {
			return err
		}
		sp := &auth.Actor{UserID: u.ID, Name: u.Username, DisplayName: u.DisplayName, Role: auth.RoleSpecialist}
		vctx := audit.WithActor(ctx, audit.Who{UserID: &u.ID, Name: u.Username})
		var list []AssignedEnterprise
		for {
			page, total, err := s.FindAssigned(ctx, admin, ids[i], AssignedFilter{Limit: 500, Offset: len(list)})
			if err != nil {
				return err
			}
			list = append(list, page...)
			if len(page) == 0 || len(list) >= total {
				break
			}
		}
		for _, e := range list {
			for _, date := range demoVisitDates(e.EnterpriseID, e.EnterpriseID == own, today) {
				c := demoVisitContent[hash(e.EnterpriseID, int64(date))%uint64(len(demoVisitContent))]
				form := VisitForms[hash(int64(date), e.EnterpriseID)%uint64(len(VisitForms))]
				if _, err := s.RecordVisit(vctx, sp, VisitInput{EnterpriseID: e.EnterpriseID, Date: date, Form: form,
					Content: c.content, Problems: c.problems}); err != nil {
					return fmt.Errorf("demo visit by %s: %w", d.Username, err)
				}
			}
		}
	}
	_, err := s.RemindOverdue(ctx)
	return err
}

// demoVisitDates returns the dates on which enterprise id was visited in
// the demo, oldest first: none for one in ten; else a last visit within the
// last 110 days (so about one in five is past the 90-day reminder period)
// and up to two earlier ones a month or two apart. The demo enterprise
// (own) was visited last week and four months ago.
func demoVisitDates(id int64, own bool, today workday.Date) []workday.Date {
	if own {
		return []workday.Date{today.AddDays(-120), today.AddDays(-7)}
	}
	h := hash(id, 0)
	if h%10 == 0 {
		return nil
	}
	day := 1 + int(h/10%110)
	out := []workday.Date{today.AddDays(-day)}
	for k := range int(h / 1100 % 3) {
		day += 30 + int(hash(id, int64(k+1))%30)
		if day >= demoHistoryDays {
			break
		}
		out = append([]workday.Date{today.AddDays(-day)}, out...)
	}
	return out
}

// hash mixes two numbers into a stable pseudo-random one.
func hash(a, b int64) uint64 {
	f := fnv.New64a()
	var buf [16]byte
	for i := range 8 {
		buf[i], buf[8+i] = byte(a>>(8*i)), byte(b>>(8*i))
	}
	f.Write(buf[:])
	return f.Sum64()
}
