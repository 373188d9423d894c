package parse

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// expected is a hand-written expectation for one document: what a reader
// finds in it. Paths are written "2.1.1"; indicators "op value unit";
// deadlines as the resolved date or "null".
type expected struct {
	File      string         `json:"file"`
	Title     *string        `json:"title"`
	PlanTitle *string        `json:"plan_title"`
	DocNumber *string        `json:"doc_number"`
	Issuer    *string        `json:"issuer"`
	Date      *string        `json:"date"`
	Items     []expectedItem `json:"items"`
}

type expectedItem struct {
	Path       string   `json:"path"`
	Heading    *string  `json:"heading"`
	Lead       []string `json:"lead_units"`
	Units      []string `json:"units"`
	Coop       []string `json:"coop_units"`
	Deadlines  []string `json:"deadlines"`
	Indicators []string `json:"indicators"`
}

// score is how a parse compares with its expectation.
type score struct {
	name                          string
	itemsExpected, itemsFound     int
	itemsExtra                    int
	headingsRight                 int
	unitPairs, unitOut, unitRight int // (path, unit) pairs
	roleRight                     int // (path, role, unit) triples right
	indExpected, indFound, indOut int
	dlExpected, dlFound, dlOut    int
	metaWrong                     []string
}

func (s score) unitPrecision() float64 { return ratio(s.unitRight, s.unitOut) }
func (s score) unitRecall() float64    { return ratio(s.unitRight, s.unitPairs) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func pathString(p []int) string {
	s := make([]string, len(p))
	for i, n := range p {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ".")
}

func indicatorKey(ind Indicator) string {
	return strings.TrimSpace(ind.Op + " " + strconv.FormatFloat(ind.Value, 'f', -1, 64) + " " + ind.Unit)
}

// compare scores plan against want.
func compare(name string, want expected, got *Plan) score {
	s := score{name: name}
	checkMeta := func(field string, w *string, g string) {
		if w != nil && *w != g {
			s.metaWrong = append(s.metaWrong, fmt.Sprintf("%s: want %q, got %q", field, *w, g))
		}
	}
	checkMeta("title", want.Title, got.Title)
	checkMeta("plan_title", want.PlanTitle, got.PlanTitle)
	checkMeta("doc_number", want.DocNumber, got.DocNumber)
	checkMeta("issuer", want.Issuer, got.Issuer)
	checkMeta("date", want.Date, got.Date)
	byPath := map[string]*Item{}
	for i := range got.Items {
		byPath[pathString(got.Items[i].Path)] = &got.Items[i]
	}
	wantPaths := map[string]bool{}
	for _, w := range want.Items {
		wantPaths[w.Path] = true
		s.itemsExpected++
		g := byPath[w.Path]
		if g != nil {
			s.itemsFound++
			if w.Heading != nil && *w.Heading == g.Heading {
				s.headingsRight++
			} else if w.Heading == nil {
				s.headingsRight++
			}
		}
		units := map[string]string{}
		for _, u := range w.Lead {
			units[u] = "lead"
		}
		for _, u := range w.Units {
			units[u] = "units"
		}
		for _, u := range w.Coop {
			units[u] = "coop"
		}
		s.unitPairs += len(units)
		inds := map[string]int{}
		for _, x := range w.Indicators {
			inds[strings.TrimSpace(x)]++
		}
		dls := map[string]int{}
		for _, x := range w.Deadlines {
			dls[x]++
		}
		s.indExpected += len(w.Indicators)
		s.dlExpected += len(w.Deadlines)
		if g == nil {
			continue
		}
		for role, list := range map[string][]string{"lead": g.LeadUnits, "units": g.Units, "coop": g.CoopUnits} {
			for _, u := range list {
				if r, ok := units[u]; ok {
					s.unitRight++
					if r == role {
						s.roleRight++
					}
				}
			}
		}
		for _, ind := range g.Indicators {
			if k := indicatorKey(ind); inds[k] > 0 {
				inds[k]--
				s.indFound++
			}
		}
		for _, d := range g.Deadlines {
			k := "null"
			if d.Date != nil {
				k = d.Date.String()
			}
			if dls[k] > 0 {
				dls[k]--
				s.dlFound++
			}
		}
	}
	for _, g := range got.Items {
		s.unitOut += len(g.LeadUnits) + len(g.Units) + len(g.CoopUnits)
		s.indOut += len(g.Indicators)
		s.dlOut += len(g.Deadlines)
		if !wantPaths[pathString(g.Path)] {
			s.itemsExtra++
		}
	}
	return s
}

// qualityCase is a document with its expectation.
type qualityCase struct {
	name string
	doc  string // path of the document
	want expected
}

func loadCases(t *testing.T, dir, docDir string) []qualityCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var cases []qualityCase
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var w expected
		if err := json.Unmarshal(b, &w); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		cases = append(cases, qualityCase{name: strings.TrimSuffix(filepath.Base(f), ".expected.json"), doc: filepath.Join(docDir, w.File), want: w})
	}
	return cases
}

