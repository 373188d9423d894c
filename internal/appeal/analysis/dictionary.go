package analysis

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/go-ego/gse"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// The kinds of dictionary entry.
const (
	KindTerm = "term" // a business-environment term: one topic, never split
	KindStop = "stop" // a stop word: never a topic
)

// Entry is one word of the office's dictionary.
type Entry struct {
	Word      string `json:"word"`
	Kind      string `json:"kind"`
	CreatedBy string `json:"created_by"`
}

// Dictionary is the office's dictionary ready for matching: each term as
// the segmenter cuts it, by its first word, longest first; the stop words.
type Dictionary struct {
	terms map[string][]termSeq
	all   map[string]bool // every term, for the words that hold one ("停车难" holds "停车")
	most  int             // the most characters of a term
	stop  map[string]bool
}

type termSeq struct {
	term  string
	words []string
}

// buildDictionary cuts the terms of entries with seg.
func buildDictionary(seg *gse.Segmenter, entries []Entry) *Dictionary {
	d := &Dictionary{terms: map[string][]termSeq{}, all: map[string]bool{}, stop: map[string]bool{}}
	for _, e := range entries {
		w := strings.ToLower(e.Word)
		if e.Kind == KindStop {
			d.stop[w] = true
			continue
		}
		ws := words(seg, w)
		if len(ws) == 0 {
			continue
		}
		d.all[w] = true
		d.most = max(d.most, utf8.RuneCountInString(w))
		d.terms[ws[0]] = append(d.terms[ws[0]], termSeq{term: w, words: ws})
	}
	for k := range d.terms {
		slices.SortFunc(d.terms[k], func(a, b termSeq) int { return len(b.words) - len(a.words) })
	}
	return d
}

// topics returns the distinct topics of one appeal's words, in order of
// first appearance: each dictionary term found as a run of words (it
// covers them) or inside one word (停车难 counts as 停车), and each other
// word that topicWord admits. isTerm reports which are terms.
func (d *Dictionary) topics(seg *gse.Segmenter, ws []string, out []string, isTerm map[string]bool) []string {
	seen := func(w string) bool { return slices.Contains(out, w) }
	for i := 0; i < len(ws); i++ {
		matched := false
		for _, t := range d.terms[ws[i]] {
			if i+len(t.words) <= len(ws) && slices.Equal(ws[i:i+len(t.words)], t.words) {
				if !seen(t.term) {
					out = append(out, t.term)
				}
				isTerm[t.term] = true
				i += len(t.words) - 1
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		if t := d.inside(ws[i]); t != "" {
			if !seen(t) {
				out = append(out, t)
			}
			isTerm[t] = true
			continue
		}
		if topicWord(seg, d, ws[i]) && !seen(ws[i]) {
			out = append(out, ws[i])
		}
	}
	return out
}

// inside returns the longest term held in word w (the first of those
// when several are as long), or "".
func (d *Dictionary) inside(w string) string {
	if len(d.all) == 0 || w == breakWord {
		return ""
	}
	rs := []rune(w)
	for n := min(len(rs), d.most); n >= 2; n-- {
		for i := 0; i+n <= len(rs); i++ {
			if t := string(rs[i : i+n]); d.all[t] {
				return t
			}
		}
	}
	return ""
}

// loadDictionary reads the dictionary's entries.
func (s *Service) loadDictionary(ctx context.Context) ([]Entry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT word, kind, created_by FROM appeal_dictionary ORDER BY kind, word`)
	if err != nil {
		return nil, errs.Wrap(err, "load dictionary")
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.Word, &e.Kind, &e.CreatedBy); err != nil {
			return nil, errs.Wrap(err, "scan dictionary")
		}
		out = append(out, e)
	}
	return out, errs.Wrap(rows.Err(), "load dictionary")
}

// FindDictionary returns the office's dictionary of terms and stop words.
// The office and leaders may call it (auth.AnalyseAppeals). Errors:
// Unauthenticated, Forbidden, Internal.
func (s *Service) FindDictionary(ctx context.Context, a *auth.Actor) ([]Entry, error) {
	if err := auth.AuthorizeSome(a, auth.AnalyseAppeals); err != nil {
		return nil, err
	}
	return s.loadDictionary(ctx)
}

// maxWord bounds a dictionary word, in characters.
const maxWord = 20

// AddWord adds a term or a stop word to the dictionary (a word already
// there changes its kind). Only the office may call it
// (auth.ManageProblems). Errors: Unauthenticated, Forbidden, Invalid (an
// empty or long word, a space or punctuation in it, an unknown kind),
// Internal.
func (s *Service) AddWord(ctx context.Context, a *auth.Actor, word, kind string) (*Entry, error) {
	if err := auth.AuthorizeSome(a, auth.ManageProblems); err != nil {
		return nil, err
	}
	word = strings.TrimSpace(word)
	if kind != KindTerm && kind != KindStop {
		return nil, errs.FieldErrorf("kind", "词条类别只能是“热词”或“停用词”")
	}
	if word == "" {
		return nil, errs.FieldErrorf("word", "请填写词条")
	}
	if utf8.RuneCountInString(word) > maxWord {
		return nil, errs.FieldErrorf("word", "词条不能超过 %d 个字", maxWord)
	}
	for _, r := range word {
		if !hasWordRune(string(r)) {
			return nil, errs.FieldErrorf("word", "词条只能由文字、字母和数字组成，不能含空格或标点")
		}
	}
	e := &Entry{Word: word, Kind: kind, CreatedBy: a.Name}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO appeal_dictionary (word, kind, created_by, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (word) DO UPDATE SET kind = excluded.kind, created_by = excluded.created_by, created_at = excluded.created_at`,
			word, kind, a.Name, store.Millis(s.Now())); err != nil {
			return errs.Wrap(err, "add word")
		}
		if err := bumpDictionary(ctx, tx); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "appeal_dictionary", word, "add", nil, e)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// RemoveWord removes a word from the dictionary. Only the office may call
// it (auth.ManageProblems). Errors: Unauthenticated, Forbidden, NotFound,
// Internal.
func (s *Service) RemoveWord(ctx context.Context, a *auth.Actor, word string) error {
	if err := auth.AuthorizeSome(a, auth.ManageProblems); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		var kind string
		err := tx.QueryRowContext(ctx, `DELETE FROM appeal_dictionary WHERE word = ? RETURNING kind`, word).Scan(&kind)
		if err == store.ErrNoRows {
			return errs.Errorf(errs.NotFound, "词典中没有“%s”", word)
		}
		if err != nil {
			return errs.Wrap(err, "remove word")
		}
		if err := bumpDictionary(ctx, tx); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "appeal_dictionary", word, "remove", Entry{Word: word, Kind: kind}, nil)
	})
}
