package web

import (
	"encoding/json"
	"fmt"
	"github.com/qinqing/qinqing/internal/money"
	"github.com/qinqing/qinqing/internal/paging"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/policy/redeem"
	"github.com/qinqing/qinqing/internal/policy/rule"
	"github.com/qinqing/qinqing/internal/workday"
)

// ---- Shared ----

// policyOption is a value and its label for a select.
type policyOption struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

func (s *Server) districtOptions() []policyOption {
	var out []policyOption
	for _, d := range s.app.Policy.City().Districts {
		out = append(out, policyOption{d.Code, d.Name})
	}
	return out
}

// wanText writes an optional amount as an exact 万元 number for a form
// field ("" when unset).
func wanText(p *int64) string {
	if p == nil {
		return ""
	}
	return money.WanInput(*p)
}

// readWan reads an optional amount typed in 万元. Errors: Invalid on field.
func readWan(field, label, v string) (*int64, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	y, err := money.ParseWan(v)
	if err != nil {
		return nil, money.Field(err, field, label)
	}
	return &y, nil
}

// optDate reads an optional date form value. Errors: Invalid on field.
func optDate(field, label, v string) (*workday.Date, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	d, err := workday.ParseDate(v)
	if err != nil {
		return nil, errs.FieldErrorf(field, "%s：%s", label, errs.MessageOf(err))
	}
	return &d, nil
}

