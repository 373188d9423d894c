package web

import (
	"fmt"
	"github.com/qinqing/qinqing/internal/paging"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/workday"
)

// calDay is one cell of the month view; a zero calDay pads the first week.
type calDay struct {
	Date    workday.Date
	Day     int
	Weekday string
	Info    workday.DayInfo
	Today   bool
	// Overridden is set when an administrator's override decides the day.
	Overridden bool
	// Plain is set for an ordinary Monday to Friday, which needs no reason.
	Plain bool
}

var weekdayNames = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// overrideForm is the override form as typed.
type overrideForm struct {
	Date, Workday, Note string
}

// calendarData is what admin_calendar.html shows.
type calendarData struct {
	Month      string // 2026-10
	Title      string // 2026年10月
	Prev, Next string // links to the neighbouring months
	Pad        []struct{}
	Days       []calDay
	MonthKnown bool
	Known      string // years with official notices, as ranges
	LastKnown  int
	Overrides  []workday.Override
	Page       *pager
	Form       overrideForm
	Error      string
	Field      string
}

// parseMonth reads 2026-10 (or 2026-1). Errors: Invalid.
func parseMonth(s string) (int, time.Month, error) {
	y, m, ok := strings.Cut(strings.TrimSpace(s), "-")
	yi, err1 := strconv.Atoi(y)
	mi, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || yi < 1900 || yi > 2199 || mi < 1 || mi > 12 {
		return 0, 0, errs.FieldErrorf("month", "月份格式不对：%q（应为 2026-10，1900–2199年）", s)
	}
	return yi, time.Month(mi), nil
}

func monthString(y int, m time.Month) string { return fmt.Sprintf("%04d-%02d", y, int(m)) }

