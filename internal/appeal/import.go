package appeal

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
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

// The columns of a 12345 export, as the hotline writes them.
const (
	ColRef        = "工单编号" // required: the external reference
	ColReceived   = "受理时间" // required
	ColContact    = "诉求人"
	ColPhone      = "联系电话"
	ColEnterprise = "企业名称"
	ColUSCC       = "统一社会信用代码"
	ColDistrict   = "所属区"
	ColCategory   = "诉求类别"
	ColTitle      = "诉求标题"
	ColContent    = "诉求内容" // required
	ColUrgency    = "紧急程度"
	ColLimit      = "办理时限（工作日）"
)

// ImportColumns lists the columns of a 12345 export in order.
var ImportColumns = []string{ColRef, ColReceived, ColContact, ColPhone, ColEnterprise, ColUSCC, ColDistrict, ColCategory,
	ColTitle, ColContent, ColUrgency, ColLimit}

// fallbackCategory is the catalogue entry (by code) a 12345 row is filed
// under when its 诉求类别 is not in the catalogue.
const fallbackCategory = "other"

// ImportClient is the client a 12345 import files as: the same 工单编号
// imported twice, by anyone, is one appeal.
const ImportClient = "import:12345"

// fieldColumn maps the intake's fields to the export's columns, to report
// a rejected row's field as the file names it.
var fieldColumn = map[string]string{
	"external_ref": ColRef, "received_at": ColReceived, "contact_name": ColContact, "contact_phone": ColPhone,
	"enterprise_name": ColEnterprise, "uscc": ColUSCC, "district": ColDistrict, "category": ColCategory,
	"title": ColTitle, "content": ColContent, "urgency": ColUrgency, "limit_days": ColLimit,
}

