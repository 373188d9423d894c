// Package policy is the policy supermarket (政策超市): policies and their
// clauses, each clause an eligibility rule (package rule) with a benefit;
// the lifecycle 草稿 → 待审核 → 已发布 → 已结束 with review by the
// business-environment office; versioned clauses; the Engine that keeps an
// in-memory snapshot of every enterprise current and answers "who is
// eligible" in milliseconds; simulation (a policy calculator); 政策体检 (one
// enterprise against every published clause); proactive push, idempotent
// per (clause version, enterprise); category subscriptions; and metrics.
package policy

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/money"
	"github.com/qinqing/qinqing/internal/policy/rule"
	"github.com/qinqing/qinqing/internal/workday"
)

// Status is the state of a policy.
type Status string

// The policy states: a draft is edited by its unit, submitted for review
// (待审核), published by the office (已发布) — only then do enterprises see
// it and pushes go out — and finally ended (已结束).
const (
	StatusDraft     Status = "草稿"
	StatusPending   Status = "待审核"
	StatusPublished Status = "已发布"
	StatusEnded     Status = "已结束"
)

// Statuses lists the states in lifecycle order.
var Statuses = []Status{StatusDraft, StatusPending, StatusPublished, StatusEnded}

// Valid reports whether s is a known state.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Categories are the policy categories (政策类别).
var Categories = []string{"资金扶持", "税费减免", "金融支持", "人才服务", "资质认定", "场地空间", "其他"}

// Modes are how a benefit is redeemed.
var Modes = []string{ModeAutomatic, ModeInstant, ModeReview}

// The redemption modes.
const (
	ModeAutomatic = "免申即享" // granted without application
	ModeInstant   = "即申即享" // granted on application, without review
	ModeReview    = "申报审核" // applied for and reviewed
)

// BenefitKinds are the kinds of benefit a clause grants.
var BenefitKinds = []string{"资金奖补", "税费减免", "贷款贴息", "资格认定", "服务支持", "其他"}

// Push outcomes, as stored in policy_pushes.outcome.
const (
	PushEligible = "符合"    // the enterprise is eligible
	PushUnknown  = "待补充信息" // the enterprise may be eligible once it fills in missing data
)

