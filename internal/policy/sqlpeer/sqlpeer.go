// Package sqlpeer is the SQL peer of the policy engine: a rule as a
// three-valued SQL WHERE over the enterprises table, and the simulation of a
// clause by SQL. The engine never uses it; the benchmark (matchbench)
// compares the engine against it, and the tests check the two agree.
package sqlpeer

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/policy/rule"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Where translates valid rule r into a boolean SQL expression over the
// enterprises table (aliased e) with the same three-valued meaning as
// rule.Eval for date today: TRUE for 符合, FALSE for 不符合, NULL for
// 待补充信息. SQL's NULL logic is Kleene's, so all/any/not map to AND, OR
// and NOT; what needs care is the leaves: an unknown tag set must give
// NULL (not "has no such tag"), an empty name is unknown, and age_years is
// a range of founding dates. Tags are tested against enterprise_tags
// (indexed by tag), industry prefixes as byte ranges (indexable).
//
// The engine never uses it: it is the peer the benchmark compares against
// ("the same predicate as SQL") and a cross-check in tests. Errors:
// Invalid for a rule that does not validate.
func Where(r *rule.Rule, today workday.Date) (string, []any, error) {
	if err := r.Validate(); err != nil {
		return "", nil, err
	}
	var b strings.Builder
	var args []any
	sqlNode(&b, &args, r, today)
	return b.String(), args, nil
}

func sqlNode(b *strings.Builder, args *[]any, r *rule.Rule, today workday.Date) {
	switch {
	case r.All != nil || r.Any != nil:
		kids, sep := r.All, " AND "
		if r.Any != nil {
			kids, sep = r.Any, " OR "
		}
		b.WriteByte('(')
		for i, k := range kids {
			if i > 0 {
				b.WriteString(sep)
			}
			sqlNode(b, args, k, today)
		}
		b.WriteByte(')')
	case r.Not != nil:
		b.WriteString("(NOT ")
		sqlNode(b, args, r.Not, today)
		b.WriteByte(')')
	default:
		sqlLeaf(b, args, r, today)
	}
}

// sqlColumn returns the SQL of a field's value (NULL when unknown).
func sqlColumn(field string) string {
	switch field {
	case "name":
		return "NULLIF(e.name, '')"
	case "age_years":
		return "e.founded"
	}
	return "e." + field
}

func sqlLeaf(b *strings.Builder, args *[]any, r *rule.Rule, today workday.Date) {
	col := sqlColumn(r.Field)
	add := func(vs ...any) { *args = append(*args, vs...) }
	marks := store.Placeholders
	switch r.Op {
	case rule.OpKnown:
		fmt.Fprintf(b, "(%s IS NOT NULL)", col)
		return
	case rule.OpUnknown:
		fmt.Fprintf(b, "(%s IS NULL)", col)
		return
	}
	if r.Field == "tags" {
		b.WriteString("(CASE WHEN e.tags IS NULL THEN NULL ELSE ")
		switch r.Op {
		case rule.OpHasAll:
			for i, t := range r.Values {
				if i > 0 {
					b.WriteString(" AND ")
				}
				b.WriteString("e.id IN (SELECT enterprise_id FROM enterprise_tags WHERE tag = ?)")
				add(t)
			}
		default: // has, has_any
			fmt.Fprintf(b, "e.id IN (SELECT enterprise_id FROM enterprise_tags WHERE tag IN (%s))", marks(len(r.Values)))
			for _, t := range r.Values {
				add(t)
			}
		}
		b.WriteString(" END)")
		return
	}
	if r.Field == "age_years" {
		lo, hi, ok := ageRange(r.Op, r.Numbers, today)
		neg := r.Op == rule.OpNe
		if !ok {
			// No founding date gives such an age: false when known.
			fmt.Fprintf(b, "(CASE WHEN %s IS NULL THEN NULL ELSE %s END)", col, map[bool]string{false: "1 = 0", true: "1 = 1"}[neg])
			return
		}
		var parts []string
		if lo != "" {
			parts = append(parts, col+" >= ?")
			add(lo)
		}
		if hi != "" {
			parts = append(parts, col+" <= ?")
			add(hi)
		}
		cond := "(" + col + " IS NOT NULL OR NULL)" // every known date: TRUE, unknown: NULL
		if len(parts) > 0 {
			cond = "(" + strings.Join(parts, " AND ") + ")"
		}
		if neg {
			cond = "(NOT " + cond + ")"
		}
		b.WriteString(cond)
		return
	}
	operand := func(i int) any {
		if i < len(r.Values) {
			return r.Values[i]
		}
		x := r.Numbers[i-len(r.Values)]
		if r.Field == "founded" {
			return workday.Date(x).String()
		}
		return x
	}
	switch r.Op {
	case rule.OpEq, rule.OpNe, rule.OpLt, rule.OpLe, rule.OpGt, rule.OpGe:
		op := string(r.Op)
		switch r.Op {
		case rule.OpEq:
			op = "="
		case rule.OpNe:
			op = "<>"
		}
		fmt.Fprintf(b, "(%s %s ?)", col, op)
		add(operand(0))
	case rule.OpBetween:
		fmt.Fprintf(b, "(%s BETWEEN ? AND ?)", col)
		add(operand(0), operand(1))
	case rule.OpIn, rule.OpNotIn:
		not := ""
		if r.Op == rule.OpNotIn {
			not = "NOT "
		}
		n := len(r.Values) + len(r.Numbers)
		fmt.Fprintf(b, "(%s %sIN (%s))", col, not, marks(n))
		for i := range n {
			add(operand(i))
		}
	case rule.OpPrefix:
		b.WriteByte('(')
		for i, p := range r.Values {
			if i > 0 {
				b.WriteString(" OR ")
			}
			fmt.Fprintf(b, "(%s >= ? AND %s < ?)", col, col)
			add(p, p+"\x7f")
		}
		b.WriteByte(')')
	default:
		b.WriteString("NULL")
	}
}

