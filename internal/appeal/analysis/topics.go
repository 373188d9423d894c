package analysis

import (
	"cmp"
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-ego/gse"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Scope selects the appeals analysed: those received from From to To
// (dates in Asia/Shanghai, both included), optionally of one district,
// category and handling unit. Merged appeals are left out: the appeal
// they were merged into speaks for them.
type Scope struct {
	From     workday.Date `json:"from"`
	To       workday.Date `json:"to"`
	District string       `json:"district,omitempty"`
	Category string       `json:"category,omitempty"`
	UnitID   int64        `json:"unit_id,omitempty"`
}

// maxScopeDays bounds a scope: a year and a bit.
const maxScopeDays = 400

// MonthScope returns the scope of one month ("2026-03").
// Errors: Invalid.
func MonthScope(month string) (Scope, error) {
	t, err := time.Parse("2006-01", strings.TrimSpace(month))
	if err != nil {
		return Scope{}, errs.FieldErrorf("month", "月份应写作 2026-03")
	}
	from := workday.NewDate(t.Year(), t.Month(), 1)
	return Scope{From: from, To: workday.NewDate(t.Year(), t.Month()+1, 1) - 1}, nil
}

// check refuses an empty, reversed or too long period.
func (sc Scope) check() error {
	if sc.From == 0 || sc.To == 0 {
		return errs.FieldErrorf("from", "请选择起止日期")
	}
	if sc.To < sc.From {
		return errs.FieldErrorf("to", "结束日期早于开始日期")
	}
	if int(sc.To-sc.From) > maxScopeDays {
		return errs.FieldErrorf("to", "一次最多分析 %d 天", maxScopeDays)
	}
	return nil
}

// Previous returns the period of the same length just before sc, with the
// same filters: what "rising" compares with.
func (sc Scope) Previous() Scope {
	n := sc.To - sc.From + 1
	p := sc
	p.From, p.To = sc.From-n, sc.From-1
	// A whole month compares with the whole month before.
	if y, m, d := sc.From.YMD(); d == 1 && sc.To+1 == workday.NewDate(y, m+1, 1) {
		p.From, p.To = workday.NewDate(y, m-1, 1), sc.From-1
	}
	return p
}

// where returns the SQL condition and arguments of sc on the appeals
// table aliased a, for received_at from from to to.
func (sc Scope) where(from, to workday.Date) (string, []any) {
	cond := []string{"a.received_at >= ?", "a.received_at < ?", "a.status <> 'merged'"}
	args := []any{store.Millis(from.Start()), store.Millis((to + 1).Start())}
	if sc.District != "" {
		cond, args = append(cond, "a.district = ?"), append(args, sc.District)
	}
	if sc.Category != "" {
		cond, args = append(cond, "a.category = ?"), append(args, sc.Category)
	}
	if sc.UnitID != 0 {
		cond, args = append(cond, "a.unit_id = ?"), append(args, sc.UnitID)
	}
	return strings.Join(cond, " AND "), args
}

// Topic is one hot topic of a period.
type Topic struct {
	Word    string  `json:"word"`
	Term    bool    `json:"term"`    // a term of the office's dictionary
	Appeals int     `json:"appeals"` // appeals of the period that name it
	Share   float64 `json:"share"`   // of the period's appeals
	Prev    int     `json:"prev"`    // appeals of the previous period that name it
	Rising  bool    `json:"rising"`  // its share grew by half at least, and three appeals name it
}

// TopicReport is the hot topics of a scope beside the previous period.
type TopicReport struct {
	Scope       Scope   `json:"scope"`
	Previous    Scope   `json:"previous"`
	Appeals     int     `json:"appeals"`
	PrevAppeals int     `json:"prev_appeals"`
	Topics      []Topic `json:"topics"`    // most named first
	Rising      []Topic `json:"rising"`    // the rising ones, fastest first
	Segmented   int     `json:"segmented"` // appeals cut into words for this report (the others were cut before)
}

// maxTopics is how many topics a report lists.
const maxTopics = 50

// Topics returns the hot topics of the appeals in sc: the dictionary's
// terms and the other words of their titles and contents, counted once
// per appeal, with the previous period's counts and what is rising.
// Appeals not yet cut into words are cut first (and kept). The office and
// leaders may call it (auth.AnalyseAppeals). Errors: Unauthenticated,
// Forbidden, Invalid (the scope), Unavailable (the segmenter's dictionary
// does not load), Internal.
func (s *Service) Topics(ctx context.Context, a *auth.Actor, sc Scope) (*TopicReport, error) {
	if err := auth.AuthorizeSome(a, auth.AnalyseAppeals); err != nil {
		return nil, err
	}
	if err := sc.check(); err != nil {
		return nil, err
	}
	seg, err := segmenter()
	if err != nil {
		return nil, errs.Errorf(errs.Unavailable, "分词词典无法加载：%v", err)
	}
	prev := sc.Previous()
	rep := &TopicReport{Scope: sc, Previous: prev}
	if rep.Segmented, err = s.ensureWords(ctx, seg, prev.From, sc.To, sc); err != nil {
		return nil, err
	}
	entries, err := s.loadDictionary(ctx)
	if err != nil {
		return nil, err
	}
	dict := buildDictionary(seg, entries)
	cond, args := sc.where(prev.From, sc.To)
	rows, err := s.db.QueryContext(ctx, `SELECT a.received_at, w.words FROM appeals a JOIN appeal_words w ON w.appeal_id = a.id WHERE `+cond, args...)
	if err != nil {
		return nil, errs.Wrap(err, "topics")
	}
	defer rows.Close()
	split := store.Millis(sc.From.Start())
	now, before := map[string]int{}, map[string]int{}
	isTerm := map[string]bool{}
	var buf []string
	for rows.Next() {
		var at int64
		var ws string
		if err := rows.Scan(&at, &ws); err != nil {
			return nil, errs.Wrap(err, "scan topics")
		}
		count := now
		if at < split {
			count = before
			rep.PrevAppeals++
		} else {
			rep.Appeals++
		}
		buf = dict.topics(seg, strings.Fields(ws), buf[:0], isTerm)
		for _, w := range buf {
			count[w]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "topics")
	}
	for w, n := range now {
		t := Topic{Word: w, Term: isTerm[w], Appeals: n, Prev: before[w], Share: float64(n) / float64(rep.Appeals)}
		t.Rising = n >= 3 && (rep.PrevAppeals == 0 || t.Share >= 1.5*float64(t.Prev)/float64(rep.PrevAppeals))
		rep.Topics = append(rep.Topics, t)
	}
	slices.SortFunc(rep.Topics, func(x, y Topic) int {
		return cmp.Or(cmp.Compare(y.Appeals, x.Appeals), compareBool(y.Term, x.Term), cmp.Compare(x.Word, y.Word))
	})
	for _, t := range rep.Topics {
		if t.Rising {
			rep.Rising = append(rep.Rising, t)
		}
	}
	growth := func(t Topic) float64 { return t.Share - float64(t.Prev)/float64(max(rep.PrevAppeals, 1)) }
	slices.SortStableFunc(rep.Rising, func(x, y Topic) int { return cmp.Compare(growth(y), growth(x)) })
	rep.Topics = rep.Topics[:min(len(rep.Topics), maxTopics)]
	rep.Rising = rep.Rising[:min(len(rep.Rising), maxTopics/5)]
	return rep, nil
}

// segmentBatch is how many appeals are cut and written at a time.
const segmentBatch = 2000

// ensureWords cuts into words the appeals of sc's filters received from
// from to to that have none (or an older version), and keeps them. It
// returns how many it cut.
func (s *Service) ensureWords(ctx context.Context, seg *gse.Segmenter, from, to workday.Date, sc Scope) (int, error) {
	cond, args := sc.where(from, to)
	total := 0
	for {
		rows, err := s.db.QueryContext(ctx, `SELECT a.id, a.title, a.content FROM appeals a LEFT JOIN appeal_words w ON w.appeal_id = a.id
			WHERE `+cond+` AND (w.appeal_id IS NULL OR w.version <> ?) ORDER BY a.id LIMIT ?`, append(args, wordsVersion, segmentBatch)...)
		if err != nil {
			return total, errs.Wrap(err, "appeals to segment")
		}
		type item struct {
			id             int64
			title, content string
			words          string
		}
		var items []item
		for rows.Next() {
			var it item
			if err := rows.Scan(&it.id, &it.title, &it.content); err != nil {
				rows.Close()
				return total, errs.Wrap(err, "scan appeals to segment")
			}
			items = append(items, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return total, errs.Wrap(err, "appeals to segment")
		}
		if len(items) == 0 {
			return total, nil
		}
		var wg sync.WaitGroup
		workers := runtime.GOMAXPROCS(0)
		for w := range workers {
			wg.Go(func() {
				for i := w; i < len(items); i += workers {
					items[i].words = strings.Join(words(seg, items[i].title+"。"+items[i].content), " ")
				}
			})
		}
		wg.Wait()
		err = s.db.InTx(ctx, func(tx *store.Tx) error {
			for _, it := range items {
				if _, err := tx.ExecContext(ctx, `INSERT INTO appeal_words (appeal_id, version, words) VALUES (?, ?, ?)
					ON CONFLICT (appeal_id) DO UPDATE SET version = excluded.version, words = excluded.words`, it.id, wordsVersion, it.words); err != nil {
					return errs.Wrap(err, "keep words")
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += len(items)
		if len(items) < segmentBatch {
			return total, nil
		}
	}
}

// compareBool orders false before true.
func compareBool(x, y bool) int {
	switch {
	case x == y:
		return 0
	case x:
		return 1
	}
	return -1
}
