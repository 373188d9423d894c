package enterprise

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"github.com/qinqing/qinqing/internal/auth"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
	"github.com/qinqing/qinqing/internal/workday"
)

// indexDefs returns the definitions of the indexes of enterprises and
// enterprise_tags, sorted.
func indexDefs(t *testing.T, db *store.DB) []string {
	t.Helper()
	q := "SELECT COALESCE(sql, name) FROM sqlite_master WHERE type = 'index' AND tbl_name IN (" + deferredTables + ")"
	if db.Dialect() == store.Postgres {
		q = "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN (" + deferredTables + ")"
	}
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func TestDeferredIndexes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := New(db, Options{Now: time.Now})
		all := indexDefs(t, db)
		if len(all) < 2 {
			t.Fatalf("indexes %v", all)
		}
		records := testCity(3000, 4)
		var during []int
		var phases []string
		uniqueDuring := false
		res, err := s.ImportRecords(ctx, records, ImportOptions{ExpectedRows: deferMinRows, BatchSize: 1000}, func(p Progress) {
			defs := indexDefs(t, db)
			during = append(during, len(defs))
			if p.Phase == "rows" {
				uniqueDuring = uniqueDuring || slices.ContainsFunc(defs, func(d string) bool { return strings.Contains(d, usccIndex) })
			}
			phases = append(phases, p.Phase)
		})
		if err != nil || res.Inserted != 3000 {
			t.Fatalf("%+v, %v", res, err)
		}
		// Only the primary keys stay during the load: the unique index of
		// the codes is built at the end too.
		if during[0] >= len(all) || uniqueDuring {
			t.Errorf("%d of %d indexes during the load (unique index of the codes: %v)", during[0], len(all), uniqueDuring)
		}
		if !slices.Contains(phases, "indexes") || phases[len(phases)-1] != "indexes" {
			t.Errorf("phases %v", phases)
		}
		if got := indexDefs(t, db); !slices.Equal(got, all) {
			t.Errorf("after the import:\n%v\nwant\n%v", got, all)
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM enterprise_deferred_indexes").Scan(&n); err != nil || n != 0 {
			t.Errorf("%d deferred definitions left, %v", n, err)
		}
		// Name search and tag filters work on the rebuilt indexes (the
		// database answers: this Service has no search index).
		if _, total, err := s.FindEnterprises(ctx, auth.Operator("test"), Filter{Query: "有限公司", Tags: []string{"民营企业"}}); err != nil || total == 0 {
			t.Errorf("search after the import: %d, %v", total, err)
		}
		// A second large import finds rows and defers nothing.
		if ok, err := s.deferIndexes(ctx); ok || err != nil {
			t.Errorf("deferIndexes on a full table: %v, %v", ok, err)
		}
	})
}

func TestRestoreIndexesAfterCrash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := New(db, Options{Now: time.Now})
		all := indexDefs(t, db)
		ok, err := s.deferIndexes(ctx) // and then the process dies
		if !ok || err != nil {
			t.Fatalf("deferIndexes: %v, %v", ok, err)
		}
		if got := indexDefs(t, db); len(got) >= len(all) {
			t.Fatalf("nothing dropped: %v", got)
		}
		if err := s.RestoreIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		if got := indexDefs(t, db); !slices.Equal(got, all) {
			t.Errorf("after RestoreIndexes:\n%v\nwant\n%v", got, all)
		}
		if err := s.RestoreIndexes(ctx); err != nil {
			t.Errorf("second RestoreIndexes: %v", err)
		}
	})
}

