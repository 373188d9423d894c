package plan

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/plan/parse"
)

// The review of a document before it becomes a plan, and the revision of a
// plan from a revised document (issue 12's review flow). The office uploads
// a work plan (txt, docx, html, pdf); ReviewDocument parses it and says
// what each unit name resolves to and what importing it would do, the
// office corrects what was misread and Import creates the draft. For a
// revised document of a plan already running, Revise compares it with the
// plan (parse.DiffPlans) and ApplyRevision applies the changes the office
// accepts, through AddTask and UpdateTask, so every rule of the plan holds.

// NameResolution is what a unit name written in a document resolves to:
// a unit (by name or alias), or nothing yet — the office maps or creates it
// on the draft (MapUnits).
type NameResolution struct {
	Name     string `json:"name"`
	UnitID   *int64 `json:"unit_id"`
	UnitName string `json:"unit_name,omitempty"`
}

// Review is a document parsed for the office to review.
type Review struct {
	Source string      `json:"source"` // the file's name
	Parsed *parse.Plan `json:"parsed"`
	// Document is what Import would read: the parsed plan as a Document.
	Document *Document         `json:"document"`
	Names    []NameResolution  `json:"names"`   // every unit name, in order of first appearance
	Unknown  int               `json:"unknown"` // names that resolve to no unit
	Check    *ImportResult     `json:"check"`   // what importing it as it stands would do (a dry run)
	Resolved map[string]string `json:"-"`       // name → the unit it resolves to, "" when none
}

// ReviewDocument parses the document data (its file name says the format
// when its content does not) and returns it for review: the parsed plan,
// what each unit name resolves to and a dry run of its import. Only the
// office may call it (auth.ManagePlans). Errors: Unauthenticated,
// Forbidden; Invalid, TooLarge or Unavailable from the parser (an
// unreadable file, no pdftotext); Internal.
func (s *Service) ReviewDocument(ctx context.Context, a *auth.Actor, name string, data []byte) (*Review, error) {
	if err := auth.AuthorizeSome(a, auth.ManagePlans); err != nil {
		return nil, err
	}
	p, err := parse.Parse(ctx, name, data, parse.Options{})
	if err != nil {
		return nil, err
	}
	doc := DocumentOf(p)
	doc.Source = name
	rv, err := s.CheckDocument(ctx, a, doc)
	if err != nil {
		return nil, err
	}
	rv.Parsed = p
	return rv, nil
}

// CheckDocument returns doc (as the office edited it) for review: what each
// unit name resolves to and a dry run of its import. Only the office may
// call it (auth.ManagePlans). Errors: Unauthenticated, Forbidden; Internal.
func (s *Service) CheckDocument(ctx context.Context, a *auth.Actor, doc *Document) (*Review, error) {
	if err := auth.AuthorizeSome(a, auth.ManagePlans); err != nil {
		return nil, err
	}
	var names []string
	for _, it := range doc.Items {
		for _, list := range [][]string{it.LeadUnits, it.Units, it.CoopUnits} {
			for _, n := range list {
				if n = strings.TrimSpace(n); n != "" && !slices.Contains(names, n) {
					names = append(names, n)
				}
			}
		}
	}
	res, err := s.ResolveNames(ctx, a, names)
	if err != nil {
		return nil, err
	}
	rv := &Review{Source: doc.Source, Document: doc, Names: res, Resolved: map[string]string{}}
	for _, r := range res {
		rv.Resolved[r.Name] = r.UnitName
		if r.UnitID == nil {
			rv.Unknown++
		}
	}
	check, err := s.Import(ctx, a, doc, ImportOptions{DryRun: true})
	if check == nil {
		return nil, err
	}
	rv.Check = check
	return rv, nil
}

