package policy

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/policy/rule"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Change topics on store.Events.
const (
	// TopicEnterprise announces changed enterprises. The payload is the id
	// of one changed enterprise, or "" when many changed (an import): every
	// instance's Engine then reloads its whole snapshot. Whoever changes the
	// enterprises table publishes it after the commit (see
	// app.App.EnterpriseChanged and EnterprisesChanged).
	TopicEnterprise = "enterprise"
	// TopicPolicy announces that the published clauses changed (a policy was
	// published or ended, a published clause got a new version); the
	// payload is the policy id. Every Engine rebuilds its clause index.
	TopicPolicy = "policy"
)

// EngineOptions configure an Engine.
type EngineOptions struct {
	Now    func() time.Time // default time.Now
	Logger *slog.Logger     // default slog.Default()
	// OnEnterprise is called after the snapshot took in one changed
	// enterprise, with a copy of its new state; the Service enqueues the
	// enterprise's push from here.
	OnEnterprise func(ctx context.Context, e *enterprise.Enterprise)
	// OnReload is called after each full load.
	OnReload func(ctx context.Context, st LoadStats)
}

// LoadStats describe a full load of the snapshot.
type LoadStats struct {
	Rows        int           `json:"rows"`
	Took        time.Duration `json:"took"`
	At          time.Time     `json:"at"`
	MaxUpdated  int64         `json:"max_updated"` // newest enterprises.updated_at seen, Unix ms
	MemoryBytes uint64        `json:"memory_bytes"`
}

// Engine keeps an in-memory columnar snapshot (rule.Table) of every
// enterprise and an index (rule.Index) of the current clauses of the
// published policies, both current: a changed enterprise is re-read and
// replaced in the snapshot at once (Refresh, called in-process through
// store.Events on SQLite and through LISTEN/NOTIFY on every PostgreSQL
// instance), an import triggers a full reload in the background (the old
// snapshot keeps answering meanwhile, and enterprises refreshed during the
// reload are refreshed again in the new one), and the index is rebuilt on
// TopicPolicy. Safe for concurrent use.
type Engine struct {
	db   *store.DB
	opts EngineOptions

	snap atomic.Pointer[rule.Table]
	idx  atomic.Pointer[ClauseIndex]

	loadMu     sync.Mutex // one full load at a time
	refreshMu  sync.Mutex // refreshes of single enterprises in order
	mu         sync.Mutex // guards the fields below and snapshot swaps
	pending    map[int64]struct{}
	stats      LoadStats
	reloading  bool
	again      bool
	started    bool // a full load has begun: events are applied from now on
	loaded     chan struct{}
	loadedRows atomic.Int64 // rows read so far by the running full load
	// Changes this process announced (Announce) that the snapshot has not
	// taken in yet: single enterprises with the time of the announcement,
	// and the time of the oldest announced reload (zero: none).
	unseen      map[int64]time.Time
	reloadSince time.Time
	idxMu       sync.Mutex
	groups      groupCache // rows per value of the grouping fields
}

// NewEngine returns an Engine on db with an empty snapshot; call Load (and
// LoadIndex) before relying on it.
func NewEngine(db *store.DB, opts EngineOptions) *Engine {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	e := &Engine{db: db, opts: opts, loaded: make(chan struct{}), unseen: map[int64]time.Time{}}
	e.snap.Store(rule.NewBuilder().Build(workday.Today(opts.Now)))
	ix, _ := rule.NewIndex(nil)
	e.idx.Store(&ClauseIndex{ix: ix, clauses: map[int64]*Clause{}, policies: map[int64]*Policy{}})
	return e
}

// Table returns the current snapshot, its date set to today.
func (e *Engine) Table() *rule.Table {
	s := e.snap.Load()
	if today := workday.Today(e.opts.Now); s.Today() != today {
		s.SetToday(today)
	}
	return s
}

// Stats returns the figures of the last full load.
func (e *Engine) Stats() LoadStats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stats
}