// foreignKeys returns the number of foreign keys of enterprise_tags
// (PostgreSQL only; SQLite keeps its foreign keys during an import).
func foreignKeys(t *testing.T, db *store.DB) int {
	t.Helper()
	if db.Dialect() != store.Postgres {
		return 1
	}
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM pg_constraint
		WHERE conrelid = to_regclass(quote_ident(current_schema()) || '.enterprise_tags') AND contype = 'f'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportFresh imports a file into an empty registry through the fast
// path (deferred indexes, no look-up of stored rows) with small parse
// chunks, and checks that bad and repeated rows are rejected on their own
// lines exactly as the regular path does, and that importing the file again
// (the regular path) changes nothing.
func TestImportFresh(t *testing.T) {
	defer func(n int) { parseChunkRows = n }(parseChunkRows)
	parseChunkRows = 5
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := New(db, Options{Now: func() time.Time { return time.Date(2025, 6, 30, 10, 0, 0, 0, workday.Shanghai) }})
		var buf bytes.Buffer
		if _, err := s.ExportRecords(&buf, FormatCSV, testCity(2000, 5)); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), utf8BOM))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := func(name string) int {
			f, _ := FieldByName(name)
			return slices.IndexFunc(recs[0], func(h string) bool { return h == f.Label })
		}
		// Record i is on line i+1 (no cell spans lines).
		recs[50][col("uscc")] = recs[50][col("uscc")][:17] + string(otherUSCCChar(recs[50][col("uscc")][17]))
		recs[100][col("industry")] = "Z999"
		recs[150][col("founded")] = "2099-01-01"
		recs[200][col("uscc")] = recs[20][col("uscc")]
		recs[300] = make([]string, len(recs[0])) // blank: skipped, not counted
		want := []RowError{{Line: 51, Field: "uscc"}, {Line: 101, Field: "industry"}, {Line: 151, Field: "founded"}, {Line: 201, Field: "uscc"}}
		var out bytes.Buffer
		w := csv.NewWriter(&out)
		_ = w.WriteAll(recs)
		text := out.String()
		wantTags := 0
		for i, r := range recs[1:] {
			if tags := r[col("tags")]; i+2 != 51 && i+2 != 101 && i+2 != 151 && i+2 != 201 && tags != "" && tags != TagsUnknown {
				wantTags += len(strings.Split(tags, "、"))
			}
		}

		all := indexDefs(t, db)
		var during []int
		res, err := s.Import(ctx, strings.NewReader(text), FormatCSV, ImportOptions{Size: deferMinBytes}, func(p Progress) {
			if !p.Done && p.Phase == "rows" {
				during = append(during, len(indexDefs(t, db))+10*foreignKeys(t, db))
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Read != 1999 || res.Inserted != 1995 || res.Rejected != 4 || res.Updated+res.Unchanged != 0 {
			t.Fatalf("fresh import %+v", res)
		}
		check := func(errs []RowError) {
			t.Helper()
			if len(errs) != len(want) {
				t.Fatalf("errors %+v", errs)
			}
			for i, e := range errs {
				if e.Line != want[i].Line || e.Field != want[i].Field {
					t.Errorf("error %d: %+v, want line %d field %s", i, e, want[i].Line, want[i].Field)
				}
			}
			if !strings.Contains(errs[3].Reason, "第21行") {
				t.Errorf("repeated code: %q does not name line 21", errs[3].Reason)
			}
		}
		check(res.Errors)
		// The indexes (and on PostgreSQL the foreign key of the tags) were
		// deferred while rows were written, and are all back.
		if len(during) == 0 || during[0] >= len(all)+10 {
			t.Errorf("indexes and foreign keys during the load: %v", during)
		}
		if got := indexDefs(t, db); !slices.Equal(got, all) || foreignKeys(t, db) != 1 {
			t.Errorf("after the import: %v (%d foreign keys), want %v", got, foreignKeys(t, db), all)
		}
		if n := countTable(t, db, "enterprises"); n != 1995 {
			t.Errorf("%d enterprises stored", n)
		}
		if n := countTable(t, db, "enterprise_tags"); n != wantTags || n == 0 {
			t.Errorf("%d tag rows, want %d", n, wantTags)
		}
		stored, err := s.FindEnterpriseByUSCC(ctx, auth.Operator("test"), recs[20][col("uscc")])
		if err != nil || stored.Name != recs[20][col("name")] {
			t.Errorf("the first of two rows with one code: %+v, %v", stored, err)
		}

		// The registry is no longer empty: the same file goes through the
		// regular path and finds every row unchanged.
		res, err = s.Import(ctx, strings.NewReader(text), FormatCSV, ImportOptions{Size: deferMinBytes}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Read != 1999 || res.Unchanged != 1995 || res.Rejected != 4 || res.Inserted+res.Updated != 0 {
			t.Fatalf("second import %+v", res)
		}
		check(res.Errors)
		if n := countTable(t, db, "enterprise_history"); n != 0 {
			t.Errorf("%d history rows", n)
		}
	})
}

// TestImportFreshSettlesRace stores, while a fresh import runs without the
// unique index of the codes, a code the import has yet to write, as another
// writer racing it would: the import keeps the other writer's row, drops
// its own, reports it rejected on its line, and builds the index.
func TestImportFreshSettlesRace(t *testing.T) {
	defer func(n int) { freshBatchSize = n }(freshBatchSize)
	freshBatchSize = 500
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := New(db, Options{Now: time.Now})
		var buf bytes.Buffer
		if _, err := s.ExportRecords(&buf, FormatCSV, testCity(2000, 6)); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), utf8BOM))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		code := recs[1900][0] // line 1901, in the fourth batch
		raced := false
		res, err := s.Import(ctx, bytes.NewReader(buf.Bytes()), FormatCSV, ImportOptions{Size: deferMinBytes}, func(p Progress) {
			if raced || p.Inserted == 0 {
				return
			}
			raced = true
			if _, err := db.ExecContext(ctx, "INSERT INTO enterprises (uscc, name, sources, created_at, updated_at) VALUES (?, '抢先登记的企业', '{}', 0, 0)", code); err != nil {
				t.Errorf("the other writer: %v", err)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Read != 2000 || res.Inserted != 1999 || res.Rejected != 1 || len(res.Errors) != 1 {
			t.Fatalf("import %+v", res)
		}
		if e := res.Errors[0]; e.Line != 1901 || e.Field != "uscc" || !strings.Contains(e.Reason, "已由其他操作登记") {
			t.Errorf("rejected %+v", e)
		}
		if got, err := s.FindEnterpriseByUSCC(ctx, auth.Operator("test"), code); err != nil || got.Name != "抢先登记的企业" {
			t.Errorf("the code's row: %+v, %v", got, err)
		}
		if n := countTable(t, db, "enterprises"); n != 2000 {
			t.Errorf("%d enterprises", n)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO enterprises (uscc, name, sources, created_at, updated_at) VALUES (?, '重复', '{}', 0, 0)", code); !store.IsUniqueViolation(err) {
			t.Errorf("a repeated code after the import: %v, want the unique index to refuse it", err)
		}
	})
}

