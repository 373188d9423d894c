package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/plan"
	"github.com/qinqing/qinqing/internal/plan/parse"
	"github.com/qinqing/qinqing/internal/workday"
)

// Plan review (issue 12). The office uploads a work plan document (txt,
// docx, html, pdf); the review page shows the source text beside what was
// recognised — items, units (resolved to the organisation's entries, the
// unknown flagged), deadlines, targets, the parser's warnings and a dry run
// of the import — with every field editable; the office creates the draft
// plan from it (plan.Import), then maps or creates the unknown units and
// publishes it in the draft editor. A revised document of a running plan
// is compared with the plan instead, and the office applies the changes it
// accepts (plan.ApplyRevision). The page and the API call the same plan
// service methods: ReviewDocument, CheckDocument, Import, Revise,
// ApplyRevision.

// planReviewPage shows the upload form.
func (s *Server) planReviewPage(w http.ResponseWriter, r *http.Request) error {
	data, err := s.planReviewUploadData(r, "")
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "plan_review_upload.html", data)
	return nil
}

// planReviewUploadData lists the plans a revised document may be for: the
// drafts and published plans the office may edit.
func (s *Server) planReviewUploadData(r *http.Request, msg string) (map[string]any, error) {
	a := actorOf(r)
	var plans []*plan.Plan
	for _, st := range []plan.Status{plan.StatusPublished, plan.StatusDraft} {
		list, _, err := s.app.Plans.FindPlans(r.Context(), a, plan.PlanFilter{Status: st, Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, p := range list {
			if plan.PermittedOn(a, p).Edit {
				plans = append(plans, p)
			}
		}
	}
	return map[string]any{"Plans": plans, "Error": msg, "Formats": ".txt,.docx,.html,.htm,.pdf", "Selected": r.FormValue("plan")}, nil
}

// receivePlanDocument reads the uploaded document of a form ("file").
func (s *Server) receivePlanDocument(r *http.Request) (string, []byte, error) {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		if strings.Contains(err.Error(), "too large") {
			return "", nil, errs.Errorf(errs.TooLarge, "上传文件超过 %d MB 上限", s.app.Config.MaxUpload>>20)
		}
		return "", nil, errs.FieldErrorf("file", "请选择要识别的工作方案文件（.txt、.docx、.html 或 .pdf）")
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		return "", nil, errs.FieldErrorf("file", "请选择要识别的工作方案文件（.txt、.docx、.html 或 .pdf）")
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, parse.MaxInput+1))
	if err != nil {
		return "", nil, errs.Wrap(err, "read upload")
	}
	if len(data) > parse.MaxInput {
		return "", nil, errs.Errorf(errs.TooLarge, "文件过大（超过 %d MB）", parse.MaxInput>>20)
	}
	return filepath.Base(header.Filename), data, nil
}

// planReviewUpload parses an uploaded document: the review page of a new
// plan, or — when a plan is chosen — the changes a revised document makes
// to it.
func (s *Server) planReviewUpload(w http.ResponseWriter, r *http.Request) error {
	name, data, err := s.receivePlanDocument(r)
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	fail := func(err error) error {
		if c := errs.CodeOf(err); c == errs.Invalid || c == errs.TooLarge || c == errs.Unavailable {
			d, derr := s.planReviewUploadData(r, errs.MessageOf(err))
			if derr != nil {
				return derr
			}
			s.render(w, r, statusOf(c), "plan_review_upload.html", d)
			return nil
		}
		return err
	}
	if err != nil {
		return fail(err)
	}
	a := actorOf(r)
	if v := r.FormValue("plan"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return errs.FieldErrorf("plan", "请选择要修订的工作方案")
		}
		rev, err := s.app.Plans.Revise(r.Context(), a, id, name, data)
		if err != nil {
			return fail(err)
		}
		return s.renderRevision(w, r, http.StatusOK, rev, nil)
	}
	rv, err := s.app.Plans.ReviewDocument(r.Context(), a, name, data)
	if err != nil {
		return fail(err)
	}
	var problems []plan.Reject // what the import's dry run would refuse, beside its items
	if rv.Check != nil {
		problems = rv.Check.Rejected
	}
	s.render(w, r, http.StatusOK, "plan_review.html", reviewView(rv, rv.Parsed.Lines, problems, ""))
	return nil
}

