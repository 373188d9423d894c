package policy

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/workday"
)

// demoPolicy is one policy of the demonstration data.
type demoPolicy struct {
	title, docNo, category, issuer, redeemer string
	district                                 string
	publish                                  bool
	clauses                                  []ClauseInput
}

func demoClause(title, ruleJSON, kind, amount, mode string, materials ...string) ClauseInput {
	c := ClauseInput{Title: title, Rule: json.RawMessage(ruleJSON), BenefitKind: kind, Mode: mode, Materials: materials}
	if amount != "" {
		c.Amount = json.RawMessage(amount)
	}
	return c
}

// LoadDemo creates the policies of `serve --demo`: four published ones
// (whose pushes go out once the server runs its jobs) and a draft to
// simulate. unitID resolves a unit name to its id (nil: none). For the
// demo loader only. Errors: those of CreatePolicy, AddClause and Review.
func (s *Service) LoadDemo(ctx context.Context, unitID func(name string) *int64) error {
	admin := &auth.Actor{Name: "demo", Role: auth.RoleAdmin}
	year := s.today().Year()
	end := workday.NewDate(year, 12, 31)
	soon := s.today().AddDays(12)
	list := []demoPolicy{
		{title: "武汉市高新技术企业认定奖励", docNo: "武科规〔2024〕3号", category: "资金扶持", issuer: "市科技创新局", redeemer: "市科技创新局", publish: true,
			clauses: []ClauseInput{demoClause("高新技术企业奖励",
				`{"all":[{"field":"tags","op":"has","value":"高新技术企业"},{"not":{"field":"credit","op":"==","value":"严重失信"}}]}`,
				"资金奖补", `{"fixed": 300000}`, ModeAutomatic)}},
		{title: "专精特新中小企业培育支持", docNo: "武经信规〔2024〕2号", category: "资金扶持", issuer: "市经济和信息化局", redeemer: "市经济和信息化局", publish: true,
			clauses: []ClauseInput{demoClause("研发投入补助",
				`{"all":[{"field":"tags","op":"has_any","value":["专精特新","专精特新小巨人"]},{"field":"size","op":"in","value":["中型","小型","微型"]},{"field":"rd_expense","op":">","value":0}]}`,
				"资金奖补", `{"rate": 0.05, "of": "rd_expense", "cap": 1000000}`, ModeReview, "申请表", "上年度研发费用专项审计报告")}},
		{title: "洪山区科技型中小企业研发费用补贴", docNo: "洪政规〔2024〕1号", category: "资金扶持", issuer: "洪山区人民政府", redeemer: "洪山区人民政府",
			district: "420111", publish: true,
			clauses: []ClauseInput{func() ClauseInput {
				c := demoClause("研发费用补贴",
					`{"all":[{"field":"district","op":"==","value":"420111"},{"field":"tags","op":"has","value":"科技型中小企业"},{"field":"rd_expense","op":">=","value":500000}]}`,
					"资金奖补", `{"rate": 0.1, "of": "rd_expense", "cap": 500000}`, ModeInstant, "研发费用加计扣除申报表")
				c.PushUnknown, c.WindowTo = true, &soon
				c.UnknownMessage = "请在“我的档案”中补充上年度研发费用，即可确认能否享受。"
				return c
			}()}},
		{title: "小微企业稳岗就业补贴", docNo: "武人社规〔2024〕4号", category: "人才服务", issuer: "市人力资源和社会保障局", redeemer: "市人力资源和社会保障局", publish: true,
			clauses: []ClauseInput{demoClause("稳岗补贴",
				`{"all":[{"field":"size","op":"in","value":["小型","微型"]},{"field":"employees","op":"between","value":[10,300]},{"field":"status","op":"==","value":"存续"}]}`,
				"资金奖补", `{"rate": 1000, "of": "employees", "cap": 200000}`, ModeAutomatic)}},
		{title: "外贸企业出口信用保险保费补贴（征求意见稿）", docNo: "", category: "金融支持", issuer: "市商务局", redeemer: "市商务局",
			clauses: []ClauseInput{demoClause("保费补贴",
				`{"all":[{"field":"export_value","op":">=","value":1000000},{"field":"credit","op":"==","value":"正常"}]}`,
				"资金奖补", `{"rate": 0.01, "of": "export_value", "cap": 300000}`, ModeReview, "出口信用保险保单", "保费缴纳凭证")}},
	}
	for _, d := range list {
		in := PolicyInput{Title: d.title, DocNo: d.docNo, Category: d.category, IssuingUnitID: unitID(d.issuer), RedeemingUnitID: unitID(d.redeemer),
			EffectiveTo: &end, SourceText: d.title + "（演示数据）"}
		if d.district != "" {
			in.District = &d.district
		}
		p, err := s.CreatePolicy(ctx, admin, in)
		if err != nil {
			return fmt.Errorf("demo policy %s: %w", d.title, err)
		}
		for _, c := range d.clauses {
			if _, err := s.AddClause(ctx, admin, p.ID, c); err != nil {
				return fmt.Errorf("demo clause %s: %w", c.Title, err)
			}
		}
		if !d.publish {
			continue
		}
		if _, err := s.Submit(ctx, admin, p.ID); err != nil {
			return err
		}
		if _, err := s.Review(ctx, admin, p.ID, true, "演示数据"); err != nil {
			return err
		}
	}
	return nil
}
