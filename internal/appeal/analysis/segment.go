package analysis

import (
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-ego/gse"
)

// wordsVersion is the version of the segmentation stored in appeal_words:
// a change of the segmenter or of words() bumps it, and the appeals are
// cut again when next counted.
const wordsVersion = 1

// breakWord marks punctuation in a stored word sequence: a dictionary term
// never spans it.
const breakWord = "|"

// segmenter is gse with its embedded simplified-Chinese dictionary and
// stop tokens. Loading takes seconds and about 130 MB of heap
// (docs/performance.md), so it happens once per process, on first use, and
// the loaded segmenter is only read afterwards (gse's cutting is safe for
// concurrent readers). The office's own terms are not added to it: they
// are matched over the cut words (Dictionary), so that editing them needs
// no reload.
var segmenter = sync.OnceValues(func() (*gse.Segmenter, error) {
	seg := gse.Segmenter{SkipLog: true}
	if err := seg.LoadDictEmbed("zh_s"); err != nil {
		return nil, err
	}
	if err := seg.LoadStopEmbed(); err != nil {
		return nil, err
	}
	return &seg, nil
})

// LoadStats says what loading the segmenter cost, measured by
// MeasureLoad.
type LoadStats struct {
	Duration  time.Duration
	HeapBytes uint64
	Words     int
}

// MeasureLoad loads the segmenter (if not yet loaded) and reports how long
// it took and how much heap it holds; for benchmarks and the operations
// page, not for serving. Errors: the dictionary's.
func MeasureLoad() (LoadStats, error) {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	t0 := time.Now()
	seg, err := segmenter()
	if err != nil {
		return LoadStats{}, err
	}
	d := time.Since(t0)
	runtime.GC()
	runtime.ReadMemStats(&m1)
	var heap uint64
	if m1.HeapAlloc > m0.HeapAlloc {
		heap = m1.HeapAlloc - m0.HeapAlloc
	}
	return LoadStats{Duration: d, HeapBytes: heap, Words: seg.Dict.NumTokens()}, nil
}

// words cuts text into words with the segmenter: lower-cased, spaces
// dropped, and every run of punctuation and symbols turned into one
// breakWord.
func words(seg *gse.Segmenter, text string) []string {
	cut := seg.CutDAGNoHMM(text)
	out := make([]string, 0, len(cut))
	for _, w := range cut {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		if !hasWordRune(w) {
			if len(out) > 0 && out[len(out)-1] != breakWord {
				out = append(out, breakWord)
			}
			continue
		}
		out = append(out, strings.ToLower(w))
	}
	return out
}

// hasWordRune reports whether w has a letter or a digit.
func hasWordRune(w string) bool {
	for _, r := range w {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// topicWord reports whether a word that no dictionary term covers may be
// a topic: two characters at least, a letter in it (not a number or a
// date), not a quantity (二十个, 一个月, 十一点), not a stop word of gse's
// or of the office's.
func topicWord(seg *gse.Segmenter, d *Dictionary, w string) bool {
	if w == breakWord || utf8.RuneCountInString(w) < 2 || d.stop[w] || seg.IsStop(w) || quantity(w) {
		return false
	}
	for _, r := range w {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// quantity reports whether w is a number with its measure or unit of time
// (二十个, 一个月, 两个多月, 十一点, 第三, 20天): numerals, at least one,
// and measure words only.
func quantity(w string) bool {
	numeral := false
	for _, r := range w {
		switch {
		case unicode.IsDigit(r) || strings.ContainsRune("零〇一二三四五六七八九十百千万亿两几半", r):
			numeral = true
		case strings.ContainsRune("个只件次回遍家位名人户元块角分年月日号天周时点秒多余来第期批项条份张台辆套亩米吨斤里度倍成", r):
		default:
			return false
		}
	}
	return numeral
}