// ageRange turns an age condition into the founding dates (as stored
// text; "" for no bound) that give such an age on today, the way the
// engine does; ok is false when no date does.
func ageRange(op rule.Op, v []int64, today workday.Date) (lo, hi string, ok bool) {
	a, z := int64(math.MinInt64), int64(math.MaxInt64)
	switch op {
	case rule.OpEq, rule.OpNe:
		a, z = v[0], v[0]
	case rule.OpLt:
		if v[0] == math.MinInt64 {
			return "", "", false
		}
		z = v[0] - 1
	case rule.OpLe:
		z = v[0]
	case rule.OpGt:
		if v[0] == math.MaxInt64 {
			return "", "", false
		}
		a = v[0] + 1
	case rule.OpGe:
		a = v[0]
	case rule.OpBetween:
		a, z = v[0], v[1]
	}
	if a > z || z < 0 {
		return "", "", false
	}
	dhi := int64(math.MaxInt64)
	if a >= 1 {
		dhi = ageThreshold(a, today)
	}
	dlo := int64(math.MinInt64)
	if z < math.MaxInt64 {
		dlo = ageThreshold(z+1, today) + 1
	}
	if dlo > dhi {
		return "", "", false
	}
	first, last := int64(workday.NewDate(1, 1, 1)), int64(workday.NewDate(9999, 12, 31))
	if dhi < first || dlo > last {
		return "", "", false
	}
	if dlo > first {
		lo = workday.Date(dlo).String()
	}
	if dhi < last {
		hi = workday.Date(dhi).String()
	}
	return lo, hi, true
}

// ageThreshold returns the last date D on which an enterprise founded on D
// is at least k (>= 1) full years old on today (29 February falls back to
// 28 February in common years), as the engine computes it.
func ageThreshold(k int64, today workday.Date) int64 {
	if k > 100000 {
		return math.MinInt32 - 1
	}
	ty, tm, td := today.YMD()
	y := ty - int(k)
	d := workday.NewDate(y, tm, td)
	if yy, mm, dd := d.YMD(); yy != y || mm != tm || dd != td {
		d = workday.NewDate(y, tm+1, 1) - 1
	}
	return int64(d)
}