// Policy is one policy document (政策) with its current clauses.
type Policy struct {
	ID              int64  `json:"id"`
	Title           string `json:"title"`
	DocNo           string `json:"doc_no"` // 文号, e.g. 武政规〔2024〕5号
	IssuingUnitID   *int64 `json:"issuing_unit_id"`
	IssuingUnit     string `json:"issuing_unit,omitempty"`
	RedeemingUnitID *int64 `json:"redeeming_unit_id"` // 兑现单位
	RedeemingUnit   string `json:"redeeming_unit,omitempty"`
	SourceText      string `json:"source_text"`
	SourceURL       string `json:"source_url"` // the document or attachment
	// Pledge is the credit pledge (信用承诺) an enterprise signs when it
	// confirms a grant or applies under the policy; "" asks for none.
	Pledge        string        `json:"pledge"`
	Category      string        `json:"category"`
	District      *string       `json:"district"` // nil: the whole city
	EffectiveFrom *workday.Date `json:"effective_from"`
	EffectiveTo   *workday.Date `json:"effective_to"`
	Status        Status        `json:"status"`
	ReviewNote    string        `json:"review_note,omitempty"`
	CreatedBy     *int64        `json:"created_by"`
	SubmittedBy   *int64        `json:"submitted_by,omitempty"`
	ReviewedBy    *int64        `json:"reviewed_by,omitempty"`
	SubmittedAt   *time.Time    `json:"submitted_at,omitempty"`
	PublishedAt   *time.Time    `json:"published_at,omitempty"`
	EndedAt       *time.Time    `json:"ended_at,omitempty"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
	// Deadline is the nearest date on or after today by which something of
	// the policy closes: a clause's application window, else the policy's
	// end of effect. Set by FindPolicies and FindPolicyByID.
	Deadline *workday.Date `json:"deadline,omitempty"`
	// Clauses are the current versions, in order. Set by FindPolicyByID.
	Clauses []*Clause `json:"clauses,omitempty"`

	parentUnits []int64 // the units above its units; set by FindPolicyByID
}

// Clause is one version of a clause (条款).
type Clause struct {
	ID          int64         `json:"id"`        // the id of this version
	ClauseID    int64         `json:"clause_id"` // the clause across versions
	PolicyID    int64         `json:"policy_id"`
	Version     int           `json:"version"`
	Current     bool          `json:"current"`
	Seq         int           `json:"seq"`
	Title       string        `json:"title"`
	Rule        *rule.Rule    `json:"rule"`
	BenefitKind string        `json:"benefit_kind"`
	Amount      *rule.Amount  `json:"amount"` // nil: no money (a qualification, a service)
	Mode        string        `json:"mode"`
	Materials   []string      `json:"materials"`
	WindowFrom  *workday.Date `json:"window_from"`
	WindowTo    *workday.Date `json:"window_to"`
	Budget      *int64        `json:"budget"` // yuan; nil: not capped
	// BudgetRule is how the budget is cut when more is due than it holds
	// (BudgetRules; "" means BudgetFirstCome), BudgetOrder the field a
	// BudgetByField list is ordered by ("revenue", "-revenue" descending).
	BudgetRule  string `json:"budget_rule"`
	BudgetOrder string `json:"budget_order"`
	// PrepayPercent is the share of a grant paid at approval (预先拨付, such
	// as 70); the rest is settled later against the final amount (事后清算).
	// Nil: paid in full.
	PrepayPercent  *int      `json:"prepay_percent"`
	PushUnknown    bool      `json:"push_unknown"`
	UnknownMessage string    `json:"unknown_message"`
	CreatedBy      *int64    `json:"created_by,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
}

// Open reports whether the clause's application window includes today.
func (c *Clause) Open(today workday.Date) bool {
	return (c.WindowFrom == nil || *c.WindowFrom <= today) && (c.WindowTo == nil || today <= *c.WindowTo)
}

// Closed reports whether the clause's application window has passed.
func (c *Clause) Closed(today workday.Date) bool { return c.WindowTo != nil && *c.WindowTo < today }

// AmountText describes the clause's benefit amount in Chinese.
func (c *Clause) AmountText() string {
	if c.Amount == nil {
		return "不涉及资金"
	}
	return c.Amount.Sentence()
}

// ClaimNote says in Chinese how an enterprise that fits the clause gets its
// benefit.
func (c *Clause) ClaimNote() string {
	switch c.Mode {
	case ModeAutomatic:
		return "免申即享：符合条件的企业无需申请，兑现单位核定名单后通知企业确认收款账户，按时拨付。"
	case ModeInstant:
		return "即申即享：在线申请，按已核实的企业数据即时判定，符合即兑现；数据不全的转人工审核。"
	case ModeReview:
		return "申报审核：在线申报并上传申报材料，兑现单位受理、审核后兑现。"
	}
	return ""
}

// Budget cutting rules (预算分配规则): what a clause does when more is due
// than its budget holds. A clause never grants more than its budget.
const (
	// BudgetFirstCome grants in the order grants were listed or
	// applications approved while the budget lasts (额满为止).
	BudgetFirstCome = "先到先得"
	// BudgetProRata scales every amount of a list down alike (按比例核减).
	// Applications, approved one at a time, are granted first come.
	BudgetProRata = "按比例"
	// BudgetByField orders a list by a field of the enterprises (Clause.
	// BudgetOrder) and grants from the top while the budget lasts.
	BudgetByField = "按字段排序"
)

// BudgetRules lists the budget cutting rules.
var BudgetRules = []string{BudgetFirstCome, BudgetProRata, BudgetByField}

