package rule

import (
	"bytes"
	"encoding/json"
	"github.com/qinqing/qinqing/internal/money"
	"math"
	"math/bits"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
)

// Amount is the benefit one eligible enterprise receives: either a fixed
// sum, {"fixed": 200000}, or a rate of one of its money or count fields,
// {"rate": 0.1, "of": "rd_expense", "floor": 0, "cap": 500000}, with an
// optional minimum (Floor) and maximum (Cap). Amounts are whole yuan.
type Amount struct {
	Fixed int64   `json:"fixed,omitempty"` // yuan per enterprise
	Rate  float64 `json:"rate,omitempty"`  // multiple of the base, such as 0.1, or 1000 (yuan per employee); read as the decimal it is written as
	Of    string  `json:"of,omitempty"`    // the base field, such as rd_expense
	Floor *int64  `json:"floor,omitempty"` // minimum yuan for a known base
	Cap   *int64  `json:"cap,omitempty"`   // maximum yuan
}

// Base fields an Amount may take a rate of.
func amountBase(name string) (fieldID, bool) {
	f, ok := enterprise.FieldByName(name)
	if !ok {
		return fNone, false
	}
	id := fieldIDOf(f.Name)
	return id, f.Type == enterprise.TypeMoney || id == fEmployees
}

// amountBaseNames lists the names amountBase accepts, for messages.
func amountBaseNames() string {
	var names []string
	for f := fName; f < nFields; f++ {
		if _, ok := amountBase(f.name()); ok {
			names = append(names, f.name())
		}
	}
	return strings.Join(names, "、")
}

func amountErr(format string, args ...any) *errs.Error {
	return errs.FieldErrorf("amount", format, args...)
}

