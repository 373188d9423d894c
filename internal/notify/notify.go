// Package notify tells users and enterprises what happened: every
// notification lands in the recipient's inbox (站内信) and is also handed to
// the configured outbound channels — a structured log line, signed webhooks
// to other government systems, e-mail. Each (notification, channel) delivery
// is a background job, so a channel that is down is retried with backoff
// without holding up the others or the transaction that caused it.
package notify

import (
	"context"
	"database/sql"
	"errors"
	"github.com/qinqing/qinqing/internal/paging"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/store"
)

// DeliverKind is the job kind of an outbound delivery.
const DeliverKind = "notify.deliver"

// Limits on a notification's text. Longer titles and bodies are cut (with
// "…"), not refused: a notification derived from user content must not fail
// the transaction that caused it.
const (
	MaxTitle = 200  // runes
	MaxBody  = 5000 // runes
)

// Notification is one message to one recipient: a user or an enterprise
// (all of the enterprise's accounts see it).
type Notification struct {
	ID           int64  `json:"id"`
	UserID       *int64 `json:"user_id,omitempty"`
	EnterpriseID *int64 `json:"enterprise_id,omitempty"`
	// Kind classifies the notification for channels and webhooks
	// ("appeal.reply", "policy.push"); lowercase, dot-separated by convention.
	Kind  string `json:"kind"`
	Title string `json:"title"`
	Body  string `json:"body,omitempty"`
	// Link is a path in the platform ("/appeals/12") or an http(s) address.
	Link string `json:"link,omitempty"`
	// DedupeKey, if set, makes a second Notify with the same key a no-op:
	// for events that may be reported twice ("appeal:12:overdue").
	DedupeKey string     `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}

// Recipient names whose inbox to read: a user, an enterprise, or both (an
// enterprise's account sees its own notifications and its enterprise's).
// Zero fields are unset.
type Recipient struct {
	UserID       int64
	EnterpriseID int64
}

// User returns the recipient for user id.
func User(id int64) Recipient { return Recipient{UserID: id} }

// RecipientOf returns whose inbox actor a reads: its own user's and, for an
// enterprise account, also its enterprise's — pushes and notices are
// addressed to the enterprise, so that every account of it sees them.
// Errors: Unauthenticated without an actor; Forbidden for an API token,
// which has no inbox.
func RecipientOf(a *auth.Actor) (Recipient, error) {
	if a == nil {
		return Recipient{}, errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	if a.UserID == 0 {
		return Recipient{}, errs.Errorf(errs.Forbidden, "API 令牌没有消息箱")
	}
	r := Recipient{UserID: a.UserID}
	if a.Role == auth.RoleEnterprise && a.EnterpriseID != nil {
		r.EnterpriseID = *a.EnterpriseID
	}
	return r, nil
}

// InboxFilter selects and pages an inbox.
type InboxFilter struct {
	UnreadOnly bool
	Limit      int // paging.Clamp: default 50, at most 500
	Offset     int
}

// Options configure a Service. The zero value is usable: an inbox only.
type Options struct {
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger receives delivery problems; default slog.Default().
	Logger *slog.Logger
	// Channels are the outbound channels; each notification gets one
	// delivery job per channel. Names must be distinct.
	Channels []Channel
	// DeliveryAttempts is how many times a delivery is tried; default 8
	// (with the runner's default backoff, retries span about 40 minutes).
	DeliveryAttempts int
}

// Service stores notifications, serves inboxes and delivers to channels.
type Service struct {
	db       *store.DB
	jobs     *jobs.Runner
	now      func() time.Time
	log      *slog.Logger
	channels []Channel
	attempts int
}

// New returns the notification service on db. Deliveries are enqueued on
// runner, which may be nil only when there are no channels; New panics
// otherwise, or on two channels with one name — both are programming
// errors. Its delivery handler is registered by RegisterJobs.
func New(db *store.DB, runner *jobs.Runner, opts Options) *Service {
	s := &Service{db: db, jobs: runner, now: opts.Now, log: opts.Logger, channels: opts.Channels, attempts: opts.DeliveryAttempts}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.attempts <= 0 {
		s.attempts = 8
	}
	seen := map[string]bool{}
	for _, c := range s.channels {
		if seen[c.Name()] {
			panic("notify: two channels named " + c.Name())
		}
		seen[c.Name()] = true
	}
	if len(s.channels) > 0 && runner == nil {
		panic("notify: outbound channels need a job runner")
	}
	return s
}

// RegisterJobs registers the delivery handler (DeliverKind) with r. The
// composition root calls it once.
func (s *Service) RegisterJobs(r *jobs.Runner) { r.RegisterBulk(DeliverKind, s.deliver) }

// Notify stores n in its recipient's inbox and enqueues its outbound
// deliveries. Pass the caller's *store.Tx as q to notify atomically with
// the change that caused it (the notification and its deliveries exist only
// if the transaction commits), or the *store.DB. It returns the id and
// whether it was created: with a DedupeKey already used it returns the
// existing notification's id and false, and enqueues nothing. Any domain
// package may call it; one that tells many recipients at once calls
// NotifyMany. Errors: Invalid unless exactly one of UserID and
// EnterpriseID is set, for an empty kind or title, or a link that is neither
// a path nor an http(s) address; NotFound for a user that does not exist;
// Internal on a database error.
func (s *Service) Notify(ctx context.Context, q store.Querier, n Notification) (id int64, created bool, err error) {
	ids, made, err := s.NotifyMany(ctx, q, []Notification{n})
	if err != nil {
		return 0, false, err
	}
	return ids[0], made[0], nil
}

// MaxBatch is the most notifications one delivery job carries.
const MaxBatch = 500

// NotifyMany is Notify for many notifications at once — the fan-out of a
// push, a notice to every subscriber of a category: the notifications are
// stored as Notify stores each, and their deliveries go out in batches,
// one job per channel for up to MaxBatch notifications (bulk lane jobs),
// instead of one job per notification and channel. It returns the ids in
// the order of ns and whether each was created (false: its DedupeKey was
// used before; it is not delivered again). Errors as Notify; an invalid
// notification fails them all, and nothing is stored.
func (s *Service) NotifyMany(ctx context.Context, q store.Querier, ns []Notification) (ids []int64, created []bool, err error) {
	for i := range ns {
		if err := normalize(&ns[i]); err != nil {
			return nil, nil, err
		}
	}
	now := store.Millis(s.now())
	ids, created = make([]int64, len(ns)), make([]bool, len(ns))
	err = store.InTx(ctx, q, func(q *store.Tx) error {
		byChannel := map[string][]int64{}
		wanted := map[string]map[string]bool{} // channel → kinds some destination wants
		for _, c := range s.channels {
			if sub, ok := c.(Subscribed); ok {
				var kinds []string
				for _, n := range ns {
					if !slices.Contains(kinds, n.Kind) {
						kinds = append(kinds, n.Kind)
					}
				}
				w, err := sub.Wants(ctx, q, kinds)
				if err != nil {
					return err
				}
				wanted[c.Name()] = w
			}
		}
		for i, n := range ns {
			var userID, enterpriseID, dedupe any
			if n.UserID != nil {
				userID = *n.UserID
			}
			if n.EnterpriseID != nil {
				enterpriseID = *n.EnterpriseID
			}
			if n.DedupeKey != "" {
				dedupe = n.DedupeKey
			}
			err := q.QueryRowContext(ctx, `INSERT INTO notifications (user_id, enterprise_id, kind, title, body, link, dedupe_key, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
				userID, enterpriseID, n.Kind, n.Title, n.Body, n.Link, dedupe, now).Scan(&ids[i])
			if errors.Is(err, sql.ErrNoRows) && n.DedupeKey != "" {
				if err := q.QueryRowContext(ctx, `SELECT id FROM notifications WHERE dedupe_key = ?`, n.DedupeKey).Scan(&ids[i]); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				return err
			}
			created[i] = true
			for _, c := range s.channels {
				if f, ok := c.(KindFilter); ok && !f.Accepts(n.Kind) {
					continue
				}
				if w, ok := wanted[c.Name()]; ok && !w[n.Kind] {
					continue
				}
				byChannel[c.Name()] = append(byChannel[c.Name()], ids[i])
			}
		}
		for _, c := range s.channels {
			if err := s.enqueueBatches(ctx, q, c.Name(), "", byChannel[c.Name()]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if isForeignKeyViolation(err) {
			return nil, nil, &errs.Error{Code: errs.NotFound, Field: "user_id", Message: "接收通知的用户不存在"}
		}
		return nil, nil, errs.Wrap(err, "notify")
	}
	return ids, created, nil
}