// TestRestoreIndexesRepeatedCodes: codes stored twice while the unique
// index was missing, with no import to settle them, stop the rebuild with
// a Conflict that names them, and the rebuild succeeds once they are gone.
func TestRestoreIndexesRepeatedCodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := New(db, Options{Now: time.Now})
		if ok, err := s.deferIndexes(ctx); !ok || err != nil {
			t.Fatalf("deferIndexes: %v, %v", ok, err)
		}
		const code = "91420100MA4KXXXX0X"
		for range 2 {
			if _, err := db.ExecContext(ctx, "INSERT INTO enterprises (uscc, name, sources, created_at, updated_at) VALUES (?, '某公司', '{}', 0, 0)", code); err != nil {
				t.Fatal(err)
			}
		}
		err := s.RestoreIndexes(ctx)
		if errs.CodeOf(err) != errs.Conflict || !strings.Contains(err.Error(), code) {
			t.Fatalf("RestoreIndexes with a repeated code: %v", err)
		}
		if _, err := db.ExecContext(ctx, "DELETE FROM enterprises WHERE id = (SELECT MAX(id) FROM enterprises)"); err != nil {
			t.Fatal(err)
		}
		if err := s.RestoreIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM enterprise_deferred_indexes").Scan(&n); err != nil || n != 0 {
			t.Errorf("%d deferred definitions left, %v", n, err)
		}
	})
}

// otherUSCCChar returns a code character other than c.
func otherUSCCChar(c byte) byte {
	if c == '0' {
		return '1'
	}
	return '0'
}

