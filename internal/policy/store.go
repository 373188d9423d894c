package policy

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/policy/rule"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// policySelect selects a policy row for scanPolicy; its two '?' take today
// (for the deadline) and precede any other argument.
const policySelect = `SELECT p.id, p.title, p.doc_no, p.issuing_unit_id, COALESCE(iu.name, '') AS issuing_unit, p.redeeming_unit_id, COALESCE(ru.name, '') AS redeeming_unit,
	p.source_text, p.source_url, p.pledge, p.category, p.district, p.effective_from, p.effective_to, p.status, p.review_note,
	p.created_by, p.submitted_by, p.reviewed_by, p.submitted_at, p.published_at, p.ended_at, p.created_at, p.updated_at,
	COALESCE((SELECT MIN(c.window_to) FROM policy_clauses c WHERE c.policy_id = p.id AND c.is_current AND c.window_to >= ?),
		CASE WHEN p.effective_to >= ? THEN p.effective_to END) AS deadline
	FROM policies p LEFT JOIN units iu ON iu.id = p.issuing_unit_id LEFT JOIN units ru ON ru.id = p.redeeming_unit_id`

func millisPtr(p *int64) *time.Time {
	if p == nil {
		return nil
	}
	t := store.FromMillis(*p)
	return &t
}

func scanPolicy(sc interface{ Scan(...any) error }) (*Policy, error) {
	p := &Policy{}
	var status string
	var submitted, published, ended *int64
	var created, updated int64
	if err := sc.Scan(&p.ID, &p.Title, &p.DocNo, &p.IssuingUnitID, &p.IssuingUnit, &p.RedeemingUnitID, &p.RedeemingUnit,
		&p.SourceText, &p.SourceURL, &p.Pledge, &p.Category, &p.District, &p.EffectiveFrom, &p.EffectiveTo, &status, &p.ReviewNote,
		&p.CreatedBy, &p.SubmittedBy, &p.ReviewedBy, &submitted, &published, &ended, &created, &updated, &p.Deadline); err != nil {
		return nil, err
	}
	p.Status = Status(status)
	p.SubmittedAt, p.PublishedAt, p.EndedAt = millisPtr(submitted), millisPtr(published), millisPtr(ended)
	p.CreatedAt, p.UpdatedAt = store.FromMillis(created), store.FromMillis(updated)
	return p, nil
}

// clauseColumns are the columns scanClause reads.
const clauseColumns = `id, clause_id, policy_id, version, is_current, seq, title, rule, benefit_kind, amount, mode, materials,
	window_from, window_to, budget, budget_rule, budget_order, prepay_percent, push_unknown, unknown_message, created_by, created_at`

func scanClause(sc interface{ Scan(...any) error }) (*Clause, error) {
	c := &Clause{}
	var ruleJSON, materials string
	var amount *string
	var created int64
	if err := sc.Scan(&c.ID, &c.ClauseID, &c.PolicyID, &c.Version, &c.Current, &c.Seq, &c.Title, &ruleJSON, &c.BenefitKind,
		&amount, &c.Mode, &materials, &c.WindowFrom, &c.WindowTo, &c.Budget, &c.BudgetRule, &c.BudgetOrder, &c.PrepayPercent, &c.PushUnknown, &c.UnknownMessage,
		&c.CreatedBy, &created); err != nil {
		return nil, err
	}
	r, err := rule.Parse([]byte(ruleJSON))
	if err != nil {
		return nil, errs.Wrap(err, "stored rule of clause "+itoa(c.ID))
	}
	c.Rule = r
	if amount != nil {
		a, err := rule.ParseAmount([]byte(*amount))
		if err != nil {
			return nil, errs.Wrap(err, "stored amount of clause "+itoa(c.ID))
		}
		c.Amount = &a
	}
	c.Materials = []string{}
	if materials != "" {
		c.Materials = strings.Split(materials, "\n")
	}
	c.CreatedAt = store.FromMillis(created)
	return c, nil
}

// findClauses returns clauses matching cond (SQL after WHERE), ordered by
// policy, seq and version.
func findClauses(ctx context.Context, q store.Querier, cond string, args ...any) ([]*Clause, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+clauseColumns+` FROM policy_clauses WHERE `+cond+
		` ORDER BY policy_id, seq, clause_id, version`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "find clauses")
	}
	defer rows.Close()
	var out []*Clause
	for rows.Next() {
		c, err := scanClause(rows)
		if err != nil {
			return nil, errs.Wrap(err, "scan clause")
		}
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "find clauses")
}