// normalize validates n and cleans its text in place.
func normalize(n *Notification) error {
	hasUser, hasEnterprise := n.UserID != nil && *n.UserID > 0, n.EnterpriseID != nil && *n.EnterpriseID > 0
	if hasUser == hasEnterprise {
		return errs.Errorf(errs.Invalid, "通知必须指定且只能指定一个接收人（用户或企业）")
	}
	if !hasUser {
		n.UserID = nil
	}
	if !hasEnterprise {
		n.EnterpriseID = nil
	}
	n.Kind = strings.TrimSpace(n.Kind)
	if n.Kind == "" || len(n.Kind) > 64 || strings.ContainsAny(n.Kind, ", \t\r\n") {
		return errs.FieldErrorf("kind", "通知类型不能为空，不超过 64 个字符，且不含逗号和空白")
	}
	n.Title = cut(oneLine(n.Title), MaxTitle)
	if n.Title == "" {
		return errs.FieldErrorf("title", "通知标题不能为空")
	}
	n.Body = cut(strings.TrimSpace(n.Body), MaxBody)
	n.Link = strings.TrimSpace(n.Link)
	if !validLink(n.Link) {
		return errs.FieldErrorf("link", "通知链接应为站内路径（以 / 开头）或 http(s) 地址")
	}
	if len(n.DedupeKey) > 200 {
		return errs.FieldErrorf("dedupe_key", "去重键不能超过 200 个字符")
	}
	return nil
}

