package redeem_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/policy/redeem"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
)

// confirmedList lists, approves and confirms clause cl for every enterprise
// of ents (ids in order) and returns the grants by enterprise.
func (f *fixture) confirmedList(t testing.TB, cl *policy.Clause, ents []*enterprise.Enterprise, ids []int64) map[int64]*redeem.Grant {
	t.Helper()
	ctx := context.Background()
	if _, err := f.Svc.Generate(ctx, f.Staff, cl.ClauseID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.ApproveGrants(ctx, f.Staff, cl.ClauseID); err != nil {
		t.Fatal(err)
	}
	gs := f.grants(t, cl.ClauseID)
	for i, id := range ids {
		if g := gs[id]; g != nil && g.Status == redeem.GrantConfirming {
			if _, err := f.Svc.ConfirmGrant(ctx, f.account(t, id), g.ID, redeem.Confirmation{Agree: true, Account: bankAccount(ents[i])}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return f.grants(t, cl.ClauseID)
}

// bankFile is a CSV bank result file of rows (reference, result, reason,
// serial, date).
func bankFile(rows ...[5]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(redeem.BankHeaders)
	for _, r := range rows {
		_ = w.Write(r[:])
	}
	w.Flush()
	return b.Bytes()
}

// TestPaymentBatch pays confirmed grants through a batch: export with the
// finance system's headers, formula-safe; the bank's result file marks
// payments paid or refused, and the same file again changes nothing; a
// refused payment is paid again to a corrected account.
func TestPaymentBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, fixtureOptions{})
		ents := []*enterprise.Enterprise{firm(1, 3e7, "高新技术企业"), firm(2, 5e7, "高新技术企业"), firm(3, 2e7, "高新技术企业")}
		ents[2].Name = "=HYPERLINK(\"http://x\")有限公司"
		ids := f.seed(t, ents...)
		_, cl := f.publish(t, "", clause(policy.ModeAutomatic, highTech, `{"fixed": 200000}`))
		gs := f.confirmedList(t, cl, ents, ids)

		if _, err := f.Svc.CreateBatch(ctx, f.OtherStaff, f.Unit.ID); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("other unit creates a batch: %v", err)
		}
		b, err := f.Svc.CreateBatch(ctx, f.Staff, 0)
		if err != nil {
			t.Fatal(err)
		}
		if b.Count != 3 || b.Amount != 600000 || b.Status != redeem.BatchPending || b.UnitID != f.Unit.ID {
			t.Fatalf("batch = %+v", b)
		}
		if _, err := f.Svc.CreateBatch(ctx, f.Staff, 0); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("a second batch with nothing to pay: %v", err)
		}

		// Export: the finance system's headers, one row per payment, the
		// formula neutralised, the account as text.
		var out bytes.Buffer
		n, err := f.Svc.ExportBatch(ctx, f.Staff, b.ID, "csv", &out)
		if err != nil || n != 3 {
			t.Fatalf("export = %d, %v", n, err)
		}
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(out.Bytes(), []byte("\xEF\xBB\xBF")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(recs[0], ",") != "付款编号,统一社会信用代码,企业名称,收款户名,收款账号,开户行,金额（元）,政策,条款" || len(recs) != 4 {
			t.Fatalf("export header %v, %d rows", recs[0], len(recs))
		}
		for _, r := range recs[1:] {
			if strings.HasPrefix(r[2], "=") || strings.HasPrefix(r[3], "=") {
				t.Errorf("formula not neutralised: %q", r)
			}
			if r[4] != "6222021001123456789" || r[6] != "200000" {
				t.Errorf("row %q", r)
			}
		}
		var xl bytes.Buffer
		if _, err := f.Svc.ExportBatch(ctx, f.Staff, b.ID, "xlsx", &xl); err != nil {
			t.Fatal(err)
		}
		book, err := excelize.OpenReader(&xl)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := book.GetRows("兑付清单")
		if len(rows) != 4 || rows[1][4] != "6222021001123456789" || rows[0][6] != "金额（元）" {
			t.Errorf("xlsx rows %q", rows)
		}
		if _, err := f.Svc.ExportBatch(ctx, f.Staff, b.ID, "pdf", &out); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("pdf export: %v", err)
		}

		ref := func(i int) string { return redeem.Reference(gs[ids[i]].ID, redeem.PaymentFull, 1) }
		file := bankFile(
			[5]string{ref(0), "成功", "", "SN001", "2026-03-04"},
			[5]string{ref(1), "失败", "户名与账号不符", "", ""},
			[5]string{"FK9999999999A1", "成功", "", "SN003", "2026-03-04"},
			[5]string{ref(2), "成功", "", "SN004", "2026/3/5"},
			[5]string{"", "成功", "", "", "2026-03-04"},
			[5]string{ref(2), "成功", "", "SN004", "2026-03-05"},
		)
		res, err := f.Svc.ImportBankResults(ctx, f.Staff, b.ID, bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		if res.Read != 6 || res.Paid != 2 || res.Refused != 1 || res.Unchanged != 0 || res.Unmatched != 1 || len(res.Errors) != 3 {
			t.Fatalf("first import = %+v", res)
		}
		if res.Read != res.Paid+res.Refused+res.Unchanged+len(res.Errors) {
			t.Errorf("counts do not reconcile: %+v", res)
		}
		if res.Errors[0].Line != 6 && res.Errors[0].Line != 4 {
			t.Errorf("errors %+v", res.Errors)
		}
		again, err := f.Svc.ImportBankResults(ctx, f.Staff, b.ID, bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		if again.Paid != 0 || again.Refused != 0 || again.Unchanged != 3 || again.Unmatched != 1 {
			t.Errorf("second import = %+v, want the 3 rows unchanged", again)
		}
		b, err = f.Svc.FindBatchByID(ctx, f.Staff, b.ID, redeem.PaymentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if b.Status != redeem.BatchDone || b.Paid != 2 || b.Refused != 1 || b.PaidAmount != 400000 || len(b.Payments) != 3 {
			t.Errorf("batch after the bank = %+v", b)
		}
		for _, p := range b.Payments {
			if p.Reference == ref(0) && (p.PaidOn == nil || p.PaidOn.String() != "2026-03-04" || p.BankSerial != "SN001" || p.DaysToPay == nil || *p.DaysToPay != 2) {
				t.Errorf("paid payment %+v", p)
			}
		}
		// A conflicting result is reported, not applied.
		res, err = f.Svc.ImportBankResults(ctx, f.Staff, b.ID, bytes.NewReader(bankFile([5]string{ref(0), "失败", "账户冻结", "", ""})))
		if err != nil || len(res.Errors) != 1 || res.Refused != 0 {
			t.Errorf("failure after success = %+v, %v", res, err)
		}
		f.runJobs(t)
		if n := f.count(t, `SELECT COUNT(*) FROM notifications WHERE kind = ?`, redeem.KindPayment); n != 3 {
			t.Errorf("%d payment notifications, want 3", n)
		}

		// The refused payment: the enterprise corrects its account, a new
		// attempt goes into the next batch.
		g, err := f.Svc.FindGrantByID(ctx, f.account(t, ids[1]), gs[ids[1]].ID)
		if err != nil {
			t.Fatal(err)
		}
		if !f.Svc.PermittedTo(f.account(t, ids[1]), g).Repay {
			t.Error("refused payment not repayable")
		}
		old := g.Payments[0]
		bad := redeem.Account{Name: "别人", Number: "6222021001123456000", Bank: "工行"}
		if _, err := f.Svc.Repay(ctx, f.account(t, ids[1]), old.ID, &bad); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("repay to another name: %v", err)
		}
		acct := redeem.Account{Name: ents[1].Name, Number: "6222021001123456000", Bank: "中国建设银行武汉分行"}
		p, err := f.Svc.Repay(ctx, f.account(t, ids[1]), old.ID, &acct)
		if err != nil {
			t.Fatal(err)
		}
		if p.Reference != redeem.Reference(g.ID, redeem.PaymentFull, 2) || p.Status != redeem.PaymentPending || p.Account.Number != acct.Number {
			t.Errorf("repayment %+v", p)
		}
		if _, err := f.Svc.Repay(ctx, f.Staff, old.ID, nil); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("repay twice: %v", err)
		}
		b2, err := f.Svc.CreateBatch(ctx, f.Staff, 0)
		if err != nil || b2.Count != 1 {
			t.Fatalf("second batch = %+v, %v", b2, err)
		}
		// The old file, naming the old attempt, pays nothing in the new batch.
		res, err = f.Svc.ImportBankResults(ctx, f.Staff, b2.ID, bytes.NewReader(file))
		if err != nil || res.Paid != 0 || res.Unmatched != 4 {
			t.Errorf("old file on the new batch = %+v, %v", res, err)
		}
	})
}

