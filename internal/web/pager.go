package web

import (
	"net/url"
	"strconv"
)

// pager pages a server-side list: ?page=N with a fixed page size.
type pager struct {
	Total  int
	Size   int
	Number int // 1-based
	base   url.Values
	path   string
}

// newPager reads ?page= from q.
func newPager(path string, q url.Values, size int) *pager {
	n, _ := strconv.Atoi(q.Get("page"))
	if n < 1 {
		n = 1
	}
	return &pager{Size: size, Number: n, base: q, path: path}
}

// Offset is the offset of the current page's first row.
func (p *pager) Offset() int { return (p.Number - 1) * p.Size }

// Pages is the number of pages.
func (p *pager) Pages() int { return (p.Total + p.Size - 1) / p.Size }

// HasPrev reports whether a previous page exists.
func (p *pager) HasPrev() bool { return p.Number > 1 }

// HasNext reports whether a next page exists.
func (p *pager) HasNext() bool { return p.Number < p.Pages() }

// Prev is the previous page number.
func (p *pager) Prev() int { return p.Number - 1 }

// Next is the next page number.
func (p *pager) Next() int { return p.Number + 1 }

// Link returns the URL of page n keeping the other query parameters.
func (p *pager) Link(n int) string {
	q := url.Values{}
	for k, v := range p.base {
		q[k] = v
	}
	q.Set("page", strconv.Itoa(n))
	return p.path + "?" + q.Encode()
}
