package analysis

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-ego/gse"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Hot topics are pre-aggregated (0018): each appeal's distinct topics are
// kept in appeal_words beside its words, with the key they are counted
// under — the month it was received, its district, category and handling
// unit — and appeal_topic_counts holds, per month and topic, how many
// appeals name it: of all, of each district, of each category and of each
// unit (the empty word: how many appeals there are). Three
// things change the counts, each in the transaction that changes the
// kept topics: keeping an appeal's words (keep), an appeal moving to
// another key (Observe, inside the appeal's own transition: a dispatch, a
// transfer, a merge), and the office's dictionary changing (AddWord and
// RemoveWord bump its version; Refresh recounts the kept appeals in
// batches and then marks the counts current). A month's topics is then one
// GROUP BY over the month's counts, used while the counts are of the
// dictionary's current version; otherwise Topics counts the kept topics
// per appeal.

// JobTopics is the periodic job that cuts new appeals into words and
// recounts after a dictionary change (Refresh), so that no page pays for
// segmentation.
const JobTopics = "appeal.topics"

// RegisterJobs registers the job handlers of the analysis.
func (s *Service) RegisterJobs(r *jobs.Runner) { r.Register(JobTopics, s.runRefresh) }

// Schedules lists the periodic jobs: Refresh every five minutes.
func (s *Service) Schedules() []jobs.Period {
	return []jobs.Period{{Name: "appeal-topics", Kind: JobTopics, Every: 5 * time.Minute}}
}

func (s *Service) runRefresh(ctx context.Context, _ *jobs.Job) error {
	st, err := s.Refresh(ctx)
	if err != nil {
		return err
	}
	if st.Segmented+st.Recounted > 0 {
		s.Logger.Info("appeal topics refreshed", "segmented", st.Segmented, "recounted", st.Recounted)
	}
	return nil
}

// RefreshStats says what Refresh did.
type RefreshStats struct {
	Segmented int // appeals cut into words
	Recounted int // appeals whose topics were counted again with the current dictionary
}

// Refresh cuts into words the appeals that have none (or an older
// segmentation) and recounts the topics kept with an older dictionary, up
// to refreshLimit appeals of each; the segmenter is loaded only when there
// is such work. For the periodic
// job and the command line. Errors: Unavailable (the segmenter's
// dictionary does not load), Internal.
func (s *Service) Refresh(ctx context.Context) (RefreshStats, error) {
	var st RefreshStats
	var upto int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM appeals`).Scan(&upto); err != nil {
		return st, errs.Wrap(err, "appeals to segment")
	}
	var err error
	if st.Segmented, err = s.ensureWords(ctx, "a.id <= ? AND a.status <> 'merged'", []any{upto}, refreshLimit); err != nil {
		return st, err
	}
	if st.Segmented < refreshLimit {
		if _, err := s.db.ExecContext(ctx, `UPDATE appeal_topic_state SET segmented_upto = ? WHERE id = 1 AND segmented_upto < ?`, upto, upto); err != nil {
			return st, errs.Wrap(err, "segmented")
		}
	}
	for st.Recounted < refreshLimit {
		ver, counted, err := s.topicState(ctx)
		if err != nil {
			return st, err
		}
		if ver == counted {
			return st, nil
		}
		rows, err := s.db.QueryContext(ctx, `SELECT appeal_id, words FROM appeal_words WHERE dict_version <> ? ORDER BY appeal_id LIMIT ?`, ver, segmentBatch)
		if err != nil {
			return st, errs.Wrap(err, "topics to recount")
		}
		var items []kept
		for rows.Next() {
			var k kept
			if err := rows.Scan(&k.id, &k.words); err != nil {
				rows.Close()
				return st, errs.Wrap(err, "scan topics to recount")
			}
			items = append(items, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return st, errs.Wrap(err, "topics to recount")
		}
		if len(items) == 0 {
			_, err := s.db.ExecContext(ctx, `UPDATE appeal_topic_state SET counted_version = ? WHERE id = 1 AND dict_version = ?`, ver, ver)
			return st, errs.Wrap(err, "topics counted")
		}
		seg, err := segmenter()
		if err != nil {
			return st, errs.Errorf(errs.Unavailable, "分词词典无法加载：%v", err)
		}
		dict, err := s.dictionary(ctx, seg)
		if err != nil {
			return st, err
		}
		parallel(len(items), func(i int) { items[i].topics = dict.keptTopics(seg, strings.Fields(items[i].words)) })
		if err := s.keep(ctx, items, ver); err != nil {
			return st, err
		}
		st.Recounted += len(items)
	}
	return st, nil
}

// refreshLimit bounds the appeals one Refresh cuts, and those it
// recounts, so that the job returns within minutes; the next run goes on.
const refreshLimit = 100 * segmentBatch

// topicState reads the dictionary's version and the version the counts
// are of.
func (s *Service) topicState(ctx context.Context) (ver, counted int64, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT dict_version, counted_version FROM appeal_topic_state WHERE id = 1`).Scan(&ver, &counted)
	return ver, counted, errs.Wrap(err, "topic state")
}