// Amount translates valid amount a into a SQL expression over the
// enterprises table (alias e) giving each row's amount in whole yuan, 0
// for an unknown base, as rule.Amount.For does (assuming base × rate
// numerator stays within 64 bits). The numbers are inlined: they come from
// a validated Amount.
func Amount(a rule.Amount, d store.Dialect) string {
	if a.Fixed > 0 {
		return strconv.FormatInt(a.Fixed, 10)
	}
	s := strconv.FormatFloat(a.Rate, 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	num := strings.TrimLeft(whole+frac, "0")
	if num == "" {
		num = "0"
	}
	den := "1" + strings.Repeat("0", len(frac))
	col := "e." + a.Of
	v := fmt.Sprintf("(CASE WHEN %s > 0 THEN %s * %s / %s ELSE 0 END)", col, col, num, den)
	greatest, least := "GREATEST", "LEAST"
	if d == store.SQLite {
		greatest, least = "MAX", "MIN"
	}
	if a.Floor != nil {
		v = fmt.Sprintf("%s(%s, %d)", greatest, v, *a.Floor)
	}
	if a.Cap != nil {
		v = fmt.Sprintf("%s(%s, %d)", least, v, *a.Cap)
	}
	return fmt.Sprintf("(CASE WHEN %s IS NULL THEN 0 ELSE %s END)", col, v)
}

// Simulate answers a simulation with SQL instead of the engine: the
// eligible enterprises with their budget grouped by groupBy (a column of
// enterprises, "" for none) in one query, and the unknown count and the
// total in a second (which must look at every row). It is the benchmark's
// peer and a cross-check in tests. Errors: Invalid, Internal.
func Simulate(ctx context.Context, q store.Querier, r *rule.Rule, a *rule.Amount, groupBy string, today workday.Date) (*policy.Simulation, error) {
	where, args, err := Where(r, today)
	if err != nil {
		return nil, err
	}
	amount := "0"
	if a != nil {
		if err := a.Validate(); err != nil {
			return nil, err
		}
		amount = Amount(*a, q.Dialect())
	}
	group := "''"
	switch groupBy {
	case "":
	case "kind", "industry", "district", "street", "credit", "status", "size":
		group = "COALESCE(e." + groupBy + ", '')"
	default:
		return nil, errs.FieldErrorf("group_by", "SQL 对照只支持按分类字段分组，而不是“%s”", groupBy)
	}
	sim := &policy.Simulation{Groups: []policy.SimGroup{}, Rule: r}
	rows, err := q.QueryContext(ctx, "SELECT "+group+", COUNT(*), COALESCE(SUM("+amount+"), 0) FROM enterprises e WHERE "+where+
		" GROUP BY "+group+" ORDER BY 1", args...)
	if err != nil {
		return nil, errs.Wrap(err, "simulate in SQL")
	}
	for rows.Next() {
		var g policy.SimGroup
		var n, yuan int64
		if err := rows.Scan(&g.Key, &n, &yuan); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "simulate in SQL")
		}
		g.Label, g.Eligible, g.Budget = g.Key, uint64(n), yuan
		sim.Eligible += g.Eligible
		sim.Budget += yuan
		if groupBy != "" {
			sim.Groups = append(sim.Groups, g)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "simulate in SQL")
	}
	var total int64
	var unknown sql.NullInt64
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*), SUM(CASE WHEN ("+where+") IS NULL THEN 1 ELSE 0 END) FROM enterprises e", args...).
		Scan(&total, &unknown); err != nil {
		return nil, errs.Wrap(err, "simulate in SQL")
	}
	sim.Total = int(total)
	sim.Unknown = uint64(unknown.Int64)
	sim.NotEligible = uint64(total) - sim.Eligible - sim.Unknown
	return sim, nil
}

// CountEligible counts the enterprises rule r fits with one SQL query
// (the cheapest thing SQL can be asked). Errors: Invalid, Internal.
func CountEligible(ctx context.Context, q store.Querier, r *rule.Rule, today workday.Date) (int64, error) {
	where, args, err := Where(r, today)
	if err != nil {
		return 0, err
	}
	var n int64
	err = q.QueryRowContext(ctx, "SELECT COUNT(*) FROM enterprises e WHERE "+where, args...).Scan(&n)
	return n, errs.Wrap(err, "count in SQL")
}