// BudgetOrderFields are the fields a BudgetByField list may be ordered by.
func BudgetOrderFields() []enterprise.Field {
	var out []enterprise.Field
	for _, f := range enterprise.Fields {
		if f.Type == enterprise.TypeMoney || f.Type == enterprise.TypeCount || f.Type == enterprise.TypeDate {
			out = append(out, f)
		}
	}
	return out
}

// parseBudgetRule checks and normalises the budget rule of in: no rule
// without a budget; BudgetByField with an order field ("revenue", "-revenue"
// for descending, or the Chinese label); no order with another rule.
// Errors: Invalid (field budget_rule or budget_order).
func parseBudgetRule(in *ClauseInput) error {
	in.BudgetRule = strings.TrimSpace(in.BudgetRule)
	in.BudgetOrder = strings.TrimSpace(in.BudgetOrder)
	if in.Budget == nil {
		if in.BudgetRule != "" || in.BudgetOrder != "" {
			return errs.FieldErrorf("budget_rule", "未设预算的条款不需要预算分配规则")
		}
		return nil
	}
	if in.BudgetRule == "" {
		in.BudgetRule = BudgetFirstCome
	}
	if !slices.Contains(BudgetRules, in.BudgetRule) {
		return errs.FieldErrorf("budget_rule", "预算分配规则“%s”不存在（可选：%s）", in.BudgetRule, strings.Join(BudgetRules, "、"))
	}
	if in.BudgetRule != BudgetByField {
		if in.BudgetOrder != "" {
			return errs.FieldErrorf("budget_order", "只有“%s”需要排序字段", BudgetByField)
		}
		return nil
	}
	name, desc := strings.CutPrefix(in.BudgetOrder, "-")
	if name == "" {
		return errs.FieldErrorf("budget_order", "按字段排序时请选择排序字段")
	}
	for _, f := range BudgetOrderFields() {
		if f.Name == name || f.Label == name {
			in.BudgetOrder = f.Name
			if desc {
				in.BudgetOrder = "-" + f.Name
			}
			return nil
		}
	}
	var names []string
	for _, f := range BudgetOrderFields() {
		names = append(names, f.Label)
	}
	return errs.FieldErrorf("budget_order", "不能按“%s”排序（可选：%s）", name, strings.Join(names, "、"))
}

// BudgetText says in Chinese how the clause's budget is shared out: the
// budget and what happens when more is due than it holds; "" when the
// clause has no budget.
func (c *Clause) BudgetText() string {
	if c.Budget == nil {
		return ""
	}
	var how string
	switch c.BudgetRule {
	case BudgetProRata:
		how = "超出预算时各企业金额按比例核减"
	case BudgetByField:
		name, desc := strings.CutPrefix(c.BudgetOrder, "-")
		label := name
		if f, ok := enterprise.FieldByName(name); ok {
			label = f.Label
		}
		order := "从低到高"
		if desc {
			order = "从高到低"
		}
		how = "超出预算时按" + label + order + "排序，额满为止"
	default:
		how = "超出预算时先到先得，额满为止"
	}
	return "预算" + money.FormatWan(*c.Budget) + "，" + how
}

// PrepayText says in Chinese how the clause pays: in full, or a share in
// advance and the rest after settlement.
func (c *Clause) PrepayText() string {
	if c.Amount == nil {
		return ""
	}
	if c.PrepayPercent == nil {
		return "审核确认后全额拨付"
	}
	return fmt.Sprintf("预先拨付 %d%%，其余事后清算（按核定金额多退少补）", *c.PrepayPercent)
}

