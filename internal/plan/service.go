package plan

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Units is what plan supervision needs of the organisation: resolving the
// names a plan writes (by name or alias), the units above and below a unit
// for ownership, and — when the office maps an unknown name — creating a
// unit or adding an alias. org.Service implements it; internal/app hands
// it over.
type Units interface {
	auth.UnitTree
	Resolve(ctx context.Context, name string) (*org.Unit, error)
	Subtree(ctx context.Context, id int64) ([]int64, error)
	FindUnitByID(ctx context.Context, id int64) (*org.Unit, error)
	CreateUnit(ctx context.Context, a *auth.Actor, in org.UnitInput) (*org.Unit, error)
	UpdateUnit(ctx context.Context, a *auth.Actor, id int64, in org.UnitInput) (*org.Unit, error)
}

// Linked gives the summaries of another module's records that tasks link
// to (an appeal, a 问题清单 item), as the actor may see them. The module
// that holds the records implements it and internal/app registers it under
// its link kind (Options.Links), so that this package imports none of them.
type Linked interface {
	// LinkSummaries returns the summaries of the records with the given
	// ids that exist; a missing id is simply absent. Errors: Internal.
	LinkSummaries(ctx context.Context, a *auth.Actor, ids []int64) (map[int64]LinkSummary, error)
}

// Options configure a Service.
type Options struct {
	Audit    *audit.Log
	Notify   *notify.Service
	Jobs     *jobs.Runner // nil: no background jobs (tests of the domain alone)
	Calendar *workday.Calendar
	Now      func() time.Time
	Logger   *slog.Logger
	Units    Units
	// Links are the kinds of record a task may link to, by kind
	// ("appeal"); a kind without an entry cannot be linked.
	Links map[string]Linked
}

// Service runs plan supervision.
type Service struct {
	db     *store.DB
	audit  *audit.Log
	notify *notify.Service
	jobs   *jobs.Runner
	cal    *workday.Calendar
	now    func() time.Time
	log    *slog.Logger
	units  Units
	links  map[string]Linked
	ranks  *rankMemo // live rankings computed lately
}