// TestSettlement pre-pays 70 % and settles later: a balance is paid, an
// overpayment recorded for recovery.
func TestSettlement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, fixtureOptions{})
		ents := []*enterprise.Enterprise{firm(1, 3e7, "高新技术企业"), firm(2, 5e7, "高新技术企业")}
		ids := f.seed(t, ents...)
		c := clause(policy.ModeAutomatic, highTech, `{"fixed": 1000000}`)
		c.PrepayPercent = ptr(70)
		c.Budget = ptr(int64(2100000))
		_, cl := f.publish(t, "", c)
		gs := f.confirmedList(t, cl, ents, ids)
		g0, g1 := gs[ids[0]], gs[ids[1]]
		if _, err := f.Svc.SettleGrant(ctx, f.Staff, g0.ID, 900000, ""); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("settle before the pre-payment was paid: %v", err)
		}
		b, err := f.Svc.CreateBatch(ctx, f.Staff, 0)
		if err != nil || b.Amount != 1400000 {
			t.Fatalf("batch of pre-payments = %+v, %v", b, err)
		}
		file := bankFile([5]string{redeem.Reference(g0.ID, redeem.PaymentPrepay, 1), "成功", "", "A", "2026-03-03"},
			[5]string{redeem.Reference(g1.ID, redeem.PaymentPrepay, 1), "成功", "", "B", "2026-03-03"})
		if _, err := f.Svc.ImportBankResults(ctx, f.Staff, b.ID, bytes.NewReader(file)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.SettleGrant(ctx, f.Staff, g0.ID, 1200000, ""); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("settle beyond the budget: %v", err)
		}
		up, err := f.Svc.SettleGrant(ctx, f.Staff, g0.ID, 1100000, "按清算审计报告核定")
		if err != nil {
			t.Fatal(err)
		}
		if *up.FinalAmount != 1100000 || up.RecoverAmount != 0 || len(up.Payments) != 2 || up.Payments[0].Status != redeem.PaymentSettled ||
			up.Payments[1].Kind != redeem.PaymentBalance || up.Payments[1].Amount != 400000 {
			t.Errorf("settled up = %+v, payments %+v %+v", up, up.Payments[0], up.Payments[len(up.Payments)-1])
		}
		down, err := f.Svc.SettleGrant(ctx, f.Staff, g1.ID, 600000, "")
		if err != nil {
			t.Fatal(err)
		}
		if down.RecoverAmount != 100000 || len(down.Payments) != 1 {
			t.Errorf("settled down = %+v", down)
		}
		if _, err := f.Svc.SettleGrant(ctx, f.Staff, g1.ID, 600000, ""); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("settle twice: %v", err)
		}
		if !f.Svc.PermittedTo(f.Staff, down).Recover {
			t.Error("overpayment not recoverable")
		}
		if _, err := f.Svc.RecordRecovery(ctx, f.Staff, g1.ID, "已退回"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.RecordRecovery(ctx, f.Staff, g1.ID, ""); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("recover twice: %v", err)
		}
		if used := f.count(t, `SELECT budget_used FROM policy_redeem_clauses WHERE clause_id = ?`, cl.ClauseID); used != 1700000 {
			t.Errorf("budget used %d, want the final amounts 1700000", used)
		}
	})
}