func dateText(d *workday.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

// percentText shows a share as a percentage with one decimal.
func percentText(f float64) string { return strconv.FormatFloat(f*100, 'f', 1, 64) + "%" }

// supplyLink is where a missing value of an enterprise is filled in: the
// enterprise's own profile form for its accounts, the specialist's page of
// the enterprise for specialists, the enterprise's file otherwise.
func supplyLink(a *auth.Actor, enterpriseID int64, field string) string {
	switch a.Role {
	case auth.RoleEnterprise:
		return "/profile?field=" + url.QueryEscape(field) + "#edit"
	case auth.RoleSpecialist:
		return fmt.Sprintf("/workbench/%d", enterpriseID)
	}
	return fmt.Sprintf("/enterprises/%d#%s", enterpriseID, field)
}

// ---- 政策超市: browse ----

// policyCard is a policy in a list.
type policyCard struct {
	*policy.Policy
	DeadlineText string
	Soon         bool // closes within 15 days
	DistrictName string
}

type policyListData struct {
	Policies   []policyCard
	Page       *pager
	Q          url.Values
	Categories []string
	Statuses   []policy.Status
	Units      []unitRow
	Districts  []policyOption
	Manage     bool
	CanCreate  bool
	Error      string
}

func (s *Server) policyCards(list []*policy.Policy) []policyCard {
	today := workday.Today(s.app.Now)
	out := make([]policyCard, 0, len(list))
	for _, p := range list {
		c := policyCard{Policy: p}
		if p.Deadline != nil {
			c.DeadlineText = p.Deadline.Chinese()
			c.Soon = int(*p.Deadline-today) <= 15
		}
		if p.District != nil {
			c.DistrictName = s.app.Policy.City().DistrictName(*p.District)
		}
		out = append(out, c)
	}
	return out
}

// policyFilterOf reads the list filter from a query.
func policyFilterOf(q url.Values) (policy.PolicyFilter, error) {
	f := policy.PolicyFilter{Query: q.Get("q"), Category: q.Get("category"), District: q.Get("district"), Status: policy.Status(q.Get("status"))}
	if u := q.Get("unit"); u != "" {
		id, err := strconv.ParseInt(u, 10, 64)
		if err != nil {
			return f, errs.FieldErrorf("unit", "单位编号“%s”无效", u)
		}
		f.UnitID = id
	}
	return f, nil
}

func (s *Server) policyList(w http.ResponseWriter, r *http.Request, manage bool) error {
	a := actorOf(r)
	q := r.URL.Query()
	p := newPager(r.URL.Path, q, 20)
	data := &policyListData{Page: p, Q: q, Categories: policy.Categories, Statuses: policy.Statuses, Districts: s.districtOptions(),
		Manage: manage, CanCreate: a.CanSome(auth.ManagePolicies)}
	units, err := s.app.Org.UnitTree(r.Context())
	if err != nil {
		return err
	}
	data.Units = treeRows(units)
	f, err := policyFilterOf(q)
	if err == nil {
		f.Manage, f.Limit, f.Offset = manage, p.Size, p.Offset()
		var list []*policy.Policy
		list, p.Total, err = s.app.Policy.FindPolicies(r.Context(), a, f)
		data.Policies = s.policyCards(list)
	}
	if err != nil {
		if !formProblem(err) {
			return err
		}
		data.Error = errs.MessageOf(err)
	}
	s.render(w, r, http.StatusOK, "policy_list.html", data)
	return nil
}

func (s *Server) policiesPage(w http.ResponseWriter, r *http.Request) error {
	return s.policyList(w, r, false)
}

func (s *Server) policyManagePage(w http.ResponseWriter, r *http.Request) error {
	return s.policyList(w, r, true)
}

// ---- Create and edit a policy ----

type policyForm struct {
	Title, DocNo, IssuingUnitID, RedeemingUnitID, SourceText, SourceURL string
	Category, District, EffectiveFrom, EffectiveTo, Pledge              string
}

func policyFormOf(p *policy.Policy) policyForm {
	id := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	f := policyForm{Title: p.Title, DocNo: p.DocNo, IssuingUnitID: id(p.IssuingUnitID), RedeemingUnitID: id(p.RedeemingUnitID),
		SourceText: p.SourceText, SourceURL: p.SourceURL, Category: p.Category, EffectiveFrom: dateText(p.EffectiveFrom), EffectiveTo: dateText(p.EffectiveTo),
		Pledge: p.Pledge}
	if p.District != nil {
		f.District = *p.District
	}
	return f
}

func readPolicyForm(r *http.Request) policyForm {
	v := r.PostForm.Get
	return policyForm{Title: v("title"), DocNo: v("doc_no"), IssuingUnitID: v("issuing_unit_id"), RedeemingUnitID: v("redeeming_unit_id"),
		SourceText: v("source_text"), SourceURL: v("source_url"), Category: v("category"), District: v("district"),
		EffectiveFrom: v("effective_from"), EffectiveTo: v("effective_to"), Pledge: v("pledge")}
}

func (f policyForm) input() (policy.PolicyInput, error) {
	in := policy.PolicyInput{Title: f.Title, DocNo: f.DocNo, SourceText: f.SourceText, SourceURL: f.SourceURL, Category: f.Category, Pledge: f.Pledge}
	var err error
	if in.IssuingUnitID, err = optID(f.IssuingUnitID, "issuing_unit_id"); err != nil {
		return in, err
	}
	if in.RedeemingUnitID, err = optID(f.RedeemingUnitID, "redeeming_unit_id"); err != nil {
		return in, err
	}
	if d := strings.TrimSpace(f.District); d != "" {
		in.District = &d
	}
	if in.EffectiveFrom, err = optDate("effective_from", "有效期起始日", f.EffectiveFrom); err != nil {
		return in, err
	}
	in.EffectiveTo, err = optDate("effective_to", "有效期截止日", f.EffectiveTo)
	return in, err
}

type policyFormData struct {
	Policy     *policy.Policy
	Form       policyForm
	Units      []unitRow
	Categories []string
	Districts  []policyOption
	Error      string
	Field      string
}

func (s *Server) policyFormPage(w http.ResponseWriter, r *http.Request, status int, data *policyFormData) error {
	units, err := s.app.Org.UnitTree(r.Context())
	if err != nil {
		return err
	}
	data.Units, data.Categories, data.Districts = treeRows(units), policy.Categories, s.districtOptions()
	s.render(w, r, status, "policy_form.html", data)
	return nil
}

func (s *Server) newPolicyPage(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	f := policyForm{Category: policy.Categories[0]}
	if a.UnitID != nil {
		f.IssuingUnitID = strconv.FormatInt(*a.UnitID, 10)
	}
	return s.policyFormPage(w, r, http.StatusOK, &policyFormData{Form: f})
}

func (s *Server) createPolicy(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	f := readPolicyForm(r)
	in, err := f.input()
	var p *policy.Policy
	if err == nil {
		p, err = s.app.Policy.CreatePolicy(r.Context(), actorOf(r), in)
	}
	if err != nil {
		if !formProblem(err) {
			return err
		}
		return s.policyFormPage(w, r, statusOf(errs.CodeOf(err)), &policyFormData{Form: f, Error: errs.MessageOf(err), Field: errs.FieldOf(err)})
	}
	http.Redirect(w, r, fmt.Sprintf("/policies/%d?ok=created", p.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) editPolicyPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.app.Policy.FindPolicyByID(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	if !s.app.Policy.PermittedTo(actorOf(r), p).Edit {
		return errs.Errorf(errs.Forbidden, "只能管理本单位发布或兑现、且尚未结束的政策")
	}
	return s.policyFormPage(w, r, http.StatusOK, &policyFormData{Policy: p, Form: policyFormOf(p)})
}

func (s *Server) updatePolicy(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	a := actorOf(r)
	cur, err := s.app.Policy.FindPolicyByID(r.Context(), a, id)
	if err != nil {
		return err
	}
	f := readPolicyForm(r)
	in, err := f.input()
	if err == nil {
		_, err = s.app.Policy.UpdatePolicy(r.Context(), a, id, in)
	}
	if err != nil {
		if !formProblem(err) {
			return err
		}
		return s.policyFormPage(w, r, statusOf(errs.CodeOf(err)), &policyFormData{Policy: cur, Form: f, Error: errs.MessageOf(err), Field: errs.FieldOf(err)})
	}
	http.Redirect(w, r, fmt.Sprintf("/policies/%d?ok=saved", id), http.StatusSeeOther)
	return nil
}

// ---- Policy detail ----

// clauseView is a clause on the detail page.
type clauseView struct {
	*policy.Clause
	Sentence   string
	AmountText string
	Budget     string
	Window     string
	Sim        *simView // for those who manage the policy
	SimNote    string   // why there is no simulation (the engine is loading)
	Mine       *policy.CheckupItem
	MineAmount string
	// Redeem is what the actor may do about redemption under the clause
	// (apply, object, the grant list).
	Redeem redeem.ClausePermitted
}

type policyDetailData struct {
	Policy       *policy.Policy
	DistrictName string
	Clauses      []clauseView
	Can          policy.Permitted
	EnterpriseID int64
	Error        string
}

func windowText(c *policy.Clause) string {
	switch {
	case c.WindowFrom != nil && c.WindowTo != nil:
		return c.WindowFrom.Chinese() + " 至 " + c.WindowTo.Chinese()
	case c.WindowTo != nil:
		return "截至 " + c.WindowTo.Chinese()
	case c.WindowFrom != nil:
		return c.WindowFrom.Chinese() + " 起"
	}
	return "常年受理"
}

func (s *Server) policyDetail(r *http.Request, id int64) (*policyDetailData, error) {
	a := actorOf(r)
	ctx := r.Context()
	p, err := s.app.Policy.FindPolicyByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	data := &policyDetailData{Policy: p, Can: s.app.Policy.PermittedTo(a, p)}
	if p.District != nil {
		data.DistrictName = s.app.Policy.City().DistrictName(*p.District)
	}
	mine := map[int64]*policy.CheckupItem{}
	if a.Role == auth.RoleEnterprise && a.EnterpriseID != nil && p.Status == policy.StatusPublished {
		data.EnterpriseID = *a.EnterpriseID
		if err := s.app.Policy.MarkRead(ctx, a, id); err != nil {
			return nil, err
		}
		c, err := s.app.Policy.Checkup(ctx, a, *a.EnterpriseID)
		if err != nil {
			return nil, err
		}
		for i := range c.Items {
			if c.Items[i].Policy.ID == id {
				mine[c.Items[i].Clause.ID] = &c.Items[i]
			}
		}
	}
	names := s.app.Policy.Names()
	for _, c := range p.Clauses {
		v := clauseView{Clause: c, Sentence: c.Rule.Sentence(names), AmountText: c.AmountText(), Window: windowText(c), Mine: mine[c.ID]}
		if c.Budget != nil {
			v.Budget = money.FormatWan(*c.Budget)
		}
		outcome := rule.Unknown
		if v.Mine != nil {
			v.MineAmount = mineAmountText(v.Mine)
			outcome = v.Mine.Outcome
		}
		v.Redeem = s.app.Redeem.ClausePermittedTo(ctx, a, p, c, outcome)
		if data.Can.Simulate {
			sim, err := s.app.Policy.Engine().Simulate(c.Rule, c.Amount, "district", names)
			switch {
			case errs.CodeOf(err) == errs.Unavailable:
				v.SimNote = errs.MessageOf(err)
			case err != nil:
				return nil, err
			default:
				v.Sim = newSimView(sim, c.Amount != nil, fmt.Sprintf("sim-%d", c.ID))
			}
		}
		data.Clauses = append(data.Clauses, v)
	}
	return data, nil
}

func (s *Server) policyPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	data, err := s.policyDetail(r, id)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "policy_detail.html", data)
	return nil
}

// policyAction runs a lifecycle step from a button and returns to the page.
func (s *Server) policyAction(step func(r *http.Request, a *auth.Actor, id int64) error, ok string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := parseForm(r); err != nil {
			return err
		}
		if err := step(r, actorOf(r), id); err != nil {
			if !formProblem(err) {
				return err
			}
			data, derr := s.policyDetail(r, id)
			if derr != nil {
				return derr
			}
			data.Error = errs.MessageOf(err)
			s.render(w, r, statusOf(errs.CodeOf(err)), "policy_detail.html", data)
			return nil
		}
		http.Redirect(w, r, fmt.Sprintf("/policies/%d?ok=%s", id, ok), http.StatusSeeOther)
		return nil
	}
}

