// Package paging is the one rule by which lists are paged. Every domain
// Find method clamps its filter's Limit and Offset with Clamp and pages in
// SQL (LIMIT ? OFFSET ?), never by slicing a full list in memory; the API
// reads ?limit= and ?offset= with Parse, which refuses what Clamp would
// change, so a client learns the rule instead of getting a silent cut.
package paging

import (
	"net/url"
	"strconv"

	"github.com/qinqing/qinqing/internal/errs"
)

// The rule.
const (
	DefaultLimit = 50        // rows when none is asked for
	MaxLimit     = 500       // the most rows one page holds
	MaxOffset    = 1_000_000 // the deepest a page may start
)

// Clamp returns limit and offset within the rule: a limit ≤ 0 is
// DefaultLimit, one above MaxLimit is MaxLimit; a negative offset is 0,
// one above MaxOffset is MaxOffset.
func Clamp(limit, offset int) (int, int) {
	switch {
	case limit <= 0:
		limit = DefaultLimit
	case limit > MaxLimit:
		limit = MaxLimit
	}
	return limit, min(max(offset, 0), MaxOffset)
}

// Parse reads ?limit= and ?offset= of an API request: absent ones are
// DefaultLimit and 0. Errors: Invalid on "limit" (not 1–MaxLimit) or
// "offset" (not 0–MaxOffset).
func Parse(q url.Values) (limit, offset int, err error) {
	limit = DefaultLimit
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > MaxLimit {
			return 0, 0, errs.FieldErrorf("limit", "limit 应为 1–%d 的整数", MaxLimit)
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 || offset > MaxOffset {
			return 0, 0, errs.FieldErrorf("offset", "offset 应为 0–%d 的整数", MaxOffset)
		}
	}
	return limit, offset, nil
}
