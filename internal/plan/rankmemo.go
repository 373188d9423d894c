package plan

import (
	"slices"
	"sync"
	"time"

	"github.com/qinqing/qinqing/internal/workday"
)

// rankMemoTTL is how long a live ranking computed by this process is
// served again.
const rankMemoTTL = 30 * time.Second

// rankMemo keeps the live rankings (the current month's, computed from
// every published plan's reports, tasks, 督办 and indicators) this process
// computed in the last rankMemoTTL, so that the leaders opening the ranking
// page, its API and the briefing one after another do not each aggregate
// the whole city. Every change to what a ranking counts passes
// refreshTasks or storeValue, which drop the memo; a ranking computed while
// a change was made is not kept. A change another instance makes, or one
// committed while a ranking was being computed here, shows within
// rankMemoTTL.
type rankMemo struct {
	mu   sync.Mutex
	gen  uint64
	rows map[rankKey]rankEntry
}

type rankKey struct {
	plan  int64
	month Month
	today workday.Date
	w     Weights
}

type rankEntry struct {
	rows []RankRow
	at   time.Time
}

// generation returns the memo's generation, to hand back to put.
func (m *rankMemo) generation() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.gen
}

// get returns a copy of the rows kept for k, if they are fresh.
func (m *rankMemo) get(k rankKey) ([]RankRow, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.rows[k]
	if !ok || time.Since(e.at) >= rankMemoTTL {
		return nil, false
	}
	return slices.Clone(e.rows), true
}

// put keeps a copy of rows for k unless the memo was dropped since gen.
func (m *rankMemo) put(k rankKey, gen uint64, rows []RankRow) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if gen != m.gen {
		return
	}
	if m.rows == nil {
		m.rows = map[rankKey]rankEntry{}
	}
	for key, e := range m.rows {
		if time.Since(e.at) >= rankMemoTTL {
			delete(m.rows, key)
		}
	}
	m.rows[k] = rankEntry{rows: slices.Clone(rows), at: time.Now()}
}

// drop forgets every kept ranking.
func (m *rankMemo) drop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gen++
	m.rows = nil
}