// TestPaidOnce sends the same confirmation, and the same bank file, from
// many goroutines at once: one grant gets one payment, each payment is paid
// once, and the answers add up.
func TestPaidOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, fixtureOptions{})
		paidOnce(t, f, f)
	})
}

// TestPaidOnceAcrossInstances does the same from two instances on one
// PostgreSQL database.
func TestPaidOnceAcrossInstances(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	db1 := storetest.MustOpenDSN(t, dsn)
	db2 := storetest.MustOpenDSN(t, dsn)
	f1 := newFixture(t, db1, fixtureOptions{worker: "one"})
	f2 := newFixture(t, db2, fixtureOptions{worker: "two"})
	paidOnce(t, f1, f2)
}

func paidOnce(t *testing.T, f1, f2 *fixture) {
	ctx := context.Background()
	ents := make([]*enterprise.Enterprise, 20)
	for i := range ents {
		ents[i] = firm(i+1, 3e7, "高新技术企业")
	}
	ids := f1.seed(t, ents...)
	f2.load(t)
	_, cl := f1.publish(t, "", clause(policy.ModeAutomatic, highTech, `{"fixed": 100000}`))
	if _, err := f1.Svc.Generate(ctx, f1.Staff, cl.ClauseID); err != nil {
		t.Fatal(err)
	}
	if _, err := f1.Svc.ApproveGrants(ctx, f1.Staff, cl.ClauseID); err != nil {
		t.Fatal(err)
	}
	gs := f1.grants(t, cl.ClauseID)
	accounts := map[int64]*auth.Actor{}
	for _, id := range ids {
		accounts[id] = f1.account(t, id)
	}
	const tries = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := map[int64]int{}
	for i, id := range ids {
		for k := range tries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f := f1
				if k%2 == 1 {
					f = f2
				}
				_, err := f.Svc.ConfirmGrant(ctx, accounts[id], gs[id].ID, redeem.Confirmation{Account: bankAccount(ents[i])})
				switch errs.CodeOf(err) {
				case "":
					mu.Lock()
					ok[id]++
					mu.Unlock()
				case errs.Conflict:
				default:
					t.Errorf("confirm: %v", err)
				}
			}()
		}
	}
	wg.Wait()
	for _, id := range ids {
		if ok[id] != 1 {
			t.Errorf("enterprise %d confirmed %d times", id, ok[id])
		}
	}
	if n := f1.count(t, `SELECT COUNT(*) FROM policy_payments`); n != len(ids) {
		t.Fatalf("%d payments for %d grants", n, len(ids))
	}
	// Two batches at once take disjoint payments.
	var b1, b2 *redeem.Batch
	var e1, e2 error
	wg.Add(2)
	go func() { defer wg.Done(); b1, e1 = f1.Svc.CreateBatch(ctx, f1.Staff, 0) }()
	go func() { defer wg.Done(); b2, e2 = f2.Svc.CreateBatch(ctx, f2.Staff, 0) }()
	wg.Wait()
	batches := []*redeem.Batch{}
	for i, r := range []struct {
		b   *redeem.Batch
		err error
	}{{b1, e1}, {b2, e2}} {
		switch {
		case r.err == nil:
			batches = append(batches, r.b)
		case errs.CodeOf(r.err) != errs.Conflict:
			t.Fatalf("batch %d: %v", i, r.err)
		}
	}
	total := 0
	for _, b := range batches {
		total += b.Count
	}
	if total != len(ids) {
		t.Fatalf("batches hold %d payments, want %d", total, len(ids))
	}
	b := batches[0]
	var rows [][5]string
	for _, id := range ids {
		rows = append(rows, [5]string{redeem.Reference(gs[id].ID, redeem.PaymentFull, 1), "成功", "", fmt.Sprintf("SN%d", id), "2026-03-04"})
	}
	file := bankFile(rows...)
	results := make([]*redeem.BankResult, tries)
	for k := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := f1
			if k%2 == 1 {
				f = f2
			}
			res, err := f.Svc.ImportBankResults(ctx, f.Staff, b.ID, bytes.NewReader(file))
			if err != nil {
				t.Errorf("import %d: %v", k, err)
				return
			}
			results[k] = res
		}()
	}
	wg.Wait()
	paid, unchanged := 0, 0
	for _, res := range results {
		if res == nil {
			continue
		}
		paid += res.Paid
		unchanged += res.Unchanged
		if res.Read != res.Paid+res.Refused+res.Unchanged+len(res.Errors) {
			t.Errorf("counts do not reconcile: %+v", res)
		}
	}
	if paid != b.Count || unchanged != (tries-1)*b.Count {
		t.Errorf("paid %d in total, unchanged %d; want each of %d payments paid once", paid, unchanged, b.Count)
	}
	if n := f1.count(t, `SELECT COUNT(*) FROM audit_log WHERE entity = 'payment' AND action = 'paid'`); n != b.Count {
		t.Errorf("%d audit entries of payments paid, want %d", n, b.Count)
	}
}