// planReviewImport creates the draft plan from the reviewed form. When the
// import refuses it (an item the office left invalid), the review page
// comes back with the problems beside their items.
func (s *Server) planReviewImport(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		return formError(err)
	}
	defer r.MultipartForm.RemoveAll()
	doc, lines, err := documentFromForm(r)
	if err != nil {
		return err
	}
	a := actorOf(r)
	res, err := s.app.Plans.Import(r.Context(), a, doc, plan.ImportOptions{})
	if err == nil {
		s.render(w, r, http.StatusOK, "plan_review_done.html", map[string]any{"Result": res, "Source": doc.Source})
		return nil
	}
	if res == nil || errs.CodeOf(err) != errs.Invalid {
		return err
	}
	rv, cerr := s.app.Plans.CheckDocument(r.Context(), a, doc)
	if cerr != nil {
		return cerr
	}
	s.render(w, r, statusOf(errs.Invalid), "plan_review.html", reviewView(rv, lines, res.Rejected, errs.MessageOf(err)))
	return nil
}

// planRevisionApply applies the changes of a revised document that the
// office ticked.
func (s *Server) planRevisionApply(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		return formError(err)
	}
	defer r.MultipartForm.RemoveAll()
	var revised parse.Plan
	if err := json.Unmarshal([]byte(r.FormValue("revised")), &revised); err != nil || len(revised.Items) == 0 {
		return errs.FieldErrorf("revised", "修订稿内容缺失，请重新上传")
	}
	res, err := s.app.Plans.ApplyRevision(r.Context(), actorOf(r), id, &revised, r.Form["accept"])
	if err != nil {
		return err
	}
	rev, err := s.app.Plans.RevisionOf(r.Context(), actorOf(r), id, &revised)
	if err != nil {
		return err
	}
	rev.Source = r.FormValue("source")
	return s.renderRevision(w, r, http.StatusOK, rev, res)
}

// renderRevision shows a revision: the changes with a box to accept each
// applicable one, and after applying, what was applied.
func (s *Server) renderRevision(w http.ResponseWriter, r *http.Request, status int, rev *plan.Revision, res *plan.RevisionResult) error {
	b, err := json.Marshal(rev.Revised)
	if err != nil {
		return errs.Wrap(err, "revision")
	}
	known := map[string]string{}
	for _, n := range rev.Names {
		known[n.Name] = n.UnitName
	}
	var changes []revisionRow
	for _, c := range rev.Changes {
		row := revisionRow{Key: c.Key, Kind: c.Kind, KindWords: kindWords[c.Kind], Applicable: c.Applicable, Note: c.Note,
			OldPath: pathKey(c.OldPath), NewPath: pathKey(c.NewPath), Reworded: slices.Contains(c.Fields, "text") || slices.Contains(c.Fields, "heading")}
		var fields []string
		for _, f := range c.Fields {
			fields = append(fields, changeFieldWords[f])
		}
		row.Fields = strings.Join(fields, "、")
		if c.OldIndex >= 0 {
			it := &rev.Current.Items[c.OldIndex]
			row.Title, row.OldText = itemTitle(it), itemWords(it)
		}
		if c.NewIndex >= 0 {
			it := &rev.Revised.Items[c.NewIndex]
			row.Title, row.NewText = itemTitle(it), itemWords(it)
		}
		for _, u := range c.Units {
			row.Units = append(row.Units, unitChangeRow{Change: u.Change, Sign: signOf(u.Change), Name: u.Name, Role: roleWords[u.Role],
				Known: u.Change == "removed" || known[u.Name] != "", UnitName: known[u.Name]})
		}
		for _, d := range c.Deadlines {
			l := signOf(d.Change) + "完成时限：" + d.Deadline.Text
			if d.Deadline.Date != nil {
				l += "（" + d.Deadline.Date.Chinese() + "）"
			}
			row.Lines = append(row.Lines, l)
		}
		for _, x := range c.Indicators {
			row.Lines = append(row.Lines, signOf(x.Change)+"指标："+x.Indicator.Name+" "+opWords(x.Indicator.Op)+" "+
				strconv.FormatFloat(x.Indicator.Value, 'f', -1, 64)+" "+x.Indicator.Unit)
		}
		changes = append(changes, row)
	}
	var meta []string
	for _, m := range rev.Diff.Meta {
		meta = append(meta, metaWords[m.Field]+"："+m.Old+" → "+m.New)
	}
	s.render(w, r, status, "plan_review_revision.html", map[string]any{
		"Rev": rev, "Changes": changes, "Meta": meta, "Revised": string(b), "Result": res,
	})
	return nil
}

