package policy

import (
	"context"
	"database/sql"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// The enterprises table belongs to package enterprise; the engine reads it
// (and only reads it) column by column, streaming, because loading 2.25
// million rows through a slice of structs would double the memory the
// snapshot needs.
const enterpriseColumns = "id, name, kind, industry, district, street, founded, registered_capital, employees, revenue, " +
	"rd_expense, tax_paid, export_value, total_assets, tags, credit, status, size, updated_at"

// entScanner scans enterprise rows into one reused Enterprise; the
// categorical strings are interned so that a full load allocates each
// distinct district, industry or enum value once.
type entScanner struct {
	e                                         enterprise.Enterprise
	name                                      string
	kind, industry, district, street          sql.NullString
	founded, tags, credit, status, size       sql.NullString
	capital, employees, revenue, rd, tax, exp sql.NullInt64
	assets                                    sql.NullInt64
	updated                                   int64
	ints                                      [7]int64
	strs                                      [7]string
	date                                      workday.Date
	intern                                    map[string]string
	tagLists                                  map[string][]string
	dest                                      []any
}

func newEntScanner() *entScanner {
	s := &entScanner{intern: map[string]string{}, tagLists: map[string][]string{}}
	s.dest = []any{&s.e.ID, &s.name, &s.kind, &s.industry, &s.district, &s.street, &s.founded,
		&s.capital, &s.employees, &s.revenue, &s.rd, &s.tax, &s.exp, &s.assets, &s.tags, &s.credit, &s.status, &s.size, &s.updated}
	return s
}

func (s *entScanner) str(ns sql.NullString, i int) *string {
	if !ns.Valid {
		return nil
	}
	v, ok := s.intern[ns.String]
	if !ok {
		v = ns.String
		if len(s.intern) < 100000 {
			s.intern[v] = v
		}
	}
	s.strs[i] = v
	return &s.strs[i]
}

func (s *entScanner) num(n sql.NullInt64, i int) *int64 {
	if !n.Valid {
		return nil
	}
	s.ints[i] = n.Int64
	return &s.ints[i]
}

// scan reads one row. The returned enterprise (and what it points to) is
// valid until the next call; callers that keep it must copy it (clone).
func (s *entScanner) scan(rows interface{ Scan(...any) error }) (*enterprise.Enterprise, error) {
	if err := rows.Scan(s.dest...); err != nil {
		return nil, err
	}
	e := &s.e
	e.Name = s.name
	e.Kind = s.str(s.kind, 0)
	e.Industry = s.str(s.industry, 1)
	e.District = s.str(s.district, 2)
	e.Street = s.str(s.street, 3)
	e.Credit = s.str(s.credit, 4)
	e.Status = s.str(s.status, 5)
	e.Size = s.str(s.size, 6)
	e.RegisteredCapital = s.num(s.capital, 0)
	e.Employees = s.num(s.employees, 1)
	e.Revenue = s.num(s.revenue, 2)
	e.RDExpense = s.num(s.rd, 3)
	e.TaxPaid = s.num(s.tax, 4)
	e.ExportValue = s.num(s.exp, 5)
	e.TotalAssets = s.num(s.assets, 6)
	e.Founded = nil
	if s.founded.Valid {
		d, err := parseStoredDate(s.founded.String)
		if err != nil {
			return nil, err
		}
		s.date = d
		e.Founded = &s.date
	}
	e.Tags = nil
	if s.tags.Valid {
		list, ok := s.tagLists[s.tags.String]
		if !ok {
			list = []string{}
			if s.tags.String != "" {
				list = strings.Split(s.tags.String, "|")
			}
			if len(s.tagLists) < 10000 {
				s.tagLists[s.tags.String] = list
			}
		}
		e.Tags = list
	}
	e.UpdatedAt = store.FromMillis(s.updated)
	return e, nil
}

// parseStoredDate reads a date as stored (YYYY-MM-DD) without the
// allocations of workday.ParseDate, falling back to it for anything else.
func parseStoredDate(v string) (workday.Date, error) {
	if len(v) == 10 && v[4] == '-' && v[7] == '-' {
		n := func(s string) int {
			x := 0
			for i := 0; i < len(s); i++ {
				c := s[i]
				if c < '0' || c > '9' {
					return -1
				}
				x = x*10 + int(c-'0')
			}
			return x
		}
		y, m, d := n(v[:4]), n(v[5:7]), n(v[8:])
		if y >= 0 && m >= 1 && m <= 12 && d >= 1 && d <= 31 {
			date := workday.NewDate(y, time.Month(m), d)
			if _, mm, dd := date.YMD(); mm == time.Month(m) && dd == d {
				return date, nil
			}
		}
	}
	return workday.ParseDate(v)
}

// clone returns a deep copy of e.
func clone(e *enterprise.Enterprise) *enterprise.Enterprise {
	c := *e
	cp := func(p *string) *string {
		if p == nil {
			return nil
		}
		v := *p
		return &v
	}
	cn := func(p *int64) *int64 {
		if p == nil {
			return nil
		}
		v := *p
		return &v
	}
	c.Kind, c.Industry, c.District, c.Street = cp(e.Kind), cp(e.Industry), cp(e.District), cp(e.Street)
	c.Credit, c.Status, c.Size = cp(e.Credit), cp(e.Status), cp(e.Size)
	c.RegisteredCapital, c.Employees, c.Revenue, c.RDExpense = cn(e.RegisteredCapital), cn(e.Employees), cn(e.Revenue), cn(e.RDExpense)
	c.TaxPaid, c.ExportValue, c.TotalAssets = cn(e.TaxPaid), cn(e.ExportValue), cn(e.TotalAssets)
	if e.Founded != nil {
		d := *e.Founded
		c.Founded = &d
	}
	if e.Tags != nil {
		c.Tags = append([]string{}, e.Tags...)
	}
	return &c
}

// eachEnterprise streams the enterprises selected by the condition cond
// (SQL after WHERE, ” for all) to fn, which must not keep the enterprise
// (see entScanner.scan). Errors: those of fn; Internal on a database error.
func eachEnterprise(ctx context.Context, q store.Querier, cond string, args []any, fn func(e *enterprise.Enterprise) error) error {
	query := "SELECT " + enterpriseColumns + " FROM enterprises"
	if cond != "" {
		query += " WHERE " + cond
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return errs.Wrap(err, "read enterprises")
	}
	defer rows.Close()
	sc := newEntScanner()
	for rows.Next() {
		e, err := sc.scan(rows)
		if err != nil {
			return errs.Wrap(err, "read enterprise")
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return errs.Wrap(rows.Err(), "read enterprises")
}

// eachEnterpriseBulk streams every enterprise to fn like eachEnterprise;
// on PostgreSQL it reads through a connection of its own with pgx's binary
// protocol, which is several times cheaper per row than database/sql.
func eachEnterpriseBulk(ctx context.Context, db *store.DB, fn func(e *enterprise.Enterprise) error) error {
	if db.Dialect() != store.Postgres {
		return eachEnterpriseParallel(ctx, db, min(max(runtime.GOMAXPROCS(0), 1), 4), fn)
	}
	conn, err := pgx.Connect(ctx, db.RawDSN())
	if err != nil {
		return errs.Wrap(err, "connect for the snapshot load")
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, "SELECT "+enterpriseColumns+" FROM enterprises")
	if err != nil {
		return errs.Wrap(err, "read enterprises")
	}
	defer rows.Close()
	sc := newEntScanner()
	for rows.Next() {
		e, err := sc.scan(rows)
		if err != nil {
			return errs.Wrap(err, "read enterprise")
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return errs.Wrap(rows.Err(), "read enterprises")
}

// entRow is an enterprise copied out of a scanner by value, so that a batch
// of them can go to another goroutine without an allocation per field.
type entRow struct {
	e    enterprise.Enterprise // pointers fixed up by view
	ints [7]int64
	strs [7]string
	date workday.Date
}

func (s *entScanner) row() entRow { return entRow{e: s.e, ints: s.ints, strs: s.strs, date: s.date} }

// view points r's enterprise at r's own values (the scanner's indexes).
func (r *entRow) view() *enterprise.Enterprise {
	e := &r.e
	for i, p := range []**string{&e.Kind, &e.Industry, &e.District, &e.Street, &e.Credit, &e.Status, &e.Size} {
		if *p != nil {
			*p = &r.strs[i]
		}
	}
	for i, p := range []**int64{&e.RegisteredCapital, &e.Employees, &e.Revenue, &e.RDExpense, &e.TaxPaid, &e.ExportValue, &e.TotalAssets} {
		if *p != nil {
			*p = &r.ints[i]
		}
	}
	if e.Founded != nil {
		e.Founded = &r.date
	}
	return e
}

// eachEnterpriseParallel streams every enterprise to fn like eachEnterprise,
// reading id ranges on several connections at once (decoding rows is most
// of the cost of a SQLite load) and calling fn from this goroutine only.
func eachEnterpriseParallel(ctx context.Context, q store.Querier, workers int, fn func(e *enterprise.Enterprise) error) error {
	var lo, hi sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT MIN(id), MAX(id) FROM enterprises`).Scan(&lo, &hi); err != nil {
		return errs.Wrap(err, "read enterprise ids")
	}
	if !lo.Valid {
		return nil
	}
	if workers <= 1 {
		return eachEnterprise(ctx, q, "", nil, fn)
	}
	const batchSize = 1024
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []entRow, 4*workers)
	free := make(chan []entRow, 8*workers)
	errc := make(chan error, workers)
	span := (hi.Int64-lo.Int64)/int64(workers) + 1
	var wg sync.WaitGroup
	for w := range workers {
		from, to := lo.Int64+int64(w)*span, lo.Int64+int64(w+1)*span
		wg.Add(1)
		go func() {
			defer wg.Done()
			get := func() []entRow {
				select {
				case b := <-free:
					return b
				default:
					return make([]entRow, 0, batchSize)
				}
			}
			send := func(b []entRow) error {
				select {
				case batches <- b:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			batch := get()
			sc := newEntScanner()
			err := eachRows(ctx, q, "id >= ? AND id < ?", []any{from, to}, sc, func() error {
				batch = append(batch, sc.row())
				if len(batch) == batchSize {
					if err := send(batch); err != nil {
						return err
					}
					batch = get()
				}
				return nil
			})
			if err == nil && len(batch) > 0 {
				err = send(batch)
			}
			if err != nil {
				errc <- err
				cancel()
			}
		}()
	}
	go func() { wg.Wait(); close(batches) }()
	var ferr error
	for b := range batches {
		if ferr == nil {
			for i := range b {
				if ferr = fn(b[i].view()); ferr != nil {
					cancel()
					break
				}
			}
		}
		select {
		case free <- b[:0]:
		default:
		}
	}
	if ferr != nil {
		return ferr
	}
	select {
	case err := <-errc:
		return err
	default:
	}
	return nil
}

// eachRows runs the enterprise query with cond and calls fn after sc
// scanned each row.
func eachRows(ctx context.Context, q store.Querier, cond string, args []any, sc *entScanner, fn func() error) error {
	rows, err := q.QueryContext(ctx, "SELECT "+enterpriseColumns+" FROM enterprises WHERE "+cond, args...)
	if err != nil {
		return errs.Wrap(err, "read enterprises")
	}
	defer rows.Close()
	for rows.Next() {
		if _, err := sc.scan(rows); err != nil {
			return errs.Wrap(err, "read enterprise")
		}
		if err := fn(); err != nil {
			return err
		}
	}
	return errs.Wrap(rows.Err(), "read enterprises")
}

// findEnterprise reads one enterprise. Errors: NotFound; Internal.
func findEnterprise(ctx context.Context, q store.Querier, id int64) (*enterprise.Enterprise, error) {
	var out *enterprise.Enterprise
	err := eachEnterprise(ctx, q, "id = ?", []any{id}, func(e *enterprise.Enterprise) error {
		out = clone(e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, errs.Errorf(errs.NotFound, "企业（编号%d）不存在", id)
	}
	return out, nil
}

// findEnterprises reads the enterprises with the given ids, in any order.
func findEnterprises(ctx context.Context, q store.Querier, ids []int64) ([]*enterprise.Enterprise, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []*enterprise.Enterprise
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		err := eachEnterprise(ctx, q, "id IN ("+store.Placeholders(len(chunk))+")", args, func(e *enterprise.Enterprise) error {
			out = append(out, clone(e))
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ReadEnterprises reads the enterprises with the given ids from q, in any
// order, as the engine does: the registry's verified values (a value an
// enterprise reported about itself is in the enterprises table only once it
// was accepted; street and founding date, which need no review, at once).
// For the redemption module, which re-reads every candidate from the
// database before it grants. Errors: Internal.
func ReadEnterprises(ctx context.Context, q store.Querier, ids []int64) ([]*enterprise.Enterprise, error) {
	return findEnterprises(ctx, q, ids)
}

// placeholders returns "?, ?, …" with n marks.
