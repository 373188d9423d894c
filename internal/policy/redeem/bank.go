package redeem

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/sheet"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// ExportHeaders are the columns of a batch's export for the finance system,
// in order.
var ExportHeaders = []string{"付款编号", "统一社会信用代码", "企业名称", "收款户名", "收款账号", "开户行", "金额（元）", "政策", "条款"}

// BankHeaders are the columns of the bank's result file: 付款编号 and 结果
// (成功 or 失败; also 交易成功, 退票 and the like) are required; 失败原因 is
// required on a failure, 到账日期 on a success; 银行流水号 is kept when
// given.
var BankHeaders = []string{"付款编号", "结果", "失败原因", "银行流水号", "到账日期"}

// Bank results.
const (
	BankSuccess = "成功"
	BankFailure = "失败"
)

// MaxBankFile is the largest bank result file read (bytes).
const MaxBankFile = 64 << 20

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// ExportBatch writes the payments of batch id that are still 待拨付 — the
// ones to pay — for the finance system as CSV (UTF-8 with BOM) or xlsx
// (format "csv" or "xlsx"), one row per payment in reference order under
// ExportHeaders, every text cell through sheet.Escape and account numbers
// as text. Paid and refused payments are not exported again, so that a
// second export never asks to pay twice. It returns how many rows it wrote
// and records the export. Those who redeem the unit's policies may call it.
// Errors: Unauthenticated, Forbidden, NotFound, Invalid (format).
func (s *Service) ExportBatch(ctx context.Context, a *auth.Actor, id int64, format string, w io.Writer) (int, error) {
	if err := auth.Authenticated(a); err != nil {
		return 0, err
	}
	if format != "csv" && format != "xlsx" {
		return 0, errs.FieldErrorf("format", "导出格式应为 csv 或 xlsx，而不是“%s”", format)
	}
	_, res, err := s.batchFor(ctx, a, id)
	if err != nil {
		return 0, err
	}
	if err := auth.Authorize(a, auth.RedeemPolicies, res); err != nil {
		return 0, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT t.reference, e.uscc, e.name, t.payee_name, t.payee_account, t.payee_bank, t.amount, p.title, c.title
		FROM policy_payments t JOIN policy_grants g ON g.id = t.grant_id JOIN enterprises e ON e.id = g.enterprise_id
		JOIN policies p ON p.id = g.policy_id JOIN policy_clauses c ON c.id = g.clause_version_id
		WHERE t.batch_id = ? AND t.status = ? ORDER BY t.reference`, id, PaymentPending)
	if err != nil {
		return 0, errs.Wrap(err, "export batch")
	}
	defer rows.Close()
	next := func(rec []string) (int64, bool, error) {
		if !rows.Next() {
			return 0, false, errs.Wrap(rows.Err(), "export batch")
		}
		var amount int64
		if err := rows.Scan(&rec[0], &rec[1], &rec[2], &rec[3], &rec[4], &rec[5], &amount, &rec[7], &rec[8]); err != nil {
			return 0, false, errs.Wrap(err, "export batch")
		}
		for i := range rec {
			rec[i] = sheet.Escape(rec[i])
		}
		return amount, true, nil
	}
	var n int
	if format == "csv" {
		n, err = exportCSV(w, next)
	} else {
		n, err = exportXLSX(w, next)
	}
	if err != nil {
		return n, err
	}
	rows.Close()
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE policy_payment_batches SET exported_at = ?, updated_at = ? WHERE id = ?`,
			store.Millis(s.now()), store.Millis(s.now()), id); err != nil {
			return errs.Wrap(err, "record export")
		}
		return s.record(ctx, tx, "payment_batch", id, "export", nil, map[string]any{"format": format, "rows": n})
	})
	return n, err
}

