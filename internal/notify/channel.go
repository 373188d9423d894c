package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

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

// Subscribed is implemented by channels whose destinations are rows of
// the database (webhooks): Notify enqueues no delivery of a kind that no
// destination wants when the notification is written — read in the
// notification's own transaction —, so that a platform without webhooks
// does not queue, claim and run a job for every notification to find
// nobody to send it to. A destination added later receives the
// notifications written after it.
type Subscribed interface {
	// Wants returns which of kinds some destination accepts now, read
	// through q.
	Wants(ctx context.Context, q store.Querier, kinds []string) (map[string]bool, error)
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

// delivery is the payload of a DeliverKind job: a batch of notifications
// (ascending ids) for one channel and, for a Fanout channel, one target.
// A job queued by an older release names one notification instead.
type delivery struct {
	Channel       string  `json:"channel"`
	Target        string  `json:"target,omitempty"`
	Notifications []int64 `json:"notifications,omitempty"`
	// NotificationID is the one notification of an older job.
	NotificationID int64 `json:"notification_id,omitempty"`
}

func (d delivery) ids() []int64 {
	if len(d.Notifications) == 0 && d.NotificationID != 0 {
		return []int64{d.NotificationID}
	}
	return d.Notifications
}

// key names the delivery, so that a batch is enqueued once even when the
// job that fans it out is retried.
func (d delivery) key() string {
	ids := d.ids()
	k := fmt.Sprintf("notify:%d", ids[0])
	if len(ids) > 1 {
		k += fmt.Sprintf("-%d+%d", ids[len(ids)-1], len(ids))
	}
	k += ":" + d.Channel
	if d.Target != "" {
		k += ":" + d.Target
	}
	return k
}

// enqueueBatches enqueues the deliveries of ids (ascending) to channel (and
// target), MaxBatch notifications a job.
func (s *Service) enqueueBatches(ctx context.Context, q store.Querier, channel, target string, ids []int64) error {
	for start := 0; start < len(ids); start += MaxBatch {
		d := delivery{Channel: channel, Target: target, Notifications: ids[start:min(start+MaxBatch, len(ids))]}
		if _, err := s.jobs.Enqueue(ctx, q, DeliverKind, d, jobs.UniqueKey(d.key()), jobs.MaxAttempts(s.attempts)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) channel(name string) Channel {
	for _, c := range s.channels {
		if c.Name() == name {
			return c
		}
	}
	return nil
}

// deliver is the DeliverKind job handler. It sends the batch's
// notifications in order, recording how many are sent as the job's
// progress, so that a retry resumes after the last one sent (give or
// take the few since the last progress write: receivers dedupe on the
// notification id). For a Fanout channel it first splits the batch by
// target, one job per target, so that a failing receiver is retried alone.
func (s *Service) deliver(ctx context.Context, j *jobs.Job) error {
	var d delivery
	if err := json.Unmarshal(j.Payload, &d); err != nil || len(d.ids()) == 0 {
		return jobs.Permanent(fmt.Errorf("delivery payload: %v", err))
	}
	c := s.channel(d.Channel)
	if c == nil { // the channel was removed from the configuration
		s.log.Warn("notification channel not configured; delivery dropped", "channel", d.Channel, "notifications", len(d.ids()))
		return nil
	}
	ns, err := s.findByIDs(ctx, d.ids()) // those deleted with their user are gone
	if err != nil {
		return err
	}
	f, fanout := c.(Fanout)
	if fanout && d.Target == "" {
		byTarget := map[string][]int64{}
		var order []string
		for _, n := range ns {
			targets, err := f.Targets(ctx, n)
			if err != nil {
				return err
			}
			for _, t := range targets {
				if byTarget[t] == nil {
					order = append(order, t)
				}
				byTarget[t] = append(byTarget[t], n.ID)
			}
		}
		return s.db.InTx(ctx, func(tx *store.Tx) error {
			for _, t := range order {
				if err := s.enqueueBatches(ctx, tx, d.Channel, t, byTarget[t]); err != nil {
					return err
				}
			}
			return nil
		})
	}
	from := 0
	if p := j.LastProgress; p != nil && p.Total == int64(len(ns)) && p.Done < p.Total {
		from = int(p.Done) // a retry: these were sent
	}
	for i := from; i < len(ns); i++ {
		if fanout {
			err = f.SendTo(ctx, d.Target, ns[i])
		} else {
			err = c.Send(ctx, ns[i])
		}
		if err != nil {
			return err
		}
		if err := j.Progress(ctx, int64(i+1), int64(len(ns)), ""); err != nil {
			return err
		}
	}
	return nil
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