// countTable returns the number of rows of a table.
func countTable(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestParseParallel checks that rows parsed on several goroutines come out
// in the order read, with their own line numbers and cells (the reader
// reuses its cell slice), blank rows skipped, and that errors of either
// side stop the parse.
func TestParseParallel(t *testing.T) {
	defer func(n int) { parseChunkRows = n }(parseChunkRows)
	parseChunkRows = 3
	h, err := parseHeader([]string{"uscc", "name"})
	if err != nil {
		t.Fatal(err)
	}
	p := &rowParser{h: h, city: Wuhan()}
	code := func(i int) string {
		c, err := MakeUSCC('9', '1', "420111", fmt.Sprintf("MA%06d", i))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	const n = 1000
	read := func(stopAt int, fail error) func(add func(rawRow) error) error {
		return func(add func(rawRow) error) error {
			cells := make([]string, 2)
			for i := 1; i <= n; i++ {
				if i == stopAt {
					return fail
				}
				switch {
				case i%11 == 0:
					cells[0], cells[1] = "", " "
				case i%7 == 0:
					cells[0], cells[1] = "bad", fmt.Sprint("企业", i)
				default:
					cells[0], cells[1] = code(i), fmt.Sprint("企业", i)
				}
				if err := add(rawRow{cells: cells, line: i + 1, p: p}); err != nil {
					return err
				}
			}
			return nil
		}
	}
	var lines []int
	emit := func(e *Enterprise, line int, bad []RowError, _ int) error {
		i := line - 1
		lines = append(lines, line)
		switch {
		case i%11 == 0:
			t.Errorf("blank line %d emitted", line)
		case i%7 == 0:
			if e != nil || len(bad) != 1 || bad[0].Line != line || bad[0].Field != "uscc" {
				t.Errorf("line %d: %+v, %+v", line, e, bad)
			}
		case e == nil || e.USCC != code(i) || e.Name != fmt.Sprint("企业", i):
			t.Errorf("line %d: %+v, %+v", line, e, bad)
		}
		return nil
	}
	if err := parseParallel(context.Background(), read(0, nil), emit); err != nil {
		t.Fatal(err)
	}
	if want := n - n/11; len(lines) != want || !slices.IsSorted(lines) || lines[0] != 2 {
		t.Errorf("%d lines emitted, want %d in order", len(lines), want)
	}

	// An error of the reader is returned after the rows before it.
	lines = nil
	boom := errors.New("boom")
	if err := parseParallel(context.Background(), read(500, boom), emit); !errors.Is(err, boom) {
		t.Errorf("reader error: %v", err)
	}
	if len(lines) == 0 || lines[len(lines)-1] != 500 {
		t.Errorf("rows before the reader's error: last line %v", lines[len(lines)-1:])
	}
	// An error of emit stops the reader and is returned.
	stop := errors.New("stop")
	count := 0
	err = parseParallel(context.Background(), read(0, nil), func(*Enterprise, int, []RowError, int) error {
		if count++; count == 100 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || count != 100 {
		t.Errorf("emit error: %v after %d rows", err, count)
	}
}

// TestTrimSpace checks the fast path of trimSpace against trimming rune by
// rune, on every string of up to four pieces drawn from spaces, characters
// that share their first or last byte with a space, and plain ones.
func TestTrimSpace(t *testing.T) {
	pieces := []string{"", " ", "\t", "\u3000", "\u00a0", "\ufeff", "a", "中", "\u00bf", "\u3001", "\uff01", "\u0080", "€", "\x01"}
	var walk func(s string, depth int)
	walk = func(s string, depth int) {
		if want := strings.TrimFunc(s, func(r rune) bool {
			return strings.ContainsRune(" \t\n\r\v\f\u3000\u00a0\ufeff", r)
		}); trimSpace(s) != want {
			t.Errorf("trimSpace(%q) = %q, want %q", s, trimSpace(s), want)
		}
		if depth == 4 {
			return
		}
		for _, p := range pieces {
			walk(s+p, depth+1)
		}
	}
	walk("", 0)
}
