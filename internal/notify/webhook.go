package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/qinqing/qinqing/internal/auth"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// Webhook headers. The signature covers the body, which carries the
// timestamp too, so a receiver can refuse replays of old deliveries.
const (
	SignatureHeader = "X-Qinqing-Signature" // "sha256=" + hex HMAC-SHA256 of the body
	TimestampHeader = "X-Qinqing-Timestamp" // Unix seconds
	EventHeader     = "X-Qinqing-Event"     // the notification's kind
	DeliveryHeader  = "X-Qinqing-Delivery"  // "<notification id>:<webhook id>", the same on retries
)

// Webhook is a receiver of notifications: another system (a 12345 hotline
// platform, a district's own portal) that is POSTed each notification of the
// kinds it wants, signed with its secret.
type Webhook struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
	// Secret signs the deliveries; CreateWebhook generates one if empty.
	Secret string `json:"secret"`
	// Kinds are the notification kinds to send; empty means all. An entry
	// ending in ".*" matches a prefix ("appeal.*").
	Kinds     []string  `json:"kinds"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
}

// Accepts reports whether the webhook wants notifications of kind.
func (w Webhook) Accepts(kind string) bool { return kindsAccept(w.Kinds, kind) }

func kindsAccept(kinds []string, kind string) bool {
	if len(kinds) == 0 {
		return true
	}
	for _, k := range kinds {
		if k == kind || strings.HasSuffix(k, ".*") && strings.HasPrefix(kind, k[:len(k)-1]) {
			return true
		}
	}
	return false
}

func splitKinds(s string) []string {
	var ks []string
	for _, k := range strings.Split(s, ",") {
		if k = strings.TrimSpace(k); k != "" {
			ks = append(ks, k)
		}
	}
	return ks
}

func validHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Hostname() != ""
}

// CreateWebhook adds an active webhook and returns it with its id (and its
// generated secret, if none was given). The office may call it
// (auth.ManageWebhooks). Errors: Unauthenticated, Forbidden; Invalid for an
// empty name, a URL that is not http(s), a secret shorter than 16
// characters, or a kind with a comma or space; Internal on a database
// error.
func (s *Service) CreateWebhook(ctx context.Context, a *auth.Actor, w Webhook) (*Webhook, error) {
	if err := auth.AuthorizeSome(a, auth.ManageWebhooks); err != nil {
		return nil, err
	}
	w.Name = strings.TrimSpace(w.Name)
	w.URL = strings.TrimSpace(w.URL)
	switch {
	case w.Name == "" || len([]rune(w.Name)) > 100:
		return nil, errs.FieldErrorf("name", "名称不能为空，且不超过 100 个字")
	case !validHTTPURL(w.URL) || len(w.URL) > 2000:
		return nil, errs.FieldErrorf("url", "地址应为 http:// 或 https:// 开头的完整网址")
	case w.Secret != "" && len(w.Secret) < 16:
		return nil, errs.FieldErrorf("secret", "签名密钥至少 16 个字符；留空则自动生成")
	}
	if w.Secret == "" {
		var b [32]byte
		_, _ = rand.Read(b[:])
		w.Secret = hex.EncodeToString(b[:])
	}
	var kinds []string
	for _, k := range w.Kinds {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if strings.ContainsAny(k, ", \t\r\n") {
			return nil, errs.FieldErrorf("kinds", "通知类型「%s」不能含逗号或空白", k)
		}
		kinds = append(kinds, k)
	}
	w.Kinds, w.Active, w.CreatedAt = kinds, true, s.now().UTC().Truncate(time.Millisecond)
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO webhooks (name, url, secret, kinds, active, created_at)
			VALUES (?, ?, ?, ?, TRUE, ?) RETURNING id`,
			w.Name, w.URL, w.Secret, strings.Join(kinds, ","), store.Millis(w.CreatedAt)).Scan(&w.ID)
	})
	if err != nil {
		return nil, errs.Wrap(err, "create webhook")
	}
	return &w, nil
}

const webhookColumns = `id, name, url, secret, kinds, active, created_at`