// bumpDictionary marks the counts as of an older dictionary, in the
// transaction that edits it.
func bumpDictionary(ctx context.Context, tx *store.Tx) error {
	_, err := tx.ExecContext(ctx, `UPDATE appeal_topic_state SET dict_version = dict_version + 1 WHERE id = 1`)
	return errs.Wrap(err, "dictionary version")
}

// keptTopics is an appeal's distinct topics as kept: space-separated, a
// term marked by a leading '#'.
func (d *Dictionary) keptTopics(seg *gse.Segmenter, ws []string) string {
	isTerm := map[string]bool{}
	ts := d.topics(seg, ws, nil, isTerm)
	for i, t := range ts {
		if isTerm[t] {
			ts[i] = "#" + t
		}
	}
	return strings.Join(ts, " ")
}

// kept is an appeal's words and topics to keep.
type kept struct {
	id            int64
	words, topics string
}

// topicKey is where an appeal's topics are counted; ok is false for an
// appeal not counted (merged).
type topicKey struct {
	month, district, category string
	unit                      int64
}

// countKey is one row of appeal_topic_counts.
type countKey struct {
	month, dim, key, word string
	term                  bool
}

// keyOf returns the key of an appeal received at (milliseconds).
func keyOf(at int64, district, category string, unit int64, status string) (topicKey, bool) {
	if status == string(appeal.StatusMerged) {
		return topicKey{}, false
	}
	return topicKey{month: store.FromMillis(at).In(workday.Shanghai).Format("2006-01"), district: district, category: category, unit: unit}, true
}

// countDelta is what a transaction adds to appeal_topic_counts.
type countDelta map[countKey]int

// add adds n for the appeal itself and each of its kept topics under k,
// in each dimension.
func (delta countDelta) add(k topicKey, topics string, n int) {
	dims := [4][2]string{{"all", ""}, {"district", k.district}, {"category", k.category}, {"unit", strconv.FormatInt(k.unit, 10)}}
	for _, d := range dims {
		delta[countKey{month: k.month, dim: d[0], key: d[1]}] += n
	}
	for _, t := range strings.Fields(topics) {
		w, term := strings.CutPrefix(t, "#")
		for _, d := range dims {
			delta[countKey{month: k.month, dim: d[0], key: d[1], word: w, term: term}] += n
		}
	}
}