func (s *Server) submitPolicy(w http.ResponseWriter, r *http.Request) error {
	return s.policyAction(func(r *http.Request, a *auth.Actor, id int64) error {
		_, err := s.app.Policy.Submit(r.Context(), a, id)
		return err
	}, "saved")(w, r)
}

func (s *Server) reviewPolicy(w http.ResponseWriter, r *http.Request) error {
	return s.policyAction(func(r *http.Request, a *auth.Actor, id int64) error {
		_, err := s.app.Policy.Review(r.Context(), a, id, r.PostForm.Get("decision") == "approve", r.PostForm.Get("note"))
		return err
	}, "saved")(w, r)
}

func (s *Server) endPolicy(w http.ResponseWriter, r *http.Request) error {
	return s.policyAction(func(r *http.Request, a *auth.Actor, id int64) error {
		_, err := s.app.Policy.End(r.Context(), a, id)
		return err
	}, "saved")(w, r)
}

func (s *Server) deleteClause(w http.ResponseWriter, r *http.Request) error {
	cid, err := pathID(r, "cid")
	if err != nil {
		return err
	}
	return s.policyAction(func(r *http.Request, a *auth.Actor, id int64) error {
		return s.app.Policy.DeleteClause(r.Context(), a, cid)
	}, "deleted")(w, r)
}