// yearRanges writes ascending years as ranges: 2007–2026、2028.
func yearRanges(years []int) string {
	var parts []string
	for i := 0; i < len(years); {
		j := i
		for j+1 < len(years) && years[j+1] == years[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d–%d", years[i], years[j]))
		} else {
			parts = append(parts, strconv.Itoa(years[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, "、")
}

func (s *Server) calendarData(r *http.Request, month string) (*calendarData, error) {
	today := workday.Today(s.app.Now)
	y, m, _ := today.YMD()
	if month != "" {
		var err error
		if y, m, err = parseMonth(month); err != nil {
			return nil, err
		}
	}
	first := workday.NewDate(y, m, 1)
	data := &calendarData{Month: monthString(y, m), Title: fmt.Sprintf("%d年%d月", y, int(m)),
		MonthKnown: s.app.Calendar.Known(y), LastKnown: s.app.Calendar.LastKnownYear(),
		Form: overrideForm{Date: first.String(), Workday: "0"}}
	cal := s.app.Calendar
	// Weeks start on Monday.
	data.Pad = make([]struct{}, (int(first.Weekday())+6)%7)
	for d := first; ; d = d.AddDays(1) {
		_, dm, dd := d.YMD()
		if dm != m {
			break
		}
		info := cal.Info(d)
		data.Days = append(data.Days, calDay{Date: d, Day: dd, Weekday: weekdayNames[d.Weekday()], Info: info,
			Today: d == today, Overridden: info.Kind == workday.Overridden, Plain: info.Kind == workday.Weekday})
	}
	py, pm := y, m-1
	if pm < time.January {
		py, pm = y-1, time.December
	}
	ny, nm := y, m+1
	if nm > time.December {
		ny, nm = y+1, time.January
	}
	if py >= 1900 {
		data.Prev = "/admin/calendar?month=" + monthString(py, pm)
	}
	if ny <= 2199 {
		data.Next = "/admin/calendar?month=" + monthString(ny, nm)
	}
	var years []int
	for _, n := range cal.Notices() {
		if n.Published() && (len(years) == 0 || years[len(years)-1] != n.Year) {
			years = append(years, n.Year)
		}
	}
	data.Known = yearRanges(years)
	data.Page = newPager(r.URL.Path, r.URL.Query(), 20)
	ovs, total, err := s.app.Overrides.FindOverrides(r.Context(), actorOf(r), workday.OverrideFilter{Limit: data.Page.Size, Offset: data.Page.Offset()})
	if err != nil {
		return nil, err
	}
	data.Page.Total, data.Overrides = total, ovs
	return data, nil
}

func (s *Server) calendarPage(w http.ResponseWriter, r *http.Request) error {
	data, err := s.calendarData(r, r.URL.Query().Get("month"))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "admin_calendar.html", data)
	return nil
}

// overrideOf reads an override from the form. Errors: Invalid.
func overrideOf(f overrideForm) (workday.Override, error) {
	d, err := workday.ParseDate(f.Date)
	if err != nil {
		return workday.Override{}, errs.FieldErrorf("date", "%s", errs.MessageOf(err))
	}
	o := workday.Override{Date: d, Note: strings.TrimSpace(f.Note)}
	switch f.Workday {
	case "1", "true":
		o.Workday = true
	case "0", "false":
	default:
		return o, errs.FieldErrorf("workday", "请选择该日上班还是休息")
	}
	return o, nil
}

func (s *Server) saveOverride(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	f := overrideForm{Date: r.PostForm.Get("date"), Workday: r.PostForm.Get("workday"), Note: r.PostForm.Get("note")}
	o, err := overrideOf(f)
	if err == nil {
		err = s.app.Overrides.Save(r.Context(), actorOf(r), o)
	}
	if formProblem(err) {
		month := r.PostForm.Get("month")
		if _, _, merr := parseMonth(month); merr != nil {
			month = ""
		}
		data, derr := s.calendarData(r, month)
		if derr != nil {
			return derr
		}
		data.Form, data.Error, data.Field = f, errs.MessageOf(err), errs.FieldOf(err)
		s.render(w, r, statusOf(errs.CodeOf(err)), "admin_calendar.html", data)
		return nil
	}
	if err != nil {
		return err
	}
	y, m, _ := o.Date.YMD()
	http.Redirect(w, r, "/admin/calendar?"+url.Values{"month": {monthString(y, m)}, "ok": {"saved"}}.Encode(), http.StatusSeeOther)
	return nil
}

func (s *Server) deleteOverride(w http.ResponseWriter, r *http.Request) error {
	d, err := workday.ParseDate(r.PathValue("date"))
	if err != nil {
		return errs.Errorf(errs.NotFound, "日期“%s”无效", r.PathValue("date"))
	}
	if err := s.app.Overrides.Delete(r.Context(), actorOf(r), d); err != nil {
		return err
	}
	y, m, _ := d.YMD()
	http.Redirect(w, r, "/admin/calendar?"+url.Values{"month": {monthString(y, m)}, "ok": {"deleted"}}.Encode(), http.StatusSeeOther)
	return nil
}

func (s *Server) apiOverrides(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging.Parse(r.URL.Query())
	if err != nil {
		return err
	}
	ovs, total, err := s.app.Overrides.FindOverrides(r.Context(), actorOf(r), workday.OverrideFilter{Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	listJSON(w, ovs, total)
	return nil
}

// overrideRequest is the body of PUT /api/v1/calendar/overrides/{date}.
type overrideRequest struct {
	Workday *bool  `json:"workday"`
	Note    string `json:"note"`
}

func (s *Server) apiSaveOverride(w http.ResponseWriter, r *http.Request) error {
	d, err := workday.ParseDate(r.PathValue("date"))
	if err != nil {
		return errs.FieldErrorf("date", "%s", errs.MessageOf(err))
	}
	var req overrideRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Workday == nil {
		return errs.FieldErrorf("workday", "请给出 workday：该日是否上班（true/false）")
	}
	o := workday.Override{Date: d, Workday: *req.Workday, Note: strings.TrimSpace(req.Note)}
	if err := s.app.Overrides.Save(r.Context(), actorOf(r), o); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

func (s *Server) apiDeleteOverride(w http.ResponseWriter, r *http.Request) error {
	d, err := workday.ParseDate(r.PathValue("date"))
	if err != nil {
		return errs.FieldErrorf("date", "%s", errs.MessageOf(err))
	}
	if err := s.app.Overrides.Delete(r.Context(), actorOf(r), d); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