// write adds delta to appeal_topic_counts, in key order so that
// concurrent transactions lock rows in the same order.
func (delta countDelta) write(ctx context.Context, tx *store.Tx) error {
	keys := make([]countKey, 0, len(delta))
	for k, n := range delta {
		if n != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b countKey) int {
		return cmp.Or(cmp.Compare(a.month, b.month), cmp.Compare(a.dim, b.dim), cmp.Compare(a.key, b.key), cmp.Compare(a.word, b.word))
	})
	const batch = 500
	for start := 0; start < len(keys); start += batch {
		part := keys[start:min(start+batch, len(keys))]
		rows := make([]string, len(part))
		args := make([]any, 0, len(part)*7)
		for i, k := range part {
			rows[i] = "(?, ?, ?, ?, ?, ?)"
			args = append(args, k.month, k.dim, k.key, k.word, k.term, delta[k])
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO appeal_topic_counts (month, dim, key, word, term, appeals) VALUES `+
			strings.Join(rows, ", ")+` ON CONFLICT (month, dim, key, word) DO UPDATE SET
			appeals = appeal_topic_counts.appeals + excluded.appeals, term = excluded.term`, args...); err != nil {
			return errs.Wrap(err, "count topics")
		}
	}
	return nil
}

// keep stores the words and topics of items (topics of dictionary version
// ver) and moves their counts: the topics kept before leave the key they
// were counted under, the new ones join the appeal's key as it is now.
func (s *Service) keep(ctx context.Context, items []kept, ver int64) error {
	if len(items) == 0 {
		return nil
	}
	ids := make([]any, len(items))
	for i, it := range items {
		ids[i] = it.id
	}
	in := "(" + store.Placeholders(len(ids)) + ")"
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		delta := countDelta{}
		keys := map[int64]*topicKey{}
		// The appeals are locked first (on PostgreSQL; SQLite writes one
		// transaction at a time), in id order as their transitions lock
		// them, so that a transition's Observe and another keep of the
		// same appeal wait and then read what this one kept.
		q := `SELECT id, received_at, COALESCE(district, ''), category, COALESCE(unit_id, 0), status FROM appeals WHERE id IN ` + in + ` ORDER BY id`
		if tx.Dialect() == store.Postgres {
			q += ` FOR UPDATE`
		}
		rows, err := tx.QueryContext(ctx, q, ids...)
		if err != nil {
			return errs.Wrap(err, "appeal keys")
		}
		for rows.Next() {
			var id, at, unit int64
			var district, category, status string
			if err := rows.Scan(&id, &at, &district, &category, &unit, &status); err != nil {
				rows.Close()
				return errs.Wrap(err, "scan appeal keys")
			}
			if k, ok := keyOf(at, district, category, unit, status); ok {
				keys[id] = &k
			} else {
				keys[id] = nil
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return errs.Wrap(err, "appeal keys")
		}
		rows, err = tx.QueryContext(ctx, `SELECT appeal_id, topics, month, district, category, unit_id FROM appeal_words
			WHERE month IS NOT NULL AND appeal_id IN `+in, ids...)
		if err != nil {
			return errs.Wrap(err, "kept topics")
		}
		for rows.Next() {
			var id int64
			var topics string
			var k topicKey
			if err := rows.Scan(&id, &topics, &k.month, &k.district, &k.category, &k.unit); err != nil {
				rows.Close()
				return errs.Wrap(err, "scan kept topics")
			}
			delta.add(k, topics, -1)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return errs.Wrap(err, "kept topics")
		}
		for _, it := range items {
			k, found := keys[it.id]
			if !found {
				continue // deleted meanwhile
			}
			var month, district, category any
			var unit int64
			if k != nil {
				delta.add(*k, it.topics, 1)
				month, district, category, unit = k.month, k.district, k.category, k.unit
			} else {
				district, category = "", ""
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO appeal_words (appeal_id, version, words, topics, dict_version, month, district, category, unit_id)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (appeal_id) DO UPDATE SET version = excluded.version, words = excluded.words,
				topics = excluded.topics, dict_version = excluded.dict_version, month = excluded.month, district = excluded.district,
				category = excluded.category, unit_id = excluded.unit_id`,
				it.id, wordsVersion, it.words, it.topics, ver, month, district, category, unit); err != nil {
				return errs.Wrap(err, "keep words")
			}
		}
		return delta.write(ctx, tx)
	})
}

// Observe keeps the topic counts current as an appeal moves: called
// inside every appeal transition (appeal.Options.Observe), it moves the
// appeal's kept topics to its new key when its unit, district, category
// or status (merged) changed. An appeal not yet cut into words has
// nothing counted; intake (Before nil) has nothing to move. Errors:
// Internal.
func (s *Service) Observe(ctx context.Context, tx *store.Tx, ch appeal.Change) error {
	if ch.Before == nil || ch.After == nil {
		return nil
	}
	unitOf := func(a *appeal.Appeal) int64 {
		if a.UnitID == nil {
			return 0
		}
		return *a.UnitID
	}
	b, a := ch.Before, ch.After
	if unitOf(b) == unitOf(a) && b.District == a.District && b.Category == a.Category &&
		(b.Status == appeal.StatusMerged) == (a.Status == appeal.StatusMerged) && b.ReceivedAt.Equal(a.ReceivedAt) {
		return nil
	}
	var topics string
	var month *string
	var old topicKey
	err := tx.QueryRowContext(ctx, `SELECT topics, month, district, category, unit_id FROM appeal_words WHERE appeal_id = ?`, a.ID).
		Scan(&topics, &month, &old.district, &old.category, &old.unit)
	if err == store.ErrNoRows {
		return nil
	}
	if err != nil {
		return errs.Wrap(err, "kept topics")
	}
	delta := countDelta{}
	if month != nil {
		old.month = *month
		delta.add(old, topics, -1)
	}
	k, ok := keyOf(store.Millis(a.ReceivedAt), a.District, a.Category, unitOf(a), string(a.Status))
	var newMonth any
	if ok {
		delta.add(k, topics, 1)
		newMonth = k.month
	}
	if _, err := tx.ExecContext(ctx, `UPDATE appeal_words SET month = ?, district = ?, category = ?, unit_id = ? WHERE appeal_id = ?`,
		newMonth, k.district, k.category, k.unit, a.ID); err != nil {
		return errs.Wrap(err, "move topics")
	}
	return delta.write(ctx, tx)
}