// ---- Clause editor with the rule form builder ----

type clauseForm struct {
	Title, Rule, BenefitKind, Amount, Mode, Materials string
	WindowFrom, WindowTo, Budget, UnknownMessage      string
	BudgetRule, BudgetOrder, PrepayPercent            string
	PushUnknown                                       bool
}

func clauseFormOf(c *policy.Clause) clauseForm {
	rj, _ := json.Marshal(c.Rule)
	f := clauseForm{Title: c.Title, Rule: string(rj), BenefitKind: c.BenefitKind, Mode: c.Mode, Materials: strings.Join(c.Materials, "\n"),
		WindowFrom: dateText(c.WindowFrom), WindowTo: dateText(c.WindowTo), Budget: wanText(c.Budget), PushUnknown: c.PushUnknown,
		UnknownMessage: c.UnknownMessage, BudgetRule: c.BudgetRule, BudgetOrder: c.BudgetOrder}
	if c.PrepayPercent != nil {
		f.PrepayPercent = strconv.Itoa(*c.PrepayPercent)
	}
	if c.Amount != nil {
		b, _ := json.Marshal(c.Amount)
		f.Amount = string(b)
	}
	return f
}

func readClauseForm(r *http.Request) clauseForm {
	v := r.PostForm.Get
	return clauseForm{Title: v("title"), Rule: v("rule"), BenefitKind: v("benefit_kind"), Amount: v("amount"), Mode: v("mode"),
		Materials: v("materials"), WindowFrom: v("window_from"), WindowTo: v("window_to"), Budget: v("budget"),
		PushUnknown: v("push_unknown") != "", UnknownMessage: v("unknown_message"), BudgetRule: v("budget_rule"), BudgetOrder: v("budget_order"),
		PrepayPercent: v("prepay_percent")}
}

func (f clauseForm) input() (policy.ClauseInput, error) {
	in := policy.ClauseInput{Title: f.Title, Rule: json.RawMessage(f.Rule), BenefitKind: f.BenefitKind, Amount: json.RawMessage(f.Amount),
		Mode: f.Mode, Materials: []string{f.Materials}, PushUnknown: f.PushUnknown, UnknownMessage: f.UnknownMessage,
		BudgetRule: f.BudgetRule, BudgetOrder: f.BudgetOrder}
	if p := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(f.PrepayPercent), "%")); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return in, errs.FieldErrorf("prepay_percent", "预拨比例应为 1 到 99 之间的整数（百分比）")
		}
		in.PrepayPercent = &n
	}
	var err error
	if in.WindowFrom, err = optDate("window_from", "申报开始日", f.WindowFrom); err != nil {
		return in, err
	}
	if in.WindowTo, err = optDate("window_to", "申报截止日", f.WindowTo); err != nil {
		return in, err
	}
	in.Budget, err = readWan("budget", "预算", f.Budget)
	return in, err
}

// builderField describes a rule field to the form builder.
type builderField struct {
	Name   string         `json:"name"`
	Label  string         `json:"label"`
	Type   string         `json:"type"` // text, enum, industry, division, date, money, count, tags
	Ops    []policyOption `json:"ops"`
	Values []policyOption `json:"values,omitempty"`
}

var opLabels = map[rule.Op]string{
	rule.OpEq: "等于", rule.OpNe: "不等于", rule.OpLt: "小于", rule.OpLe: "不超过", rule.OpGt: "大于", rule.OpGe: "不低于",
	rule.OpBetween: "介于", rule.OpIn: "属于", rule.OpNotIn: "不属于", rule.OpHas: "具有标签", rule.OpHasAny: "具有任一标签",
	rule.OpHasAll: "同时具有标签", rule.OpPrefix: "行业代码开头为", rule.OpKnown: "已登记", rule.OpUnknown: "未登记",
}

func ops(list ...rule.Op) []policyOption {
	out := make([]policyOption, len(list))
	for i, o := range list {
		out[i] = policyOption{string(o), opLabels[o]}
	}
	return out
}

