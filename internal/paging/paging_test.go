package paging_test

import (
	"net/url"
	"testing"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/paging"
)

func TestClamp(t *testing.T) {
	for _, tc := range []struct{ limit, offset, wantLimit, wantOffset int }{
		{0, 0, paging.DefaultLimit, 0},
		{-3, -1, paging.DefaultLimit, 0},
		{20, 40, 20, 40},
		{paging.MaxLimit + 1, paging.MaxOffset + 1, paging.MaxLimit, paging.MaxOffset},
		{1 << 62, 1 << 62, paging.MaxLimit, paging.MaxOffset},
	} {
		if l, o := paging.Clamp(tc.limit, tc.offset); l != tc.wantLimit || o != tc.wantOffset {
			t.Errorf("Clamp(%d, %d) = %d, %d; want %d, %d", tc.limit, tc.offset, l, o, tc.wantLimit, tc.wantOffset)
		}
	}
}

func TestParse(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for q, want := range map[string][2]int{"": {paging.DefaultLimit, 0}, "limit=20&offset=40": {20, 40}, "limit=500": {500, 0}} {
			v, _ := url.ParseQuery(q)
			if l, o, err := paging.Parse(v); err != nil || l != want[0] || o != want[1] {
				t.Errorf("Parse(%q) = %d, %d, %v", q, l, o, err)
			}
		}
	})
	t.Run("ErrOutOfRange", func(t *testing.T) {
		for q, field := range map[string]string{"limit=0": "limit", "limit=501": "limit", "limit=x": "limit", "offset=-1": "offset", "offset=1000001": "offset"} {
			v, _ := url.ParseQuery(q)
			if _, _, err := paging.Parse(v); errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != field {
				t.Errorf("Parse(%q) = %v, want invalid %s", q, err, field)
			}
		}
	})
}