func validLink(l string) bool {
	switch {
	case l == "":
		return true
	case strings.ContainsAny(l, " \t\r\n\\"):
		return false
	case strings.HasPrefix(l, "/"):
		return !strings.HasPrefix(l, "//")
	default:
		return validHTTPURL(l)
	}
}

// oneLine turns control characters (line breaks) into spaces and trims.
func oneLine(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
}

// cut shortens s to at most n runes, ending with "…" when it cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

const notificationColumns = `id, user_id, enterprise_id, kind, title, body, link, dedupe_key, created_at, read_at`

type rowScanner interface{ Scan(dest ...any) error }

func scanNotification(s rowScanner) (Notification, error) {
	var (
		n                    Notification
		userID, enterpriseID sql.NullInt64
		dedupe               sql.NullString
		createdAt            int64
		readAt               sql.NullInt64
	)
	if err := s.Scan(&n.ID, &userID, &enterpriseID, &n.Kind, &n.Title, &n.Body, &n.Link, &dedupe, &createdAt, &readAt); err != nil {
		return n, err
	}
	if userID.Valid {
		n.UserID = &userID.Int64
	}
	if enterpriseID.Valid {
		n.EnterpriseID = &enterpriseID.Int64
	}
	n.DedupeKey = dedupe.String
	n.CreatedAt = store.FromMillis(createdAt)
	if readAt.Valid {
		t := store.FromMillis(readAt.Int64)
		n.ReadAt = &t
	}
	return n, nil
}

// inboxOf returns the condition selecting the notifications of a's inbox.
func inboxOf(a *auth.Actor) (string, []any, error) {
	r, err := RecipientOf(a)
	if err != nil {
		return "", nil, err
	}
	return whose(r)
}

