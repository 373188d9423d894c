package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/store"
)

// Channel delivers notifications outside the platform. Send is called from
// a background job; an error makes the job retry with backoff, so Send must
// tolerate being called again for a notification it already delivered
// (receivers dedupe on the notification id).
type Channel interface {
	// Name identifies the channel in delivery jobs; it must not change
	// between releases while jobs are queued.
	Name() string
	// Send delivers n.
	Send(ctx context.Context, n Notification) error
}

// KindFilter is implemented by channels that want only some kinds of
// notification; Notify enqueues no delivery for the others.
type KindFilter interface {
	Accepts(kind string) bool
}

// Fanout is implemented by channels with several independent destinations
// (one per webhook): the delivery job asks for the targets and enqueues one
// job per target, so that one failing receiver is retried alone and the
// others are not sent duplicates.
type Fanout interface {
	Channel
	// Targets returns the destinations n is for (ids as text).
	Targets(ctx context.Context, n Notification) ([]string, error)
	// SendTo delivers n to one destination; a destination that no longer
	// exists is not an error.
	SendTo(ctx context.Context, target string, n Notification) error
}

// delivery is the payload of a DeliverKind job.
type delivery struct {
	NotificationID int64  `json:"notification_id"`
	Channel        string `json:"channel"`
	Target         string `json:"target,omitempty"`
}

func (d delivery) key() string {
	k := fmt.Sprintf("notify:%d:%s", d.NotificationID, d.Channel)
	if d.Target != "" {
		k += ":" + d.Target
	}
	return k
}

func (s *Service) enqueue(ctx context.Context, q store.Querier, d delivery) (int64, error) {
	return s.jobs.Enqueue(ctx, q, DeliverKind, d, jobs.UniqueKey(d.key()), jobs.MaxAttempts(s.attempts))
}

func (s *Service) channel(name string) Channel {
	for _, c := range s.channels {
		if c.Name() == name {
			return c
		}
	}
	return nil
}

// deliver is the DeliverKind job handler.
func (s *Service) deliver(ctx context.Context, j *jobs.Job) error {
	var d delivery
	if err := json.Unmarshal(j.Payload, &d); err != nil {
		return jobs.Permanent(fmt.Errorf("delivery payload: %w", err))
	}
	c := s.channel(d.Channel)
	if c == nil { // the channel was removed from the configuration
		s.log.Warn("notification channel not configured; delivery dropped", "channel", d.Channel, "notification", d.NotificationID)
		return nil
	}
	n, err := s.findByID(ctx, d.NotificationID)
	if errs.CodeOf(err) == errs.NotFound { // deleted with its user
		return nil
	}
	if err != nil {
		return err
	}
	f, ok := c.(Fanout)
	switch {
	case !ok:
		return c.Send(ctx, n)
	case d.Target != "":
		return f.SendTo(ctx, d.Target, n)
	}
	targets, err := f.Targets(ctx, n)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		for _, t := range targets {
			if _, err := s.enqueue(ctx, tx, delivery{NotificationID: n.ID, Channel: d.Channel, Target: t}); err != nil {
				return err
			}
		}
		return nil
	})
}

// LogChannel writes each notification as a structured log line: useful in
// development, and as an audit trail of what was sent.
type LogChannel struct {
	log *slog.Logger
}

// NewLogChannel returns a channel logging to logger (slog.Default() if nil).
func NewLogChannel(logger *slog.Logger) *LogChannel {
	if logger == nil {
		logger = slog.Default()
	}
	return &LogChannel{log: logger}
}

// Name returns "log".
func (c *LogChannel) Name() string { return "log" }

// Send logs n at Info level; it never fails.
func (c *LogChannel) Send(ctx context.Context, n Notification) error {
	attrs := []slog.Attr{slog.Int64("id", n.ID), slog.String("kind", n.Kind), slog.String("title", n.Title)}
	if n.UserID != nil {
		attrs = append(attrs, slog.Int64("user_id", *n.UserID))
	}
	if n.EnterpriseID != nil {
		attrs = append(attrs, slog.Int64("enterprise_id", *n.EnterpriseID))
	}
	if n.Link != "" {
		attrs = append(attrs, slog.String("link", n.Link))
	}
	c.log.LogAttrs(ctx, slog.LevelInfo, "notification", attrs...)
	return nil
}