// PolicyInput is a policy as created or edited.
type PolicyInput struct {
	Title           string        `json:"title"`
	DocNo           string        `json:"doc_no"`
	IssuingUnitID   *int64        `json:"issuing_unit_id"`
	RedeemingUnitID *int64        `json:"redeeming_unit_id"`
	SourceText      string        `json:"source_text"`
	SourceURL       string        `json:"source_url"`
	Pledge          string        `json:"pledge"`
	Category        string        `json:"category"`
	District        *string       `json:"district"`
	EffectiveFrom   *workday.Date `json:"effective_from"`
	EffectiveTo     *workday.Date `json:"effective_to"`
}

// ClauseInput is a clause as created or edited. The rule is given as
// canonical JSON (Rule) or, for power users, as an expression (Expr, in
// expr-lang syntax), which is translated to the JSON form.
type ClauseInput struct {
	Title          string          `json:"title"`
	Rule           json.RawMessage `json:"rule,omitempty"`
	Expr           string          `json:"expr,omitempty"`
	BenefitKind    string          `json:"benefit_kind"`
	Amount         json.RawMessage `json:"amount,omitempty"`
	Mode           string          `json:"mode"`
	Materials      []string        `json:"materials"`
	WindowFrom     *workday.Date   `json:"window_from"`
	WindowTo       *workday.Date   `json:"window_to"`
	Budget         *int64          `json:"budget"`
	BudgetRule     string          `json:"budget_rule"`
	BudgetOrder    string          `json:"budget_order"`
	PrepayPercent  *int            `json:"prepay_percent"`
	PushUnknown    bool            `json:"push_unknown"`
	UnknownMessage string          `json:"unknown_message"`
}

// Limits on text fields, in runes.
const (
	maxTitle    = 200
	maxDocNo    = 100
	maxSource   = 200000
	maxURL      = 2000
	maxMaterial = 200
	maxMessage  = 500
	maxPledge   = 5000
	maxRuleJSON = 64 << 10
)

// normalizePolicy checks in and cleans it in place. Errors: Invalid with
// the field and a Chinese message.
func normalizePolicy(in *PolicyInput) error {
	in.Title = strings.TrimSpace(in.Title)
	in.DocNo = strings.TrimSpace(in.DocNo)
	in.SourceText = strings.TrimSpace(in.SourceText)
	in.SourceURL = strings.TrimSpace(in.SourceURL)
	in.Pledge = strings.TrimSpace(in.Pledge)
	in.Category = strings.TrimSpace(in.Category)
	switch n := utf8.RuneCountInString(in.Title); {
	case n == 0:
		return errs.FieldErrorf("title", "政策名称不能为空")
	case n > maxTitle:
		return errs.FieldErrorf("title", "政策名称不能超过 %d 个字", maxTitle)
	}
	if utf8.RuneCountInString(in.DocNo) > maxDocNo {
		return errs.FieldErrorf("doc_no", "文号不能超过 %d 个字", maxDocNo)
	}
	if utf8.RuneCountInString(in.SourceText) > maxSource {
		return errs.FieldErrorf("source_text", "政策原文不能超过 %d 个字，请改为上传附件链接", maxSource)
	}
	if in.SourceURL != "" && (len(in.SourceURL) > maxURL || !(strings.HasPrefix(in.SourceURL, "https://") ||
		strings.HasPrefix(in.SourceURL, "http://") || strings.HasPrefix(in.SourceURL, "/")) || strings.ContainsAny(in.SourceURL, " \t\r\n\"<>")) {
		return errs.FieldErrorf("source_url", "原文链接应为 http(s) 地址或站内路径")
	}
	if utf8.RuneCountInString(in.Pledge) > maxPledge {
		return errs.FieldErrorf("pledge", "信用承诺书不能超过 %d 个字", maxPledge)
	}
	if in.Category == "" {
		return errs.FieldErrorf("category", "请选择政策类别")
	}
	if !slices.Contains(Categories, in.Category) {
		return errs.FieldErrorf("category", "政策类别“%s”不存在（可选：%s）", in.Category, strings.Join(Categories, "、"))
	}
	if in.District != nil {
		d := strings.TrimSpace(*in.District)
		if d == "" {
			in.District = nil
		} else if len(d) != 6 || strings.Trim(d, "0123456789") != "" {
			return errs.FieldErrorf("district", "适用区域应为6位区划代码，而不是“%s”", d)
		} else {
			in.District = &d
		}
	}
	if in.EffectiveFrom != nil && in.EffectiveTo != nil && *in.EffectiveTo < *in.EffectiveFrom {
		return errs.FieldErrorf("effective_to", "有效期截止日（%s）不能早于起始日（%s）", in.EffectiveTo.Chinese(), in.EffectiveFrom.Chinese())
	}
	return nil
}

