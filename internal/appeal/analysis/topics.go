package analysis

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strconv"
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
	Word      string  `json:"word"`
	Term      bool    `json:"term"`       // a term of the office's dictionary
	Appeals   int     `json:"appeals"`    // appeals of the period that name it
	Share     float64 `json:"share"`      // of the period's appeals
	Prev      int     `json:"prev"`       // appeals of the previous period that name it
	PrevShare float64 `json:"prev_share"` // of the previous period's appeals
	Rising    bool    `json:"rising"`     // its share grew by half at least, and three appeals name it
	Falling   bool    `json:"falling"`    // its share fell by a third at least, from three appeals or more
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
// Appeals not yet cut into words (Refresh does it every few minutes) are
// cut first and kept. Whole months are summed from the kept counts when
// they are of the current dictionary; other periods count each appeal's
// kept topics. The office and leaders may call it (auth.AnalyseAppeals).
// Errors: Unauthenticated, Forbidden, Invalid (the scope), Unavailable
// (the segmenter's dictionary does not load), Internal.
func (s *Service) Topics(ctx context.Context, a *auth.Actor, sc Scope) (*TopicReport, error) {
	if err := auth.AuthorizeSome(a, auth.AnalyseAppeals); err != nil {
		return nil, err
	}
	if err := sc.check(); err != nil {
		return nil, err
	}
	prev := sc.Previous()
	rep := &TopicReport{Scope: sc, Previous: prev}
	// Only the appeals above the watermark Refresh keeps can lack words.
	var upto int64
	if err := s.db.QueryRowContext(ctx, `SELECT segmented_upto FROM appeal_topic_state WHERE id = 1`).Scan(&upto); err != nil {
		return nil, errs.Wrap(err, "topic state")
	}
	var err error
	cond, args := sc.where(prev.From, sc.To)
	if rep.Segmented, err = s.ensureWords(ctx, "a.id > ? AND "+cond, append([]any{upto}, args...), 0); err != nil {
		return nil, err
	}
	ver, counted, err := s.topicState(ctx)
	if err != nil {
		return nil, err
	}
	now, before := map[string]int{}, map[string]int{}
	isTerm := map[string]bool{}
	if first, ok := wholeMonths(prev.From, sc.To); ok && ver == counted && wholeMonth(sc.From) && oneFilter(sc) {
		rep.Appeals, rep.PrevAppeals, err = s.countMonths(ctx, sc, first, monthOf(sc.From), monthOf(sc.To), now, before, isTerm)
	} else {
		rep.Appeals, rep.PrevAppeals, err = s.countAppeals(ctx, sc, prev, ver, now, before, isTerm)
	}
	if err != nil {
		return nil, err
	}
	for w, n := range now {
		t := Topic{Word: w, Term: isTerm[w], Appeals: n, Prev: before[w], Share: float64(n) / float64(rep.Appeals)}
		if rep.PrevAppeals > 0 {
			t.PrevShare = float64(t.Prev) / float64(rep.PrevAppeals)
		}
		t.Rising = n >= 3 && (rep.PrevAppeals == 0 || t.Share >= 1.5*t.PrevShare)
		t.Falling = t.Prev >= 3 && t.Share*1.5 <= t.PrevShare
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
	growth := func(t Topic) float64 { return t.Share - t.PrevShare }
	slices.SortStableFunc(rep.Rising, func(x, y Topic) int { return cmp.Compare(growth(y), growth(x)) })
	rep.Topics = rep.Topics[:min(len(rep.Topics), maxTopics)]
	rep.Rising = rep.Rising[:min(len(rep.Rising), maxTopics/5)]
	return rep, nil
}

// oneFilter reports whether sc filters by one of district, category and
// unit at most: the counts keep one dimension at a time.
func oneFilter(sc Scope) bool {
	n := 0
	for _, set := range []bool{sc.District != "", sc.Category != "", sc.UnitID != 0} {
		if set {
			n++
		}
	}
	return n <= 1
}

// sliceOf returns the dimension and key of the counts that answer sc.
func sliceOf(sc Scope) (dim, key string) {
	switch {
	case sc.District != "":
		return "district", sc.District
	case sc.Category != "":
		return "category", sc.Category
	case sc.UnitID != 0:
		return "unit", strconv.FormatInt(sc.UnitID, 10)
	}
	return "all", ""
}

// monthOf is the month of a date, 2026-03.
func monthOf(d workday.Date) string {
	y, m, _ := d.YMD()
	return fmt.Sprintf("%04d-%02d", y, int(m))
}

// wholeMonth reports whether d is the first of a month.
func wholeMonth(d workday.Date) bool { _, _, day := d.YMD(); return day == 1 }

// wholeMonths returns the first month of from to to when the period is
// whole months: from the first of a month to the last of a month.
func wholeMonths(from, to workday.Date) (string, bool) {
	if !wholeMonth(from) || !wholeMonth(to+1) {
		return "", false
	}
	return monthOf(from), true
}

// countMonths sums the kept counts of the months first to last (the
// current period from the month cur on) by topic: one GROUP BY over
// appeal_topic_counts. It returns the appeals of the period and of the
// previous one.
func (s *Service) countMonths(ctx context.Context, sc Scope, first, cur, last string, now, before map[string]int, isTerm map[string]bool) (int, int, error) {
	dim, key := sliceOf(sc)
	args := []any{cur, cur, first, last, dim, key}
	rows, err := s.db.QueryContext(ctx, `SELECT word, MAX(CASE WHEN term THEN 1 ELSE 0 END),
		SUM(CASE WHEN month >= ? THEN appeals ELSE 0 END), SUM(CASE WHEN month < ? THEN appeals ELSE 0 END)
		FROM appeal_topic_counts WHERE month >= ? AND month <= ? AND dim = ? AND key = ? GROUP BY word`, args...)
	if err != nil {
		return 0, 0, errs.Wrap(err, "topic counts")
	}
	defer rows.Close()
	var n, p int
	for rows.Next() {
		var w string
		var term, inCur, inPrev int
		if err := rows.Scan(&w, &term, &inCur, &inPrev); err != nil {
			return 0, 0, errs.Wrap(err, "scan topic counts")
		}
		if w == "" {
			n, p = inCur, inPrev
			continue
		}
		if inCur > 0 {
			now[w] = inCur
		}
		if inPrev > 0 {
			before[w] = inPrev
		}
		if term == 1 {
			isTerm[w] = true
		}
	}
	return n, p, errs.Wrap(rows.Err(), "topic counts")
}

// countAppeals counts the topics of each appeal of sc and prev: its kept
// topics when they are of dictionary version ver, else its words matched
// with the dictionary now. It returns the appeals of the period and of
// the previous one.
func (s *Service) countAppeals(ctx context.Context, sc, prev Scope, ver int64, now, before map[string]int, isTerm map[string]bool) (int, int, error) {
	cond, args := sc.where(prev.From, sc.To)
	rows, err := s.db.QueryContext(ctx, `SELECT a.received_at, w.dict_version, w.topics, w.words FROM appeals a JOIN appeal_words w ON w.appeal_id = a.id WHERE `+cond, args...)
	if err != nil {
		return 0, 0, errs.Wrap(err, "topics")
	}
	defer rows.Close()
	split := store.Millis(sc.From.Start())
	var dict *Dictionary
	var seg *gse.Segmenter
	var n, p int
	var buf []string
	for rows.Next() {
		var at, v int64
		var topics, ws string
		if err := rows.Scan(&at, &v, &topics, &ws); err != nil {
			return 0, 0, errs.Wrap(err, "scan topics")
		}
		count := now
		if at < split {
			count = before
			p++
		} else {
			n++
		}
		if v == ver {
			for _, t := range strings.Fields(topics) {
				w, term := strings.CutPrefix(t, "#")
				count[w]++
				if term {
					isTerm[w] = true
				}
			}
			continue
		}
		if dict == nil {
			if seg, err = segmenter(); err != nil {
				return 0, 0, errs.Errorf(errs.Unavailable, "分词词典无法加载：%v", err)
			}
			if dict, err = s.dictionary(ctx, seg); err != nil {
				return 0, 0, err
			}
		}
		buf = dict.topics(seg, strings.Fields(ws), buf[:0], isTerm)
		for _, w := range buf {
			count[w]++
		}
	}
	return n, p, errs.Wrap(rows.Err(), "topics")
}

// dictionary loads the office's dictionary and cuts its terms with seg.
func (s *Service) dictionary(ctx context.Context, seg *gse.Segmenter) (*Dictionary, error) {
	entries, err := s.loadDictionary(ctx)
	if err != nil {
		return nil, err
	}
	return buildDictionary(seg, entries), nil
}

// segmentBatch is how many appeals are cut and written at a time.
const segmentBatch = 2000

// ensureWords cuts into words the appeals (aliased a) matching cond that
// have none or an older segmentation, and keeps them with their topics
// (keep); the segmenter is loaded only when there are such appeals. It
// returns how many it cut; it stops after limit appeals (0: no limit).
func (s *Service) ensureWords(ctx context.Context, cond string, args []any, limit int) (int, error) {
	total := 0
	for {
		rows, err := s.db.QueryContext(ctx, `SELECT a.id, a.title, a.content FROM appeals a LEFT JOIN appeal_words w ON w.appeal_id = a.id
			WHERE `+cond+` AND (w.appeal_id IS NULL OR w.version <> ?) ORDER BY a.id LIMIT ?`, append(slices.Clip(args), wordsVersion, segmentBatch)...)
		if err != nil {
			return total, errs.Wrap(err, "appeals to segment")
		}
		type item struct {
			id             int64
			title, content string
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
		seg, err := segmenter()
		if err != nil {
			return total, errs.Errorf(errs.Unavailable, "分词词典无法加载：%v", err)
		}
		// The version is read before the dictionary: topics made with a
		// newer dictionary than their stamp are only recounted once more.
		ver, _, err := s.topicState(ctx)
		if err != nil {
			return total, err
		}
		dict, err := s.dictionary(ctx, seg)
		if err != nil {
			return total, err
		}
		out := make([]kept, len(items))
		var wg sync.WaitGroup
		workers := runtime.GOMAXPROCS(0)
		for w := range workers {
			wg.Go(func() {
				for i := w; i < len(items); i += workers {
					ws := words(seg, items[i].title+"。"+items[i].content)
					out[i] = kept{id: items[i].id, words: strings.Join(ws, " "), topics: dict.keptTopics(seg, ws)}
				}
			})
		}
		wg.Wait()
		if err := s.keep(ctx, out, ver); err != nil {
			return total, err
		}
		total += len(items)
		if len(items) < segmentBatch || (limit > 0 && total >= limit) {
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
