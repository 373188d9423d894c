package plan

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// ImportOptions adjust Import.
type ImportOptions struct {
	// DryRun checks everything and reports what would be created, and
	// creates nothing.
	DryRun bool
	// Strict refuses the import when a unit name resolves to no unit,
	// instead of flagging it on the draft for the office to map or create.
	Strict bool
}

// ImportResult is what an import did (or, for a dry run, would do). Every
// item read is accounted for: Read = Goals + Tasks + StageItems + Skipped +
// RejectedItems (an item with several problems counts once).
type ImportResult struct {
	ID            int64         `json:"id"` // the draft plan; 0 for a dry run or a refused import
	Title         string        `json:"title"`
	DryRun        bool          `json:"dry_run"`
	Read          int           `json:"read"`
	Goals         int           `json:"goals"`
	Tasks         int           `json:"tasks"`
	StageItems    int           `json:"stage_items"` // items that became stages
	Skipped       int           `json:"skipped"`     // items not imported, with a warning saying why
	RejectedItems int           `json:"rejected_items"`
	Stages        int           `json:"stages"`
	Indicators    int           `json:"indicators"`
	Milestones    int           `json:"milestones"`
	Unknown       []UnknownUnit `json:"unknown_units"`
	Warnings      []string      `json:"warnings"`
	Rejected      []Reject      `json:"rejected"`
}

// UnknownUnit is a unit name that resolved to no unit, and where it was
// written: the spreadsheet row, or the item's path.
type UnknownUnit struct {
	Name string `json:"name"`
	Row  int    `json:"row,omitempty"`
	Path []int  `json:"path,omitempty"`
}