// clauseErr returns an Invalid error about field of the clause named by
// title: "条款“…”：message".
func clauseErr(title, field, format string, args ...any) *errs.Error {
	e := errs.FieldErrorf(field, format, args...)
	e.Message = clauseWhere(title) + e.Message
	return e
}

func clauseWhere(title string) string {
	if title == "" {
		return "条款："
	}
	return "条款“" + title + "”："
}

// parsedClause is a validated ClauseInput.
type parsedClause struct {
	in        ClauseInput
	rule      *rule.Rule
	ruleJSON  string
	amount    *rule.Amount
	amountTxt *string
	materials string
}

// ParseRule reads a rule given as canonical JSON or, when expr is not
// empty, as an expression, and validates it. Errors: Invalid (field "rule")
// with a Chinese message naming the node.
func ParseRule(ruleJSON []byte, expr string) (*rule.Rule, error) {
	if strings.TrimSpace(expr) != "" {
		return rule.ParseExpr(expr)
	}
	if len(ruleJSON) > maxRuleJSON {
		return nil, errs.FieldErrorf("rule", "规则过长（超过 %d 字节）", maxRuleJSON)
	}
	s := strings.TrimSpace(string(ruleJSON))
	if s == "" || s == "null" {
		return nil, errs.FieldErrorf("rule", "请设置申报条件（规则）")
	}
	return rule.Parse([]byte(s))
}