// Loaded returns a channel closed after the first full load.
func (e *Engine) Loaded() <-chan struct{} { return e.loaded }

// LoadState describes the engine for /readyz: loaded, or how many rows the
// first full load has read so far.
type LoadState struct {
	Loaded bool  `json:"loaded"`
	Rows   int64 `json:"rows"`
}

// State returns whether the first full load finished and how far it got.
func (e *Engine) State() LoadState {
	if e.isLoaded() {
		return LoadState{Loaded: true, Rows: int64(e.Stats().Rows)}
	}
	return LoadState{Rows: e.loadedRows.Load()}
}

// isLoaded reports whether the first full load finished.
func (e *Engine) isLoaded() bool {
	select {
	case <-e.loaded:
		return true
	default:
		return false
	}
}

// ready returns Unavailable until the first full load finished: before it
// the snapshot is empty and every answer drawn from it would be wrong.
func (e *Engine) ready() error {
	if e.isLoaded() {
		return nil
	}
	return errs.Errorf(errs.Unavailable, "政策引擎正在载入企业数据（已载入 %d 家），请稍后再试", e.loadedRows.Load())
}

// awaitLoaded waits until the first full load finished or ctx ends.
func (e *Engine) awaitLoaded(ctx context.Context) error {
	select {
	case <-e.loaded:
		return nil
	case <-ctx.Done():
		return errs.Wrap(ctx.Err(), "wait for the policy engine")
	}
}

// Load reads every enterprise from the database, streaming, into a new
// snapshot and swaps it in; readers use the old one until then. It returns
// how long it took. Errors: Internal on a database error.
func (e *Engine) Load(ctx context.Context) (LoadStats, error) {
	e.loadMu.Lock()
	defer e.loadMu.Unlock()
	start := time.Now()
	e.mu.Lock()
	e.pending = map[int64]struct{}{}
	e.started = true
	e.mu.Unlock()
	e.loadedRows.Store(0)
	b := rule.NewBuilder()
	st := LoadStats{At: e.opts.Now()}
	err := eachEnterpriseBulk(ctx, e.db, func(x *enterprise.Enterprise) error {
		b.Add(x)
		st.Rows++
		if st.Rows%4096 == 0 {
			e.loadedRows.Store(int64(st.Rows))
		}
		if ms := store.Millis(x.UpdatedAt); ms > st.MaxUpdated {
			st.MaxUpdated = ms
		}
		return nil
	})
	if err != nil {
		e.mu.Lock()
		e.pending = nil
		e.mu.Unlock()
		return LoadStats{}, err
	}
	snap := b.Build(workday.Today(e.opts.Now))
	st.Took = time.Since(start)
	st.MemoryBytes = snap.MemoryBytes()
	e.mu.Lock()
	pending := e.pending
	e.pending = nil
	e.snap.Store(snap)
	e.stats = st
	e.loadedRows.Store(int64(st.Rows))
	// The load read every change announced before it began.
	if !e.reloadSince.IsZero() && e.reloadSince.Before(start) {
		e.reloadSince = time.Time{}
	}
	for id, at := range e.unseen {
		if at.Before(start) {
			delete(e.unseen, id)
		}
	}
	select {
	case <-e.loaded:
	default:
		close(e.loaded)
	}
	e.mu.Unlock()
	for id := range pending {
		if err := e.refresh(ctx, id, false); err != nil {
			e.opts.Logger.Warn("policy engine: refresh after reload", "enterprise", id, "err", err)
		}
	}
	e.opts.Logger.Info("policy engine: snapshot loaded", "enterprises", st.Rows, "took", st.Took, "memory_mb", st.MemoryBytes>>20)
	if e.opts.OnReload != nil {
		e.opts.OnReload(ctx, st)
	}
	return st, nil
}