// TestBankImportChunks imports a bank file larger than one chunk (two rows
// a chunk): the counts, the errors in line order (a repeated reference and
// an unmatched one in different chunks), every payment's status and one
// audit entry each are as for one chunk; the same file again changes
// nothing.
func TestBankImportChunks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, fixtureOptions{})
		redeem.SetChunkRows(f.Svc, 2)
		var ents []*enterprise.Enterprise
		for i := range 7 {
			ents = append(ents, firm(i+1, int64(i+2)*1e7, "高新技术企业"))
		}
		ids := f.seed(t, ents...)
		_, cl := f.publish(t, "", clause(policy.ModeAutomatic, highTech, `{"fixed": 100000}`))
		gs := f.confirmedList(t, cl, ents, ids)
		b, err := f.Svc.CreateBatch(ctx, f.Staff, 0)
		if err != nil || b.Count != 7 {
			t.Fatalf("batch = %+v, %v", b, err)
		}
		ref := func(i int) string { return redeem.Reference(gs[ids[i]].ID, redeem.PaymentFull, 1) }
		file := bankFile(
			[5]string{ref(0), "成功", "", "SN0", "2026-03-04"}, // line 2
			[5]string{ref(1), "失败", "账户已销户", "", ""},         // 3
			[5]string{"FK9999999999A1", "成功", "", "SNX", "2026-03-04"},
			[5]string{ref(2), "成功", "", "SN2", "2026-03-04"},
			[5]string{"", "成功", "", "", "2026-03-04"}, // 6: no reference
			[5]string{ref(3), "成功", "", "SN3", "2026-03-04"},
			[5]string{ref(2), "成功", "", "SN2", "2026-03-04"}, // 8: repeated
			[5]string{ref(4), "成功", "", "SN4", "2026-03-04"},
			[5]string{ref(5), "失败", "户名与账号不符", "", ""},
			[5]string{ref(6), "成功", "", "SN6", "2026-03-04"},
		)
		lines := func(errs []redeem.BankError) []int {
			var out []int
			for _, e := range errs {
				out = append(out, e.Line)
			}
			return out
		}
		res, err := f.Svc.ImportBankResults(ctx, f.Staff, b.ID, bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		if res.Read != 10 || res.Paid != 5 || res.Refused != 2 || res.Unchanged != 0 || res.Unmatched != 1 ||
			fmt.Sprint(lines(res.Errors)) != "[4 6 8]" {
			t.Fatalf("import = %+v", res)
		}
		for status, want := range map[string]int{redeem.PaymentPaid: 5, redeem.PaymentRefused: 2, redeem.PaymentPending: 0} {
			if n := f.count(t, `SELECT COUNT(*) FROM policy_payments WHERE batch_id = ? AND status = ?`, b.ID, status); n != want {
				t.Errorf("%d payments %s, want %d", n, status, want)
			}
		}
		for action, want := range map[string]int{"paid": 5, "refused": 2} {
			if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE entity = 'payment' AND action = ?`, action); n != want {
				t.Errorf("%d audit entries %s, want %d", n, action, want)
			}
		}
		again, err := f.Svc.ImportBankResults(ctx, f.Staff, b.ID, bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		if again.Read != 10 || again.Paid != 0 || again.Refused != 0 || again.Unchanged != 7 || again.Unmatched != 1 ||
			fmt.Sprint(lines(again.Errors)) != "[4 6 8]" {
			t.Errorf("again = %+v", again)
		}
	})
}
