package enterprise

import (
	"bytes"
	"context"
	"encoding/binary"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// copyBuf encodes rows in PostgreSQL's binary COPY format, written
// directly from the enterprises' fields: no per-value interface boxing or
// type lookups, which made pgx's generic CopyFrom most of the client's
// cost of a large import.
type copyBuf struct {
	b []byte
}

// copySignature starts every binary COPY stream (followed by flags and
// header extension length, both 0).
const copySignature = "PGCOPY\n\xff\r\n\x00"

// start begins a new stream in c, keeping its memory, sized for at least
// size bytes.
func (c *copyBuf) start(size int) {
	c.b = slices.Grow(c.b[:0], size)
	c.b = append(c.b, copySignature...)
	c.b = binary.BigEndian.AppendUint32(c.b, 0)
	c.b = binary.BigEndian.AppendUint32(c.b, 0)
}

// row starts a tuple of n fields.
func (c *copyBuf) row(n int) { c.b = binary.BigEndian.AppendUint16(c.b, uint16(n)) }

func (c *copyBuf) null() { c.b = binary.BigEndian.AppendUint32(c.b, 0xFFFFFFFF) }

func (c *copyBuf) int64(v int64) {
	c.b = binary.BigEndian.AppendUint32(c.b, 8)
	c.b = binary.BigEndian.AppendUint64(c.b, uint64(v))
}

func (c *copyBuf) text(s string) {
	c.b = binary.BigEndian.AppendUint32(c.b, uint32(len(s)))
	c.b = append(c.b, s...)
}

func (c *copyBuf) textPtr(s *string) {
	if s == nil {
		c.null()
		return
	}
	c.text(*s)
}

func (c *copyBuf) int64Ptr(v *int64) {
	if v == nil {
		c.null()
		return
	}
	c.int64(*v)
}

// enterprise writes the fields of dbColumns of e.
func (c *copyBuf) enterprise(e *Enterprise) {
	c.text(e.USCC)
	c.text(e.Name)
	c.textPtr(e.Kind)
	c.textPtr(e.Industry)
	c.textPtr(e.District)
	c.textPtr(e.Street)
	if e.Founded != nil {
		c.text(e.Founded.String())
	} else {
		c.null()
	}
	for _, v := range []*int64{e.RegisteredCapital, e.Employees, e.Revenue, e.RDExpense, e.TaxPaid, e.ExportValue, e.TotalAssets} {
		c.int64Ptr(v)
	}
	if e.Tags != nil {
		c.b = binary.BigEndian.AppendUint32(c.b, 0)
		at := len(c.b)
		for i, t := range e.Tags {
			if i > 0 {
				c.b = append(c.b, '|')
			}
			c.b = append(c.b, t...)
		}
		binary.BigEndian.PutUint32(c.b[at-4:], uint32(len(c.b)-at))
	} else {
		c.null()
	}
	c.textPtr(e.Credit)
	c.textPtr(e.Status)
	c.textPtr(e.Size)
	c.textPtr(e.KindText)
}

// send ends the stream and COPYs it into table (columns cols) on conn.
func (c *copyBuf) send(ctx context.Context, conn *pgconn.PgConn, table string, cols []string) error {
	c.b = binary.BigEndian.AppendUint16(c.b, 0xFFFF)
	_, err := conn.CopyFrom(ctx, bytes.NewReader(c.b), "COPY "+table+" ("+strings.Join(cols, ", ")+") FROM STDIN (FORMAT binary)")
	return err
}