// RowError is a rejected row: its line in the file, the column and why.
type RowError struct {
	Line   int    `json:"line"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// ImportResult summarises an import: Read = Inserted + Unchanged +
// Rejected always. Unchanged rows are 工单编号 imported before (the
// appeal is left as it is), so importing a file again changes nothing.
// Under DryRun the counts say what would happen and nothing is written.
type ImportResult struct {
	Read      int        `json:"read"`
	Inserted  int        `json:"inserted"`
	Unchanged int        `json:"unchanged"`
	Rejected  int        `json:"rejected"`
	Errors    []RowError `json:"errors"`
	// Recategorised are rows filed under the catalogue's 其他 because
	// their 诉求类别 (the hotline's own) is not in the catalogue: filed,
	// and waiting for the office to dispatch them.
	Recategorised []RowError `json:"recategorised,omitempty"`
	// Ignored are columns of the file that are not read.
	Ignored []string `json:"ignored_columns,omitempty"`
	DryRun  bool     `json:"dry_run"`
}

// Summary says in one Chinese sentence what the import did.
func (r *ImportResult) Summary() string {
	what := "完成"
	if r.DryRun {
		what = "试运行（未写入）"
	}
	sum := fmt.Sprintf("%s：读取 %d 行，新增 %d，未变 %d，拒绝 %d", what, r.Read, r.Inserted, r.Unchanged, r.Rejected)
	if n := len(r.Recategorised); n > 0 {
		sum += fmt.Sprintf("；其中 %d 行的诉求类别不在派单目录中，按“其他”受理，待营商办派单", n)
	}
	return sum
}

// ImportOptions adjust an import.
type ImportOptions struct {
	DryRun bool
}

// header maps the export's columns to their positions.
type header struct {
	pos     map[string]int
	ignored []string
}

// columnAliases are other names 12345 systems give the export's columns;
// a column is read under another name only when the file lacks its own.
var columnAliases = map[string]string{
	"工单号": ColRef, "工单编码": ColRef, "受理编号": ColRef,
	"受理日期": ColReceived, "来电时间": ColReceived, "登记时间": ColReceived, "创建时间": ColReceived,
	"来电人": ColContact, "联系人": ColContact, "反映人": ColContact,
	"联系方式": ColPhone, "来电号码": ColPhone, "手机号码": ColPhone, "联系号码": ColPhone,
	"单位名称": ColEnterprise, "企业": ColEnterprise,
	"信用代码": ColUSCC, "社会信用代码": ColUSCC,
	"所属区域": ColDistrict, "区域": ColDistrict, "所属区县": ColDistrict, "区县": ColDistrict,
	"问题分类": ColCategory, "诉求分类": ColCategory, "业务类别": ColCategory,
	"标题": ColTitle, "工单标题": ColTitle,
	"问题描述": ColContent, "诉求描述": ColContent, "来电内容": ColContent, "反映内容": ColContent,
	"办理时限": ColLimit, "时限（工作日）": ColLimit,
}

// readHeader reads the header row: each of ImportColumns by its name
// (brackets of either width, spaces aside, a note in brackets after it),
// or by one of its aliases.
// Errors: Invalid naming the missing required columns or a column given
// twice.
func readHeader(cells []string) (*header, error) {
	h := &header{pos: map[string]int{}}
	type alias struct {
		col string
		at  int
	}
	var aliased []alias
	for i, c := range cells {
		name := strings.TrimSpace(strings.TrimPrefix(c, "\ufeff"))
		name = strings.NewReplacer("(", "（", ")", "）", " ", "").Replace(name)
		if base, _, noted := sheet.CutNote(name); noted && !slices.Contains(ImportColumns, name) && columnAliases[name] == "" &&
			(slices.Contains(ImportColumns, base) || columnAliases[base] != "") {
			name = base // 受理时间（北京时间）: a header with a note
		}
		switch col := columnAliases[name]; {
		case slices.Contains(ImportColumns, name):
			if _, dup := h.pos[name]; dup {
				return nil, errs.Errorf(errs.Invalid, "表头“%s”出现了两次", name)
			}
			h.pos[name] = i
		case col != "":
			aliased = append(aliased, alias{col, i})
		case name != "":
			h.ignored = append(h.ignored, name)
		}
	}
	for _, a := range aliased {
		if _, taken := h.pos[a.col]; taken {
			h.ignored = append(h.ignored, strings.TrimSpace(cells[a.at]))
		} else {
			h.pos[a.col] = a.at
		}
	}
	var missing []string
	for _, col := range []string{ColRef, ColReceived, ColContent} {
		if _, ok := h.pos[col]; !ok {
			missing = append(missing, col)
		}
	}
	if len(missing) > 0 {
		return nil, errs.Errorf(errs.Invalid, "表头缺少必填列：%s（12345 导出文件的表头应为：%s）", strings.Join(missing, "、"), strings.Join(ImportColumns, "、"))
	}
	return h, nil
}

func (h *header) cell(cells []string, col string) string {
	i, ok := h.pos[col]
	if !ok || i >= len(cells) {
		return ""
	}
	return strings.TrimSpace(sheet.Unescape(strings.TrimSpace(cells[i])))
}

// ParseReceived reads a 受理时间 as 12345 exports write it, in Asia/Shanghai:
// 2024-09-13 16:30, 2024/9/13 16:30:00, 2024年9月13日16时30分 (with or
// without seconds, 时 or 点), digits only (20240913163000, 202409131630,
// 20240913), RFC 3339, or an Excel date serial number (45548.6875).
// Errors: Invalid in Chinese.
func ParseReceived(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	bad := errs.FieldErrorf("received_at", "受理时间“%s”无法识别（应如 2024-09-13 16:30、2024/9/13 16:30:00 或 2024年9月13日16时30分）", s)
	if s == "" {
		return time.Time{}, errs.FieldErrorf("received_at", "受理时间不能为空")
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if digitsOnly(s) && (len(s) == 8 || len(s) == 12 || len(s) == 14) {
		s = s[:4] + "-" + s[4:6] + "-" + s[6:8] + " " + strings.Join(pairs(s[8:]), ":")
	} else if t, ok := sheet.SerialTime(s, workday.Shanghai); ok {
		return t.UTC(), nil
	} else if _, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Time{}, bad
	}
	n := strings.NewReplacer("年", "-", "月", "-", "日", " ", "号", " ", "时", ":", "点", ":", "分", ":", "秒", "", "/", "-", ".", "-", "T", " ", "：", ":").Replace(s)
	date, clock, _ := strings.Cut(strings.TrimSpace(n), " ")
	clock = strings.TrimSuffix(strings.TrimSpace(clock), ":")
	num := func(p string, lo, hi int) (int, bool) {
		v, err := strconv.Atoi(p)
		return v, err == nil && v >= lo && v <= hi && len(p) <= 4 && !strings.HasPrefix(p, "+")
	}
	dp := strings.Split(date, "-")
	if len(dp) != 3 {
		return time.Time{}, bad
	}
	y, ok1 := num(dp[0], 1900, 2199)
	m, ok2 := num(dp[1], 1, 12)
	d, ok3 := num(dp[2], 1, 31)
	if !ok1 || !ok2 || !ok3 {
		return time.Time{}, bad
	}
	var hh, mm, ss int
	if clock != "" {
		tp := strings.Split(clock, ":")
		if len(tp) < 2 || len(tp) > 3 {
			return time.Time{}, bad
		}
		var ok bool
		if hh, ok = num(tp[0], 0, 23); !ok {
			return time.Time{}, bad
		}
		if mm, ok = num(tp[1], 0, 59); !ok {
			return time.Time{}, bad
		}
		if len(tp) == 3 {
			if ss, ok = num(tp[2], 0, 59); !ok {
				return time.Time{}, bad
			}
		}
	}
	t := time.Date(y, time.Month(m), d, hh, mm, ss, 0, workday.Shanghai)
	if t.Day() != d {
		return time.Time{}, errs.FieldErrorf("received_at", "受理时间“%s”不是有效日期", s)
	}
	return t.UTC(), nil
}

// digitsOnly reports whether s is ASCII digits only, one at least.
func digitsOnly(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }

// pairs cuts s into two-character pieces (HHmmss into HH, mm, ss).
func pairs(s string) []string {
	var out []string
	for len(s) >= 2 {
		out, s = append(out, s[:2]), s[2:]
	}
	return out
}

// parseRow turns the cells of a data row into an intake, or the row's
// errors (each with the column). It reads cells only; the domain checks
// the rest when filing.
func parseRow(h *header, cells []string, line int) (Intake, []RowError) {
	var bad []RowError
	reject := func(col, format string, args ...any) {
		bad = append(bad, RowError{Line: line, Field: col, Reason: fmt.Sprintf(format, args...)})
	}
	for _, c := range cells {
		if !utf8.ValidString(c) || strings.ContainsRune(c, 0) {
			reject("", "含有无效字符")
			return Intake{}, bad
		}
	}
	in := Intake{Channel: string(ChannelHotline), ExternalRef: h.cell(cells, ColRef), ContactName: h.cell(cells, ColContact),
		ContactPhone: h.cell(cells, ColPhone), EnterpriseName: h.cell(cells, ColEnterprise), USCC: h.cell(cells, ColUSCC),
		District: h.cell(cells, ColDistrict), Category: h.cell(cells, ColCategory), Title: h.cell(cells, ColTitle),
		Content: h.cell(cells, ColContent), Urgency: h.cell(cells, ColUrgency)}
	if in.ExternalRef == "" {
		reject(ColRef, "工单编号不能为空")
	}
	if t, err := ParseReceived(h.cell(cells, ColReceived)); err != nil {
		reject(ColReceived, "%s", errs.MessageOf(err))
	} else {
		in.ReceivedAt = &Instant{t}
	}
	if in.Content == "" {
		reject(ColContent, "诉求内容不能为空")
	}
	if v := h.cell(cells, ColLimit); v != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(v, "个工作日"), "工作日"))
		if err != nil || n < 1 || n > 365 {
			reject(ColLimit, "办理时限“%s”应为1–365的整数（工作日）", v)
		} else {
			in.LimitDays = n
		}
	}
	if in.Category == "" {
		in.Category = "其他"
	}
	return in, bad
}

// readRows calls fn with the header and every data row of a CSV (UTF-8,
// with or without BOM, or GB18030 as Chinese spreadsheets save it) or
// XLSX (the first sheet) file, with line numbers from 1.
func readRows(r io.Reader, format string, fn func(h *header, cells []string, line, total int) error) (*header, error) {
	switch format {
	case "csv":
		data, err := io.ReadAll(r)
		if err != nil {
			return nil, errs.Wrap(err, "read file")
		}
		data = bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
		if !utf8.Valid(data) {
			if data, err = simplifiedchinese.GB18030.NewDecoder().Bytes(data); err != nil {
				return nil, errs.Errorf(errs.Invalid, "CSV 文件既不是 UTF-8 也不是 GBK 编码")
			}
		}
		total := bytes.Count(data, []byte{'\n'})
		cr := csv.NewReader(bytes.NewReader(data))
		cr.FieldsPerRecord, cr.LazyQuotes = -1, true
		var h *header
		var hs headerSearch
		for h == nil {
			head, err := cr.Read()
			if err == io.EOF {
				return nil, hs.notFound()
			}
			if err != nil {
				return nil, errs.Errorf(errs.Invalid, "CSV 文件格式错误：%v", err)
			}
			if h, err = hs.try(head); err != nil {
				return nil, err
			}
		}
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				return h, nil
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if err := fn(h, nil, pe.StartLine, total); err != nil {
					return h, err
				}
				continue
			}
			if err != nil {
				return h, errs.Errorf(errs.Invalid, "CSV 文件格式错误：%v", err)
			}
			line, _ := cr.FieldPos(0)
			if blankRow(rec) {
				continue
			}
			if err := fn(h, rec, line, total); err != nil {
				return h, err
			}
		}
	case "xlsx":
		f, err := excelize.OpenReader(r)
		if err != nil {
			return nil, &errs.Error{Code: errs.Invalid, Message: "无法读取 Excel 文件：请确认是 .xlsx 格式（不是 .xls）且未加密", Err: err}
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil, errs.Errorf(errs.Invalid, "Excel 文件中没有工作表")
		}
		rows, err := f.Rows(sheets[0])
		if err != nil {
			return nil, &errs.Error{Code: errs.Invalid, Message: "无法读取工作表", Err: err}
		}
		defer rows.Close()
		var h *header
		var hs headerSearch
		line, total := 0, 0
		if dim, err := f.GetSheetDimension(sheets[0]); err == nil {
			if _, ref, ok := strings.Cut(dim, ":"); ok {
				if _, n, err := excelize.CellNameToCoordinates(ref); err == nil {
					total = n
				}
			}
		}
		for rows.Next() {
			line++
			cells, err := rows.Columns(excelize.Options{RawCellValue: true})
			if err != nil {
				return h, &errs.Error{Code: errs.Invalid, Message: fmt.Sprintf("无法读取第%d行", line), Err: err}
			}
			if blankRow(cells) {
				continue
			}
			if h == nil {
				if h, err = hs.try(cells); err != nil {
					return nil, err
				}
				continue
			}
			if err := fn(h, cells, line, total); err != nil {
				return h, err
			}
		}
		if h == nil {
			return nil, hs.notFound()
		}
		return h, rows.Error()
	}
	return nil, errs.Errorf(errs.Invalid, "不支持的文件类型：请使用 CSV（.csv）或 Excel（.xlsx）文件")
}

// headerSearch finds the header among a file's first rows: exports often
// put a title row or two above it.
type headerSearch struct {
	rows  int   // non-blank rows tried
	first error // why the first of them is no header
}

// try reads cells as the header: the header, or nil to go on looking, or
// — when the first rows hold none — why the first row is no header.
func (hs *headerSearch) try(cells []string) (*header, error) {
	if blankRow(cells) {
		return nil, nil
	}
	h, err := readHeader(cells)
	if err == nil {
		return h, nil
	}
	if hs.first == nil {
		hs.first = err
	}
	if hs.rows++; hs.rows > sheet.MaxTitleRows {
		return nil, hs.first
	}
	return nil, nil
}

// notFound is the error of a file that ended before its header.
func (hs *headerSearch) notFound() error {
	if hs.first != nil {
		return hs.first
	}
	return errs.Errorf(errs.Invalid, "文件为空：第一行应为表头（%s）", strings.Join(ImportColumns, "、"))
}

func blankRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// FormatOf returns the format of an import file from its name: csv or
// xlsx. Errors: Invalid.
func FormatOf(name string) (string, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return "csv", nil
	case ".xlsx":
		return "xlsx", nil
	}
	return "", errs.Errorf(errs.Invalid, "不支持的文件类型“%s”：请使用 CSV（.csv）或 Excel（.xlsx）文件", filepath.Ext(name))
}

// Import files the appeals of a 12345 export (CSV or XLSX; see
// ImportColumns) through the same intake as every channel (channel
// hotline, client ImportClient), each row in its own transaction, and
// reports every rejected row with its line, column and reason. A 工单编号
// imported before is unchanged; a 工单编号 repeated in the file is
// rejected on its later lines. progress, if set, is told the rows done and
// the rows in the file. The office may call it (auth.ManageAppeals).
// Errors: Unauthenticated, Forbidden, Invalid (an unreadable file or
// header), Internal; the result is returned with the rows done so far.
func (s *Service) Import(ctx context.Context, a *auth.Actor, r io.Reader, format string, opts ImportOptions, progress func(done, total int)) (*ImportResult, error) {
	if err := auth.AuthorizeSome(a, auth.ManageAppeals); err != nil {
		return nil, err
	}
	res := &ImportResult{Errors: []RowError{}, DryRun: opts.DryRun}
	seen := map[string]int{}
	ctx = audit.WithActor(ctx, audit.ActorOf(ctx))
	h, err := readRows(r, format, func(h *header, cells []string, line, total int) error {
		res.Read++
		defer func() {
			if progress != nil {
				progress(res.Read, total)
			}
		}()
		reject := func(errs []RowError) {
			res.Rejected++
			res.Errors = append(res.Errors, errs...)
		}
		if cells == nil {
			reject([]RowError{{Line: line, Reason: "CSV 格式错误"}})
			return nil
		}
		in, bad := parseRow(h, cells, line)
		if len(bad) > 0 {
			reject(bad)
			return nil
		}
		if first, dup := seen[in.ExternalRef]; dup {
			reject([]RowError{{Line: line, Field: ColRef, Reason: fmt.Sprintf("工单编号与第%d行重复", first)}})
			return nil
		}
		seen[in.ExternalRef] = line
		now := s.now()
		f, err := s.check(ctx, a, in, now)
		if errs.FieldOf(err) == "category" && in.Category != "" {
			// The hotline classifies by its own categories: such a row is
			// filed under 其他 for the office to dispatch, not lost.
			other := in
			other.Category = fallbackCategory
			if f2, err2 := s.check(ctx, a, other, now); errs.FieldOf(err2) != "category" {
				f, err = f2, err2
				if err == nil {
					res.Recategorised = append(res.Recategorised, RowError{Line: line, Field: ColCategory,
						Reason: fmt.Sprintf("诉求类别“%s”不在派单目录中，按“%s”受理", in.Category, f.Category)})
				}
			}
		}
		if err != nil {
			if c := errs.CodeOf(err); c != errs.Invalid {
				return err
			}
			col := fieldColumn[errs.FieldOf(err)]
			reject([]RowError{{Line: line, Field: col, Reason: errs.MessageOf(err)}})
			return nil
		}
		f.client = ImportClient
		if opts.DryRun {
			var id int64
			err := s.db.QueryRowContext(ctx, `SELECT id FROM appeals WHERE client = ? AND external_ref = ?`, f.client, f.ExternalRef).Scan(&id)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				res.Inserted++
			case err != nil:
				return errs.Wrap(err, "check imported appeal")
			default:
				res.Unchanged++
			}
			return nil
		}
		_, created, err := s.file(ctx, a, f, now)
		switch {
		case err != nil && errs.CodeOf(err) == errs.Invalid:
			reject([]RowError{{Line: line, Field: fieldColumn[errs.FieldOf(err)], Reason: errs.MessageOf(err)}})
		case err != nil:
			return err
		case created:
			res.Inserted++
		default:
			res.Unchanged++
		}
		return nil
	})
	if h != nil {
		res.Ignored = h.ignored
	}
	return res, err
}

// ---- imports started in the office's UI ----

// ImportRun is an import uploaded in the office's UI: the file, its job
// and, once finished, its result.
type ImportRun struct {
	ID         int64         `json:"id"`
	JobID      int64         `json:"job_id"`
	Filename   string        `json:"filename"`
	Format     string        `json:"format"`
	Size       int64         `json:"size"`
	DryRun     bool          `json:"dry_run"`
	CreatedAt  time.Time     `json:"created_at"`
	FinishedAt *time.Time    `json:"finished_at"`
	Result     *ImportResult `json:"result"`
	Error      string        `json:"error,omitempty"`
	path       string
	createdBy  *int64
}

// StartImport saves an uploaded 12345 export under dir (outside the web
// root, with a random name) and queues its import as a background job
// (JobImport) that runs as a; it returns the run. The office only. Errors:
// Unauthenticated, Forbidden, Invalid (file type), Unavailable (no job
// runner), Internal.
func (s *Service) StartImport(ctx context.Context, a *auth.Actor, r io.Reader, filename, dir string, opts ImportOptions) (*ImportRun, error) {
	if err := auth.AuthorizeSome(a, auth.ManageAppeals); err != nil {
		return nil, err
	}
	if s.jobs == nil {
		return nil, errs.Errorf(errs.Unavailable, "后台任务不可用")
	}
	format, err := FormatOf(filename)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, errs.Wrap(err, "upload dir")
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	path := filepath.Join(dir, "appeals-"+hex.EncodeToString(b[:])+"."+format)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, errs.Wrap(err, "save upload")
	}
	size, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, errs.Wrap(err, "save upload")
	}
	run := &ImportRun{Filename: cleanName(filename), Format: format, Size: size, DryRun: opts.DryRun,
		CreatedAt: local(s.now().Truncate(time.Millisecond)), path: path}
	var by any
	if a.UserID != 0 {
		by = a.UserID
	}
	err = s.inTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO appeal_import_runs (filename, format, path, size, dry_run, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, run.Filename, format, path, size, opts.DryRun, by, store.Millis(run.CreatedAt)).Scan(&run.ID); err != nil {
			return errs.Wrap(err, "insert import run")
		}
		jobID, err := s.jobs.Enqueue(ctx, tx, JobImport, map[string]int64{"run": run.ID}, jobs.MaxAttempts(1))
		if err != nil {
			return err
		}
		run.JobID = jobID
		if _, err := tx.ExecContext(ctx, `UPDATE appeal_import_runs SET job_id = ? WHERE id = ?`, jobID, run.ID); err != nil {
			return errs.Wrap(err, "link import job")
		}
		return s.audit.Record(ctx, tx, "appeal_import", strconv.FormatInt(run.ID, 10), "create", nil, run)
	})
	if err != nil {
		os.Remove(path)
		return nil, err
	}
	return run, nil
}

// runImport is the handler of JobImport: it imports the saved file as the
// office account that uploaded it, reporting progress, stores the result
// and removes the file.
func (s *Service) runImport(ctx context.Context, j *jobs.Job) error {
	var p struct{ Run int64 }
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(errs.Wrap(err, "import payload"))
	}
	run, err := s.findRun(ctx, p.Run)
	if err != nil {
		return jobs.Permanent(err)
	}
	a := auth.Operator(audit.ActorOf(ctx).Name)
	if run.createdBy != nil {
		a.UserID = *run.createdBy
	}
	f, err := os.Open(run.path)
	if err != nil {
		return s.finishRun(ctx, run, nil, errs.Errorf(errs.NotFound, "上传的文件已不存在：%s", run.Filename))
	}
	defer f.Close()
	res, ierr := s.Import(ctx, a, f, run.Format, ImportOptions{DryRun: run.DryRun}, func(done, total int) {
		_ = j.Progress(ctx, int64(done), int64(max(total, done)), fmt.Sprintf("已读取 %d 行", done))
	})
	if res != nil && ierr == nil {
		_ = j.Progress(ctx, int64(res.Read), int64(res.Read), res.Summary())
	}
	return s.finishRun(ctx, run, res, ierr)
}

func (s *Service) finishRun(ctx context.Context, run *ImportRun, res *ImportResult, ierr error) error {
	var result, msg *string
	if res != nil {
		b, err := json.Marshal(res)
		if err != nil {
			return errs.Wrap(err, "marshal import result")
		}
		r := string(b)
		result = &r
	}
	if ierr != nil {
		m := errs.MessageOf(ierr)
		msg = &m
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE appeal_import_runs SET finished_at = ?, result = ?, error = ? WHERE id = ?`,
		store.Millis(s.now()), result, msg, run.ID); err != nil {
		return errs.Wrap(err, "finish import run")
	}
	os.Remove(run.path)
	if ierr != nil && errs.CodeOf(ierr) == errs.Internal {
		return jobs.Permanent(ierr)
	}
	return nil
}

