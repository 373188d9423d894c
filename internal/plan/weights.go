package plan

import (
	"encoding/json"
	"math"

	"github.com/qinqing/qinqing/internal/errs"
)

// Weights weigh the four parts of a unit's score in the ranking (比晾晒).
// Each part is a rate between 0 and 1; the score is
//
//	100 × Σ weight × rate / Σ weight
//
// over the parts the unit has something to be measured on in the month (a
// unit with no 督办 notice due is scored on the other three, their weights
// rescaled), so the score is always out of 100.
type Weights struct {
	Reporting  float64 `json:"reporting"`  // reports filed on time / reports due
	Tasks      float64 `json:"tasks"`      // tasks 正常 or 已完成 / tasks held
	Indicators float64 `json:"indicators"` // indicators meeting what is due / indicators with something due
	Notices    float64 `json:"notices"`    // 督办 answered on time / 督办 due
}

// DefaultWeights are 30 for on-time reporting, 30 for tasks on track, 25
// for indicators achieved and 15 for 督办 answered on time.
func DefaultWeights() Weights { return Weights{Reporting: 30, Tasks: 30, Indicators: 25, Notices: 15} }

// validate checks that every weight is between 0 and 100 and one is
// positive. Errors: Invalid on field weights.
func (w Weights) validate() error {
	sum := 0.0
	for _, v := range []float64{w.Reporting, w.Tasks, w.Indicators, w.Notices} {
		if math.IsNaN(v) || v < 0 || v > 100 {
			return errs.FieldErrorf("weights", "排名权重应为 0–100 之间的数")
		}
		sum += v
	}
	if sum == 0 {
		return errs.FieldErrorf("weights", "排名权重不能全为 0")
	}
	return nil
}

// encode writes w as the stored JSON (” for the defaults).
func (w Weights) encode() (string, error) {
	if w == DefaultWeights() {
		return "", nil
	}
	b, err := json.Marshal(w)
	return string(b), errs.Wrap(err, "encode weights")
}
