package web

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"github.com/qinqing/qinqing/internal/paging"
	"github.com/qinqing/qinqing/internal/sheet"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/workday"
)

// auditCSVMax is the most rows one CSV export holds.
const auditCSVMax = 100_000

// auditCSVChunk is how many rows the export reads at a time: a full page.
const auditCSVChunk = paging.MaxLimit

// auditQuery is the audit filter as given in the query string.
type auditQuery struct {
	Entity, EntityID, Actor, Action, From, To string
}

// auditFilterOf reads the audit filter from q. From and To are dates in
// Asia/Shanghai, both inclusive. Errors: Invalid naming from or to.
func auditFilterOf(q url.Values) (audit.Filter, auditQuery, error) {
	aq := auditQuery{Entity: strings.TrimSpace(q.Get("entity")), EntityID: strings.TrimSpace(q.Get("entity_id")),
		Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")),
		From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to"))}
	f := audit.Filter{Entity: aq.Entity, EntityID: aq.EntityID, Actor: aq.Actor, Action: aq.Action}
	var from, to workday.Date
	var err error
	if aq.From != "" {
		if from, err = workday.ParseDate(aq.From); err != nil {
			return f, aq, errs.FieldErrorf("from", "开始日期：%s", errs.MessageOf(err))
		}
		f.From = from.Start()
	}
	if aq.To != "" {
		if to, err = workday.ParseDate(aq.To); err != nil {
			return f, aq, errs.FieldErrorf("to", "结束日期：%s", errs.MessageOf(err))
		}
		f.To = to.AddDays(1).Start()
	}
	if aq.From != "" && aq.To != "" && to < from {
		return f, aq, errs.FieldErrorf("to", "结束日期不能早于开始日期")
	}
	return f, aq, nil
}

// auditRow is an audit entry on the page, its states indented for reading.
type auditRow struct {
	audit.Entry
	BeforeText, AfterText string
	// The entity, action and actor as the labels table names them.
	EntityLabel, ActionLabel, ActorLabel string
}

// option is one choice of a select: its value and what it shows.
type option struct{ Value, Label string }

// sortedOptions returns the options of m (value → label) by label.
func sortedOptions(m map[string]string) []option {
	out := make([]option, 0, len(m))
	for v, l := range m {
		out = append(out, option{v, l})
	}
	slices.SortFunc(out, func(a, b option) int { return cmp.Or(cmp.Compare(a.Label, b.Label), cmp.Compare(a.Value, b.Value)) })
	return out
}

func indentJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}

// auditData is what admin_audit.html shows.
type auditData struct {
	Entries   []auditRow
	Page      *pager
	Filter    auditQuery
	ExportURL string
	Error     string
	Entities  []option // the entities to filter by, named
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f, aq, ferr := auditFilterOf(q)
	p := newPager(r.URL.Path, q, 50)
	entities := s.app.Labels.Entities()
	if _, ok := entities[aq.Entity]; !ok && aq.Entity != "" {
		entities[aq.Entity] = aq.Entity
	}
	data := &auditData{Page: p, Filter: aq, Entities: sortedOptions(entities)}
	export := url.Values{}
	for k, v := range q {
		if k != "page" && k != "ok" {
			export[k] = v
		}
	}
	data.ExportURL = "/admin/audit.csv"
	if len(export) > 0 {
		data.ExportURL += "?" + export.Encode()
	}
	if ferr != nil {
		data.Error = errs.MessageOf(ferr)
		s.render(w, r, http.StatusUnprocessableEntity, "admin_audit.html", data)
		return nil
	}
	f.Limit, f.Offset = p.Size, p.Offset()
	entries, total, err := s.app.Audit.Find(r.Context(), f)
	if err != nil {
		return err
	}
	p.Total = total
	for _, e := range entries {
		l := s.app.Labels
		data.Entries = append(data.Entries, auditRow{Entry: e, BeforeText: indentJSON(e.Before), AfterText: indentJSON(e.After),
			EntityLabel: l.Entity(e.Entity), ActionLabel: l.Action(e.Entity, e.Action), ActorLabel: l.Actor(e.Actor)})
	}
	s.render(w, r, http.StatusOK, "admin_audit.html", data)
	return nil
}

// auditCSV streams the entries matching the filter as CSV (UTF-8 with a byte
// order mark so that Excel reads the Chinese), newest first, at most
// auditCSVMax rows.
func (s *Server) auditCSV(w http.ResponseWriter, r *http.Request) error {
	f, _, err := auditFilterOf(r.URL.Query())
	if err != nil {
		return err
	}
	ctx := r.Context()
	f.Limit, f.Offset = auditCSVChunk, 0
	entries, _, err := s.app.Audit.Find(ctx, f)
	if err != nil {
		return err
	}
	name := "audit-" + workday.Today(s.app.Now).String() + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write([]byte("\uFEFF"))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"时间", "操作人", "对象类型", "对象编号", "操作", "变更前", "变更后", "请求编号", "对象类型名称", "操作名称"})
	l := s.app.Labels
	rows := 0
	// Newer entries may be appended while we read: they shift later pages
	// down, so skip any id not below the last one written.
	var last int64
	for len(entries) > 0 && rows < auditCSVMax {
		for _, e := range entries {
			if last != 0 && e.ID >= last {
				continue
			}
			if rows == auditCSVMax {
				break
			}
			last = e.ID
			rows++
			_ = cw.Write([]string{
				e.At.In(workday.Shanghai).Format("2006-01-02 15:04:05"),
				sheet.Escape(e.Actor), sheet.Escape(e.Entity), sheet.Escape(e.EntityID), sheet.Escape(e.Action),
				sheet.Escape(string(e.Before)), sheet.Escape(string(e.After)), sheet.Escape(e.RequestID),
				sheet.Escape(l.Entity(e.Entity)), sheet.Escape(l.Action(e.Entity, e.Action)),
			})
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return nil // the client went away
		}
		if len(entries) < auditCSVChunk {
			break
		}
		f.Offset += len(entries)
		if entries, _, err = s.app.Audit.Find(ctx, f); err != nil {
			// The status is sent; break the connection so that the client
			// sees a failed download rather than a short file.
			s.log.Error("audit export", "request_id", audit.RequestID(ctx), "err", err)
			panic(http.ErrAbortHandler)
		}
	}
	cw.Flush()
	return nil
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset, err := paging.Parse(q)
	if err != nil {
		return err
	}
	f, _, err := auditFilterOf(q)
	if err != nil {
		return err
	}
	f.Limit, f.Offset = limit, offset
	entries, total, err := s.app.Audit.Find(r.Context(), f)
	if err != nil {
		return err
	}
	listJSON(w, entries, total)
	return nil
}