func exportCSV(w io.Writer, next func([]string) (int64, bool, error)) (int, error) {
	if _, err := w.Write(utf8BOM); err != nil {
		return 0, errs.Wrap(err, "export batch")
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(ExportHeaders); err != nil {
		return 0, errs.Wrap(err, "export batch")
	}
	rec := make([]string, len(ExportHeaders))
	n := 0
	for {
		amount, ok, err := next(rec)
		if err != nil {
			return n, err
		}
		if !ok {
			break
		}
		rec[6] = strconv.FormatInt(amount, 10)
		if err := cw.Write(rec); err != nil {
			return n, errs.Wrap(err, "export batch")
		}
		n++
	}
	cw.Flush()
	return n, errs.Wrap(cw.Error(), "export batch")
}

func exportXLSX(w io.Writer, next func([]string) (int64, bool, error)) (int, error) {
	f := excelize.NewFile()
	defer f.Close()
	const name = "兑付清单"
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return 0, errs.Wrap(err, "export batch")
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return 0, errs.Wrap(err, "export batch")
	}
	_ = sw.SetColWidth(1, 2, 22)
	_ = sw.SetColWidth(3, 4, 36)
	_ = sw.SetColWidth(5, 5, 26)
	_ = sw.SetColWidth(6, 6, 30)
	_ = sw.SetColWidth(7, 7, 14)
	_ = sw.SetColWidth(8, 9, 30)
	header := make([]any, len(ExportHeaders))
	for i, h := range ExportHeaders {
		header[i] = h
	}
	if err := sw.SetRow("A1", header); err != nil {
		return 0, errs.Wrap(err, "export batch")
	}
	rec := make([]string, len(ExportHeaders))
	cells := make([]any, len(ExportHeaders))
	n := 0
	for {
		amount, ok, err := next(rec)
		if err != nil {
			return n, err
		}
		if !ok {
			break
		}
		for i, v := range rec {
			// Text cells stay text: an account number of 19 digits would
			// lose its last digits as a number.
			cells[i] = excelize.Cell{Value: v}
		}
		cells[6] = amount
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := sw.SetRow(cell, cells); err != nil {
			return n, errs.Wrap(err, "export batch")
		}
		n++
	}
	if err := sw.Flush(); err != nil {
		return n, errs.Wrap(err, "export batch")
	}
	return n, errs.Wrap(f.Write(w), "export batch")
}

// BankRow is one row of a bank result file.
type BankRow struct {
	Line      int // in the file, the header being line 1
	Reference string
	Success   bool
	Reason    string
	Serial    string
	PaidOn    workday.Date
}

// BankError is a row of a bank file that was not applied, with why.
type BankError struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// BankResult is the answer to a bank result file: how many data rows were
// read; how many payments it marked paid and refused; how many rows changed
// nothing because the payment already stood so (the same file sent again);
// how many named no payment of the batch. Errors lists every row not
// applied — unmatched rows among them — so read = paid + refused +
// unchanged + len(errors).
type BankResult struct {
	Read      int         `json:"read"`
	Paid      int         `json:"paid"`
	Refused   int         `json:"refused"`
	Unchanged int         `json:"unchanged"`
	Unmatched int         `json:"unmatched"`
	Errors    []BankError `json:"errors"`
}

// ParseBankFile reads a bank result file — xlsx (its first sheet) or CSV in
// UTF-8 (with or without a BOM) or GB18030, as Chinese banks write it — into
// rows. Columns are found by their headers (BankHeaders; order free, cells
// unescaped as the export escaped them); blank rows are skipped. A row that
// cannot be read is returned as a BankError (line and reason) instead of a
// row, so that read = len(rows) + len(errors). Errors: Invalid for a file
// that is neither, too large, or lacks a required column.
func ParseBankFile(data []byte) ([]BankRow, []BankError, error) {
	var rows []BankRow
	var bad []BankError
	err := readBankFile(data, func(r BankRow) error {
		rows = append(rows, r)
		return nil
	}, func(e BankError) { bad = append(bad, e) })
	if err != nil {
		return nil, nil, err
	}
	return rows, bad, nil
}

