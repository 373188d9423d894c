package appealbench

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/appeal/stats"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/store"
)

// The second limit: every row the intakes wrote, read back per appeal from
// the intake's database, INSERTed by a hand-written loop into a fresh
// database of the same engine with the full schema (prepared as the
// intake's was: the same units, accounts, enterprises and catalogue, so
// that every foreign key holds), one transaction per appeal.

// table is rows read back from one table: the columns (without a
// generated id) and each row's values, grouped by appeal.
type table struct {
	name   string
	cols   []string
	byID   map[int64][][]any // old appeal id → rows
	remap  int               // index of the column naming the appeal (-1: none)
	asText bool              // the column holds the appeal's id as text
}

// written is everything the intakes wrote, by appeal.
type written struct {
	ids      []int64 // appeals in the order filed
	appeals  *table
	children []*table
	cells    map[int64][]stats.Statement
	years    map[int64]int
	// PerAppeal counts the rows read back per appeal, by table.
	PerAppeal map[string]float64
}

// readTable reads the rows of q, drops the generated id column and groups
// the rows by the appeal named by column ref (key maps its value to the
// appeal's id; rows it maps to 0 are left out).
func readTable(ctx context.Context, db *store.DB, name, q string, ref string, key func(row []any, cols []string) int64, args ...any) (*table, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrap(err, "read back "+name)
	}
	defer rows.Close()
	all, err := rows.Columns()
	if err != nil {
		return nil, errs.Wrap(err, "read back "+name)
	}
	t := &table{name: name, byID: map[int64][][]any{}, remap: -1}
	var keep []int
	for i, c := range all {
		if c == "id" {
			continue
		}
		if c == ref {
			t.remap = len(t.cols)
		}
		keep = append(keep, i)
		t.cols = append(t.cols, c)
	}
	for rows.Next() {
		vals := make([]any, len(all))
		ptrs := make([]any, len(all))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, errs.Wrap(err, "read back "+name)
		}
		id := key(vals, all)
		if id == 0 {
			continue
		}
		row := make([]any, len(keep))
		for j, i := range keep {
			row[j] = vals[i]
		}
		t.byID[id] = append(t.byID[id], row)
	}
	return t, errs.Wrap(rows.Err(), "read back "+name)
}

// column returns the value of column name in row.
func column(row []any, cols []string, name string) any {
	return row[slices.Index(cols, name)]
}

// asInt reads an integer value as the drivers return it.
func asInt(v any) int64 {
	switch v := v.(type) {
	case int64:
		return v
	case int32:
		return int64(v)
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	case []byte:
		n, _ := strconv.ParseInt(string(v), 10, 64)
		return n
	}
	return 0
}

func asText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	return ""
}

// readBack reads every row the intakes wrote into db: the appeals, their
// events and units, the audit records of their filing, the notices that
// link to them, the delivery jobs of those notices, the statistics' cells
// they contribute to (as upserts) and the year's counter.
func readBack(ctx context.Context, s *Setup) (*written, error) {
	db := s.App.DB
	w := &written{cells: map[int64][]stats.Statement{}, years: map[int64]int{}, PerAppeal: map[string]float64{}}
	var err error
	byID := func(row []any, cols []string) int64 { return asInt(column(row, cols, "id")) }
	if w.appeals, err = readTable(ctx, db, "appeals", `SELECT * FROM appeals ORDER BY id`, "", byID); err != nil {
		return nil, err
	}
	for id := range w.appeals.byID {
		w.ids = append(w.ids, id)
	}
	slices.Sort(w.ids)
	byAppeal := func(row []any, cols []string) int64 { return asInt(column(row, cols, "appeal_id")) }
	events, err := readTable(ctx, db, "appeal_events", `SELECT * FROM appeal_events ORDER BY appeal_id, seq`, "appeal_id", byAppeal)
	if err != nil {
		return nil, err
	}
	units, err := readTable(ctx, db, "appeal_units", `SELECT * FROM appeal_units ORDER BY appeal_id, unit_id`, "appeal_id", byAppeal)
	if err != nil {
		return nil, err
	}
	audit, err := readTable(ctx, db, "audit_log", `SELECT * FROM audit_log WHERE entity = 'appeal' AND action = 'file' ORDER BY id`, "entity_id",
		func(row []any, cols []string) int64 { return asInt(column(row, cols, "entity_id")) })
	if err != nil {
		return nil, err
	}
	audit.asText = true
	noticeOf := map[int64]int64{} // notification → appeal
	notices, err := readTable(ctx, db, "notifications", `SELECT * FROM notifications WHERE link LIKE '/appeals/%' ORDER BY id`, "",
		func(row []any, cols []string) int64 {
			id, err := strconv.ParseInt(strings.TrimPrefix(asText(column(row, cols, "link")), "/appeals/"), 10, 64)
			if err != nil {
				return 0
			}
			noticeOf[asInt(column(row, cols, "id"))] = id
			return id
		})
	if err != nil {
		return nil, err
	}
	jobs, err := readTable(ctx, db, "jobs", `SELECT * FROM jobs WHERE kind = ? ORDER BY id`, "",
		func(row []any, cols []string) int64 {
			var d struct {
				Notifications []int64 `json:"notifications"`
			}
			if json.Unmarshal([]byte(asText(column(row, cols, "payload"))), &d) != nil || len(d.Notifications) == 0 {
				return 0
			}
			return noticeOf[d.Notifications[0]]
		}, notify.DeliverKind)
	if err != nil {
		return nil, err
	}
	w.children = []*table{events, units, audit, notices, jobs}
	for _, id := range w.ids {
		if w.cells[id], err = s.App.AppealStats.Contribution(ctx, db, id); err != nil {
			return nil, err
		}
		number := asText(column(w.appeals.byID[id][0], w.appeals.cols, "number"))
		year, err := strconv.Atoi(strings.TrimPrefix(strings.SplitN(number, "-", 2)[0], "QS"))
		if err != nil {
			return nil, errs.Errorf(errs.Internal, "appeal %d: number %q", id, number)
		}
		w.years[id] = year
	}
	if n := float64(len(w.ids)); n > 0 {
		w.PerAppeal["appeals"] = 1
		for _, t := range w.children {
			c := 0
			for _, rs := range t.byID {
				c += len(rs)
			}
			w.PerAppeal[t.name] = float64(c) / n
		}
		c := 0
		for _, sts := range w.cells {
			for _, st := range sts {
				c += st.Cells
			}
		}
		w.PerAppeal["appeal_stat_cells (upserted)"] = float64(c) / n
		if db.Dialect() == store.Postgres {
			w.PerAppeal["number sequence (nextval)"] = 1
		} else {
			w.PerAppeal["appeal_counters (upsert)"] = 1
		}
	}
	return w, nil
}

