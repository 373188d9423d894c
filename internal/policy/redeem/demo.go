package redeem

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/workday"
)

// DemoResult says what LoadDemo made.
type DemoResult struct {
	PolicyID  int64 `json:"policy_id"`
	ClauseID  int64 `json:"clause_id"`
	Listed    int   `json:"listed"`
	Confirmed int   `json:"confirmed"`
	BatchID   int64 `json:"batch_id"`
}

// LoadDemo makes the redemption of `serve --demo`: a published 免申即享
// policy of the district government (the "hongshan" demo account's unit)
// for its 高新技术企业, pre-paying 70 % with settlement later and asking for
// a credit pledge; its grant list generated and approved; two of every
// three enterprises of the list other than the demo enterprise confirmed
// (the demo enterprise's own grant waits for its confirmation); and the
// confirmed pre-payments in one payment batch, 待拨付. unitID resolves a
// unit's name; own is the demo enterprise (0: none). It loads the policy
// engine first. For the demo loader only. Errors: those of the services it
// calls.
func (s *Service) LoadDemo(ctx context.Context, unitID func(name string) *int64, own int64) (*DemoResult, error) {
	admin := &auth.Actor{Name: "demo", DisplayName: "演示数据", Role: auth.RoleAdmin}
	unit := unitID("洪山区人民政府")
	if unit == nil {
		return nil, fmt.Errorf("demo redemption: no unit 洪山区人民政府")
	}
	district := "420111"
	end := workday.NewDate(s.today().Year(), 12, 31)
	p, err := s.policy.CreatePolicy(ctx, admin, policy.PolicyInput{Title: "洪山区高新技术企业研发奖补", DocNo: "洪科规〔2025〕2号",
		IssuingUnitID: unit, RedeemingUnitID: unit, Category: "资金扶持", District: &district, EffectiveTo: &end,
		SourceText: "对辖区内有效期内的高新技术企业给予研发奖补，免申即享；奖补资金采用“预先拨付+事后清算”方式，预拨比例70%，次年按经审计的研发费用清算。（演示数据）",
		Pledge:     "本企业承诺：所享受的奖补资金专款用于研发活动；所报数据真实准确；如有虚报、冒领，自愿退回资金并承担相应责任，相关失信信息纳入信用记录。"})
	if err != nil {
		return nil, fmt.Errorf("demo redemption policy: %w", err)
	}
	budget, prepay := int64(50_000_000), 70
	cl, err := s.policy.AddClause(ctx, admin, p.ID, policy.ClauseInput{Title: "研发奖补",
		Rule:        json.RawMessage(`{"all":[{"field":"district","op":"==","value":"420111"},{"field":"tags","op":"has","value":"高新技术企业"},{"not":{"field":"credit","op":"==","value":"严重失信"}}]}`),
		BenefitKind: "资金奖补", Amount: json.RawMessage(`{"fixed": 200000}`), Mode: policy.ModeAutomatic, Budget: &budget,
		BudgetRule: policy.BudgetFirstCome, PrepayPercent: &prepay})
	if err != nil {
		return nil, fmt.Errorf("demo redemption clause: %w", err)
	}
	if _, err := s.policy.Submit(ctx, admin, p.ID); err != nil {
		return nil, err
	}
	if _, err := s.policy.Review(ctx, admin, p.ID, true, "演示数据"); err != nil {
		return nil, err
	}
	eng := s.policy.Engine()
	if err := eng.LoadIndex(ctx); err != nil {
		return nil, err
	}
	if _, err := eng.Load(ctx); err != nil {
		return nil, err
	}
	out := &DemoResult{PolicyID: p.ID, ClauseID: cl.ClauseID}
	gen, err := s.Generate(ctx, admin, cl.ClauseID)
	if err != nil {
		return nil, err
	}
	out.Listed = gen.Added
	if gen.Added == 0 {
		return out, nil
	}
	if _, err := s.ApproveGrants(ctx, admin, cl.ClauseID); err != nil {
		return nil, err
	}
	if s.countersign {
		if _, err := s.Countersign(ctx, admin, cl.ClauseID, true, "演示数据"); err != nil {
			return nil, err
		}
	}
	others := 0 // the list's enterprises other than the demo's own
	for offset := 0; ; offset += 500 {
		list, total, err := s.FindGrants(ctx, admin, GrantFilter{ClauseID: cl.ClauseID, Status: GrantConfirming, Limit: 500, Offset: offset})
		if err != nil {
			return nil, err
		}
		for _, g := range list {
			if g.EnterpriseID == own {
				continue
			}
			others++
			if others%3 == 0 {
				continue // a third wait for their confirmation
			}
			id := g.EnterpriseID
			ent := &auth.Actor{Name: "demo", DisplayName: g.EnterpriseName, Role: auth.RoleEnterprise, EnterpriseID: &id}
			acct := Account{Name: g.EnterpriseName, Number: fmt.Sprintf("4202%015d", g.EnterpriseID), Bank: "中国工商银行武汉洪山支行"}
			if _, err := s.ConfirmGrant(ctx, ent, g.ID, Confirmation{Agree: true, Account: acct}); err != nil {
				return nil, fmt.Errorf("demo confirmation: %w", err)
			}
			out.Confirmed++
		}
		if offset+500 >= total {
			break
		}
	}
	if out.Confirmed > 0 {
		b, err := s.CreateBatch(ctx, admin, *unit)
		if err != nil {
			return nil, err
		}
		out.BatchID = b.ID
	}
	return out, nil
}