// builderFields lists the fields a rule may use, with the operators their
// type takes (the same table as package rule) and, for closed sets, values.
func (s *Server) builderFields() []builderField {
	var out []builderField
	for _, f := range enterprise.Fields {
		if f.Name == "uscc" {
			continue
		}
		bf := builderField{Name: f.Name, Label: f.Label}
		switch f.Type {
		case enterprise.TypeText:
			bf.Type, bf.Ops = "text", ops(rule.OpEq, rule.OpNe, rule.OpIn, rule.OpNotIn, rule.OpKnown, rule.OpUnknown)
		case enterprise.TypeEnum:
			bf.Type, bf.Ops = "enum", ops(rule.OpEq, rule.OpNe, rule.OpIn, rule.OpNotIn, rule.OpKnown, rule.OpUnknown)
			for _, v := range f.Values {
				bf.Values = append(bf.Values, policyOption{v, v})
			}
		case enterprise.TypeDivision:
			bf.Type, bf.Ops = "division", ops(rule.OpIn, rule.OpNotIn, rule.OpEq, rule.OpNe, rule.OpKnown, rule.OpUnknown)
			bf.Values = s.districtOptions()
		case enterprise.TypeIndustry:
			bf.Type, bf.Ops = "industry", ops(rule.OpPrefix, rule.OpEq, rule.OpNe, rule.OpIn, rule.OpNotIn, rule.OpKnown, rule.OpUnknown)
		case enterprise.TypeTags:
			bf.Type, bf.Ops = "tags", ops(rule.OpHas, rule.OpHasAny, rule.OpHasAll, rule.OpKnown, rule.OpUnknown)
			for _, v := range enterprise.StandardTags {
				bf.Values = append(bf.Values, policyOption{v, v})
			}
		case enterprise.TypeDate:
			bf.Type, bf.Ops = "date", ops(rule.OpGe, rule.OpLe, rule.OpGt, rule.OpLt, rule.OpBetween, rule.OpEq, rule.OpNe, rule.OpKnown, rule.OpUnknown)
		case enterprise.TypeMoney:
			bf.Type, bf.Ops = "money", ops(rule.OpGe, rule.OpLe, rule.OpGt, rule.OpLt, rule.OpBetween, rule.OpEq, rule.OpNe, rule.OpKnown, rule.OpUnknown)
		default:
			bf.Type, bf.Ops = "count", ops(rule.OpGe, rule.OpLe, rule.OpGt, rule.OpLt, rule.OpBetween, rule.OpEq, rule.OpNe, rule.OpKnown, rule.OpUnknown)
		}
		out = append(out, bf)
	}
	return out
}

// amountBases are the fields an amount may be a rate of.
func amountBases() []policyOption {
	var out []policyOption
	for _, f := range enterprise.Fields {
		if f.Type == enterprise.TypeMoney || f.Name == "employees" {
			out = append(out, policyOption{f.Name, f.Label})
		}
	}
	return out
}

type clauseFormData struct {
	Policy       *policy.Policy
	Clause       *policy.Clause
	Form         clauseForm
	FieldsJSON   string
	BenefitKinds []string
	Modes        []string
	AmountBases  []policyOption
	Versions     []clauseVersionView
	Error        string
	Field        string
	BudgetRules  []string
	OrderFields  []policyOption
}

type clauseVersionView struct {
	*policy.Clause
	Sentence string
}

func (s *Server) clauseFormPage(w http.ResponseWriter, r *http.Request, status int, data *clauseFormData) error {
	fields, _ := json.Marshal(s.builderFields())
	data.FieldsJSON, data.BenefitKinds, data.Modes, data.AmountBases = string(fields), policy.BenefitKinds, policy.Modes, amountBases()
	data.BudgetRules = policy.BudgetRules
	for _, f := range policy.BudgetOrderFields() {
		data.OrderFields = append(data.OrderFields, policyOption{"-" + f.Name, f.Label + "从高到低"}, policyOption{f.Name, f.Label + "从低到高"})
	}
	if data.Clause != nil {
		vs, err := s.app.Policy.FindClauseVersions(r.Context(), actorOf(r), data.Clause.ClauseID)
		if err != nil {
			return err
		}
		names := s.app.Policy.Names()
		for i := len(vs) - 1; i >= 0; i-- {
			data.Versions = append(data.Versions, clauseVersionView{Clause: vs[i], Sentence: vs[i].Rule.Sentence(names)})
		}
	}
	s.render(w, r, status, "policy_clause.html", data)
	return nil
}

// managedPolicy returns policy {id} if the actor may edit it.
func (s *Server) managedPolicy(r *http.Request) (*policy.Policy, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	p, err := s.app.Policy.FindPolicyByID(r.Context(), actorOf(r), id)
	if err != nil {
		return nil, err
	}
	if !s.app.Policy.PermittedTo(actorOf(r), p).Edit {
		return nil, errs.Errorf(errs.Forbidden, "只能管理本单位发布或兑现、且尚未结束的政策")
	}
	return p, nil
}

func (s *Server) newClausePage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.managedPolicy(r)
	if err != nil {
		return err
	}
	f := clauseForm{Rule: `{"all":[{"field":"district","op":"in","value":["420111"]}]}`, BenefitKind: policy.BenefitKinds[0], Mode: policy.ModeAutomatic}
	return s.clauseFormPage(w, r, http.StatusOK, &clauseFormData{Policy: p, Form: f})
}

func (s *Server) createClause(w http.ResponseWriter, r *http.Request) error {
	p, err := s.managedPolicy(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	f := readClauseForm(r)
	in, err := f.input()
	if err == nil {
		_, err = s.app.Policy.AddClause(r.Context(), actorOf(r), p.ID, in)
	}
	if err != nil {
		if !formProblem(err) {
			return err
		}
		return s.clauseFormPage(w, r, statusOf(errs.CodeOf(err)), &clauseFormData{Policy: p, Form: f, Error: errs.MessageOf(err), Field: errs.FieldOf(err)})
	}
	http.Redirect(w, r, fmt.Sprintf("/policies/%d?ok=created", p.ID), http.StatusSeeOther)
	return nil
}

// managedClause returns the current version of clause {cid} of policy {id}.
func (s *Server) managedClause(r *http.Request, p *policy.Policy) (*policy.Clause, error) {
	cid, err := pathID(r, "cid")
	if err != nil {
		return nil, err
	}
	for _, c := range p.Clauses {
		if c.ClauseID == cid {
			return c, nil
		}
	}
	return nil, errs.Errorf(errs.NotFound, "条款（编号%d）不存在", cid)
}

func (s *Server) editClausePage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.managedPolicy(r)
	if err != nil {
		return err
	}
	c, err := s.managedClause(r, p)
	if err != nil {
		return err
	}
	return s.clauseFormPage(w, r, http.StatusOK, &clauseFormData{Policy: p, Clause: c, Form: clauseFormOf(c)})
}