// ParseAmount reads an Amount from JSON and validates it. The base field
// may be named by API name or Chinese label; it is stored by API name.
// Errors are *errs.Error (Invalid, field "amount") in Chinese.
func ParseAmount(data []byte) (Amount, error) {
	var raw struct {
		Fixed *json.Number `json:"fixed"`
		Rate  *json.Number `json:"rate"`
		Of    string       `json:"of"`
		Floor *json.Number `json:"floor"`
		Cap   *json.Number `json:"cap"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return Amount{}, &errs.Error{Code: errs.Invalid, Field: "amount", Message: "金额规则不是合法的 JSON（可用的键：fixed、rate、of、floor、cap）：" + err.Error(), Err: err}
	}
	var a Amount
	whole := func(key string, n *json.Number) (*int64, error) {
		if n == nil {
			return nil, nil
		}
		v, ok := toInt64(*n)
		if !ok {
			return nil, amountErr("%s 应为整数（单位：元），而不是 %s", key, n.String())
		}
		return &v, nil
	}
	fixed, err := whole("fixed", raw.Fixed)
	if err != nil {
		return Amount{}, err
	}
	if fixed != nil {
		if *fixed == 0 {
			return Amount{}, amountErr("fixed 应为正整数（单位：元）")
		}
		a.Fixed = *fixed
	}
	if raw.Rate != nil {
		f, err := raw.Rate.Float64()
		if err != nil || f == 0 {
			return Amount{}, amountErr("rate 应为大于 0 的数（如 0.1 表示 10%%），而不是 %s", raw.Rate.String())
		}
		a.Rate = f
	}
	if a.Floor, err = whole("floor", raw.Floor); err != nil {
		return Amount{}, err
	}
	if a.Cap, err = whole("cap", raw.Cap); err != nil {
		return Amount{}, err
	}
	a.Of = raw.Of
	if f, ok := enterprise.FieldByName(a.Of); ok {
		a.Of = f.Name
	}
	if err := a.Validate(); err != nil {
		return Amount{}, err
	}
	return a, nil
}

// Validate checks a: exactly one of Fixed (positive) and Rate (above 0, at
// most 1,000,000 (yuan per employee is a rate too), at most 9 decimals); a rate needs Of naming a money field or
// employees; Floor and Cap only with a rate, not negative, Floor <= Cap.
// Errors are *errs.Error (Invalid, field "amount") in Chinese.
func (a Amount) Validate() error {
	switch {
	case a.Fixed != 0 && a.Rate != 0:
		return amountErr("fixed 和 rate 只能选一个")
	case a.Fixed == 0 && a.Rate == 0:
		return amountErr("应给出 fixed（每户固定金额）或 rate（按比例）")
	case a.Fixed < 0:
		return amountErr("fixed 应为正整数（单位：元）")
	case a.Fixed > 0:
		if a.Of != "" || a.Floor != nil || a.Cap != nil {
			return amountErr("固定金额（fixed）不能与 of、floor、cap 同用")
		}
		return nil
	}
	if a.Rate < 0 || a.Rate > maxRate || math.IsNaN(a.Rate) {
		return amountErr("rate 应大于 0 且不超过 1000000（如 0.1 表示 10%%，1000 表示每单位 1000 元）")
	}
	if _, _, ok := rateFraction(a.Rate); !ok {
		return amountErr("rate 最多保留 9 位小数")
	}
	if a.Of == "" {
		return amountErr("按比例计算（rate）时应用 of 指明计算基数，可用：%s", amountBaseNames())
	}
	if _, ok := amountBase(a.Of); !ok {
		return amountErr("“%s”不能作为计算基数，可用：%s", a.Of, amountBaseNames())
	}
	if a.Floor != nil && *a.Floor < 0 {
		return amountErr("floor 不能为负数")
	}
	if a.Cap != nil && *a.Cap < 0 {
		return amountErr("cap 不能为负数")
	}
	if a.Floor != nil && a.Cap != nil && *a.Floor > *a.Cap {
		return amountErr("floor（%s）不能大于 cap（%s）", money.Exact(*a.Floor), money.Exact(*a.Cap))
	}
	return nil
}

// rateFraction writes rate as the decimal fraction num/den it is written
// as (the shortest decimal that reads back as the same float64), so that
// 0.29 × 100 is 29, not 28.999….
func rateFraction(rate float64) (num, den uint64, ok bool) {
	s := strconv.FormatFloat(rate, 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 9 {
		return 0, 0, false
	}
	den = 1
	for range len(frac) {
		den *= 10
	}
	num, err := strconv.ParseUint(whole+frac, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return num, den, true
}

// maxRate bounds Amount.Rate.
const maxRate = 1_000_000

// calc is an Amount prepared for evaluation.
type calc struct {
	fixed      int64
	base       fieldID
	num, den   uint64
	rhi, rlo   uint64 // ⌈2¹²⁸/den⌉ for den >= 2: dividing by den is a multiplication
	floor, cap int64
}

func (a Amount) prepare() calc {
	if a.Fixed > 0 {
		return calc{fixed: a.Fixed}
	}
	c := calc{floor: math.MinInt64, cap: math.MaxInt64}
	c.base, _ = amountBase(a.Of)
	c.num, c.den, _ = rateFraction(a.Rate)
	if c.den >= 2 {
		// ⌊(2¹²⁸−1)/den⌋ + 1, by long division of the two 64-bit halves.
		hi, r := bits.Div64(0, math.MaxUint64, c.den)
		lo, _ := bits.Div64(r, math.MaxUint64, c.den)
		var carry uint64
		c.rlo, carry = bits.Add64(lo, 1, 0)
		c.rhi = hi + carry
	}
	if a.Floor != nil {
		c.floor = *a.Floor
	}
	if a.Cap != nil {
		c.cap = *a.Cap
	}
	return c
}

// of returns the amount for a known base.
func (c *calc) of(base int64) int64 {
	var v int64
	if base > 0 && c.den != 0 {
		hi, lo := bits.Mul64(uint64(base), c.num)
		var q uint64
		switch {
		case hi >= c.den:
			q = math.MaxUint64
		case hi == 0:
			q = c.div(lo)
		default:
			q, _ = bits.Div64(hi, lo, c.den)
		}
		v = int64(min(q, math.MaxInt64))
	}
	if v < c.floor {
		v = c.floor
	}
	if v > c.cap {
		v = c.cap
	}
	return v
}

// div returns ⌊x/den⌋ as the top 64 bits of the 192-bit product x·⌈2¹²⁸/den⌉,
// exact for every x < 2⁶⁴: the rounding adds less than x/2¹²⁸ < 2⁻⁶⁴ to
// x/den, whose fraction is at most 1 − 1/den < 1 − 2⁻⁶⁴. A multiplication
// is several times cheaper than a hardware division.
func (c *calc) div(x uint64) uint64 {
	if c.den == 1 {
		return x
	}
	mid, _ := bits.Mul64(x, c.rlo)
	top, low := bits.Mul64(x, c.rhi)
	_, carry := bits.Add64(low, mid, 0)
	return top + carry
}

// For returns the amount for enterprise e in whole yuan: Fixed, or
// floor(base × Rate) raised to Floor and limited to Cap (never below zero
// for a negative base). When the base field is unknown it returns 0 and
// unknownBase true. a must be valid.
func (a Amount) For(e *enterprise.Enterprise) (yuan int64, unknownBase bool) {
	c := a.prepare()
	if c.fixed > 0 {
		return c.fixed, false
	}
	p := intField(e, c.base)
	if p == nil {
		return 0, true
	}
	return c.of(*p), false
}

// Sentence renders a in Chinese, such as "每户20万元",
// "按研发费用的10%计算，不低于1万元，最高50万元" or "按从业人数每人1000元计算".
func (a Amount) Sentence() string {
	if a.Fixed > 0 {
		return "每户" + money.Exact(a.Fixed)
	}
	base, _ := amountBase(a.Of)
	num, den, _ := rateFraction(a.Rate)
	s := "按" + base.label() + "的" + percent(num, den) + "计算"
	if base == fEmployees {
		per := money.Exact(int64(num / den))
		if num%den != 0 {
			per = money.Decimal(num, den, len(strconv.FormatUint(den, 10))-1) + "元"
		}
		s = "按" + base.label() + "每人" + per + "计算"
	}
	if a.Floor != nil && *a.Floor > 0 {
		s += "，不低于" + money.Exact(*a.Floor)
	}
	if a.Cap != nil {
		s += "，最高" + money.Exact(*a.Cap)
	}
	return s
}

// percent writes num/den (den a power of ten) as a percentage.
func percent(num, den uint64) string {
	digits := len(strconv.FormatUint(den, 10)) - 1
	if digits <= 2 {
		for range 2 - digits {
			num *= 10
		}
		return strconv.FormatUint(num, 10) + "%"
	}
	unit := uint64(1)
	for range digits - 2 {
		unit *= 10
	}
	return money.Decimal(num, unit, digits-2) + "%"
}