func (s *Service) findRun(ctx context.Context, id int64) (*ImportRun, error) {
	var run ImportRun
	var created int64
	var finished, jobID sql.NullInt64
	var result, msg sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT id, job_id, filename, format, path, size, dry_run, created_by, created_at, finished_at, result, error
		FROM appeal_import_runs WHERE id = ?`, id).Scan(&run.ID, &jobID, &run.Filename, &run.Format, &run.path, &run.Size, &run.DryRun,
		&run.createdBy, &created, &finished, &result, &msg)
	if err != nil {
		return nil, store.NotFound(err, "导入记录 %d 不存在", id)
	}
	run.JobID = jobID.Int64
	run.CreatedAt = local(store.FromMillis(created))
	run.FinishedAt = localPtr(optTime(finished))
	if result.Valid {
		run.Result = &ImportResult{}
		if err := json.Unmarshal([]byte(result.String), run.Result); err != nil {
			return nil, errs.Wrap(err, "read import result")
		}
	}
	run.Error = msg.String
	return &run, nil
}

// FindImportRunByID returns an import run of the office's UI with its
// result. The office only. Errors: Unauthenticated, Forbidden, NotFound.
func (s *Service) FindImportRunByID(ctx context.Context, a *auth.Actor, id int64) (*ImportRun, error) {
	if err := auth.AuthorizeSome(a, auth.ManageAppeals); err != nil {
		return nil, err
	}
	return s.findRun(ctx, id)
}