// readBankFile reads a bank result file as ParseBankFile does, one row at a
// time: each row read is given to row (whose error stops the reading and is
// returned), each row that cannot be read to bad, in the file's order. It
// holds the file's references (to report a repeated one), not its rows.
func readBankFile(data []byte, row func(BankRow) error, bad func(BankError)) error {
	if len(data) > MaxBankFile {
		return errs.Errorf(errs.TooLarge, "银行回盘文件超过 %d MB", MaxBankFile>>20)
	}
	// next returns the file's next record, nil at its end.
	var next func() ([]string, error)
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			return errs.Errorf(errs.Invalid, "无法读取 xlsx 文件：文件已损坏或不是 Excel 工作簿")
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return errs.Errorf(errs.Invalid, "xlsx 文件没有工作表")
		}
		rows, err := f.Rows(sheets[0])
		if err != nil {
			return errs.Errorf(errs.Invalid, "无法读取 xlsx 工作表")
		}
		defer rows.Close()
		n := 0
		next = func() ([]string, error) {
			if !rows.Next() {
				return nil, nil
			}
			n++
			// Raw values: a date cell reads as its serial number (46090)
			// instead of the sheet's display format (03-09-26).
			cols, err := rows.Columns(excelize.Options{RawCellValue: true})
			if err != nil {
				return nil, errs.Errorf(errs.Invalid, "无法读取 xlsx 第 %d 行", n)
			}
			if cols == nil {
				cols = []string{}
			}
			return cols, nil
		}
	} else {
		data = bytes.TrimPrefix(data, utf8BOM)
		if !utf8.Valid(data) {
			dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
			if err != nil {
				return errs.Errorf(errs.Invalid, "文件既不是 UTF-8 也不是 GB18030 编码的 CSV")
			}
			data = dec
		}
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		r.LazyQuotes = true
		r.ReuseRecord = true
		n := 0
		next = func() ([]string, error) {
			rec, err := r.Read()
			if err == io.EOF {
				return nil, nil
			}
			if err != nil {
				line := n + 1
				if pe, ok := err.(*csv.ParseError); ok {
					line = pe.Line
				}
				return nil, errs.Errorf(errs.Invalid, "CSV 第 %d 行格式错误", line)
			}
			n++
			return rec, nil
		}
	}
	// The header is the first row naming 付款编号 and 结果; a bank's title
	// rows above it (its name, the batch, the date) are passed over.
	var col map[string]int
	var missing string
	headerLine := 0
	for col == nil {
		header, err := next()
		if err != nil {
			return err
		}
		if header == nil || headerLine > sheet.MaxTitleRows {
			if missing == "" {
				return errs.Errorf(errs.Invalid, "文件为空：第一行应为表头（%s）", strings.Join(BankHeaders, "、"))
			}
			return errs.Errorf(errs.Invalid, "缺少“%s”列：第一行应为表头（%s）", missing, strings.Join(BankHeaders, "、"))
		}
		headerLine++
		names, aliased := map[string]int{}, map[string]int{}
		for i, h := range header {
			h = bankHeader(strings.TrimSpace(sheet.Unescape(strings.TrimPrefix(h, "\ufeff"))))
			if _, dup := names[h]; !dup {
				names[h] = i
			}
			if own := bankAliases[h]; own != "" {
				if _, dup := aliased[own]; !dup {
					aliased[own] = i
				}
			}
		}
		for own, i := range aliased {
			if _, ok := names[own]; !ok {
				names[own] = i // 交易结果 where the file has no 结果
			}
		}
		col = names
		for _, h := range BankHeaders[:2] {
			if _, ok := names[h]; !ok {
				if missing == "" {
					missing = h
				}
				col = nil
				break
			}
		}
	}
	cell := func(rec []string, h string) string {
		i, ok := col[h]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(sheet.Unescape(rec[i]))
	}
	seen := map[string]int{}
	for line := headerLine + 1; ; line++ {
		rec, err := next()
		if err != nil {
			return err
		}
		if rec == nil {
			return nil
		}
		blank := true
		for _, c := range rec {
			blank = blank && strings.TrimSpace(c) == ""
		}
		if blank {
			continue
		}
		fail := func(format string, args ...any) {
			bad(BankError{Line: line, Reason: fmt.Sprintf(format, args...)})
		}
		r := BankRow{Line: line, Reference: cell(rec, "付款编号"), Reason: cell(rec, "失败原因"), Serial: cell(rec, "银行流水号")}
		switch {
		case r.Reference == "":
			fail("付款编号为空")
			continue
		case utf8.RuneCountInString(r.Reference) > 40 || !utf8.ValidString(r.Reference):
			fail("付款编号无效")
			continue
		case utf8.RuneCountInString(r.Reason) > 200 || utf8.RuneCountInString(r.Serial) > 64:
			fail("失败原因或银行流水号过长")
			continue
		}
		if first, dup := seen[r.Reference]; dup {
			fail("付款编号 %s 重复（第 %d 行已出现）", r.Reference, first)
			continue
		}
		result := cell(rec, "结果")
		success, known := bankResults[strings.ToLower(strings.ReplaceAll(result, " ", ""))]
		switch {
		case known && success:
			r.Success = true
			d, err := parseBankDate(cell(rec, "到账日期"))
			if err != nil {
				fail("付款编号 %s：%s", r.Reference, errs.MessageOf(err))
				continue
			}
			r.PaidOn = d
		case known:
			if r.Reason == "" {
				fail("付款编号 %s：结果为失败时须填写失败原因", r.Reference)
				continue
			}
		default:
			fail("付款编号 %s：结果应为“成功”或“失败”，而不是“%s”", r.Reference, result)
			continue
		}
		seen[r.Reference] = line
		if err := row(r); err != nil {
			return err
		}
	}
}