// checkScores holds every document to the parser's goals and prints the
// table docs/parser.md reports (go test -run Quality -v).
func checkScores(t *testing.T, cases []qualityCase) {
	t.Helper()
	var rows []score
	for _, c := range cases {
		data, err := os.ReadFile(c.doc)
		if os.IsNotExist(err) {
			t.Logf("SKIP %s: %s is not present", c.name, c.doc)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(c.doc, ".pdf") {
			if _, err := exec.LookPath("pdftotext"); err != nil {
				t.Logf("SKIP %s: pdftotext (poppler-utils) is not installed", c.name)
				continue
			}
		}
		p, err := Parse(context.Background(), c.doc, data, Options{})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		s := compare(c.name, c.want, p)
		rows = append(rows, s)
		t.Run(c.name, func(t *testing.T) {
			for _, m := range s.metaWrong {
				t.Errorf("%s", m)
			}
			if s.itemsFound != s.itemsExpected || s.itemsExtra > 0 {
				t.Errorf("items: found %d of %d, %d extra", s.itemsFound, s.itemsExpected, s.itemsExtra)
				logItemDiff(t, c.want, p)
			}
			if s.unitPrecision() < 1 {
				t.Errorf("unit precision %.3f < 1", s.unitPrecision())
				logUnitDiff(t, c.want, p)
			}
			if s.unitRecall() < 0.95 {
				t.Errorf("unit recall %.3f < 0.95", s.unitRecall())
				logUnitDiff(t, c.want, p)
			}
			if ratio(s.indFound, s.indExpected) < 0.75 {
				t.Errorf("indicator recall %d/%d", s.indFound, s.indExpected)
			}
			if ratio(s.dlFound, s.dlExpected) < 0.9 {
				t.Errorf("deadline recall %d/%d", s.dlFound, s.dlExpected)
			}
			if ratio(s.indFound, s.indOut) < 0.9 {
				t.Errorf("indicator precision %d/%d", s.indFound, s.indOut)
				logIndicatorDiff(t, c.want, p)
			}
			if ratio(s.dlFound, s.dlOut) < 0.9 {
				t.Errorf("deadline precision %d/%d", s.dlFound, s.dlOut)
			}
		})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| document | items found / present | extra | headings | unit precision | unit recall | roles right | indicator recall | indicator precision | deadline recall | deadline precision |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range rows {
		fmt.Fprintf(&b, "| %s | %d / %d | %d | %d / %d | %.3f (%d/%d) | %.3f (%d/%d) | %d / %d | %.2f (%d/%d) | %.2f (%d/%d) | %.2f (%d/%d) | %.2f (%d/%d) |\n",
			s.name, s.itemsFound, s.itemsExpected, s.itemsExtra, s.headingsRight, s.itemsExpected,
			s.unitPrecision(), s.unitRight, s.unitOut, s.unitRecall(), s.unitRight, s.unitPairs, s.roleRight, s.unitRight,
			ratio(s.indFound, s.indExpected), s.indFound, s.indExpected, ratio(s.indFound, s.indOut), s.indFound, s.indOut,
			ratio(s.dlFound, s.dlExpected), s.dlFound, s.dlExpected, ratio(s.dlFound, s.dlOut), s.dlFound, s.dlOut)
	}
	t.Log(b.String())
}

func logItemDiff(t *testing.T, want expected, got *Plan) {
	t.Helper()
	have := map[string]bool{}
	for _, g := range got.Items {
		have[pathString(g.Path)] = true
	}
	wantP := map[string]bool{}
	for _, w := range want.Items {
		wantP[w.Path] = true
		if !have[w.Path] {
			t.Logf("missing item %s", w.Path)
		}
	}
	for _, g := range got.Items {
		if !wantP[pathString(g.Path)] {
			t.Logf("extra item %s %q", pathString(g.Path), g.Heading)
		}
	}
}

func logIndicatorDiff(t *testing.T, want expected, got *Plan) {
	t.Helper()
	byPath := map[string]Item{}
	for _, g := range got.Items {
		byPath[pathString(g.Path)] = g
	}
	for _, w := range want.Items {
		var have []string
		for _, ind := range byPath[w.Path].Indicators {
			have = append(have, indicatorKey(ind))
		}
		ws := append([]string{}, w.Indicators...)
		sort.Strings(ws)
		sort.Strings(have)
		if strings.Join(ws, "|") != strings.Join(have, "|") {
			t.Logf("%s indicators: want %v, got %v", w.Path, ws, have)
		}
	}
}

func logUnitDiff(t *testing.T, want expected, got *Plan) {
	t.Helper()
	byPath := map[string]Item{}
	for _, g := range got.Items {
		byPath[pathString(g.Path)] = g
	}
	for _, w := range want.Items {
		g := byPath[w.Path]
		wu := append(append(append([]string{}, w.Lead...), w.Units...), w.Coop...)
		gu := append(append(append([]string{}, g.LeadUnits...), g.Units...), g.CoopUnits...)
		sort.Strings(wu)
		sort.Strings(gu)
		if strings.Join(wu, "、") != strings.Join(gu, "、") {
			t.Logf("%s units: want %v, got %v", w.Path, wu, gu)
		}
	}
}

// TestQualitySeeds holds the parser to the hand-written expectations of the
// five seed documents in ../shared/seeds (skipped where absent).
func TestQualitySeeds(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "shared", "seeds")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("seed documents not present at %s", dir)
	}
	checkScores(t, loadCases(t, filepath.Join("testdata", "seeds"), dir))
}

// TestQualityDocs holds the parser to the expectations of the test
// documents of this package (testdata/docs), one per pattern of the genre.
func TestQualityDocs(t *testing.T) {
	checkScores(t, loadCases(t, filepath.Join("testdata", "docs"), filepath.Join("testdata", "docs")))
}