// RequestReload starts a full reload in the background, or, when one is
// running, makes it run once more after it ends.
func (e *Engine) RequestReload() {
	e.mu.Lock()
	if e.reloading {
		e.again = true
		e.mu.Unlock()
		return
	}
	e.reloading = true
	e.mu.Unlock()
	go func() {
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
			if _, err := e.Load(ctx); err != nil {
				e.opts.Logger.Error("policy engine: reload", "err", err)
			}
			cancel()
			e.mu.Lock()
			if !e.again {
				e.reloading = false
				e.mu.Unlock()
				return
			}
			e.again = false
			e.mu.Unlock()
		}
	}()
}

// Refresh re-reads enterprise id and replaces it in the snapshot (removes
// it when it no longer exists), then calls OnEnterprise. Errors: Internal
// on a database error.
func (e *Engine) Refresh(ctx context.Context, id int64) error { return e.refresh(ctx, id, true) }

func (e *Engine) refresh(ctx context.Context, id int64, hook bool) error {
	e.refreshMu.Lock()
	defer e.refreshMu.Unlock()
	ent, err := findEnterprise(ctx, e.db, id)
	if errs.CodeOf(err) == errs.NotFound {
		e.mu.Lock()
		snap := e.snap.Load()
		row, had := snap.Row(id)
		snap.Delete(id)
		if had {
			e.groups.remove(snap, row)
		}
		if e.pending != nil {
			e.pending[id] = struct{}{}
		}
		delete(e.unseen, id)
		e.mu.Unlock()
		return nil
	}
	if err != nil {
		return err
	}
	e.mu.Lock()
	snap := e.snap.Load()
	snap.Upsert(ent)
	if row, ok := snap.Row(ent.ID); ok {
		e.groups.update(snap, row, ent)
	}
	if e.pending != nil {
		e.pending[id] = struct{}{}
	}
	delete(e.unseen, id)
	e.mu.Unlock()
	if hook && e.opts.OnEnterprise != nil {
		e.opts.OnEnterprise(ctx, ent)
	}
	return nil
}