// bankResults reads a 结果 as banks write it (spaces and letter case aside):
// true for a payment that arrived, false for one refused.
var bankResults = map[string]bool{
	BankSuccess: true, "交易成功": true, "支付成功": true, "付款成功": true, "入账成功": true, "已到账": true, "success": true,
	BankFailure: false, "交易失败": false, "支付失败": false, "付款失败": false, "入账失败": false, "退票": false, "已退票": false, "退回": false, "fail": false, "failed": false,
}

// bankAliases are the names banks' systems give the result file's columns;
// a column is read under another name only when the file lacks its own.
var bankAliases = map[string]string{
	"付款单号": "付款编号", "业务编号": "付款编号", "客户流水号": "付款编号", "商户流水号": "付款编号",
	"处理结果": "结果", "交易结果": "结果", "交易状态": "结果", "处理状态": "结果",
	"失败描述": "失败原因", "错误信息": "失败原因", "退票原因": "失败原因",
	"交易流水号": "银行流水号", "流水号": "银行流水号", "银行交易流水号": "银行流水号",
	"入账日期": "到账日期", "交易日期": "到账日期", "处理日期": "到账日期", "记账日期": "到账日期",
}

// bankHeader names a header cell as BankHeaders do: a header written with
// a note in brackets (结果（成功/失败）, 到账日期(YYYY-MM-DD)) is the header
// before the note.
func bankHeader(h string) string {
	if name, _, ok := sheet.CutNote(h); ok && slices.Contains(BankHeaders, name) {
		return name
	}
	return h
}

// parseBankDate reads 到账日期 as banks write it: 2026-03-09, 2026/3/9,
// 2026年3月9日, 20260309, any of these followed by a time of day, or an
// Excel date serial (46090, 46090.43 from a date cell). Errors: Invalid.
func parseBankDate(v string) (workday.Date, error) {
	if v == "" {
		return 0, errs.Errorf(errs.Invalid, "结果为成功时须填写到账日期")
	}
	if before, _, ok := strings.Cut(strings.Replace(v, "T", " ", 1), " "); ok {
		v = before
	}
	if len(v) == 8 && strings.Trim(v, "0123456789") == "" {
		v = v[:4] + "-" + v[4:6] + "-" + v[6:]
	} else if t, ok := sheet.SerialTime(v, workday.Shanghai); ok {
		return workday.DateOf(t), nil
	}
	d, err := workday.ParseDate(v)
	if err != nil {
		return 0, errs.Errorf(errs.Invalid, "到账日期“%s”无效", v)
	}
	return d, nil
}

