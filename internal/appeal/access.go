package appeal

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
)

func jsonUnmarshal(s string, v any) error {
	if s == "" {
		return nil
	}
	return json.Unmarshal([]byte(s), v)
}

// current is an appeal as a transition sees it: its row, the state derived
// from its events, and its ownership for the permission table.
type current struct {
	row    *row
	st     State
	events []Event
	// view is who may read it: the enterprise, its specialist, every unit
	// it is with (and the units above them), the client that filed it.
	view auth.Resource
	// act is who may handle it: the responsible and co-handling units.
	act auth.Resource
}

// resources returns the ownership of an appeal with state st.
func (s *Service) resources(ctx context.Context, r *row, st *State) (view, act auth.Resource, err error) {
	var all, handlers []int64
	for _, u := range st.units {
		all = append(all, u.unitID)
		if u.role != RoleFirst {
			handlers = append(handlers, u.unitID)
		}
	}
	if s.units != nil && len(all) > 0 {
		if view, err = s.units.Holders(ctx, all...); err != nil {
			return view, act, err
		}
	}
	view.UnitIDs = all
	if r.EnterpriseID != nil {
		view.EnterpriseID = *r.EnterpriseID
		if s.owners != nil {
			owner, err := s.owners.EnterpriseResource(ctx, *r.EnterpriseID)
			if err != nil {
				return view, act, err
			}
			view.SpecialistID = owner.SpecialistID
		}
	}
	view.Filer = r.client
	act = auth.Resource{UnitIDs: handlers, EnterpriseID: view.EnterpriseID, SpecialistID: view.SpecialistID, Filer: r.client}
	return view, act, nil
}

// unitRole returns the role of the actor's unit on the appeal ("" when its
// unit is not one the appeal is with).
func (c *current) unitRole(a *auth.Actor) string {
	if a == nil || a.UnitID == nil {
		return ""
	}
	role, _ := c.st.HasUnit(*a.UnitID)
	return role
}

// isMain reports whether the actor's unit is responsible for the appeal.
func (c *current) isMain(a *auth.Actor) bool {
	return a != nil && a.UnitID != nil && c.st.UnitID != nil && *a.UnitID == *c.st.UnitID
}

// stateErr is the refusal of a transition the appeal's state does not
// allow: Conflict, naming the status.
func stateErr(st Status, what string) error {
	return errs.Errorf(errs.Conflict, "诉求当前状态为“%s”，不能%s", st.Label(), what)
}

// forbid is the refusal of a transition the actor may not make.
func forbid(format string, args ...any) error { return errs.Errorf(errs.Forbidden, format, args...) }

// Permitted is what an actor may do with one appeal now: the appeal page
// offers what is true, the API returns it with the appeal, and the method
// named beside each field refuses the same cases with the same check.
type Permitted struct {
	Dispatch         bool `json:"dispatch"`          // Dispatch (the office)
	Sign             bool `json:"sign"`              // Sign (the responsible or a co-handling unit)
	Return           bool `json:"return"`            // Return (the responsible unit, before signing)
	Transfer         bool `json:"transfer"`          // Transfer (the office; the responsible unit once signed)
	CoReply          bool `json:"co_reply"`          // CoReply (a co-handling unit)
	Pause            bool `json:"pause"`             // Pause (the responsible unit)
	Resume           bool `json:"resume"`            // Resume (the responsible unit, the office)
	Supply           bool `json:"supply"`            // Supply (the enterprise, its specialist, the filer)
	RequestExtension bool `json:"request_extension"` // Extend with days (the responsible unit)
	DecideExtension  bool `json:"decide_extension"`  // Extend with a decision (the office)
	Reply            bool `json:"reply"`             // Reply (the responsible unit)
	Evaluate         bool `json:"evaluate"`          // Evaluate (the enterprise, the filer, the office)
	Reopen           bool `json:"reopen"`            // Reopen (the office)
	Close            bool `json:"close"`             // Close (the office)
	Link             bool `json:"link"`              // Link and Merge (the office)
}

// permitted evaluates every check of c for a.
func (s *Service) permitted(a *auth.Actor, c *current) Permitted {
	ok := func(err error) bool { return err == nil }
	return Permitted{
		Dispatch:         ok(checkDispatch(a, c)),
		Sign:             ok(checkSign(a, c)),
		Return:           ok(checkReturn(a, c)),
		Transfer:         ok(checkTransfer(a, c)),
		CoReply:          ok(checkCoReply(a, c)),
		Pause:            ok(checkPause(a, c)),
		Resume:           ok(checkResume(a, c)),
		Supply:           ok(checkSupply(a, c)),
		RequestExtension: ok(checkRequestExtension(a, c)),
		DecideExtension:  ok(checkDecideExtension(a, c)),
		Reply:            ok(checkReply(a, c)),
		Evaluate:         ok(checkEvaluate(a, c)),
		Reopen:           ok(checkReopen(a, c)),
		Close:            ok(checkClose(a, c)),
		Link:             ok(checkLink(a, c)),
	}
}

// Any reports whether anything at all is permitted.
func (p Permitted) Any() bool {
	return p.Dispatch || p.Sign || p.Return || p.Transfer || p.CoReply || p.Pause || p.Resume || p.Supply ||
		p.RequestExtension || p.DecideExtension || p.Reply || p.Evaluate || p.Reopen || p.Close || p.Link
}

// The checks: each returns the refusal (Unauthenticated, Forbidden for the
// wrong role or unit, Conflict for the wrong state) or nil.