func (s *Server) updateClause(w http.ResponseWriter, r *http.Request) error {
	p, err := s.managedPolicy(r)
	if err != nil {
		return err
	}
	c, err := s.managedClause(r, p)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	f := readClauseForm(r)
	in, err := f.input()
	if err == nil {
		_, err = s.app.Policy.UpdateClause(r.Context(), actorOf(r), c.ClauseID, in)
	}
	if err != nil {
		if !formProblem(err) {
			return err
		}
		return s.clauseFormPage(w, r, statusOf(errs.CodeOf(err)), &clauseFormData{Policy: p, Clause: c, Form: f, Error: errs.MessageOf(err), Field: errs.FieldOf(err)})
	}
	http.Redirect(w, r, fmt.Sprintf("/policies/%d?ok=saved", p.ID), http.StatusSeeOther)
	return nil
}

// ---- Simulation (live count) ----

// simView is a simulation as the fragment shows it.
type simView struct {
	Sim       *policy.Simulation
	Budgeted  bool
	Budget    string
	ChartID   string
	ChartJSON string // [{"label","eligible","budget_wan"}]
	Error     string
}

func newSimView(sim *policy.Simulation, budgeted bool, chartID string) *simView {
	v := &simView{Sim: sim, Budgeted: budgeted, Budget: money.FormatWan(sim.Budget), ChartID: chartID}
	type bar struct {
		Label     string  `json:"label"`
		Eligible  uint64  `json:"eligible"`
		Unknown   uint64  `json:"unknown"`
		BudgetWan float64 `json:"budget_wan"`
	}
	bars := []bar{}
	for _, g := range sim.Groups {
		if g.Eligible+g.Unknown > 0 {
			bars = append(bars, bar{g.Label, g.Eligible, g.Unknown, float64(g.Budget) / 10000})
		}
	}
	b, _ := json.Marshal(bars)
	v.ChartJSON = string(b)
	return v
}

// simulateFragment answers the clause editor's live count (htmx): it
// always answers 200 so that htmx shows a rule's problem in place.
func (s *Server) simulateFragment(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	req := policy.SimulateRequest{Rule: json.RawMessage(r.PostForm.Get("rule")), Amount: json.RawMessage(r.PostForm.Get("amount")),
		GroupBy: r.PostForm.Get("group_by")}
	if req.GroupBy == "" {
		req.GroupBy = "district"
	}
	sim, err := s.app.Policy.Simulate(r.Context(), actorOf(r), req)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			return err
		}
		s.renderFragment(w, r, "policy_sim", &simView{Error: errs.MessageOf(err)})
		return nil
	}
	s.renderFragment(w, r, "policy_sim", newSimView(sim, len(strings.TrimSpace(r.PostForm.Get("amount"))) > 2, "sim-live"))
	return nil
}

// ---- 政策体检 ----

// mineAmountText says what an enterprise may expect from a clause: nothing
// where it does not fit (不符合 shows no amount), the estimate where it
// fits, and for 待补充信息 the estimate or the missing base, each said to
// wait for the missing information.
func mineAmountText(it *policy.CheckupItem) string {
	switch {
	case it.Outcome == rule.No:
		return ""
	case it.Clause.Amount == nil:
		return "不涉及资金"
	case it.AmountUnknownBase:
		return "待补充信息后测算（" + it.Clause.Amount.Sentence() + "，计算基数未登记）"
	case it.Amount == nil:
		return ""
	case it.Outcome == rule.Unknown:
		return "预计 " + money.FormatWan(*it.Amount) + "（待补充信息，确认符合后可享）"
	}
	return "预计 " + money.FormatWan(*it.Amount)
}

type checkupLeaf struct {
	rule.LeafResult
	Link string // where to fill in a missing value
}

type checkupItemView struct {
	policy.CheckupItem
	AmountText   string
	DeadlineText string
	Leaves       []checkupLeaf
	ClassName    string
	Redeem       redeem.ClausePermitted // apply, object
}

type checkupData struct {
	Checkup      *policy.Checkup
	Eligible     []checkupItemView
	Unknown      []checkupItemView
	NotEligible  []checkupItemView
	Total        string
	Categories   []string
	Subscribed   map[string]bool
	CanSubscribe bool
	Error        string
}