// insert INSERTs rows into t.name in one statement, the column naming the
// appeal set to id.
func insert(ctx context.Context, tx *store.Tx, t *table, rows [][]any, id int64) error {
	if len(rows) == 0 {
		return nil
	}
	row := "(" + store.Placeholders(len(t.cols)) + ")"
	vals := make([]string, len(rows))
	args := make([]any, 0, len(rows)*len(t.cols))
	for i, r := range rows {
		vals[i] = row
		for j, v := range r {
			if j == t.remap {
				if t.asText {
					v = strconv.FormatInt(id, 10)
				} else {
					v = id
				}
			}
			args = append(args, v)
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO `+t.name+` (`+strings.Join(t.cols, ", ")+`) VALUES `+strings.Join(vals, ", "), args...)
	return errs.Wrap(err, "insert into "+t.name)
}

// Replay reads back every row the intakes wrote into src and times
// clients goroutines INSERTing exactly those rows into dst, a fresh
// database of the same engine prepared as src was: per appeal one
// transaction of plain INSERTs — the appeal row (RETURNING its id), then
// each table's rows in one multi-row INSERT (events, units, audit record,
// notices, delivery job), the statistics' cells as the upserts a
// hand-written loop keeps counts with, and the year's number last (its
// counter row upserted on SQLite, its sequence's next value on
// PostgreSQL, as the intake takes it). It returns the measurement and the rows per appeal read
// back, by table.
func Replay(ctx context.Context, src, dst *Setup, clients int) (Measurement, map[string]float64, error) {
	m := Measurement{Label: "same rows, INSERT loop"}
	w, err := readBack(ctx, src)
	if err != nil {
		return m, nil, err
	}
	// The year's number as the intake takes it: its counter row upserted
	// (SQLite), its sequence's next value (PostgreSQL).
	number := func(year int) (string, []any) {
		return `INSERT INTO appeal_counters (year, last) VALUES (?, 1) ON CONFLICT (year) DO UPDATE SET last = appeal_counters.last + 1`, []any{year}
	}
	if dst.App.DB.Dialect() == store.Postgres {
		years := map[int]bool{}
		for _, y := range w.years {
			years[y] = true
		}
		for y := range years {
			if _, err := dst.App.DB.ExecContext(ctx, `CREATE SEQUENCE IF NOT EXISTS `+appeal.NumberSequence(y)); err != nil {
				return m, nil, errs.Wrap(err, "create number sequence")
			}
		}
		number = func(year int) (string, []any) { return `SELECT nextval('` + appeal.NumberSequence(year) + `')`, nil }
	}
	appealInsert := `INSERT INTO appeals (` + strings.Join(w.appeals.cols, ", ") + `) VALUES (` + store.Placeholders(len(w.appeals.cols)) + `) RETURNING id`
	err = drive(ctx, len(w.ids), clients, &m, func(i int) error {
		old := w.ids[i]
		return dst.App.DB.InTx(ctx, func(tx *store.Tx) error {
			var id int64
			if err := tx.QueryRowContext(ctx, appealInsert, w.appeals.byID[old][0]...).Scan(&id); err != nil {
				return errs.Wrap(err, "insert into appeals")
			}
			for _, t := range w.children {
				if err := insert(ctx, tx, t, t.byID[old], id); err != nil {
					return err
				}
			}
			for _, st := range w.cells[old] {
				if _, err := tx.ExecContext(ctx, st.Query, st.Args...); err != nil {
					return errs.Wrap(err, "upsert appeal_stat_cells")
				}
			}
			q, args := number(w.years[old])
			_, err := tx.ExecContext(ctx, q, args...)
			return errs.Wrap(err, "number")
		})
	})
	if err == nil && m.Errors > 0 {
		err = fmt.Errorf("replay: %d of %d appeals failed, the first: %s", m.Errors, len(w.ids), m.FirstError)
	}
	return m, w.PerAppeal, err
}