func scanWebhook(s rowScanner) (Webhook, error) {
	var w Webhook
	var kinds string
	var createdAt int64
	if err := s.Scan(&w.ID, &w.Name, &w.URL, &w.Secret, &kinds, &w.Active, &createdAt); err != nil {
		return w, err
	}
	w.Kinds, w.CreatedAt = splitKinds(kinds), store.FromMillis(createdAt)
	return w, nil
}

// ListWebhooks returns every webhook, oldest first, secrets included (the
// page should mask them); a city registers a handful. The office may call
// it (auth.ManageWebhooks). Errors: Unauthenticated, Forbidden; Internal on
// a database error.
func (s *Service) ListWebhooks(ctx context.Context, a *auth.Actor) ([]Webhook, error) {
	if err := auth.AuthorizeSome(a, auth.ManageWebhooks); err != nil {
		return nil, err
	}
	return listWebhooks(ctx, s.db, false)
}

func listWebhooks(ctx context.Context, db *store.DB, activeOnly bool) ([]Webhook, error) {
	q := `SELECT ` + webhookColumns + ` FROM webhooks`
	if activeOnly {
		q += ` WHERE active = TRUE`
	}
	rows, err := db.QueryContext(ctx, q+` ORDER BY id`)
	if err != nil {
		return nil, errs.Wrap(err, "list webhooks")
	}
	defer rows.Close()
	list := []Webhook{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, errs.Wrap(err, "list webhooks")
		}
		list = append(list, w)
	}
	return list, errs.Wrap(rows.Err(), "list webhooks")
}

// DeleteWebhook deletes webhook id; its queued deliveries are dropped when
// they run. The office may call it (auth.ManageWebhooks). Errors:
// Unauthenticated, Forbidden, NotFound if there is no such webhook;
// Internal on a database error.
func (s *Service) DeleteWebhook(ctx context.Context, a *auth.Actor, id int64) error {
	if err := auth.AuthorizeSome(a, auth.ManageWebhooks); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM webhooks WHERE id = ?`, id)
	if err != nil {
		return errs.Wrap(err, "delete webhook")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.Errorf(errs.NotFound, "Webhook %d 不存在", id)
	}
	return nil
}

// Sign returns the SignatureHeader value for body: "sha256=" followed by the
// hex HMAC-SHA256 of body keyed with secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifySignature reports whether header is a valid SignatureHeader value
// for body under secret, comparing in constant time. For receivers of our
// webhooks (and tests).
func VerifySignature(secret, body []byte, header string) bool {
	sig, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

// WebhookPayload is the JSON body POSTed to a webhook.
type WebhookPayload struct {
	// Delivery identifies this delivery; retries carry the same value.
	Delivery     string    `json:"delivery"`
	ID           int64     `json:"id"`
	Kind         string    `json:"kind"`
	Title        string    `json:"title"`
	Body         string    `json:"body,omitempty"`
	Link         string    `json:"link,omitempty"`
	UserID       *int64    `json:"user_id,omitempty"`
	EnterpriseID *int64    `json:"enterprise_id,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	// Timestamp is when this attempt was sent, Unix seconds, as in
	// TimestampHeader but covered by the signature.
	Timestamp int64 `json:"timestamp"`
}

// WebhookOptions configure a WebhookChannel.
type WebhookOptions struct {
	// Client sends the requests; default a client with Timeout that does
	// not follow redirects (a redirect counts as a failure).
	Client *http.Client
	// Timeout bounds each request of the default client; default 10 s.
	Timeout time.Duration
	// BaseURL, if set ("https://qinqing.example.gov.cn"), makes in-platform
	// links absolute in the payload.
	BaseURL string
	// Now is the clock for the timestamp; default time.Now.
	Now func() time.Time
}

// WebhookChannel POSTs each notification as signed JSON to every active
// webhook that accepts its kind, one delivery job per webhook.
type WebhookChannel struct {
	db      *store.DB
	client  *http.Client
	baseURL string
	now     func() time.Time
}