// whose returns the condition selecting r's notifications.
func whose(r Recipient) (string, []any, error) {
	var parts []string
	var args []any
	if r.UserID > 0 {
		parts, args = append(parts, "user_id = ?"), append(args, r.UserID)
	}
	if r.EnterpriseID > 0 {
		parts, args = append(parts, "enterprise_id = ?"), append(args, r.EnterpriseID)
	}
	if len(parts) == 0 {
		return "", nil, errs.Errorf(errs.Invalid, "未指定通知接收人")
	}
	return "(" + strings.Join(parts, " OR ") + ")", args, nil
}

// Inbox returns the notifications of actor a's inbox (RecipientOf) matching
// f, newest first, and how many match in all. Any signed-in account may call
// it for its own inbox. Errors: Unauthenticated, Forbidden (API tokens);
// Internal on a database error.
func (s *Service) Inbox(ctx context.Context, a *auth.Actor, f InboxFilter) ([]Notification, int, error) {
	cond, args, err := inboxOf(a)
	if err != nil {
		return nil, 0, err
	}
	if f.UnreadOnly {
		cond += " AND read_at IS NULL"
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "count inbox")
	}
	limit, offset := paging.Clamp(f.Limit, f.Offset)
	rows, err := s.db.QueryContext(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE `+cond+`
		ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "read inbox")
	}
	defer rows.Close()
	list := []Notification{}
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "read inbox")
		}
		list = append(list, n)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, errs.Wrap(err, "read inbox")
	}
	return list, total, nil
}

// UnreadCount returns how many notifications of actor a's inbox are
// unread, for the badge in the page header. Callers and errors as for Inbox.
func (s *Service) UnreadCount(ctx context.Context, a *auth.Actor) (int, error) {
	cond, args, err := inboxOf(a)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE `+cond+` AND read_at IS NULL`, args...).Scan(&n)
	return n, errs.Wrap(err, "count unread")
}

// MarkRead marks notification id read, if it is in actor a's inbox; marking
// a read one again keeps the first read time. A push read this way counts as
// read (已阅读) in the policy statistics. Callers as for Inbox. Errors:
// Unauthenticated, Forbidden (API tokens); NotFound if there is no such
// notification or it is not in a's inbox (the two are not told apart);
// Internal on a database error.
func (s *Service) MarkRead(ctx context.Context, a *auth.Actor, id int64) error {
	cond, args, err := inboxOf(a)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE notifications SET read_at = COALESCE(read_at, ?) WHERE id = ? AND `+cond,
		append([]any{store.Millis(s.now()), id}, args...)...)
	if err != nil {
		return errs.Wrap(err, "mark read")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.Errorf(errs.NotFound, "通知不存在")
	}
	return nil
}

// MarkAllRead marks every unread notification of actor a's inbox read and
// returns how many it marked. Callers and errors as for Inbox.
func (s *Service) MarkAllRead(ctx context.Context, a *auth.Actor) (int64, error) {
	cond, args, err := inboxOf(a)
	if err != nil {
		return 0, err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE notifications SET read_at = ? WHERE `+cond+` AND read_at IS NULL`,
		append([]any{store.Millis(s.now())}, args...)...)
	if err != nil {
		return 0, errs.Wrap(err, "mark all read")
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// findByIDs reads the notifications ids (ascending) for delivery, in that
// order; those that no longer exist are left out.
func (s *Service) findByIDs(ctx context.Context, ids []int64) ([]Notification, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE id IN (`+
		strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`) ORDER BY id`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "read notifications to deliver")
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, errs.Wrap(err, "read notifications to deliver")
		}
		out = append(out, n)
	}
	return out, errs.Wrap(rows.Err(), "read notifications to deliver")
}

func isForeignKeyViolation(err error) bool {
	s := err.Error()
	return strings.Contains(s, "FOREIGN KEY constraint failed") || strings.Contains(s, "SQLSTATE 23503")
}