// ParseAmount reads an amount given as JSON; empty or null means none.
// Errors: Invalid (field "amount").
func ParseAmount(data []byte) (*rule.Amount, error) {
	s := strings.TrimSpace(string(data))
	if s == "" || s == "null" || s == "{}" {
		return nil, nil
	}
	a, err := rule.ParseAmount([]byte(s))
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// parseClause validates in. Errors: Invalid naming the clause and field.
func parseClause(in ClauseInput) (*parsedClause, error) {
	in.Title = strings.TrimSpace(in.Title)
	in.BenefitKind = strings.TrimSpace(in.BenefitKind)
	in.Mode = strings.TrimSpace(in.Mode)
	in.UnknownMessage = strings.TrimSpace(in.UnknownMessage)
	t := in.Title
	switch n := utf8.RuneCountInString(in.Title); {
	case n == 0:
		return nil, errs.FieldErrorf("title", "条款名称不能为空")
	case n > maxTitle:
		return nil, clauseErr(t, "title", "条款名称不能超过 %d 个字", maxTitle)
	}
	r, err := ParseRule(in.Rule, in.Expr)
	if err != nil {
		return nil, clauseErr(t, "rule", "%s", errs.MessageOf(err))
	}
	b, _ := json.Marshal(r)
	p := &parsedClause{rule: r, ruleJSON: string(b)}
	if in.BenefitKind == "" {
		return nil, clauseErr(t, "benefit_kind", "请选择扶持方式")
	}
	if !slices.Contains(BenefitKinds, in.BenefitKind) {
		return nil, clauseErr(t, "benefit_kind", "扶持方式“%s”不存在（可选：%s）", in.BenefitKind, strings.Join(BenefitKinds, "、"))
	}
	a, err := ParseAmount(in.Amount)
	if err != nil {
		return nil, clauseErr(t, "amount", "%s", errs.MessageOf(err))
	}
	if a != nil {
		p.amount = a
		b, _ := json.Marshal(a)
		s := string(b)
		p.amountTxt = &s
	}
	if in.Mode == "" {
		return nil, clauseErr(t, "mode", "请选择兑现方式（%s）", strings.Join(Modes, "、"))
	}
	if !slices.Contains(Modes, in.Mode) {
		return nil, clauseErr(t, "mode", "兑现方式“%s”不存在（可选：%s）", in.Mode, strings.Join(Modes, "、"))
	}
	var mats []string
	for _, m := range in.Materials {
		for _, line := range strings.Split(m, "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			if utf8.RuneCountInString(line) > maxMaterial {
				return nil, clauseErr(t, "materials", "每项申报材料不能超过 %d 个字", maxMaterial)
			}
			mats = append(mats, line)
		}
	}
	if len(mats) > 50 {
		return nil, clauseErr(t, "materials", "申报材料不能超过 50 项")
	}
	if in.Mode == ModeAutomatic && len(mats) > 0 {
		return nil, clauseErr(t, "materials", "免申即享的条款不需要企业提交材料，请清空申报材料或改选兑现方式")
	}
	in.Materials = mats
	p.materials = strings.Join(mats, "\n")
	if in.WindowFrom != nil && in.WindowTo != nil && *in.WindowTo < *in.WindowFrom {
		return nil, clauseErr(t, "window_to", "申报截止日（%s）不能早于申报开始日（%s）", in.WindowTo.Chinese(), in.WindowFrom.Chinese())
	}
	if in.Budget != nil && *in.Budget <= 0 {
		return nil, clauseErr(t, "budget", "预算应为正整数（单位：元），不设上限请留空")
	}
	if err := parseBudgetRule(&in); err != nil {
		return nil, clauseErr(t, errs.FieldOf(err), "%s", errs.MessageOf(err))
	}
	if in.PrepayPercent != nil {
		switch {
		case *in.PrepayPercent < 1 || *in.PrepayPercent > 99:
			return nil, clauseErr(t, "prepay_percent", "预拨比例应为 1 到 99 之间的整数（百分比），全额拨付请留空")
		case p.amount == nil:
			return nil, clauseErr(t, "prepay_percent", "不涉及资金的条款不能预先拨付")
		}
	}
	if utf8.RuneCountInString(in.UnknownMessage) > maxMessage {
		return nil, clauseErr(t, "unknown_message", "补充信息提示不能超过 %d 个字", maxMessage)
	}
	p.in = in
	return p, nil
}

// sameClause reports whether a stored clause already says what p says, so
// that saving it unchanged makes no new version.
func sameClause(c *Clause, p *parsedClause) bool {
	oldRule, _ := json.Marshal(c.Rule)
	var oldAmount, newAmount string
	if c.Amount != nil {
		b, _ := json.Marshal(c.Amount)
		oldAmount = string(b)
	}
	if p.amountTxt != nil {
		newAmount = *p.amountTxt
	}
	eqDate := func(a, b *workday.Date) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	eqInt := func(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	in := p.in
	return c.Title == in.Title && string(oldRule) == p.ruleJSON && c.BenefitKind == in.BenefitKind &&
		oldAmount == newAmount && c.Mode == in.Mode && strings.Join(c.Materials, "\n") == p.materials &&
		eqDate(c.WindowFrom, in.WindowFrom) && eqDate(c.WindowTo, in.WindowTo) && eqInt(c.Budget, in.Budget) &&
		c.BudgetRule == in.BudgetRule && c.BudgetOrder == in.BudgetOrder &&
		(c.PrepayPercent == nil) == (in.PrepayPercent == nil) && (c.PrepayPercent == nil || *c.PrepayPercent == *in.PrepayPercent) &&
		c.PushUnknown == in.PushUnknown && c.UnknownMessage == in.UnknownMessage
}