func (s *Server) checkupData(r *http.Request, id int64) (*checkupData, error) {
	a := actorOf(r)
	c, err := s.app.Policy.Checkup(r.Context(), a, id)
	if err != nil {
		return nil, err
	}
	data := &checkupData{Checkup: c, Total: money.FormatWan(c.TotalAmount), Categories: policy.Categories, Subscribed: map[string]bool{}}
	for _, it := range c.Items {
		v := checkupItemView{CheckupItem: it, AmountText: mineAmountText(&it),
			Redeem: s.app.Redeem.ClausePermittedTo(r.Context(), a, it.Policy, it.Clause, it.Outcome)}
		if it.Deadline != nil {
			v.DeadlineText = it.Deadline.Chinese()
		}
		for _, l := range it.Leaves {
			cl := checkupLeaf{LeafResult: l}
			if l.Outcome == rule.Unknown {
				cl.Link = supplyLink(a, id, l.Field)
			}
			v.Leaves = append(v.Leaves, cl)
		}
		switch it.Outcome {
		case rule.Yes:
			v.ClassName = "state-ok"
			data.Eligible = append(data.Eligible, v)
		case rule.Unknown:
			v.ClassName = "state-warn"
			data.Unknown = append(data.Unknown, v)
		default:
			v.ClassName = "state-bad"
			data.NotEligible = append(data.NotEligible, v)
		}
	}
	subs, err := s.app.Policy.Subscriptions(r.Context(), a, id)
	if err != nil {
		return nil, err
	}
	for _, c := range subs {
		data.Subscribed[c] = true
	}
	data.CanSubscribe = c.CanSubscribe
	return data, nil
}

func (s *Server) checkupPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	data, err := s.checkupData(r, id)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "policy_checkup.html", data)
	return nil
}

// myCheckup sends an enterprise account to its own 政策体检.
func (s *Server) myCheckup(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	if a.Role != auth.RoleEnterprise || a.EnterpriseID == nil {
		return errs.Errorf(errs.Forbidden, "“政策体检”供企业账号使用；政府用户请从企业档案进入")
	}
	http.Redirect(w, r, fmt.Sprintf("/enterprises/%d/policies", *a.EnterpriseID), http.StatusSeeOther)
	return nil
}

func (s *Server) saveSubscriptions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	if err := s.app.Policy.SetSubscriptions(r.Context(), actorOf(r), id, r.PostForm["category"]); err != nil {
		if !formProblem(err) {
			return err
		}
		data, derr := s.checkupData(r, id)
		if derr != nil {
			return derr
		}
		data.Error = errs.MessageOf(err)
		s.render(w, r, statusOf(errs.CodeOf(err)), "policy_checkup.html", data)
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/enterprises/%d/policies?ok=saved#subscriptions", id), http.StatusSeeOther)
	return nil
}

// ---- Metrics ----

type clauseStatsView struct {
	policy.ClauseStats
	RateText, BudgetText string
}

type metricsData struct {
	M        *policy.Metrics
	Clauses  []clauseStatsView
	RateText string
	Budget   string
	Engine   policy.LoadStats
}

func (s *Server) policyMetricsPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.app.Policy.PolicyMetrics(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	data := &metricsData{M: m, RateText: percentText(m.Rate), Budget: money.FormatWan(m.Budget), Engine: s.app.Policy.Engine().Stats()}
	for _, c := range m.Clauses {
		data.Clauses = append(data.Clauses, clauseStatsView{ClauseStats: c, RateText: percentText(c.Rate), BudgetText: money.FormatWan(c.Budget)})
	}
	s.render(w, r, http.StatusOK, "policy_metrics.html", data)
	return nil
}

// ---- JSON API ----