// ImportBankResults applies the bank's result file for batch id: each
// success marks its payment 已拨付 (with the bank's serial and the date it
// arrived), each failure 退回 with the reason; only from 待拨付, by
// conditional updates, under a lock of the batch — so the same file sent
// again, or at the same moment to another instance, pays nothing twice: the
// second answer counts those rows as unchanged. A row whose payment already
// stands otherwise (a success for a payment marked refused, …) and a row
// naming no payment of the batch are reported with their line. The
// enterprises are told in a background job. Those who redeem the unit's
// policies may call it. Errors: Unauthenticated, Forbidden, NotFound,
// Invalid (the file), TooLarge.
//
// The file is applied in one transaction, ChunkRows rows at a time (each
// chunk's payments read by reference, updated and audited), so that memory
// holds one chunk, the file and its references, not the batch; errors are
// answered in the file's line order.
func (s *Service) ImportBankResults(ctx context.Context, a *auth.Actor, id int64, file io.Reader) (*BankResult, error) {
	_, res, err := s.batchFor(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(a, auth.RedeemPolicies, res); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(file, MaxBankFile+1))
	if err != nil {
		return nil, errs.Wrap(err, "read bank file")
	}
	var out *BankResult
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		out = &BankResult{Errors: []BankError{}}
		// The batch's lock: imports of one batch run one after the other,
		// on every instance.
		lock := ""
		if tx.Dialect() == store.Postgres {
			lock = " FOR UPDATE"
		}
		var locked int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM policy_payment_batches WHERE id = ?`+lock, id).Scan(&locked); err != nil {
			return store.NotFound(err, "兑付批次（编号%d）不存在", id)
		}
		ms := store.Millis(s.now())
		chunk := make([]BankRow, 0, s.chunk)
		apply := func() error {
			err := s.applyBankRows(ctx, tx, id, chunk, ms, out)
			chunk = chunk[:0]
			return err
		}
		err := readBankFile(data, func(r BankRow) error {
			out.Read++
			if chunk = append(chunk, r); len(chunk) == s.chunk {
				return apply()
			}
			return nil
		}, func(e BankError) {
			out.Read++
			out.Errors = append(out.Errors, e)
		})
		if err != nil {
			return err
		}
		if err := apply(); err != nil {
			return err
		}
		slices.SortStableFunc(out.Errors, func(x, y BankError) int { return cmp.Compare(x.Line, y.Line) })
		if err := s.recordMany(ctx, tx, []audit.Change{{Entity: "payment_batch", EntityID: itoa(id), Action: "bank_results",
			After: map[string]any{"read": out.Read, "paid": out.Paid, "refused": out.Refused, "unchanged": out.Unchanged,
				"unmatched": out.Unmatched, "errors": len(out.Errors)}}}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE policy_payment_batches SET updated_at = ? WHERE id = ?`, ms, id); err != nil {
			return errs.Wrap(err, "touch batch")
		}
		if (out.Paid > 0 || out.Refused > 0) && s.jobs != nil {
			_, err := s.jobs.Enqueue(ctx, tx, JobNotifyPayments, batchPayload{BatchID: id},
				jobs.UniqueKey(fmt.Sprintf("%s:%d:%d", JobNotifyPayments, id, ms)))
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// applyBankRows applies rows of a bank file (each a different payment) to
// batch id under its lock, counting into out: a success marks a 待拨付
// payment 已拨付, a failure 退回, each with its audit entry; rows that find
// their payment already so are unchanged, others are errors.
func (s *Service) applyBankRows(ctx context.Context, tx *store.Tx, id int64, rows []BankRow, ms int64, out *BankResult) error {
	if len(rows) == 0 {
		return nil
	}
	type cur struct {
		id             int64
		status, serial string
	}
	refs := make([]string, len(rows))
	for i, r := range rows {
		refs[i] = r.Reference
	}
	// By the unique index on reference: on SQLite "+" keeps the planner
	// from reading the whole batch through the index on batch_id instead.
	in, args := "t.reference = ANY(CAST(? AS TEXT[]))", []any{refs}
	if tx.Dialect() != store.Postgres {
		in, args = "t.reference IN ("+store.Placeholders(len(refs))+")", make([]any, len(refs))
		for i, r := range refs {
			args[i] = r
		}
	}
	q, err := tx.QueryContext(ctx, `SELECT t.id, t.reference, t.status, t.bank_serial FROM policy_payments t
		WHERE `+in+` AND +t.batch_id = ?`, append(args, id)...)
	if err != nil {
		return errs.Wrap(err, "read batch payments")
	}
	have := make(map[string]cur, len(rows))
	for q.Next() {
		var c cur
		var ref string
		if err := q.Scan(&c.id, &ref, &c.status, &c.serial); err != nil {
			q.Close()
			return errs.Wrap(err, "read batch payments")
		}
		have[ref] = c
	}
	q.Close()
	if err := q.Err(); err != nil {
		return errs.Wrap(err, "read batch payments")
	}
	var paid, refused []BankRow
	var pids, rids []int64
	for _, r := range rows {
		c, ok := have[r.Reference]
		fail := func(format string, args ...any) {
			out.Errors = append(out.Errors, BankError{Line: r.Line, Reason: fmt.Sprintf(format, args...)})
		}
		switch {
		case !ok:
			out.Unmatched++
			fail("付款编号 %s 不在本批次中", r.Reference)
		case r.Success && c.status == PaymentPending:
			paid, pids = append(paid, r), append(pids, c.id)
		case r.Success && (c.status == PaymentPaid || c.status == PaymentSettled):
			if r.Serial != "" && c.serial != "" && r.Serial != c.serial {
				fail("付款编号 %s 已按银行流水号 %s 标记为已拨付，与本行流水号 %s 不一致", r.Reference, c.serial, r.Serial)
			} else {
				out.Unchanged++
			}
		case r.Success:
			fail("付款编号 %s 已被银行退回，不能再标记为成功；请重新拨付", r.Reference)
		case c.status == PaymentPending:
			refused, rids = append(refused, r), append(rids, c.id)
		case c.status == PaymentRefused:
			out.Unchanged++
		default:
			fail("付款编号 %s 已标记为已拨付，不能再标记为失败", r.Reference)
		}
	}
	if err := markPaid(ctx, tx, paid, pids, ms); err != nil {
		return err
	}
	if err := markRefused(ctx, tx, refused, rids, ms); err != nil {
		return err
	}
	out.Paid, out.Refused = out.Paid+len(paid), out.Refused+len(refused)
	changes := make([]audit.Change, 0, len(paid)+len(refused))
	for i, r := range paid {
		changes = append(changes, audit.Change{Entity: "payment", EntityID: itoa(pids[i]), Action: "paid",
			Before: map[string]any{"status": PaymentPending}, After: map[string]any{"status": PaymentPaid, "paid_on": r.PaidOn, "bank_serial": r.Serial}})
	}
	for i, r := range refused {
		changes = append(changes, audit.Change{Entity: "payment", EntityID: itoa(rids[i]), Action: "refused",
			Before: map[string]any{"status": PaymentPending}, After: map[string]any{"status": PaymentRefused, "failure": r.Reason}})
	}
	return s.recordMany(ctx, tx, changes)
}

// markPaid marks payments ids (rows their results) 已拨付, only from 待拨付,
// in chunks of one statement. Errors: Conflict when one had changed.
func markPaid(ctx context.Context, tx *store.Tx, rows []BankRow, ids []int64, ms int64) error {
	const chunk = 300
	for at := 0; at < len(rows); at += chunk {
		part := rows[at:min(at+chunk, len(rows))]
		on, serial := make([]string, len(part)), make([]string, len(part))
		for i, r := range part {
			on[i], serial[i] = r.PaidOn.String(), r.Serial
		}
		from, rows := rowsFrom(tx.Dialect(), len(part), ids[at:at+len(part)], on, serial)
		in, keys := keyIn(tx.Dialect(), "policy_payments.id", ids[at:at+len(part)])
		res, err := tx.ExecContext(ctx, `UPDATE policy_payments SET status = ?, paid_on = v.column2, bank_serial = v.column3, failure = '', updated_at = ?
			FROM `+from+`
			WHERE policy_payments.id = v.column1 AND policy_payments.status = '待拨付'`+in, append(append([]any{PaymentPaid, ms}, rows...), keys...)...)
		if err != nil {
			return errs.Wrap(err, "mark payments paid")
		}
		if n, _ := res.RowsAffected(); int(n) != len(part) {
			return errs.Errorf(errs.Conflict, "付款状态已被他人更改，请重新上传")
		}
	}
	return nil
}

// markRefused marks payments ids 退回 with the rows' reasons, only from
// 待拨付. Errors: Conflict when one had changed.
func markRefused(ctx context.Context, tx *store.Tx, rows []BankRow, ids []int64, ms int64) error {
	const chunk = 300
	for at := 0; at < len(rows); at += chunk {
		part := rows[at:min(at+chunk, len(rows))]
		reason, serial := make([]string, len(part)), make([]string, len(part))
		for i, r := range part {
			reason[i], serial[i] = r.Reason, r.Serial
		}
		from, rows := rowsFrom(tx.Dialect(), len(part), ids[at:at+len(part)], reason, serial)
		in, keys := keyIn(tx.Dialect(), "policy_payments.id", ids[at:at+len(part)])
		res, err := tx.ExecContext(ctx, `UPDATE policy_payments SET status = ?, failure = v.column2, bank_serial = v.column3, updated_at = ?
			FROM `+from+`
			WHERE policy_payments.id = v.column1 AND policy_payments.status = '待拨付'`+in, append(append([]any{PaymentRefused, ms}, rows...), keys...)...)
		if err != nil {
			return errs.Wrap(err, "mark payments refused")
		}
		if n, _ := res.RowsAffected(); int(n) != len(part) {
			return errs.Errorf(errs.Conflict, "付款状态已被他人更改，请重新上传")
		}
	}
	return nil
}
