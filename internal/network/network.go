// Package network is the enterprise service network (中小企业服务站与服务专员):
// service stations, the specialists who work from them with the grid
// (网格: districts and streets) each covers, the assignment of every
// enterprise to one specialist, the specialists' visit logs (走访记录) and
// the reminders about enterprises not visited for a long time.
//
// Who may do what is decided here, with auth.Authorize against the
// permission table: administrators (营商办) run the network
// (auth.ManageNetwork); a specialist sees and records visits only for the
// enterprises assigned to them (auth.RecordVisit with the enterprise's
// specialist as the resource owner); leaders read.
//
// Scale: Wuhan has 2.25 million market entities, about 600 stations and
// 2,000 specialists. Assign plans in memory over grid cells (a few hundred
// (district, street) groups, counted by one GROUP BY) and writes each cell's
// assignments with one INSERT … SELECT, never one statement per enterprise.
package network

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/store"
)

// DefaultReminderDays is how long an enterprise may go without a visit
// before its specialist is reminded.
const DefaultReminderDays = 90

// Options are the dependencies and settings of a Service.
type Options struct {
	Audit  *audit.Log
	Auth   *auth.Service   // accounts: a specialist is a user with role specialist
	Notify *notify.Service // reminders land in the specialist's inbox
	Jobs   *jobs.Runner    // the assignment runs as a background job
	Now    func() time.Time
	City   *enterprise.City // districts and streets; nil means enterprise.Wuhan()

	// ReminderDays is how many days without a visit make an enterprise
	// overdue; 0 means DefaultReminderDays.
	ReminderDays int
}

// Service runs the service network on a database.
type Service struct {
	DB *store.DB
	Options
}

// New returns the service network on db; its jobs are registered by
// RegisterJobs.
func New(db *store.DB, opts Options) *Service { return &Service{DB: db, Options: opts} }

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) city() *enterprise.City {
	if s.City == nil {
		return enterprise.Wuhan()
	}
	return s.City
}

func (s *Service) reminderDays() int {
	if s.ReminderDays <= 0 {
		return DefaultReminderDays
	}
	return s.ReminderDays
}

// How an enterprise came to its specialist.
const (
	HowAuto   = "自动"
	HowManual = "手动"
)

// SpecialistOf returns the user id of the specialist assigned to the
// enterprise, or 0 when it has none. Any domain code may call it to build
// an auth.Resource. Errors: Internal.
func (s *Service) SpecialistOf(ctx context.Context, enterpriseID int64) (int64, error) {
	return specialistOf(ctx, s.DB, enterpriseID)
}

func specialistOf(ctx context.Context, q store.Querier, enterpriseID int64) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT specialist_user_id FROM enterprise_assignments WHERE enterprise_id = ?`, enterpriseID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, errs.Wrap(err, "find specialist of enterprise")
}

// EnterpriseResource returns the ownership of an enterprise's records for
// auth.Authorize: the enterprise and its specialist (auth.EnterpriseOwners;
// internal/app hands it to the domains that check enterprise ownership).
// Errors: Internal.
func (s *Service) EnterpriseResource(ctx context.Context, enterpriseID int64) (auth.Resource, error) {
	sp, err := s.SpecialistOf(ctx, enterpriseID)
	return auth.Resource{EnterpriseID: enterpriseID, SpecialistID: sp}, err
}

// enterpriseName returns the name of an enterprise. Errors: NotFound.
func enterpriseName(ctx context.Context, q store.Querier, id int64) (string, error) {
	var name string
	err := q.QueryRowContext(ctx, `SELECT name FROM enterprises WHERE id = ?`, id).Scan(&name)
	if err != nil {
		return "", store.NotFound(err, "企业（编号%d）不存在", id)
	}
	return name, nil
}

// canRead reports whether a reads the whole network (administrators and
// leaders).
func canRead(a *auth.Actor) bool {
	return a.Can(auth.ManageNetwork, auth.Resource{}) || a.Can(auth.ViewDashboard, auth.Resource{})
}

// authorizeRead allows administrators and leaders. Errors: Unauthenticated,
// Forbidden.
func authorizeRead(a *auth.Actor) error {
	if a == nil {
		return errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	if !canRead(a) {
		return errs.Errorf(errs.Forbidden, "无权查看服务网络")
	}
	return nil
}

// cleanText trims s and checks its length in characters. Errors: Invalid
// on field.
func cleanText(field, label, s string, max int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if required && s == "" {
		return "", errs.FieldErrorf(field, "%s不能为空", label)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", errs.FieldErrorf(field, "%s过长（%d个字，最多%d个字）", label, n, max)
	}
	return s, nil
}

// likeEscape escapes the LIKE wildcards of s with backslash.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