// ResolveNames returns what each unit name resolves to, as an import
// resolves it (by name or alias). Only the office may call it
// (auth.ManagePlans). Errors: Unauthenticated, Forbidden; Internal.
func (s *Service) ResolveNames(ctx context.Context, a *auth.Actor, names []string) ([]NameResolution, error) {
	if err := auth.AuthorizeSome(a, auth.ManagePlans); err != nil {
		return nil, err
	}
	out := make([]NameResolution, 0, len(names))
	for _, n := range names {
		r := NameResolution{Name: n}
		u, err := s.units.Resolve(ctx, n)
		switch {
		case err == nil:
			r.UnitID, r.UnitName = &u.ID, u.Name
		case errs.CodeOf(err) != errs.NotFound:
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Revision is a revised document of a plan compared with the plan.
type Revision struct {
	Plan   *Plan  `json:"plan"`
	Source string `json:"source"`
	// Current is the plan's goals and tasks as a parsed plan, Revised the
	// revised document as parsed — without the sections an import does not
	// turn into goals or tasks (工作安排, 保障措施 without units).
	Current *parse.Plan `json:"current"`
	Revised *parse.Plan `json:"revised"`
	Diff    *parse.Diff `json:"diff"`
	// Changes are the items that changed (Diff's unchanged items left
	// out), each with what applying it would do.
	Changes []RevisionChange `json:"changes"`
	// Applicable counts the changes that can be applied.
	Applicable int              `json:"applicable"`
	Names      []NameResolution `json:"names"` // the unit names the changes add
	rows       []SheetRow       // the plan's row of each item of Current
}

// RevisionChange is one changed item of a Revision.
type RevisionChange struct {
	parse.ItemChange
	// Key names the change for ApplyRevision: kind, old path and new path.
	Key string `json:"key"`
	// TaskID is the task the change is to (0 for an added item or a goal).
	TaskID int64 `json:"task_id"`
	Goal   bool  `json:"goal"` // the item is one of the plan's goals
	// Applicable says whether accepting the change changes the plan; Note
	// says why it cannot, or what applying it leaves for the office to do
	// by hand (a renumbering, a changed target).
	Applicable bool   `json:"applicable"`
	Note       string `json:"note,omitempty"`
}

// RevisionResult is what ApplyRevision did.
type RevisionResult struct {
	Added    int      `json:"added"`    // tasks added
	Updated  int      `json:"updated"`  // tasks changed
	Deleted  int      `json:"deleted"`  // tasks deleted (a draft's)
	Skipped  []string `json:"skipped"`  // accepted changes that could not be applied, and why
	Warnings []string `json:"warnings"` // what is left to do by hand
}

// Revise parses a revised document of plan id and compares it with the
// plan: items added, removed and changed, each with whether applying it
// can change the plan. Only the office may call it (auth.ManagePlans), on a
// plan not ended. Errors: Unauthenticated, Forbidden, NotFound; Conflict
// (an ended plan); Invalid, TooLarge or Unavailable from the parser;
// Internal.
func (s *Service) Revise(ctx context.Context, a *auth.Actor, id int64, name string, data []byte) (*Revision, error) {
	if err := auth.AuthorizeSome(a, auth.ManagePlans); err != nil {
		return nil, err
	}
	revised, err := parse.Parse(ctx, name, data, parse.Options{})
	if err != nil {
		return nil, err
	}
	rev, err := s.RevisionOf(ctx, a, id, revised)
	if err != nil {
		return nil, err
	}
	rev.Source = name
	return rev, nil
}

// RevisionOf compares plan id with a revised document already parsed, as
// Revise does. Who may call it and errors: as Revise (without the
// parser's).
func (s *Service) RevisionOf(ctx context.Context, a *auth.Actor, id int64, revised *parse.Plan) (*Revision, error) {
	if err := auth.AuthorizeSome(a, auth.ManagePlans); err != nil {
		return nil, err
	}
	sh, err := s.FindSheet(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !PermittedOn(a, sh.Plan).Edit {
		if sh.Plan.Status == StatusEnded {
			return nil, errs.Errorf(errs.Conflict, "方案已结束，不能再修改")
		}
		return nil, errs.Errorf(errs.Forbidden, "只有营商办可以修订工作方案")
	}
	current, rows := sheetAsParsed(sh)
	// An import names the plan by the enclosed plan's title when the
	// document is a notice: compare the plan's title with that one.
	if revised.PlanTitle != "" {
		current.Title, current.PlanTitle = revised.Title, sh.Plan.Title
	}
	revised = importedPart(revised)
	for i := range revised.Items {
		it := &revised.Items[i]
		it.Deadlines = taskDeadline(it.Deadlines) // the one deadline a task keeps
	}
	d := parse.DiffPlans(current, revised)
	rev := &Revision{Plan: sh.Plan, Current: current, Revised: revised, Diff: d, Changes: []RevisionChange{}, rows: rows}
	goalOfNew := map[string]bool{} // new items matched to a goal
	keptOld := map[string]bool{}   // old items matched to a new one
	for _, c := range d.Changes {
		if c.OldIndex >= 0 && c.NewIndex >= 0 {
			keptOld[key(c.OldPath)] = true
			goalOfNew[key(c.NewPath)] = rows[c.OldIndex].Goal
		}
	}
	var names []string
	for _, c := range d.Changes {
		if c.Kind == parse.ItemUnchanged {
			continue
		}
		rc := RevisionChange{ItemChange: c, Key: changeKey(c)}
		switch c.Kind {
		case parse.ItemRemoved:
			r := rows[c.OldIndex]
			rc.Goal = r.Goal
			switch {
			case r.Goal:
				rc.Note = "工作目标请在方案中手工调整"
			case hasKeptBelow(c.OldPath, keptOld):
				rc.TaskID, rc.Note = r.Task.ID, "其下仍有保留的任务，不能删除"
			case !TaskPermittedOn(a, sh.Plan, r.Task).Delete:
				rc.TaskID, rc.Note = r.Task.ID, "已发布方案的任务不能删除，请在任务页办结或说明"
			default:
				rc.TaskID, rc.Applicable = r.Task.ID, true
			}
		case parse.ItemAdded:
			parent := c.NewPath[:len(c.NewPath)-1]
			switch {
			case len(parent) > 0 && goalOfNew[key(parent)], goalSection(revised, c.NewPath):
				rc.Goal, rc.Note = true, "工作目标请在方案中手工调整"
			default:
				rc.Applicable = true
				if len(revised.Items[c.NewIndex].Indicators) > 0 {
					rc.Note = "指标请在任务页添加"
				}
			}
		case parse.ItemChanged:
			r := rows[c.OldIndex]
			rc.Goal = r.Goal
			if r.Goal {
				rc.Note = "工作目标请在方案中手工调整"
				break
			}
			rc.TaskID = r.Task.ID
			var notes []string
			for _, f := range c.Fields {
				switch f {
				case "heading", "text", "units", "deadlines":
					rc.Applicable = true
				case "path":
					notes = append(notes, "已有任务的编号不变")
				case "indicators":
					notes = append(notes, "指标请在任务页调整")
				}
			}
			rc.Note = strings.Join(notes, "；")
		}
		if rc.Applicable {
			rev.Applicable++
			for _, u := range c.Units {
				if u.Change == "added" && !slices.Contains(names, u.Name) {
					names = append(names, u.Name)
				}
			}
		}
		rev.Changes = append(rev.Changes, rc)
	}
	if rev.Names, err = s.ResolveNames(ctx, a, names); err != nil {
		return nil, err
	}
	return rev, nil
}

// ApplyRevision applies to plan id the changes of a revised document that
// the office accepted (their Keys, as RevisionOf gives them): an added item
// becomes a task under its parent (AddTask), a changed task takes the new
// title, text, units and deadline (UpdateTask), a removed task of a draft
// is deleted (DeleteTask). Each change is applied and audited on its own;
// an accepted change that cannot be applied is skipped with the reason.
// Only the office may call it (auth.ManagePlans), on a plan not ended.
// Errors: Unauthenticated, Forbidden, NotFound; Conflict (an ended plan);
// Internal.
func (s *Service) ApplyRevision(ctx context.Context, a *auth.Actor, id int64, revised *parse.Plan, accept []string) (*RevisionResult, error) {
	rev, err := s.RevisionOf(ctx, a, id, revised)
	if err != nil {
		return nil, err
	}
	revised = rev.Revised
	res := &RevisionResult{Skipped: []string{}, Warnings: []string{}}
	// the task of each new item: matched ones now, added ones as they are added
	taskOf := map[string]int64{}
	for _, c := range rev.Diff.Changes {
		if c.OldIndex >= 0 && c.NewIndex >= 0 {
			if t := rev.taskAt(c.OldIndex); t != 0 {
				taskOf[key(c.NewPath)] = t
			}
		}
	}
	accepted := map[string]bool{}
	for _, k := range accept {
		accepted[k] = true
	}
	for _, rc := range rev.Changes {
		if !accepted[rc.Key] {
			continue
		}
		where := pathString(rc.NewPath)
		if rc.Kind == parse.ItemRemoved {
			where = pathString(rc.OldPath)
		}
		if !rc.Applicable {
			res.Skipped = append(res.Skipped, fmt.Sprintf("条目 %s：%s", where, rc.Note))
			continue
		}
		switch rc.Kind {
		case parse.ItemRemoved:
			if err := s.DeleteTask(ctx, a, rc.TaskID); err != nil {
				if errs.CodeOf(err) == errs.Internal {
					return res, err
				}
				res.Skipped = append(res.Skipped, fmt.Sprintf("条目 %s：%s", where, errs.MessageOf(err)))
				continue
			}
			res.Deleted++
		case parse.ItemAdded:
			it := &revised.Items[rc.NewIndex]
			in := taskInputOf(it)
			if parent := rc.NewPath[:len(rc.NewPath)-1]; len(parent) > 0 {
				pid, ok := taskOf[key(parent)]
				if !ok {
					res.Skipped = append(res.Skipped, fmt.Sprintf("条目 %s：上级条目 %s 不在方案中（未接受或不能新增）", where, pathString(parent)))
					continue
				}
				in.ParentID = &pid
			}
			in.Marker = it.Marker
			t, err := s.AddTask(ctx, a, id, in)
			if errs.CodeOf(err) == errs.Conflict || errs.CodeOf(err) == errs.Invalid && in.Marker != "" {
				// the document's number is taken by a task that keeps its own:
				// the new task is numbered after its last sibling
				in.Marker = ""
				if t, err = s.AddTask(ctx, a, id, in); err == nil {
					res.Warnings = append(res.Warnings, fmt.Sprintf("条目 %s：原文序号已被占用，新任务编为 %s", where, t.Numbering))
				}
			}
			if err != nil {
				if errs.CodeOf(err) == errs.Internal {
					return res, err
				}
				res.Skipped = append(res.Skipped, fmt.Sprintf("条目 %s：%s", where, errs.MessageOf(err)))
				continue
			}
			taskOf[key(rc.NewPath)] = t.ID
			res.Added++
		case parse.ItemChanged:
			it := &revised.Items[rc.NewIndex]
			if _, err := s.UpdateTask(ctx, a, rc.TaskID, taskInputOf(it)); err != nil {
				if errs.CodeOf(err) == errs.Internal {
					return res, err
				}
				res.Skipped = append(res.Skipped, fmt.Sprintf("条目 %s：%s", where, errs.MessageOf(err)))
				continue
			}
			res.Updated++
		}
		if rc.Note != "" {
			res.Warnings = append(res.Warnings, fmt.Sprintf("条目 %s：%s", where, rc.Note))
		}
	}
	return res, nil
}

// taskAt returns the task of the plan's item i (0 for a goal).
func (rev *Revision) taskAt(i int) int64 {
	if i < 0 || i >= len(rev.rows) || rev.rows[i].Task == nil {
		return 0
	}
	return rev.rows[i].Task.ID
}

// sheetAsParsed writes a plan's goals and tasks as a parsed plan, for
// parse.DiffPlans, and returns the sheet row of each item.
func sheetAsParsed(sh *Sheet) (*parse.Plan, []SheetRow) {
	p := sh.Plan
	out := &parse.Plan{Title: p.Title, DocNumber: p.DocNumber, Issuer: p.Issuer, Date: dateString(p.IssuedOn),
		Meta: map[string]string{}, Items: []parse.Item{}, Warnings: []string{}}
	for _, r := range sh.Rows {
		it := parse.Item{Path: r.Path, Marker: r.Marker, Heading: r.Title, Text: r.Text,
			LeadUnits: nonNil(r.Lead), Units: nonNil(r.Resp), CoopUnits: nonNil(r.Assist),
			UnitGroups: []parse.UnitGroup{}, Deadlines: []parse.Deadline{}, Indicators: []parse.Indicator{}}
		if t := r.Task; t != nil {
			switch t.DeadlineKind {
			case DeadlineDate, DeadlineYear:
				kind := "date"
				if t.DeadlineKind == DeadlineYear {
					kind = "year"
				}
				it.Deadlines = append(it.Deadlines, parse.Deadline{Text: t.DeadlineText, Date: t.DeadlineDate, Kind: kind})
			case DeadlineStage, DeadlineContinuous:
				it.Deadlines = append(it.Deadlines, parse.Deadline{Text: t.DeadlineText, Kind: "continuous"})
			default:
				if t.DeadlineText != "" {
					it.Deadlines = append(it.Deadlines, parse.Deadline{Text: t.DeadlineText, Kind: "within"})
				}
			}
		}
		for _, ind := range r.Indicators {
			op := string(ind.Op)
			if ind.Op == OpEQ {
				op = "=="
			}
			it.Indicators = append(it.Indicators, parse.Indicator{Text: ind.Text, Name: ind.Name, Op: op, Value: ind.Target, Unit: ind.Measure})
		}
		out.Items = append(out.Items, it)
	}
	return out, sh.Rows
}

// importedPart returns the items of a parsed document that an import turns
// into goals and tasks: without the top-level sections of stages (工作安排)
// and of the working mechanism (保障措施) that name no unit.
func importedPart(p *parse.Plan) *parse.Plan {
	units := map[int]bool{}
	heading := map[int]string{}
	for _, it := range p.Items {
		if len(it.LeadUnits)+len(it.Units)+len(it.CoopUnits) > 0 {
			units[it.Path[0]] = true
		}
		if len(it.Path) == 1 {
			heading[it.Path[0]] = it.Heading
		}
	}
	out := *p
	out.Items = make([]parse.Item, 0, len(p.Items))
	for _, it := range p.Items {
		h := heading[it.Path[0]]
		if stageSectionRE.MatchString(h) || (mechSectionRE.MatchString(h) && !units[it.Path[0]]) {
			continue
		}
		out.Items = append(out.Items, it)
	}
	return &out
}

// goalSection reports whether the item at path is in a top-level section
// of goals (工作目标) of p.
func goalSection(p *parse.Plan, path []int) bool {
	for _, it := range p.Items {
		if len(it.Path) == 1 && it.Path[0] == path[0] {
			return goalSectionRE.MatchString(it.Heading)
		}
	}
	return false
}

// taskDeadline reduces an item's deadlines to the one a task keeps, as an
// import does: the latest date, else a continuous one, else the first
// written.
func taskDeadline(ds []parse.Deadline) []parse.Deadline {
	if len(ds) <= 1 {
		return ds
	}
	var dated []parse.Deadline
	for _, d := range ds {
		if d.Date != nil {
			dated = append(dated, d)
		}
	}
	if len(dated) > 0 {
		sort.SliceStable(dated, func(i, j int) bool { return *dated[i].Date < *dated[j].Date })
		return dated[len(dated)-1:]
	}
	for _, d := range ds {
		if d.Kind == "continuous" || d.Kind == "recurring" {
			return []parse.Deadline{d}
		}
	}
	return ds[:1]
}

// taskInputOf is a parsed item as a task's input.
func taskInputOf(it *parse.Item) TaskInput {
	in := TaskInput{Title: it.Heading, Text: it.Text, LeadUnits: it.LeadUnits, Units: it.Units, CoopUnits: it.CoopUnits,
		DeadlineKind: DeadlineNone}
	if in.Title == "" && in.Text == "" {
		in.Title = it.Marker
	}
	if ds := taskDeadline(it.Deadlines); len(ds) > 0 {
		d := ds[0]
		in.DeadlineText = d.Text
		switch {
		case d.Date != nil:
			dd := *d.Date
			in.DeadlineKind, in.DeadlineDate = DeadlineDate, &dd
		case d.Kind == "continuous" || d.Kind == "recurring":
			in.DeadlineKind = DeadlineContinuous
		}
	}
	return in
}

// hasKeptBelow reports whether an item below the old path was kept.
func hasKeptBelow(path []int, kept map[string]bool) bool {
	prefix := key(path) + "."
	for k := range kept {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// changeKey names a change: its kind and old and new paths.
func changeKey(c parse.ItemChange) string {
	return c.Kind + ":" + key(c.OldPath) + ":" + key(c.NewPath)
}

func key(path []int) string {
	s := make([]string, len(path))
	for i, n := range path {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ".")
}
