package parse

// scanner reads the folded runes of a text by hand. The grammar's hot
// paths (deadlines, quantities, labels) are matched with it instead of
// regular expressions: each attempt looks at a few runes from a candidate
// position, so a document is read in time linear in its length whatever it
// holds.
type scanner []rune

// at returns the rune at i, or 0 outside the text.
func (s scanner) at(i int) rune {
	if i >= 0 && i < len(s) {
		return s[i]
	}
	return 0
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// digits reads the run of ASCII digits at i. It succeeds when the whole run
// has between lo and hi digits (a run of more digits is another number, as
// \d{lo,hi} followed by a non-digit would have it).
func (s scanner) digits(i, lo, hi int) (n, end int, ok bool) {
	j := i
	for j < len(s) && isDigit(s[j]) {
		if j-i < 9 {
			n = n*10 + int(s[j]-'0')
		}
		j++
	}
	if j-i < lo || j-i > hi {
		return 0, i, false
	}
	return n, j, true
}

// words is a list of words to match, held as runes.
type words [][]rune

// wordsOf returns ws as a word list.
func wordsOf(ws ...string) words {
	out := make(words, len(ws))
	for i, w := range ws {
		out[i] = []rune(w)
	}
	return out
}

// word reports whether w is written at i, and where it ends.
func (s scanner) word(i int, w []rune) (int, bool) {
	if i < 0 || len(s)-i < len(w) {
		return i, false
	}
	for k, r := range w {
		if s[i+k] != r {
			return i, false
		}
	}
	return i + len(w), true
}

// oneOf returns the end of the first of ws written at i (list order).
func (s scanner) oneOf(i int, ws words) (int, bool) {
	for _, w := range ws {
		if j, ok := s.word(i, w); ok {
			return j, true
		}
	}
	return i, false
}

// opt skips the first of ws written at i, if any.
func (s scanner) opt(i int, ws words) int {
	j, _ := s.oneOf(i, ws)
	return j
}

// endsWith returns where the longest word of ws that ends right before i
// starts; ok is false when none does.
func (s scanner) endsWith(i int, ws words) (int, bool) {
	best := -1
	for _, w := range ws {
		if len(w) > i || (best >= 0 && i-len(w) >= best) {
			continue
		}
		if _, ok := s.word(i-len(w), w); ok {
			best = i - len(w)
		}
	}
	return best, best >= 0
}

// isSpace is the white space of the folded text (\s of a regular expression).
func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f'
}