// revisionRow is one change of a revision as the page shows it.
type revisionRow struct {
	Key, Kind, KindWords string
	Applicable           bool
	Note                 string
	OldPath, NewPath     string
	Title                string // the item's heading, or the start of its text
	Fields               string // what changed, in words
	Reworded             bool   // the heading or text changed: both are shown
	OldText, NewText     string
	Units                []unitChangeRow
	Lines                []string // deadlines and targets added and removed
}

// unitChangeRow is a unit added to or removed from a changed item.
type unitChangeRow struct {
	Change, Sign, Name, Role string
	Known                    bool   // resolves to a unit (or is removed)
	UnitName                 string // the unit it resolves to
}

var (
	roleWords        = map[string]string{"lead": "牵头", "units": "责任", "coop": "配合"}
	kindWords        = map[string]string{parse.ItemAdded: "新增", parse.ItemRemoved: "删除", parse.ItemChanged: "修改"}
	changeFieldWords = map[string]string{"path": "编号", "heading": "标题", "text": "内容", "units": "单位", "deadlines": "完成时限", "indicators": "指标"}
	metaWords        = map[string]string{"title": "标题", "plan_title": "方案名称", "doc_number": "文号", "issuer": "发文机关", "date": "成文日期"}
)

func signOf(change string) string {
	if change == "added" {
		return "＋"
	}
	return "－"
}

// opWords writes a parsed direction as a sign.
func opWords(op string) string {
	if o, ok := plan.ParseOp(op); ok {
		return o.Symbol()
	}
	return op
}

// itemTitle is an item's heading, or the start of its text.
func itemTitle(it *parse.Item) string {
	if it.Heading != "" {
		return it.Marker + " " + it.Heading
	}
	rs := []rune(it.Text)
	if len(rs) > 30 {
		return it.Marker + " " + string(rs[:30]) + "…"
	}
	return it.Marker + " " + it.Text
}

// itemWords is an item's heading and text as one passage.
func itemWords(it *parse.Item) string {
	if it.Heading == "" {
		return it.Text
	}
	if it.Text == "" {
		return it.Heading
	}
	return it.Heading + "。" + it.Text
}

// reviewItem is one item of the review form.
type reviewItem struct {
	Index                       int
	Path, Marker, Heading, Text string
	Depth                       int
	Line                        int // the source line it starts on, 0 when unknown
	Lead, Units, Coop           string
	Chips                       []unitChip
	Deadlines, Indicators       string
	Problems                    []string
}

// unitChip is a unit name of an item with what it resolves to.
type unitChip struct {
	Role, Name, UnitName string
	Known                bool
}

// reviewPage is the review form.
type reviewPage struct {
	Review   *plan.Review
	Doc      *plan.Document
	Items    []reviewItem
	Lines    []string
	Source   string // the source lines as one text, carried by the form
	Warnings string
	Problems []string // problems of the document that name no item
	Error    string
}