func checkView(a *auth.Actor, c *current) error { return auth.Authorize(a, auth.ViewAppeal, c.view) }

func checkManage(a *auth.Actor, c *current, what string, states ...Status) error {
	if err := auth.Authorize(a, auth.ManageAppeals, c.view); err != nil {
		return err
	}
	if len(states) > 0 && !slices.Contains(states, c.st.Status) {
		return stateErr(c.st.Status, what)
	}
	return nil
}

// checkHandle: a (its unit) handles the appeal as the responsible unit.
func checkHandle(a *auth.Actor, c *current, what string, states ...Status) error {
	if err := auth.Authorize(a, auth.HandleAppeal, c.act); err != nil {
		return err
	}
	if !c.isMain(a) {
		return forbid("只有主办单位才能%s", what)
	}
	if len(states) > 0 && !slices.Contains(states, c.st.Status) {
		return stateErr(c.st.Status, what)
	}
	return nil
}

func checkDispatch(a *auth.Actor, c *current) error {
	return checkManage(a, c, "派单", StatusDispatching, StatusSigning)
}

func checkSign(a *auth.Actor, c *current) error {
	if err := auth.Authorize(a, auth.HandleAppeal, c.act); err != nil {
		return err
	}
	switch c.unitRole(a) {
	case RoleMain:
		if c.st.Status != StatusSigning {
			return stateErr(c.st.Status, "签收")
		}
	case RoleCo:
		if !c.st.Status.Open() || c.st.unitSigned(*a.UnitID) {
			return stateErr(c.st.Status, "签收")
		}
	default:
		return forbid("本单位不是此诉求的承办单位，不能签收")
	}
	return nil
}

func checkReturn(a *auth.Actor, c *current) error {
	return checkHandle(a, c, "退回", StatusSigning)
}

func checkTransfer(a *auth.Actor, c *current) error {
	if a.Can(auth.ManageAppeals, c.view) {
		return checkManage(a, c, "转办", StatusSigning, StatusHandling)
	}
	return checkHandle(a, c, "转办", StatusHandling)
}

func checkCoReply(a *auth.Actor, c *current) error {
	if err := auth.Authorize(a, auth.HandleAppeal, c.act); err != nil {
		return err
	}
	if c.unitRole(a) != RoleCo {
		return forbid("只有协办单位才能提交协办意见")
	}
	if !c.st.Status.clockRuns() {
		return stateErr(c.st.Status, "提交协办意见")
	}
	return nil
}

func checkPause(a *auth.Actor, c *current) error {
	return checkHandle(a, c, "要求补充材料", StatusHandling)
}

func checkResume(a *auth.Actor, c *current) error {
	if a.Can(auth.ManageAppeals, c.view) {
		return checkManage(a, c, "恢复办理", StatusPaused)
	}
	return checkHandle(a, c, "恢复办理", StatusPaused)
}

func checkSupply(a *auth.Actor, c *current) error {
	if err := auth.Authorize(a, auth.SupplyAppeal, c.view); err != nil {
		return err
	}
	if !c.st.Status.clockRuns() {
		return stateErr(c.st.Status, "补充材料")
	}
	return nil
}

func checkRequestExtension(a *auth.Actor, c *current) error {
	if err := checkHandle(a, c, "申请延期", StatusHandling, StatusPaused); err != nil {
		return err
	}
	if c.st.ExtensionPending > 0 {
		return errs.Errorf(errs.Conflict, "已有一项延期申请等待营商办审批")
	}
	return nil
}

func checkDecideExtension(a *auth.Actor, c *current) error {
	if err := checkManage(a, c, "审批延期", StatusSigning, StatusHandling, StatusPaused); err != nil {
		return err
	}
	if c.st.ExtensionPending == 0 {
		return errs.Errorf(errs.Conflict, "没有待审批的延期申请")
	}
	return nil
}

// checkGrantExtension: the office extends without a request.
func checkGrantExtension(a *auth.Actor, c *current) error {
	return checkManage(a, c, "延期", StatusDispatching, StatusSigning, StatusHandling, StatusPaused)
}

func checkReply(a *auth.Actor, c *current) error {
	return checkHandle(a, c, "答复", StatusHandling, StatusPaused)
}

func checkEvaluate(a *auth.Actor, c *current) error {
	if err := auth.Authorize(a, auth.EvaluateAppeal, c.view); err != nil {
		return err
	}
	if c.st.Status != StatusEvaluating {
		return stateErr(c.st.Status, "评价")
	}
	return nil
}

func checkReopen(a *auth.Actor, c *current) error {
	return checkManage(a, c, "重办", StatusClosing, StatusClosed)
}

// reviewable reports whether the appeal was reopened by a 不满意 the
// office may review: the last evaluation is 不满意 and it is back with the
// unit, not yet answered again.
func (c *current) reviewable() bool {
	return c.st.Evaluation == RatingUnsatisfied && (c.st.Status == StatusHandling || c.st.Status == StatusPaused)
}

func checkClose(a *auth.Actor, c *current) error {
	if err := auth.Authorize(a, auth.ManageAppeals, c.view); err != nil {
		return err
	}
	if c.st.Status != StatusClosing && !c.reviewable() {
		return stateErr(c.st.Status, "销号")
	}
	return nil
}

func checkLink(a *auth.Actor, c *current) error {
	return checkManage(a, c, "关联或合并", StatusDispatching, StatusSigning, StatusHandling, StatusPaused, StatusEvaluating, StatusClosing)
}