// findPolicy reads a policy with its current clauses. Errors: NotFound.
func findPolicy(ctx context.Context, q store.Querier, id int64, today workday.Date) (*Policy, error) {
	p, err := scanPolicy(q.QueryRowContext(ctx, policySelect+" WHERE p.id = ?", today.String(), today.String(), id))
	if err != nil {
		return nil, store.NotFound(err, "政策（编号%d）不存在", id)
	}
	if p.Clauses, err = findClauses(ctx, q, "policy_id = ? AND is_current", id); err != nil {
		return nil, err
	}
	return p, nil
}

// loadPublished reads every published policy with its current clauses.
func loadPublished(ctx context.Context, q store.Querier) ([]*Policy, error) {
	today := workday.Today(time.Now).String()
	rows, err := q.QueryContext(ctx, policySelect+" WHERE p.status = ? ORDER BY p.id", today, today, string(StatusPublished))
	if err != nil {
		return nil, errs.Wrap(err, "load published policies")
	}
	var pols []*Policy
	byID := map[int64]*Policy{}
	for rows.Next() {
		p, err := scanPolicy(rows)
		if err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "scan policy")
		}
		pols = append(pols, p)
		byID[p.ID] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "load published policies")
	}
	clauses, err := findClauses(ctx, q, `is_current AND policy_id IN (SELECT id FROM policies WHERE status = ?)`, string(StatusPublished))
	if err != nil {
		return nil, err
	}
	for _, c := range clauses {
		if p := byID[c.PolicyID]; p != nil {
			p.Clauses = append(p.Clauses, c)
		}
	}
	return pols, nil
}

// insertClause stores p as a version of a clause: a new clause when
// clauseID is 0, else version of clauseID. It returns the new version's id.
func insertClause(ctx context.Context, tx *store.Tx, policyID, clauseID int64, version, seq int, p *parsedClause, by *int64, now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO policy_clauses (clause_id, policy_id, version, is_current, seq, title, rule, benefit_kind,
		amount, mode, materials, window_from, window_to, budget, budget_rule, budget_order, prepay_percent, push_unknown, unknown_message, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		clauseID, policyID, version, true, seq, p.in.Title, p.ruleJSON, p.in.BenefitKind, p.amountTxt, p.in.Mode, p.materials,
		p.in.WindowFrom, p.in.WindowTo, p.in.Budget, p.in.BudgetRule, p.in.BudgetOrder, p.in.PrepayPercent, p.in.PushUnknown, p.in.UnknownMessage, by, store.Millis(now)).Scan(&id)
	if err != nil {
		return 0, errs.Wrap(err, "insert clause")
	}
	if clauseID == 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE policy_clauses SET clause_id = ? WHERE id = ?`, id, id); err != nil {
			return 0, errs.Wrap(err, "insert clause")
		}
	}
	return id, nil
}

// updateClauseInPlace overwrites version id with p (drafts only).
func updateClauseInPlace(ctx context.Context, tx *store.Tx, id int64, p *parsedClause) error {
	_, err := tx.ExecContext(ctx, `UPDATE policy_clauses SET title = ?, rule = ?, benefit_kind = ?, amount = ?, mode = ?, materials = ?,
		window_from = ?, window_to = ?, budget = ?, budget_rule = ?, budget_order = ?, prepay_percent = ?, push_unknown = ?, unknown_message = ? WHERE id = ?`,
		p.in.Title, p.ruleJSON, p.in.BenefitKind, p.amountTxt, p.in.Mode, p.materials, p.in.WindowFrom, p.in.WindowTo,
		p.in.Budget, p.in.BudgetRule, p.in.BudgetOrder, p.in.PrepayPercent, p.in.PushUnknown, p.in.UnknownMessage, id)
	return errs.Wrap(err, "update clause")
}

// clauseAudit is the audited form of a clause.
func clauseAudit(c *Clause) map[string]any {
	if c == nil {
		return nil
	}
	b, _ := json.Marshal(c)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// nullString returns nil for "" (for nullable text columns).
func nullString(p *string) any {
	if p == nil || *p == "" {
		return nil
	}
	return *p
}