// reviewView builds the review page of rv (the source lines beside it;
// rejected problems of a refused import beside their items).
func reviewView(rv *plan.Review, lines []string, rejected []plan.Reject, msg string) reviewPage {
	doc := rv.Document
	pg := reviewPage{Review: rv, Doc: doc, Lines: lines, Source: strings.Join(lines, "\n"), Warnings: strings.Join(doc.Warnings, "\n"), Error: msg}
	byPath := map[string][]string{}
	for _, rj := range rejected {
		k := pathKey(rj.Path)
		msg := rj.Reason
		if rj.Field != "" {
			msg = fieldWords(rj.Field) + "：" + rj.Reason
		}
		if k == "" {
			pg.Problems = append(pg.Problems, msg)
			continue
		}
		byPath[k] = append(byPath[k], msg)
	}
	for i, it := range doc.Items {
		ri := reviewItem{Index: i, Path: pathKey(it.Path), Marker: it.Marker, Heading: it.Heading, Text: it.Text, Depth: len(it.Path),
			Line: itemLine(rv.Parsed, i), Lead: strings.Join(it.LeadUnits, "、"), Units: strings.Join(it.Units, "、"),
			Coop: strings.Join(it.CoopUnits, "、"), Problems: byPath[pathKey(it.Path)]}
		for _, u := range []struct {
			role  string
			names []string
		}{{"牵头", it.LeadUnits}, {"责任", it.Units}, {"配合", it.CoopUnits}} {
			for _, n := range u.names {
				un := rv.Resolved[n]
				ri.Chips = append(ri.Chips, unitChip{Role: u.role, Name: n, UnitName: un, Known: un != ""})
			}
		}
		var dl, ind []string
		for _, d := range it.Deadlines {
			date := ""
			if d.Date != nil {
				date = *d.Date
			}
			dl = append(dl, d.Text+" | "+date+" | "+d.Kind)
		}
		for _, x := range it.Indicators {
			ind = append(ind, x.Name+" | "+x.Op+" | "+strconv.FormatFloat(x.Value, 'f', -1, 64)+" | "+x.Unit)
		}
		ri.Deadlines, ri.Indicators = strings.Join(dl, "\n"), strings.Join(ind, "\n")
		pg.Items = append(pg.Items, ri)
	}
	return pg
}

// itemLine is the source line item i of a freshly parsed plan starts on
// (0 once the form was edited: items may have been added or removed).
func itemLine(p *parse.Plan, i int) int {
	if p == nil || i >= len(p.Items) {
		return 0
	}
	return p.Items[i].Line
}

// fieldWords names a Document field in Chinese for a problem.
func fieldWords(f string) string {
	switch f {
	case "heading", "title":
		return "标题"
	case "text":
		return "内容"
	case "units", "lead_units", "coop_units":
		return "单位"
	case "deadlines", "deadline":
		return "完成时限"
	case "indicators":
		return "指标"
	case "path":
		return "序号"
	}
	return f
}

func pathKey(p []int) string {
	s := make([]string, len(p))
	for i, n := range p {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ".")
}

