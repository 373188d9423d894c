package parse

import (
	_ "embed"
	"strings"
	"sync"
	"unicode/utf8"
)

// The traditional→simplified converter is data: OpenCC's character table
// (first candidate of each entry) and its phrase table for the characters
// whose conversion depends on the word (乾坤 stays 乾坤, 乾淨 becomes 干净).
// See data/NOTICE for provenance and licence.

//go:embed data/TSCharacters.txt
var tsCharacters string

//go:embed data/TSPhrases.txt
var tsPhrases string

// simplifier converts traditional Chinese to simplified Chinese.
type simplifier struct {
	chars   map[rune]rune
	phrases map[string]string // keyed by the traditional phrase
	starts  map[rune]int      // first rune of a phrase → longest phrase length in runes
	// touched marks the runes of the basic plane that start a conversion
	// (in chars or starts), so text with none is passed through quickly.
	touched [0x10000 / 64]uint64
}

// mayConvert reports whether r is converted or starts a phrase.
func (s *simplifier) mayConvert(r rune) bool {
	if r < 0x10000 {
		return s.touched[r/64]&(1<<(r%64)) != 0
	}
	_, c := s.chars[r]
	_, p := s.starts[r]
	return c || p
}

func (s *simplifier) touch(r rune) {
	if r < 0x10000 {
		s.touched[r/64] |= 1 << (r % 64)
	}
}

// loadSimplifier builds the converter from the embedded tables once; the
// tables are read-only afterwards.
var loadSimplifier = sync.OnceValue(func() *simplifier {
	s := &simplifier{chars: make(map[rune]rune, 4200), phrases: make(map[string]string, 300), starts: make(map[rune]int, 100)}
	for line := range strings.Lines(tsCharacters) {
		from, to, ok := strings.Cut(strings.TrimRight(line, "\r\n"), "\t")
		if !ok {
			continue
		}
		f, _ := utf8.DecodeRuneInString(from)
		t, _ := utf8.DecodeRuneInString(to)
		if f != utf8.RuneError && t != utf8.RuneError && f != t {
			s.chars[f] = t
			s.touch(f)
		}
	}
	for line := range strings.Lines(tsPhrases) {
		from, to, ok := strings.Cut(strings.TrimRight(line, "\r\n"), "\t")
		if !ok {
			continue
		}
		if i := strings.IndexByte(to, ' '); i >= 0 {
			to = to[:i]
		}
		if utf8.RuneCountInString(from) != utf8.RuneCountInString(to) {
			continue // keep conversion rune-for-rune
		}
		s.phrases[from] = to
		f, _ := utf8.DecodeRuneInString(from)
		if n := utf8.RuneCountInString(from); n > s.starts[f] {
			s.starts[f] = n
		}
		s.touch(f)
	}
	return s
})

// convert returns text in simplified characters. It works rune for rune
// (phrases map to phrases of the same length), so positions are kept.
func (s *simplifier) convert(text string) string {
	// Fast path: nothing to convert.
	need := false
	for _, r := range text {
		if r >= 0x3400 && s.mayConvert(r) {
			need = true
			break
		}
	}
	if !need {
		return text
	}
	rs := []rune(text)
	var b strings.Builder
	b.Grow(len(text))
	for i := 0; i < len(rs); {
		if max, ok := s.starts[rs[i]]; ok {
			matched := false
			for n := min(max, len(rs)-i); n >= 2; n-- {
				if to, ok := s.phrases[string(rs[i:i+n])]; ok {
					b.WriteString(to)
					i += n
					matched = true
					break
				}
			}
			if matched {
				continue
			}
		}
		if t, ok := s.chars[rs[i]]; ok {
			b.WriteRune(t)
		} else {
			b.WriteRune(rs[i])
		}
		i++
	}
	return b.String()
}