// Reject is a problem that refuses the import: where (row or path), the
// field and the reason.
type Reject struct {
	Row    int    `json:"row,omitempty"`
	Path   []int  `json:"path,omitempty"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Limits on a plan's text, in runes.
const (
	maxTitle    = 500
	maxText     = 20000
	maxUnitName = 64
	maxShort    = 200
)

// Section headings that tell what the items under a top-level heading
// are, when the items do not say (Document items' kind).
var (
	goalSectionRE  = regexp.MustCompile(`目标|预期成效`)
	stageSectionRE = regexp.MustCompile(`工作安排|实施步骤|工作步骤|进度安排|时间安排|推进步骤|实施阶段|时间节点|步骤安排`)
	mechSectionRE  = regexp.MustCompile(`工作要求|保障措施|组织保障|组织实施|工作机制|保障机制|组织领导`)
)

// The import's in-memory plan, checked before anything is written.
type imported struct {
	plan       Plan
	ownerName  string
	stages     []Stage
	goals      []*impGoal
	tasks      []*impTask
	indicators int
	milestones int
}

type impGoal struct {
	numbering, key, title, text string
	indicators                  []*impIndicator
}

type impTask struct {
	path         []int
	markers      []string
	key          string
	title, text  string
	kind         DeadlineKind
	date         *workday.Date
	deadlineText string
	stage        int // index into stages, -1 for none
	units        []impUnit
	milestones   []Milestone
	indicators   []*impIndicator
	synthetic    bool // a missing parent made up for its children
}

type impUnit struct {
	role Role
	name string
	unit *int64
}

type impIndicator struct {
	name, text, measure string
	op                  Op
	base                *float64
	target              float64
	due                 *workday.Date
	ownerName           string
	owner               *int64
	targets             []Target
}

// Import creates a draft plan from a Document — the parser's JSON, this
// package's JSON export, or a 责任分解表 read by ReadXLSX — all or nothing.
// Top-level sections are read by their headings unless the items say their
// kind: a 目标 section holds the goals (every item of it, the section
// included), a 工作安排/实施步骤 section the stages (with their dates), a
// 工作要求/保障措施 section without any unit describes the working
// mechanism and is skipped (with a warning); everything else is the task
// tree, numbered as written. Unit names resolve by name or alias; a name
// that resolves to nothing is reported (UnknownUnits, with its row or path)
// and kept on the draft for the office to map or create — or, with Strict,
// refuses the import. Of an item's dated deadlines the latest is the task's
// deadline and the earlier ones become milestones. Only the office may
// call it (auth.ManagePlans). Errors: Unauthenticated, Forbidden; Invalid
// with the result listing every rejected item (nothing is created);
// Internal.
func (s *Service) Import(ctx context.Context, a *auth.Actor, doc *Document, opts ImportOptions) (*ImportResult, error) {
	if err := auth.AuthorizeSome(a, auth.ManagePlans); err != nil {
		return nil, err
	}
	res := &ImportResult{DryRun: opts.DryRun, Unknown: []UnknownUnit{}, Warnings: []string{}, Rejected: []Reject{}}
	im, err := s.check(ctx, doc, opts, res)
	if err != nil {
		return nil, err
	}
	res.Title = im.plan.Title
	if len(res.Rejected) > 0 {
		return res, &errs.Error{Code: errs.Invalid, Message: fmt.Sprintf("导入未完成：%d 处错误，未创建工作方案", len(res.Rejected))}
	}
	if opts.DryRun {
		return res, nil
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		id, err := s.write(ctx, tx, a, im)
		if err != nil {
			return err
		}
		res.ID = id
		return s.audit.Record(ctx, tx, "plan", strconv.FormatInt(id, 10), "import", nil, map[string]any{
			"title": im.plan.Title, "source": im.plan.Source, "tasks": res.Tasks, "goals": res.Goals, "indicators": res.Indicators,
			"unknown_units": len(res.Unknown)})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// check reads doc into an imported plan, filling res with what it found.
func (s *Service) check(ctx context.Context, doc *Document, opts ImportOptions, res *ImportResult) (*imported, error) {
	im := &imported{plan: Plan{Status: StatusDraft, Settings: DefaultSettings(), Source: clip(doc.Source, maxShort)}}
	p := &im.plan
	bad := map[*DocItem]bool{}
	reject := func(it *DocItem, field, format string, args ...any) {
		r := Reject{Field: field, Reason: fmt.Sprintf(format, args...)}
		if it != nil {
			bad[it] = true
			r.Row, r.Path = it.Row, it.Path
			if it.Row > 0 {
				r.Path = nil
			}
		}
		res.Rejected = append(res.Rejected, r)
	}
	res.Warnings = append(res.Warnings, doc.Warnings...)
	res.Rejected = append(res.Rejected, doc.problems...)
	res.Read += len(doc.problems)
	res.RejectedItems += len(doc.problems)
	// The plan.
	p.Title = strings.TrimSpace(doc.PlanTitle)
	if p.Title == "" {
		p.Title = strings.TrimSpace(doc.Title)
	}
	switch n := utf8.RuneCountInString(p.Title); {
	case n == 0:
		reject(nil, "title", "缺少方案名称")
	case n > maxTitle:
		reject(nil, "title", "方案名称过长（%d 字，最多 %d 字）", n, maxTitle)
	}
	p.DocNumber, p.Issuer = clip(strings.TrimSpace(doc.DocNumber), maxShort), clip(strings.TrimSpace(doc.Issuer), maxShort)
	year := doc.Year
	if d, ok := optionalDate(doc.Date); ok {
		p.IssuedOn = d
		if year == 0 && d != nil {
			year = d.Year()
		}
	} else {
		reject(nil, "date", "成文日期“%s”无法识别", doc.Date)
	}
	if d, ok := optionalDate(doc.PeriodFrom); ok {
		p.PeriodFrom = d
	} else {
		reject(nil, "period_from", "起始日期“%s”无法识别", doc.PeriodFrom)
	}
	if d, ok := optionalDate(doc.PeriodTo); ok {
		p.PeriodTo = d
	} else {
		reject(nil, "period_to", "截止日期“%s”无法识别", doc.PeriodTo)
	}
	if doc.Settings != nil {
		if err := applyDocSettings(&p.Settings, doc.Settings); err != nil {
			reject(nil, errs.FieldOf(err), "%s", errs.MessageOf(err))
		}
	}
	im.ownerName = strings.TrimSpace(doc.OwnerOffice)
	if im.ownerName != "" {
		if u, err := s.units.Resolve(ctx, im.ownerName); err == nil {
			p.OwnerUnitID, p.OwnerUnit = &u.ID, u.Name
		} else if errs.CodeOf(err) == errs.NotFound {
			res.Warnings = append(res.Warnings, fmt.Sprintf("牵头处室“%s”不在组织机构中，未设置", im.ownerName))
		} else {
			return nil, err
		}
	}
	// Explicit stages.
	for i, st := range doc.Stages {
		name := clip(strings.TrimSpace(st.Name), maxShort)
		from, ok1 := optionalDate(st.From)
		to, ok2 := optionalDate(st.To)
		if name == "" || !ok1 || !ok2 || (from != nil && to != nil && *to < *from) {
			reject(nil, "stages", "第 %d 个阶段的名称或日期有误", i+1)
			continue
		}
		im.stages = append(im.stages, Stage{Name: name, From: from, To: to, Text: clip(st.Text, maxText)})
	}
	if year == 0 {
		for _, d := range []*workday.Date{p.PeriodFrom, p.PeriodTo} {
			if d != nil {
				year = d.Year()
				break
			}
		}
	}

	// The items: paths checked, sections classified.
	items := make([]*DocItem, 0, len(doc.Items))
	seen := map[string]*DocItem{}
	for i := range doc.Items {
		it := &doc.Items[i]
		res.Read++
		bad := len(it.Path) == 0 || len(it.Path) > 12
		for _, n := range it.Path {
			bad = bad || n <= 0 || n > 9999
		}
		if bad {
			reject(it, "path", "序号无效：%v", it.Path)
			continue
		}
		k := pathKey(it.Path)
		if prev := seen[k]; prev != nil {
			reject(it, "path", "序号 %s 重复（与%s相同）", pathString(it.Path), prev.where())
			continue
		}
		seen[k] = it
		items = append(items, it)
	}
	sort.SliceStable(items, func(i, j int) bool { return pathKey(items[i].Path) < pathKey(items[j].Path) })
	section := map[int]string{} // top-level number → goal, stage, skip or task
	subtreeUnits := map[int]bool{}
	for _, it := range items {
		if len(it.LeadUnits)+len(it.Units)+len(it.CoopUnits) > 0 {
			subtreeUnits[it.Path[0]] = true
		}
	}
	for _, it := range items {
		if len(it.Path) != 1 {
			continue
		}
		h := it.Heading
		if h == "" {
			h = firstRunes(it.Text, 20)
		}
		switch {
		case it.Kind == KindGoal || it.Kind == KindStage || it.Kind == KindTask:
			section[it.Path[0]] = it.Kind
		case goalSectionRE.MatchString(h):
			section[it.Path[0]] = KindGoal
		case stageSectionRE.MatchString(h):
			section[it.Path[0]] = KindStage
		case mechSectionRE.MatchString(h) && !subtreeUnits[it.Path[0]]:
			section[it.Path[0]] = "skip"
		default:
			section[it.Path[0]] = KindTask
		}
	}
	markers := map[string]string{} // path key → marker as written
	for _, it := range items {
		m := strings.TrimSpace(it.Marker)
		if m == "" || utf8.RuneCountInString(m) > 12 {
			m = DefaultMarker(len(it.Path), it.Path[len(it.Path)-1])
		}
		markers[pathKey(it.Path)] = m
	}
	numbering := func(path []int) ([]string, string) {
		ms := make([]string, len(path))
		for i := range path {
			k := pathKey(path[:i+1])
			m, ok := markers[k]
			if !ok {
				m = DefaultMarker(i+1, path[i])
			}
			ms[i] = m
		}
		return ms, JoinNumbering(ms)
	}
	skipped := map[int]int{}
	var stageItems []*DocItem
	var err error
	resolved := map[string]*int64{}
	resolve := func(name string) (*int64, error) {
		if id, ok := resolved[name]; ok {
			return id, nil
		}
		u, err := s.units.Resolve(ctx, name)
		var id *int64
		switch {
		case err == nil:
			id = &u.ID
		case errs.CodeOf(err) != errs.NotFound:
			return nil, err
		}
		resolved[name] = id
		return id, nil
	}
	tasks := map[string]*impTask{}
	var goalItems []*DocItem
	for _, it := range items {
		kind := it.Kind
		if kind == "" {
			kind = section[it.Path[0]]
			if kind == "" {
				kind = KindTask // a section with no heading item of its own
			}
		}
		switch kind {
		case "skip":
			skipped[it.Path[0]]++
			res.Skipped++
			continue
		case KindStage:
			if len(it.Path) == 1 && it.Kind == "" {
				// The section heading itself.
				res.Skipped++
				continue
			}
			stageItems = append(stageItems, it)
			res.StageItems++
			continue
		case KindGoal:
			g, ok := s.checkGoal(it, numbering, reject)
			if !ok {
				continue
			}
			for _, d := range it.Indicators {
				ind, ok := checkIndicator(it, d, reject)
				if !ok {
					continue
				}
				if ind.ownerName != "" {
					if ind.owner, err = resolveOwner(ind.ownerName, resolve); err != nil {
						return nil, err
					}
					if ind.owner == nil {
						res.Warnings = append(res.Warnings, fmt.Sprintf("%s：指标“%s”的责任单位“%s”不在组织机构中，未设置", it.where(), ind.name, ind.ownerName))
					}
				}
				g.indicators = append(g.indicators, ind)
			}
			im.goals = append(im.goals, g)
			goalItems = append(goalItems, it)
			continue
		case KindTask:
		default:
			reject(it, "kind", "条目类型“%s”无效（应为 goal、task 或 stage）", it.Kind)
			continue
		}
		t, ok := s.checkTask(it, numbering, reject)
		if !ok {
			continue
		}
		seenUnit := map[string]bool{}
		for _, group := range []struct {
			role  Role
			names []string
		}{{RoleLead, it.LeadUnits}, {RoleResp, it.Units}, {RoleAssist, it.CoopUnits}} {
			for _, name := range group.names {
				name = strings.TrimSpace(name)
				if name == "" || seenUnit[name] {
					continue
				}
				if utf8.RuneCountInString(name) > maxUnitName {
					reject(it, "units", "单位名称“%s”过长（最多 %d 字）", firstRunes(name, 20), maxUnitName)
					continue
				}
				seenUnit[name] = true
				id, err := resolve(name)
				if err != nil {
					return nil, err
				}
				if id == nil {
					if opts.Strict {
						reject(it, "units", "单位“%s”不在组织机构中（--strict）", name)
					} else {
						u := UnknownUnit{Name: name, Row: it.Row}
						if it.Row == 0 {
							u.Path = it.Path
						}
						res.Unknown = append(res.Unknown, u)
					}
				}
				t.units = append(t.units, impUnit{role: group.role, name: name, unit: id})
			}
		}
		for _, d := range it.Indicators {
			ind, ok := checkIndicator(it, d, reject)
			if !ok {
				continue
			}
			if ind.ownerName != "" {
				if ind.owner, err = resolveOwner(ind.ownerName, resolve); err != nil {
					return nil, err
				}
				if ind.owner == nil {
					res.Warnings = append(res.Warnings, fmt.Sprintf("%s：指标“%s”的责任单位“%s”不在组织机构中，未设置", it.where(), ind.name, ind.ownerName))
				}
			}
			t.indicators = append(t.indicators, ind)
		}
		tasks[t.key] = t
		im.tasks = append(im.tasks, t)
	}
	for top, n := range skipped {
		title := ""
		if it := seen[pathKey([]int{top})]; it != nil {
			title = it.Heading
		}
		res.Warnings = append(res.Warnings, fmt.Sprintf("第%s部分“%s”（%d 条）是工作机制，没有责任单位，未作为任务导入", chineseNumeral(top), title, n))
	}
	// Stages from a 工作安排 section, when none were given explicitly.
	for _, it := range stageItems {
		if len(doc.Stages) > 0 {
			res.StageItems--
			res.Skipped++
			continue
		}
		st, ok := stageOf(it, year)
		if !ok {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s：阶段“%s”没有可识别的日期", it.where(), firstRunes(it.Heading+it.Text, 20)))
		}
		im.stages = append(im.stages, st)
	}
	res.Stages = len(im.stages)
	if p.PeriodFrom == nil && p.PeriodTo == nil {
		for _, st := range im.stages {
			if st.From != nil && (p.PeriodFrom == nil || *st.From < *p.PeriodFrom) {
				p.PeriodFrom = st.From
			}
			if st.To != nil && (p.PeriodTo == nil || *st.To > *p.PeriodTo) {
				p.PeriodTo = st.To
			}
		}
		if p.PeriodFrom == nil && p.PeriodTo == nil && year > 0 {
			from, to := workday.NewDate(year, time.January, 1), workday.NewDate(year, time.December, 31)
			p.PeriodFrom, p.PeriodTo = &from, &to
		}
	}
	if p.PeriodFrom != nil && p.PeriodTo != nil && *p.PeriodTo < *p.PeriodFrom {
		reject(nil, "period_to", "截止日期早于起始日期")
	}
	// Deadlines (they may name a stage) and missing parents.
	for _, t := range im.tasks {
		if err := s.deadlineOf(t, seen[t.key], im.stages, year, res); err != nil {
			reject(seen[t.key], "deadlines", "%s", errs.MessageOf(err))
		}
		im.milestones += len(t.milestones)
	}
	var missing []*impTask
	for _, t := range im.tasks {
		for d := len(t.path) - 1; d >= 1; d-- {
			k := pathKey(t.path[:d])
			if tasks[k] != nil {
				break
			}
			if it := seen[k]; it != nil && section[it.Path[0]] == KindTask {
				break // a rejected parent: its own rejection says so
			}
			ms, num := numbering(t.path[:d])
			parent := &impTask{path: t.path[:d], markers: ms, key: k, kind: DeadlineNone, stage: -1, synthetic: true}
			tasks[k] = parent
			missing = append(missing, parent)
			res.Warnings = append(res.Warnings, fmt.Sprintf("任务 %s 缺少上级条目 %s，已按空标题补齐", JoinNumbering(t.markers), num))
		}
	}
	im.tasks = append(im.tasks, missing...)
	sort.SliceStable(im.tasks, func(i, j int) bool { return im.tasks[i].key < im.tasks[j].key })
	// A heading's units and deadline cover the items under it that name
	// none of their own: （一）深化改革（责任单位：A；完成时限：6月底前）
	// then 1. 2. 3. Parents come first in key order, so a chain carries down.
	for _, t := range im.tasks {
		for d := len(t.path) - 1; d >= 1 && !t.synthetic; d-- {
			parent := tasks[pathKey(t.path[:d])]
			if parent == nil || parent.synthetic {
				continue
			}
			if len(t.units) == 0 && len(parent.units) > 0 {
				t.units = slices.Clone(parent.units)
			}
			if t.kind == DeadlineNone && parent.kind != DeadlineNone {
				t.kind, t.date, t.deadlineText, t.stage = parent.kind, parent.date, parent.deadlineText, parent.stage
			}
			break
		}
	}
	for _, t := range im.tasks {
		if it := seen[t.key]; !t.synthetic && !bad[it] {
			res.Tasks++
		}
	}
	for _, it := range goalItems {
		if !bad[it] {
			res.Goals++
		}
	}
	for i := range doc.Items {
		if bad[&doc.Items[i]] {
			res.RejectedItems++
		}
	}
	for _, t := range im.tasks {
		im.indicators += len(t.indicators)
		if !t.synthetic && len(t.units) == 0 && !hasChild(im.tasks, t) {
			res.Warnings = append(res.Warnings, fmt.Sprintf("任务 %s 没有责任单位", JoinNumbering(t.markers)))
		}
	}
	for _, g := range im.goals {
		im.indicators += len(g.indicators)
	}
	res.Indicators, res.Milestones = im.indicators, im.milestones
	if len(im.tasks) == 0 && len(res.Rejected) == 0 {
		reject(nil, "items", "没有可导入的任务")
	}
	return im, nil
}

// hasChild reports whether some task of list is directly under t.
func hasChild(list []*impTask, t *impTask) bool {
	for _, c := range list {
		if len(c.path) == len(t.path)+1 && c.key[:len(t.key)] == t.key {
			return true
		}
	}
	return false
}

func resolveOwner(name string, resolve func(string) (*int64, error)) (*int64, error) {
	return resolve(name)
}

func (s *Service) checkGoal(it *DocItem, numbering func([]int) ([]string, string), reject func(*DocItem, string, string, ...any)) (*impGoal, bool) {
	_, num := numbering(it.Path)
	g := &impGoal{numbering: num, key: pathKey(it.Path), title: strings.TrimSpace(it.Heading), text: strings.TrimSpace(it.Text)}
	if utf8.RuneCountInString(g.title) > maxTitle || utf8.RuneCountInString(g.text) > maxText {
		reject(it, "text", "目标的标题或内容过长")
		return nil, false
	}
	if g.title == "" {
		g.title = firstRunes(g.text, 30)
	}
	return g, true
}

func (s *Service) checkTask(it *DocItem, numbering func([]int) ([]string, string), reject func(*DocItem, string, string, ...any)) (*impTask, bool) {
	ms, _ := numbering(it.Path)
	t := &impTask{path: it.Path, markers: ms, key: pathKey(it.Path), title: strings.TrimSpace(it.Heading),
		text: strings.TrimSpace(it.Text), stage: -1}
	ok := true
	if n := utf8.RuneCountInString(t.title); n > maxTitle {
		reject(it, "heading", "任务标题过长（%d 字，最多 %d 字）", n, maxTitle)
		ok = false
	}
	if n := utf8.RuneCountInString(t.text); n > maxText {
		reject(it, "text", "任务内容过长（%d 字，最多 %d 字）", n, maxText)
		ok = false
	}
	for _, m := range it.Milestones {
		title := strings.TrimSpace(m.Title)
		d, dok := optionalDate(m.Date)
		if title == "" || !dok || utf8.RuneCountInString(title) > maxShort {
			reject(it, "milestones", "节点“%s”的名称或日期有误", firstRunes(title, 20))
			ok = false
			continue
		}
		t.milestones = append(t.milestones, Milestone{Title: title, Due: d})
	}
	return t, ok
}

// checkIndicator reads one indicator of an item.
func checkIndicator(it *DocItem, d DocIndicator, reject func(*DocItem, string, string, ...any)) (*impIndicator, bool) {
	ind := &impIndicator{name: strings.TrimSpace(d.Name), text: strings.TrimSpace(d.Text), measure: strings.TrimSpace(d.Unit),
		target: d.Value, base: d.Baseline, ownerName: strings.TrimSpace(d.Owner)}
	if ind.name == "" {
		ind.name = ind.text
	}
	label := firstRunes(ind.name, 20)
	op, ok := ParseOp(d.Op)
	switch {
	case ind.name == "":
		reject(it, "indicators", "指标缺少名称")
		return nil, false
	case utf8.RuneCountInString(ind.name) > maxShort || utf8.RuneCountInString(ind.text) > maxShort*5 || utf8.RuneCountInString(ind.measure) > 16:
		reject(it, "indicators", "指标“%s”的名称、原文或计量单位过长", label)
		return nil, false
	case !ok:
		reject(it, "indicators", "指标“%s”的方向“%s”无效（应为 >=、>、<=、< 或 =）", label, d.Op)
		return nil, false
	case math.IsNaN(d.Value) || math.IsInf(d.Value, 0) || (d.Baseline != nil && (math.IsNaN(*d.Baseline) || math.IsInf(*d.Baseline, 0))):
		reject(it, "indicators", "指标“%s”的数值无效", label)
		return nil, false
	case utf8.RuneCountInString(ind.ownerName) > maxUnitName:
		reject(it, "indicators", "指标“%s”的责任单位名称过长", label)
		return nil, false
	}
	ind.op = op
	due, ok := optionalDate(d.Due)
	if !ok {
		reject(it, "indicators", "指标“%s”的目标时限“%s”无法识别", label, d.Due)
		return nil, false
	}
	ind.due = due
	for _, t := range d.Targets {
		td, ok := optionalDate(t.Date)
		if !ok || td == nil || math.IsNaN(t.Value) || math.IsInf(t.Value, 0) {
			reject(it, "indicators", "指标“%s”的阶段目标有误（日期“%s”）", label, t.Date)
			return nil, false
		}
		if slices.ContainsFunc(ind.targets, func(x Target) bool { return x.Due == *td }) {
			reject(it, "indicators", "指标“%s”在%s有两个阶段目标", label, td.Chinese())
			return nil, false
		}
		ind.targets = append(ind.targets, Target{Due: *td, Value: t.Value})
	}
	slices.SortFunc(ind.targets, func(a, b Target) int { return int(a.Due) - int(b.Due) })
	return ind, true
}

// deadlineOf sets t's deadline from its item's deadlines: a stage's name,
// else the latest date (earlier dates become milestones), else a
// continuous or undated one as text.
func (s *Service) deadlineOf(t *impTask, it *DocItem, stages []Stage, year int, res *ImportResult) error {
	t.kind, t.stage = DeadlineNone, -1
	if it == nil {
		return nil
	}
	type dated struct {
		text string
		date workday.Date
		year bool
	}
	var ds []dated
	var cont, other []string
	for _, dl := range it.Deadlines {
		text := strings.TrimSpace(dl.Text)
		if utf8.RuneCountInString(text) > maxShort {
			return errs.Errorf(errs.Invalid, "完成时限“%s…”过长", firstRunes(text, 20))
		}
		if dl.Kind == "stage" || (dl.Date == nil && stageIndex(stages, text) >= 0) {
			i := stageIndex(stages, text)
			if i < 0 {
				return errs.Errorf(errs.Invalid, "完成时限“%s”不是本方案的阶段", text)
			}
			t.kind, t.stage, t.deadlineText = DeadlineStage, i, text
			return nil
		}
		if dl.Date != nil && strings.TrimSpace(*dl.Date) != "" {
			d, err := workday.ParseDate(*dl.Date)
			if err != nil {
				return errs.Errorf(errs.Invalid, "完成时限“%s”的日期“%s”无法识别", text, *dl.Date)
			}
			ds = append(ds, dated{text: text, date: d, year: dl.Kind == "year"})
			continue
		}
		switch dl.Kind {
		case "continuous", "recurring":
			cont = append(cont, text)
		default:
			if d, kind, ok := ReadDeadline(text, year); ok && d != nil {
				ds = append(ds, dated{text: text, date: *d, year: kind == DeadlineYear})
			} else if ok && kind == DeadlineContinuous {
				cont = append(cont, text)
			} else if text != "" {
				other = append(other, text)
			}
		}
	}
	if len(ds) > 0 {
		sort.SliceStable(ds, func(i, j int) bool { return ds[i].date < ds[j].date })
		last := ds[len(ds)-1]
		t.kind, t.deadlineText = DeadlineDate, last.text
		if last.year {
			t.kind = DeadlineYear
		}
		d := last.date
		t.date = &d
		body := it.Heading + "。" + it.Text
		for _, e := range ds[:len(ds)-1] {
			if e.date == last.date {
				continue
			}
			d := e.date
			t.milestones = append(t.milestones, Milestone{Title: clauseAround(body, e.text), Due: &d})
		}
		return nil
	}
	if len(cont) > 0 {
		t.kind, t.deadlineText = DeadlineContinuous, cont[0]
		return nil
	}
	if len(other) > 0 {
		t.deadlineText = clip(strings.Join(other, "；"), maxShort)
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s：完成时限“%s”没有日期，按方案截止日期督办", it.where(), t.deadlineText))
	}
	return nil
}

func stageIndex(stages []Stage, name string) int {
	name = strings.TrimSpace(name)
	for i, st := range stages {
		if name != "" && (st.Name == name || strings.TrimSuffix(st.Name, "阶段") == strings.TrimSuffix(name, "阶段")) {
			return i
		}
	}
	return -1
}

// clauseAround returns the clause of body that contains text (between 。；
// and the like), for a milestone's title.
func clauseAround(body, text string) string {
	i := strings.Index(body, text)
	if i < 0 {
		return text
	}
	start := 0
	for _, sep := range []string{"。", "；", ";", "\n", "，", ","} {
		if j := strings.LastIndex(body[:i], sep); j >= 0 && j+len(sep) > start {
			start = j + len(sep)
		}
	}
	end := len(body)
	for _, sep := range []string{"。", "；", ";", "\n", "，", ","} {
		if j := strings.Index(body[i:], sep); j >= 0 && i+j < end {
			end = i + j
		}
	}
	c := strings.TrimSpace(body[start:end])
	c = strings.TrimLeft(c, "，,")
	if c == "" {
		return text
	}
	return firstRunes(c, 100)
}

var spanRE = regexp.MustCompile(`(?:(\d{4})年)?(\d{1,2})月(?:(\d{1,2})日)?(?:[-~至到]+(?:(\d{4})年)?(\d{1,2})月(?:(\d{1,2})日)?)?`)

// fold writes full-width digits and punctuation as ASCII, every dash as
// '-', without spaces, for the date patterns.
func fold(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			b.WriteRune(r - '０' + '0')
		case r == '—' || r == '－' || r == '–' || r == '～' || r == '~':
			b.WriteByte('-')
		case r == '（':
			b.WriteByte('(')
		case r == '）':
			b.WriteByte(')')
		case r == ' ' || r == '\u3000' || r == '\t':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// stageOf reads a stage item: its name (the heading without its dates) and
// the span of months or days it names.
func stageOf(it *DocItem, year int) (Stage, bool) {
	name := strings.TrimSpace(it.Heading)
	text := it.Text
	if name == "" {
		name, text = firstRunes(it.Text, 20), ""
	}
	st := Stage{Text: clip(strings.TrimSpace(text), maxText)}
	f := fold(name)
	from, to, ok := span(f, year)
	if !ok {
		from, to, ok = span(fold(it.Text), year)
	}
	if i := strings.IndexAny(f, "(["); i > 0 {
		f = f[:i]
	}
	st.Name = clip(strings.TrimSpace(strings.TrimRight(f, "。.:：")), maxShort)
	if ok {
		st.From, st.To = &from, &to
	}
	return st, ok
}

// span reads the first month or day span of s: 2024年3月, 2024年4月-9月,
// 2024年3月1日-4月15日; year fills a span written without one.
func span(s string, year int) (workday.Date, workday.Date, bool) {
	m := spanRE.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	num := func(x string) int { n, _ := strconv.Atoi(x); return n }
	y1 := year
	if m[1] != "" {
		y1 = num(m[1])
	}
	m1, d1 := num(m[2]), num(m[3])
	if y1 == 0 || m1 < 1 || m1 > 12 {
		return 0, 0, false
	}
	y2, m2, d2 := y1, m1, d1
	if m[5] != "" {
		if m[4] != "" {
			y2 = num(m[4])
		}
		m2, d2 = num(m[5]), num(m[6])
		if m2 < 1 || m2 > 12 {
			return 0, 0, false
		}
	}
	if d1 == 0 {
		d1 = 1
	}
	_, _, last1 := monthEnd(y1, m1).YMD()
	from := workday.NewDate(y1, time.Month(m1), min(d1, last1))
	to := monthEnd(y2, m2)
	if _, _, last2 := to.YMD(); d2 > 0 {
		to = workday.NewDate(y2, time.Month(m2), min(d2, last2))
	}
	if to < from {
		return 0, 0, false
	}
	return from, to, true
}

// monthEnd returns the last day of month m of year y.
func monthEnd(y, m int) workday.Date { return workday.NewDate(y, time.Month(m)+1, 1).AddDays(-1) }

// ReadDeadline reads a deadline cell as people write it in a 责任分解表:
// 2024年6月30日, 2024-06-30, 6月底前, 2024年6月底, 年底前, 全年, 年内,
// 长期, 持续推进; year is the plan's year for the forms without one. ok is
// false for anything else; a continuous deadline has no date.
func ReadDeadline(s string, year int) (*workday.Date, DeadlineKind, bool) {
	f := fold(s)
	if i := strings.IndexAny(f, "("); i > 0 {
		f = f[:i]
	}
	f = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(f, "前"), "之"), "以")
	switch {
	case f == "":
		return nil, DeadlineNone, false
	case strings.HasPrefix(f, "长期") || strings.HasPrefix(f, "持续") || strings.HasPrefix(f, "常态化") || strings.HasPrefix(f, "每"):
		return nil, DeadlineContinuous, true
	case f == "全年" || f == "年内" || f == "年底" || f == "年末" || f == "本年度":
		if year == 0 {
			return nil, DeadlineYear, false
		}
		d := workday.NewDate(year, time.December, 31)
		return &d, DeadlineYear, true
	}
	if d, err := workday.ParseDate(f); err == nil {
		return &d, DeadlineDate, true
	}
	if m := regexp.MustCompile(`^(?:(\d{4})年)?(\d{1,2})月(?:份)?(?:底|末)?$`).FindStringSubmatch(f); m != nil {
		y := year
		if m[1] != "" {
			y, _ = strconv.Atoi(m[1])
		}
		mo, _ := strconv.Atoi(m[2])
		if y == 0 || mo < 1 || mo > 12 {
			return nil, DeadlineDate, false
		}
		d := monthEnd(y, mo)
		return &d, DeadlineDate, true
	}
	if m := regexp.MustCompile(`^(\d{4})年(?:底|末)?$`).FindStringSubmatch(f); m != nil {
		y, _ := strconv.Atoi(m[1])
		d := workday.NewDate(y, time.December, 31)
		return &d, DeadlineYear, true
	}
	return nil, DeadlineNone, false
}

// optionalDate reads an optional date; ok is false for a malformed one.
func optionalDate(s string) (*workday.Date, bool) {
	s = strings.TrimSpace(s)
	if s == "" || s == "null" {
		return nil, true
	}
	d, err := workday.ParseDate(s)
	if err != nil {
		return nil, false
	}
	return &d, true
}

func applyDocSettings(st *Settings, d *DocSettings) error {
	in := SettingsInput{Cadence: Cadence(d.Cadence), DueWorkday: d.DueWorkday, RemindWorkdays: d.RemindWorkdays,
		WarnWorkdays: d.WarnWorkdays, FarBehindPct: d.FarBehindPct, Weights: d.Weights}
	return in.apply(st)
}

// clip cuts s to n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// firstRunes returns the first n runes of s, marked with … when cut.
func firstRunes(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// write stores an imported plan as a draft and returns its id.
func (s *Service) write(ctx context.Context, tx *store.Tx, a *auth.Actor, im *imported) (int64, error) {
	now := store.Millis(s.now())
	p := &im.plan
	weights, err := p.Settings.Weights.encode()
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO plans (title, doc_number, issuer, issued_on, period_from, period_to, owner_unit_id, status,
		cadence, due_workday, remind_workdays, warn_workdays, far_behind_pct, score_weights, source, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.Title, p.DocNumber, p.Issuer, optDate(p.IssuedOn), optDate(p.PeriodFrom), optDate(p.PeriodTo), optInt(p.OwnerUnitID), StatusDraft,
		p.Settings.Cadence, p.Settings.DueWorkday, p.Settings.RemindWorkdays, p.Settings.WarnWorkdays, p.Settings.FarBehindPct,
		weights, p.Source, a.PersonRef(), now, now).Scan(&id)
	if err != nil {
		return 0, errs.Wrap(err, "insert plan")
	}
	stageIDs := make([]int64, len(im.stages))
	for i, st := range im.stages {
		if err := tx.QueryRowContext(ctx, `INSERT INTO plan_stages (plan_id, seq, name, from_date, to_date, text) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			id, i+1, st.Name, optDate(st.From), optDate(st.To), st.Text).Scan(&stageIDs[i]); err != nil {
			return 0, errs.Wrap(err, "insert stage")
		}
	}
	seq := 0
	insertIndicators := func(goal, task *int64, list []*impIndicator, defaultOwner *int64) error {
		for _, ind := range list {
			seq++
			owner := ind.owner
			if owner == nil && ind.ownerName == "" {
				owner = defaultOwner
			}
			ownerName := ind.ownerName
			if owner != nil {
				ownerName = ""
			}
			var iid int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO plan_indicators (plan_id, goal_id, task_id, seq, name, text, measure, op, baseline, target,
				due_date, owner_unit_id, owner_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				id, optInt(goal), optInt(task), seq, ind.name, ind.text, ind.measure, ind.op, optFloatArg(ind.base), ind.target,
				optDate(ind.due), optInt(owner), ownerName).Scan(&iid); err != nil {
				return errs.Wrap(err, "insert indicator")
			}
			for _, t := range ind.targets {
				if _, err := tx.ExecContext(ctx, `INSERT INTO plan_indicator_targets (indicator_id, due_date, value) VALUES (?, ?, ?)`,
					iid, t.Due.String(), t.Value); err != nil {
					return errs.Wrap(err, "insert target")
				}
			}
		}
		return nil
	}
	for _, g := range im.goals {
		var gid int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO plan_goals (plan_id, numbering, path_key, title, text) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			id, g.numbering, g.key, g.title, g.text).Scan(&gid); err != nil {
			return 0, errs.Wrap(err, "insert goal")
		}
		if err := insertIndicators(&gid, nil, g.indicators, nil); err != nil {
			return 0, err
		}
	}
	ids := map[string]int64{}
	parents := map[string]bool{}
	for _, t := range im.tasks {
		if len(t.path) > 1 {
			parents[pathKey(t.path[:len(t.path)-1])] = true
		}
	}
	for _, t := range im.tasks {
		var parent *int64
		if len(t.path) > 1 {
			if pid, ok := ids[pathKey(t.path[:len(t.path)-1])]; ok {
				parent = &pid
			}
		}
		var stage *int64
		if t.stage >= 0 {
			stage = &stageIDs[t.stage]
		}
		var tid int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO plan_tasks (plan_id, parent_id, numbering, marker, path_key, depth, leaf, title, text,
			deadline_kind, deadline_date, deadline_stage_id, deadline_text, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			id, optInt(parent), JoinNumbering(t.markers), t.markers[len(t.markers)-1], t.key, len(t.path), !parents[t.key], t.title, t.text,
			t.kind, optDate(t.date), optInt(stage), t.deadlineText, TaskOpen, now, now).Scan(&tid); err != nil {
			return 0, errs.Wrap(err, "insert task")
		}
		ids[t.key] = tid
		var lead *int64
		for i, u := range t.units {
			if lead == nil && u.unit != nil && u.role != RoleAssist {
				lead = u.unit
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO plan_task_units (task_id, plan_id, role, name, unit_id, seq) VALUES (?, ?, ?, ?, ?, ?)`,
				tid, id, u.role, u.name, optInt(u.unit), i+1); err != nil {
				return 0, errs.Wrap(err, "insert task unit")
			}
		}
		for i, m := range t.milestones {
			if _, err := tx.ExecContext(ctx, `INSERT INTO plan_milestones (task_id, seq, title, due_date, created_at) VALUES (?, ?, ?, ?, ?)`,
				tid, i+1, m.Title, optDate(m.Due), now); err != nil {
				return 0, errs.Wrap(err, "insert milestone")
			}
		}
		if err := insertIndicators(nil, &tid, t.indicators, lead); err != nil {
			return 0, err
		}
	}
	return id, nil
}

func optFloatArg(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}
