package redeem_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/qinqing/qinqing/internal/policy/redeem"
	"github.com/qinqing/qinqing/internal/workday"
)

// TestParseBankFileAliases reads a CSV whose bank names the columns its
// own way (交易结果, 交易流水号, 入账日期); a column under the contract's own
// name wins over an alias.
func TestParseBankFileAliases(t *testing.T) {
	csv := "付款编号,交易结果,失败描述,交易流水号,入账日期,结果\nFK1,失败,,SN1,2026-03-09,成功\nFK2,成功,户名不符,,,退票\n"
	got, bad, err := redeem.ParseBankFile([]byte(csv))
	if err != nil || len(bad) != 0 || len(got) != 2 {
		t.Fatalf("%+v %+v %v", got, bad, err)
	}
	if !got[0].Success || got[0].Serial != "SN1" || got[0].PaidOn != workday.NewDate(2026, 3, 9) || got[1].Success || got[1].Reason != "户名不符" {
		t.Errorf("%+v", got)
	}
}

// TestParseBankFileAsBanksWriteIt reads an xlsx result file as a bank's
// system or a clerk in Excel writes one: a title row above the header,
// headers with notes in brackets,
// results such as 交易成功 and 退票, 到账日期 as date cells (whose display
// format would read 03-09-26), as a date with a time, and as digits.
func TestParseBankFileAsBanksWriteIt(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	sh := f.GetSheetName(0)
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"某银行批量代发结果（2026年3月9日）"},
		{"付款编号", "结果（成功/失败）", "失败原因", "银行流水号", "到账日期(YYYY-MM-DD)"},
		{"FK1", "交易成功", "", "SN1", time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)},
		{"FK2", " 成功", "", "SN2", time.Date(2026, 3, 9, 10, 15, 0, 0, time.UTC)},
		{"FK3", "成功", "", "SN3", "2026-03-09 10:15:00"},
		{"FK4", "SUCCESS", "", "SN4", "20260309"},
		{"FK5", "退票", "户名不符", "", ""},
		{"FK6", "处理中", "", "", ""},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sh, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SetCellStyle(sh, "E3", "E4", dateStyle); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, bad, err := redeem.ParseBankFile(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 || len(bad) != 1 || bad[0].Line != 8 || got[0].Line != 3 {
		t.Fatalf("rows %+v, errors %+v", got, bad)
	}
	want := workday.NewDate(2026, 3, 9)
	for _, r := range got[:4] {
		if !r.Success || r.PaidOn != want {
			t.Errorf("%s: %+v", r.Reference, r)
		}
	}
	if got[4].Success || got[4].Reason != "户名不符" {
		t.Errorf("refusal %+v", got[4])
	}
}