// New returns the plan service on db; it touches neither the database nor
// the runner. It panics without a calendar or units, a programming error.
func New(db *store.DB, opts Options) *Service {
	if opts.Calendar == nil || opts.Units == nil {
		panic("plan: New needs a calendar and the units")
	}
	s := &Service{db: db, audit: opts.Audit, notify: opts.Notify, jobs: opts.Jobs, cal: opts.Calendar, now: opts.Now,
		log: opts.Logger, units: opts.Units, links: opts.Links, ranks: &rankMemo{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// RegisterJobs registers the handlers of the service's background jobs
// (both interactive: they are short and people wait on their results).
func (s *Service) RegisterJobs(r *jobs.Runner) {
	r.Register(JobRefresh, s.runRefresh)
	r.Register(JobReminders, s.runReminders)
}

// Schedules lists the service's periodic jobs: the hourly refresh (lights,
// expected reports, the month's ranking) and the hourly reminder digests
// (at most one per person and working day).
func (s *Service) Schedules() []jobs.Period {
	return []jobs.Period{{Name: "plan-refresh", Kind: JobRefresh, Every: time.Hour}, {Name: "plan-reminders", Kind: JobReminders, Every: time.Hour}}
}

// Calendar returns the working-day calendar the service counts on.
func (s *Service) Calendar() *workday.Calendar { return s.cal }

func (s *Service) today() workday.Date { return workday.Today(s.now) }

// ---- Ownership ----

// Resource returns who holds p, for the permission table: every unit that
// holds one of its tasks and, as the finders loaded them, the units above.
func (p *Plan) Resource() auth.Resource {
	return auth.Resource{UnitIDs: p.units, ParentUnitIDs: p.parentUnits}
}

// Resource returns who holds t: its resolved units and the units above
// them.
func (t *Task) Resource() auth.Resource {
	return auth.Resource{UnitIDs: t.UnitIDs(), ParentUnitIDs: t.parents}
}

// UnitIDs returns the distinct units of t.
func (t *Task) UnitIDs() []int64 {
	var ids []int64
	for _, u := range t.Units {
		if u.UnitID != nil && !slices.Contains(ids, *u.UnitID) {
			ids = append(ids, *u.UnitID)
		}
	}
	return ids
}

// holders loads the units above res's units.
func (s *Service) holders(ctx context.Context, units []int64) ([]int64, error) {
	if len(units) == 0 {
		return nil, nil
	}
	res, err := s.units.Holders(ctx, units...)
	return res.ParentUnitIDs, err
}

// canViewPlan: the office and leaders read every plan; a unit's staff the
// plans in which their unit (or one below it) holds a task. Drafts are the
// office's until published.
func canViewPlan(a *auth.Actor, p *Plan) bool {
	if a == nil {
		return false
	}
	if a.Can(auth.ManagePlans, p.Resource()) {
		return true
	}
	if p.Status == StatusDraft {
		return false
	}
	return a.Can(auth.ViewPlans, p.Resource())
}

func authorizeView(a *auth.Actor, p *Plan) error {
	if err := auth.AuthorizeSome(a, auth.ViewPlans); err != nil {
		return err
	}
	if !canViewPlan(a, p) {
		return errs.Errorf(errs.NotFound, "工作方案 %d 不存在", p.ID)
	}
	return nil
}

// PlanPermitted is what an actor may do with one plan: the plan's pages
// offer a button for each true field, the API returns it with the plan,
// and the Service method named beside each field enforces the same rule.
type PlanPermitted struct {
	Edit      bool `json:"edit"`      // UpdatePlan, AddTask, UpdateTask, DeleteTask, MapUnits
	Publish   bool `json:"publish"`   // Publish: a draft without unknown units
	End       bool `json:"end"`       // End
	Supervise bool `json:"supervise"` // IssueNotice, ConfirmDone
	Report    bool `json:"report"`    // FileReport: a unit holding tasks of a published plan
	Export    bool `json:"export"`    // the 责任分解表 and the briefing
}

// PermittedOn returns what a may do with p.
func PermittedOn(a *auth.Actor, p *Plan) PlanPermitted {
	manage := a.Can(auth.ManagePlans, p.Resource())
	return PlanPermitted{
		Edit:      manage && p.Status != StatusEnded,
		Publish:   manage && p.Status == StatusDraft && p.Unknown == 0,
		End:       manage && p.Status == StatusPublished,
		Supervise: a.Can(auth.SupervisePlans, p.Resource()) && p.Status == StatusPublished,
		Report:    p.Status == StatusPublished && a.Role == auth.RoleUnitStaff && a.Can(auth.ReportPlans, p.Resource()),
		Export:    canViewPlan(a, p),
	}
}

// TaskPermitted is what an actor may do with one task, as PlanPermitted.
type TaskPermitted struct {
	Edit      bool `json:"edit"`      // UpdateTask (the office; a unit its own sub-task)
	Delete    bool `json:"delete"`    // DeleteTask
	Sign      bool `json:"sign"`      // SignTask: its unit, not signed yet
	Split     bool `json:"split"`     // AddSubtask: its unit, a published plan
	Milestone bool `json:"milestone"` // AddMilestone
	Notice    bool `json:"notice"`    // IssueNotice
	Confirm   bool `json:"confirm"`   // ConfirmDone: the task is 待销号
	Link      bool `json:"link"`      // LinkTask, UnlinkTask
}

// TaskPermittedOn returns what a may do with t of plan p.
func TaskPermittedOn(a *auth.Actor, p *Plan, t *Task) TaskPermitted {
	manage := a.Can(auth.ManagePlans, p.Resource()) && p.Status != StatusEnded
	published := p.Status == StatusPublished
	acts := published && a.Can(auth.ReportPlans, t.Resource()) && t.Status != TaskDone
	own := acts && t.OwnerUnitID != nil && a.UnitID != nil && *t.OwnerUnitID == *a.UnitID
	supervise := published && a.Can(auth.SupervisePlans, t.Resource())
	return TaskPermitted{
		Edit:      manage || own,
		Delete:    (manage && p.Status == StatusDraft) || own || (manage && t.OwnerUnitID != nil),
		Sign:      acts && a.UnitID != nil && t.unsignedBy(*a.UnitID),
		Split:     acts && a.UnitID != nil && t.Status == TaskOpen,
		Milestone: (manage || acts) && t.Status != TaskDone,
		Notice:    supervise && t.Status != TaskDone && len(t.UnitIDs()) > 0,
		Confirm:   supervise && t.Status == TaskClaimed,
		Link:      manage,
	}
}

// unsignedBy reports whether unit holds t and has not signed for it.
func (t *Task) unsignedBy(unit int64) bool {
	held := false
	for _, u := range t.Units {
		if u.UnitID != nil && *u.UnitID == unit {
			held = true
			if u.SignedAt != nil {
				return false
			}
		}
	}
	return held
}

// unitScope returns the units whose tasks a unit's staff read: their unit
// and every unit below it; nil for the office and leaders (everything).
func (s *Service) unitScope(ctx context.Context, a *auth.Actor) ([]int64, error) {
	if a.Can(auth.ViewPlans, auth.Resource{}) {
		return nil, nil
	}
	if a.UnitID == nil {
		return []int64{}, nil
	}
	return s.units.Subtree(ctx, *a.UnitID)
}