// NewWebhookChannel returns the webhook channel reading the webhooks table
// of db.
func NewWebhookChannel(db *store.DB, opts WebhookOptions) *WebhookChannel {
	c := &WebhookChannel{db: db, client: opts.Client, baseURL: strings.TrimRight(opts.BaseURL, "/"), now: opts.Now}
	if c.now == nil {
		c.now = time.Now
	}
	if c.client == nil {
		timeout := opts.Timeout
		if timeout <= 0 {
			timeout = 10 * time.Second
		}
		c.client = &http.Client{
			Timeout:       timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return c
}

// Name returns "webhook".
func (c *WebhookChannel) Name() string { return "webhook" }

// Targets returns the ids of the active webhooks that accept n's kind.
func (c *WebhookChannel) Targets(ctx context.Context, n Notification) ([]string, error) {
	hooks, err := listWebhooks(ctx, c.db, true)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, w := range hooks {
		if w.Accepts(n.Kind) {
			ids = append(ids, strconv.FormatInt(w.ID, 10))
		}
	}
	return ids, nil
}

// Wants returns which of kinds an active webhook accepts, read through q
// (Subscribed).
func (c *WebhookChannel) Wants(ctx context.Context, q store.Querier, kinds []string) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE active = TRUE`)
	if err != nil {
		return nil, errs.Wrap(err, "read webhooks")
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, errs.Wrap(err, "read webhooks")
		}
		for _, k := range kinds {
			if w.Accepts(k) {
				out[k] = true
			}
		}
	}
	return out, errs.Wrap(rows.Err(), "read webhooks")
}

// Send delivers n to every target at once; the service uses Targets and
// SendTo instead, so that each webhook is retried alone.
func (c *WebhookChannel) Send(ctx context.Context, n Notification) error {
	targets, err := c.Targets(ctx, n)
	if err != nil {
		return err
	}
	var all []error
	for _, t := range targets {
		all = append(all, c.SendTo(ctx, t, n))
	}
	return errors.Join(all...)
}

// SendTo POSTs n to webhook target (its id). A webhook deleted or
// deactivated since is skipped. Errors: any transport error or a status
// other than 2xx, so that the delivery job retries.
func (c *WebhookChannel) SendTo(ctx context.Context, target string, n Notification) error {
	id, err := strconv.ParseInt(target, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook target %q: %w", target, err)
	}
	w, err := scanWebhook(c.db.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, id))
	if errors.Is(err, store.ErrNoRows) {
		return nil
	}
	if err != nil {
		return errs.Wrap(err, "read webhook")
	}
	if !w.Active || !w.Accepts(n.Kind) {
		return nil
	}
	now := c.now()
	p := WebhookPayload{
		Delivery: fmt.Sprintf("%d:%d", n.ID, w.ID), ID: n.ID, Kind: n.Kind, Title: n.Title, Body: n.Body, Link: n.Link,
		UserID: n.UserID, EnterpriseID: n.EnterpriseID, CreatedAt: n.CreatedAt, Timestamp: now.Unix(),
	}
	if c.baseURL != "" && strings.HasPrefix(p.Link, "/") {
		p.Link = c.baseURL + p.Link
	}
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook %d（%s）地址无效: %w", w.ID, w.Name, err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "qinqing-webhook/1")
	req.Header.Set(SignatureHeader, Sign([]byte(w.Secret), body))
	req.Header.Set(TimestampHeader, strconv.FormatInt(p.Timestamp, 10))
	req.Header.Set(EventHeader, n.Kind)
	req.Header.Set(DeliveryHeader, p.Delivery)
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %d（%s）: %w", w.ID, w.Name, redactURLError(err))
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook %d（%s）返回 HTTP %d: %s", w.ID, w.Name, resp.StatusCode, strings.TrimSpace(string(snippet)))
	}
	return nil
}

// redactURLError drops the query of the URL in a transport error: it may
// hold a receiver's token, and the error is stored in jobs.last_error.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery, u.User = "", nil
			return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
	}
	return err
}
