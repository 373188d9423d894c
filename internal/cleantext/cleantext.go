// Package cleantext says what text a field may hold, for every door text
// comes in by — the web's input check (web/hygiene.go) and the import's
// cells alike: valid UTF-8; never NUL, nor a control that changes the
// direction text is shown in ("RTL override": U+202A–U+202E, U+2066–U+2069,
// U+200E, U+200F, U+061C); and in a one-line field no control character at
// all (C0 and C1, DEL, the line and paragraph separators U+2028, U+2029),
// where a multi-line field may hold line breaks and tabs.
package cleantext

import (
	"fmt"
	"unicode/utf8"
)

// Problem returns why s may not be stored in a field, as a Chinese phrase
// to follow the field's name ("含有空字符（NUL）"), or "" when it may.
// multiLine allows CR, LF and tab. Imports check millions of cells, so it
// checks the encoding first and then reads bytes without decoding: once s
// is valid UTF-8, a refused character above ASCII can only begin with the
// byte 0xC2 (C1 controls), 0xD8 (U+061C) or 0xE2 (U+200E, U+200F,
// U+2028–U+202E, U+2066–U+2069), and no other byte of a character can be
// one of those.
func Problem(s string, multiLine bool) string {
	if !utf8.ValidString(s) {
		return "含有无效的字符编码（应为 UTF-8）"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x20 && c < 0x7f || c >= 0x80 && c != 0xc2 && c != 0xd8 && c != 0xe2:
			continue
		case c == 0:
			return "含有空字符（NUL）"
		case c < 0x80:
			if multiLine && (c == '\n' || c == '\r' || c == '\t') {
				continue
			}
			if c == '\n' || c == '\r' {
				return "只能填一行，不能换行"
			}
			return fmt.Sprintf("含有控制字符（U+%04X）", c)
		}
		r, _ := utf8.DecodeRuneInString(s[i:])
		switch {
		case Bidi(r):
			return fmt.Sprintf("含有改变文字方向的控制字符（U+%04X）", r)
		case r == '\u2028' || r == '\u2029':
			return "只能填一行，不能换行"
		case r >= 0x80 && r < 0xa0:
			return fmt.Sprintf("含有控制字符（U+%04X）", r)
		}
	}
	return ""
}

// Bidi reports whether r changes the direction text is shown in.
func Bidi(r rune) bool {
	return r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069' || r == '\u200e' || r == '\u200f' || r == '\u061c'
}