// HandleEnterpriseEvent applies a TopicEnterprise event: an id refreshes
// that enterprise at once; "" (many changed) and "reconnect" (events may
// have been missed) reload everything in the background. An engine that
// has never begun a load (a command-line process) ignores events; one that
// is loading for the first time applies them to the empty snapshot and
// again to the loaded one.
func (e *Engine) HandleEnterpriseEvent(payload string) {
	e.mu.Lock()
	started := e.started
	e.mu.Unlock()
	if !started {
		return
	}
	if payload == "" || payload == "reconnect" {
		e.RequestReload()
		return
	}
	id, err := strconv.ParseInt(payload, 10, 64)
	if err != nil || id <= 0 {
		e.opts.Logger.Warn("policy engine: bad enterprise event", "payload", payload)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.Refresh(ctx, id); err != nil {
		e.opts.Logger.Error("policy engine: refresh enterprise", "enterprise", id, "err", err)
	}
}

// HandlePolicyEvent applies a TopicPolicy event: it rebuilds the index of
// published clauses.
func (e *Engine) HandlePolicyEvent(string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := e.LoadIndex(ctx); err != nil {
		e.opts.Logger.Error("policy engine: reload clause index", "err", err)
	}
}

// Announce records that this process changed enterprise id (0: many) and
// is about to announce it on the change events: until the snapshot has
// taken the change in, Search leaves this process's searches to the
// database, so that whoever made a change finds it.
func (e *Engine) Announce(id int64) {
	now := time.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	if id > 0 {
		e.unseen[id] = now
	} else if e.reloadSince.IsZero() {
		e.reloadSince = now
	}
}

// Bounds of Search's wait for announced changes.
const (
	// unseenWait is how long a search waits for announced single changes
	// to arrive (on PostgreSQL they come back through LISTEN/NOTIFY in
	// milliseconds) before the database answers it instead.
	unseenWait = time.Second
	// unseenExpiry forgets an announcement whose event never came (a
	// lost notification): a reconnect reloads everything anyway.
	unseenExpiry = 10 * time.Second
)

// Search answers a registry search from the snapshot (enterprise.SearchIndex).
// It declines (ok false) before the first load, during a reload this
// process asked for, and while a single change this process announced
// has not arrived within unseenWait.
func (e *Engine) Search(ctx context.Context, q enterprise.Query) (ids []int64, total int, ok bool) {
	if !e.current(ctx) {
		return nil, 0, false
	}
	ids, total = e.Table().Search(q)
	return ids, total, true
}

// current reports whether the snapshot holds every change this process
// announced, waiting up to unseenWait for single changes.
func (e *Engine) current(ctx context.Context) bool {
	if !e.isLoaded() {
		return false
	}
	deadline := time.Now().Add(unseenWait)
	for {
		now := time.Now()
		e.mu.Lock()
		behind := !e.reloadSince.IsZero() || e.reloading
		waiting := false
		for id, at := range e.unseen {
			if now.Sub(at) > unseenExpiry {
				delete(e.unseen, id)
				continue
			}
			waiting = true
		}
		e.mu.Unlock()
		switch {
		case behind:
			return false
		case !waiting:
			return true
		case now.After(deadline) || ctx.Err() != nil:
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Evaluate evaluates r for every enterprise of the snapshot.
func (e *Engine) Evaluate(r *rule.Rule) rule.Result { return e.Table().Evaluate(r) }

// ClauseIndex is the reverse index over the current clauses of the
// published policies, with the clauses and policies themselves.
type ClauseIndex struct {
	ix       *rule.Index
	clauses  map[int64]*Clause // by version id
	policies map[int64]*Policy // by policy id, without clauses
	list     []*Clause         // in index order
}

// Len returns the number of indexed clauses.
func (c *ClauseIndex) Len() int { return len(c.list) }

// Clauses returns the indexed clauses in index order.
func (c *ClauseIndex) Clauses() []*Clause { return c.list }

// Clause returns the clause version id and its policy.
func (c *ClauseIndex) Clause(id int64) (*Clause, *Policy, bool) {
	cl, ok := c.clauses[id]
	if !ok {
		return nil, nil, false
	}
	return cl, c.policies[cl.PolicyID], true
}

// Index returns the current clause index.
func (e *Engine) Index() *ClauseIndex { return e.idx.Load() }

// LoadIndex rebuilds the clause index from the database. Errors: Internal.
func (e *Engine) LoadIndex(ctx context.Context) error {
	e.idxMu.Lock()
	defer e.idxMu.Unlock()
	pols, err := loadPublished(ctx, e.db)
	if err != nil {
		return err
	}
	ci, err := newClauseIndex(pols)
	if err != nil {
		return err
	}
	e.idx.Store(ci)
	return nil
}

// newClauseIndex indexes the current clauses of pols.
func newClauseIndex(pols []*Policy) (*ClauseIndex, error) {
	ci := &ClauseIndex{clauses: map[int64]*Clause{}, policies: map[int64]*Policy{}}
	var rules []rule.IndexedRule
	for _, p := range pols {
		light := *p
		light.Clauses = nil
		ci.policies[p.ID] = &light
		for _, c := range p.Clauses {
			ci.clauses[c.ID] = c
			ci.list = append(ci.list, c)
			rules = append(rules, rule.IndexedRule{ID: c.ID, Rule: c.Rule})
		}
	}
	ix, err := rule.NewIndex(rules)
	if err != nil {
		return nil, errs.Wrap(errors.New(errs.MessageOf(err)), "index published clauses")
	}
	ci.ix = ix
	return ci, nil
}

// Match returns the outcome of every indexed clause for enterprise ent on
// today, in index order, using the reverse index so that clauses whose
// anchor condition ent cannot meet are not evaluated.
func (c *ClauseIndex) Match(ent *enterprise.Enterprise, today workday.Date) []rule.Match {
	return c.ix.MatchAll(ent, today)
}