// documentFromForm reads the reviewed plan of the review form: the
// document's fields, and per item (in order) its path, marker, heading,
// text, units by role (names separated by 、), deadlines and targets (one
// per line, fields separated by |); an item whose keep is "0" is left out.
// It returns the source lines the form carries too. Errors: Invalid naming
// the item and field.
func documentFromForm(r *http.Request) (*plan.Document, []string, error) {
	f := r.Form
	doc := &plan.Document{Title: strings.TrimSpace(f.Get("title")), PlanTitle: strings.TrimSpace(f.Get("plan_title")),
		DocNumber: strings.TrimSpace(f.Get("doc_number")), Issuer: strings.TrimSpace(f.Get("issuer")), Date: strings.TrimSpace(f.Get("date")),
		Source: strings.TrimSpace(f.Get("source")), Items: []plan.DocItem{}, Warnings: []string{}}
	if y, err := strconv.Atoi(f.Get("year")); err == nil {
		doc.Year = y
	}
	for _, w := range strings.Split(f.Get("warnings"), "\n") {
		if w = strings.TrimSpace(w); w != "" {
			doc.Warnings = append(doc.Warnings, w)
		}
	}
	var lines []string
	if src := f.Get("source_text"); src != "" {
		lines = strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	}
	paths := f["path"]
	n := len(paths)
	for _, k := range []string{"marker", "heading", "text", "lead", "units", "coop", "deadlines", "indicators", "keep"} {
		if len(f[k]) != n {
			return nil, nil, errs.FieldErrorf(k, "表单不完整，请重新上传文件")
		}
	}
	if n > plan.MaxItems {
		return nil, nil, errs.FieldErrorf("path", "条目过多（超过 %d 项）", plan.MaxItems)
	}
	for i := 0; i < n; i++ {
		if f["keep"][i] == "0" {
			continue
		}
		where := fmt.Sprintf("第 %d 项", i+1)
		path, ok := readPath(paths[i])
		if !ok {
			return nil, nil, errs.FieldErrorf("path", "%s的序号“%s”应写作 2.1.3", where, paths[i])
		}
		it := plan.DocItem{Path: path, Marker: strings.TrimSpace(f["marker"][i]), Heading: strings.TrimSpace(f["heading"][i]),
			Text: strings.TrimSpace(f["text"][i]), LeadUnits: splitNames(f["lead"][i]), Units: splitNames(f["units"][i]),
			CoopUnits: splitNames(f["coop"][i]), Deadlines: []plan.DocDeadline{}, Indicators: []plan.DocIndicator{}}
		for _, l := range strings.Split(f["deadlines"][i], "\n") {
			if strings.TrimSpace(l) == "" {
				continue
			}
			parts := splitBar(l, 3)
			dl := plan.DocDeadline{Text: parts[0], Kind: parts[2]}
			if parts[1] != "" {
				if _, err := workday.ParseDate(parts[1]); err != nil {
					return nil, nil, errs.FieldErrorf("deadlines", "%s（%s）的完成时限日期“%s”应写作 2024-06-30", where, paths[i], parts[1])
				}
				d := parts[1]
				dl.Date = &d
			}
			it.Deadlines = append(it.Deadlines, dl)
		}
		for _, l := range strings.Split(f["indicators"][i], "\n") {
			if strings.TrimSpace(l) == "" {
				continue
			}
			parts := splitBar(l, 4)
			v, err := strconv.ParseFloat(strings.ReplaceAll(parts[2], ",", ""), 64)
			if err != nil {
				return nil, nil, errs.FieldErrorf("indicators", "%s（%s）的指标“%s”的目标值应为数字", where, paths[i], parts[0])
			}
			it.Indicators = append(it.Indicators, plan.DocIndicator{Text: parts[0], Name: parts[0], Op: parts[1], Value: v, Unit: parts[3]})
		}
		doc.Items = append(doc.Items, it)
	}
	return doc, lines, nil
}

// readPath reads a path written 2.1.3.
func readPath(s string) ([]int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, false
	}
	var out []int
	for _, p := range strings.Split(s, ".") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 || n > 9999 {
			return nil, false
		}
		out = append(out, n)
	}
	return out, len(out) <= 12
}

// splitBar splits a line of fields separated by | into n fields.
func splitBar(l string, n int) []string {
	parts := strings.SplitN(l, "|", n)
	for len(parts) < n {
		parts = append(parts, "")
	}
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// apiPlanReview parses an uploaded document and returns it for review
// (POST /api/v1/plans/review, multipart "file").
func (s *Server) apiPlanReview(w http.ResponseWriter, r *http.Request) error {
	name, data, err := s.receivePlanDocument(r)
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	if err != nil {
		return err
	}
	rv, err := s.app.Plans.ReviewDocument(r.Context(), actorOf(r), name, data)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rv)
	return nil
}

// apiPlanRevision compares an uploaded revised document with plan id
// (POST /api/v1/plans/{id}/revision, multipart "file").
func (s *Server) apiPlanRevision(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	name, data, err := s.receivePlanDocument(r)
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	if err != nil {
		return err
	}
	rev, err := s.app.Plans.Revise(r.Context(), actorOf(r), id, name, data)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rev)
	return nil
}

// revisionApplyInput is the body of POST /api/v1/plans/{id}/revision/apply:
// the revised document as the revision returned it and the keys of the
// changes to apply.
type revisionApplyInput struct {
	Revised *parse.Plan `json:"revised"`
	Accept  []string    `json:"accept"`
}

// apiPlanRevisionApply applies the accepted changes of a revision.
func (s *Server) apiPlanRevisionApply(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in revisionApplyInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Revised == nil || len(in.Revised.Items) == 0 {
		return errs.FieldErrorf("revised", "缺少修订稿（revised）")
	}
	res, err := s.app.Plans.ApplyRevision(r.Context(), actorOf(r), id, in.Revised, in.Accept)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