func (s *Server) apiPolicies(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset, err := paging.Parse(q)
	if err != nil {
		return err
	}
	f, err := policyFilterOf(q)
	if err != nil {
		return err
	}
	f.Manage, f.Limit, f.Offset = q.Get("manage") == "true", limit, offset
	list, total, err := s.app.Policy.FindPolicies(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	listJSON(w, list, total)
	return nil
}

func (s *Server) apiCreatePolicy(w http.ResponseWriter, r *http.Request) error {
	var in policy.PolicyInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := s.app.Policy.CreatePolicy(r.Context(), actorOf(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Server) apiPolicy(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.app.Policy.FindPolicyByID(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	if p.Clauses == nil {
		p.Clauses = []*policy.Clause{}
	}
	writeJSON(w, http.StatusOK, struct {
		*policy.Policy
		Permitted policy.Permitted `json:"permitted"`
	}{p, s.app.Policy.PermittedTo(actorOf(r), p)})
	return nil
}

func (s *Server) apiUpdatePolicy(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in policy.PolicyInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := s.app.Policy.UpdatePolicy(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) apiAddClause(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in policy.ClauseInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.app.Policy.AddClause(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

// apiClauseOf checks that clause {cid} belongs to policy {id}.
func (s *Server) apiClauseOf(r *http.Request) (int64, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, err
	}
	cid, err := pathID(r, "cid")
	if err != nil {
		return 0, err
	}
	vs, err := s.app.Policy.FindClauseVersions(r.Context(), actorOf(r), cid)
	if err != nil {
		return 0, err
	}
	if vs[0].PolicyID != id {
		return 0, errs.Errorf(errs.NotFound, "政策（编号%d）没有条款 %d", id, cid)
	}
	return cid, nil
}

func (s *Server) apiUpdateClause(w http.ResponseWriter, r *http.Request) error {
	cid, err := s.apiClauseOf(r)
	if err != nil {
		return err
	}
	var in policy.ClauseInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.app.Policy.UpdateClause(r.Context(), actorOf(r), cid, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) apiDeleteClause(w http.ResponseWriter, r *http.Request) error {
	cid, err := s.apiClauseOf(r)
	if err != nil {
		return err
	}
	if err := s.app.Policy.DeleteClause(r.Context(), actorOf(r), cid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiClauseVersions(w http.ResponseWriter, r *http.Request) error {
	cid, err := s.apiClauseOf(r)
	if err != nil {
		return err
	}
	vs, err := s.app.Policy.FindClauseVersions(r.Context(), actorOf(r), cid)
	if err != nil {
		return err
	}
	listJSON(w, vs, len(vs))
	return nil
}

func (s *Server) apiSubmitPolicy(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body struct{}
	if err := decodeOptionalJSON(r, &body); err != nil {
		return err
	}
	p, err := s.app.Policy.Submit(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) apiReviewPolicy(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body struct {
		Approve bool   `json:"approve"`
		Note    string `json:"note"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	p, err := s.app.Policy.Review(r.Context(), actorOf(r), id, body.Approve, body.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) apiEndPolicy(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body struct{}
	if err := decodeOptionalJSON(r, &body); err != nil {
		return err
	}
	p, err := s.app.Policy.End(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) apiPolicyMetrics(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.app.Policy.PolicyMetrics(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (s *Server) apiSimulate(w http.ResponseWriter, r *http.Request) error {
	var req policy.SimulateRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	sim, err := s.app.Policy.Simulate(r.Context(), actorOf(r), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sim)
	return nil
}

// apiParseRule translates a rule between its forms: {"expr": "..."} or
// {"rule": {...}} gives the canonical JSON, the expression and the
// sentence — the form builder's expression input uses it.
func (s *Server) apiParseRule(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Rule json.RawMessage `json:"rule"`
		Expr string          `json:"expr"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	ru, err := policy.ParseRule(body.Rule, body.Expr)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"rule": ru, "expr": ru.Expr(), "sentence": ru.Sentence(s.app.Policy.Names()),
		"leaves": ru.Leaves(), "fields": ru.Fields()})
	return nil
}

func (s *Server) apiCheckup(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.app.Policy.Checkup(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) apiSubscriptions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	subs, err := s.app.Policy.Subscriptions(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"categories": subs})
	return nil
}

func (s *Server) apiSetSubscriptions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body struct {
		Categories []string `json:"categories"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	if err := s.app.Policy.SetSubscriptions(r.Context(), actorOf(r), id, body.Categories); err != nil {
		return err
	}
	subs, err := s.app.Policy.Subscriptions(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	slices.Sort(subs)
	writeJSON(w, http.StatusOK, map[string]any{"categories": subs})
	return nil
}

// policyHomePanel is the policy supermarket's panel: published policies,
// those waiting for review and, for the office and leaders, the pushes.
func (s *Server) policyHomePanel() homePanel {
	return homePanel{key: "policy", title: "政策超市", tmpl: "panel_policy", load: func(r *http.Request, a *auth.Actor) (any, error) {
		if a.Role == auth.RoleEnterprise {
			return nil, nil // the enterprise's own 政策体检 panel says more
		}
		f, err := s.app.Policy.Figures(r.Context(), a)
		if err != nil {
			return nil, err
		}
		data := map[string]any{"F": f, "Manage": a.CanSome(auth.ManagePolicies)}
		if f.Pushed > 0 {
			data["ReadRate"] = percentText(float64(f.Read) / float64(f.Pushed))
		}
		return data, nil
	}}
}

// checkupHomePanel is an enterprise account's 政策体检 in brief.
func (s *Server) checkupHomePanel() homePanel {
	return homePanel{key: "checkup", title: "政策体检", tmpl: "panel_checkup", load: func(r *http.Request, a *auth.Actor) (any, error) {
		if a.Role != auth.RoleEnterprise || a.EnterpriseID == nil {
			return nil, nil
		}
		c, err := s.app.Policy.Checkup(r.Context(), a, *a.EnterpriseID)
		if err != nil {
			return nil, err
		}
		return map[string]any{"C": c, "Total": money.FormatWan(c.TotalAmount)}, nil
	}}
}

// policyEnterpriseSection is the policy section of an enterprise's file:
// its 政策体检 in brief.
func (s *Server) policyEnterpriseSection() enterpriseSection {
	return enterpriseSection{key: "policy", title: "政策体检", tmpl: "section_policy",
		load: func(r *http.Request, a *auth.Actor, f *enterprise.File) (any, error) {
			c, err := s.app.Policy.Checkup(r.Context(), a, f.Enterprise.ID)
			if err != nil {
				return nil, err
			}
			return map[string]any{"C": c, "ID": f.Enterprise.ID, "Total": money.FormatWan(c.TotalAmount)}, nil
		}}
}
