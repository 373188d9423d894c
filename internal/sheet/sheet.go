// Package sheet makes text safe for the spreadsheets officials open: every
// CSV and xlsx writer passes its text cells through Escape, so that a value
// typed by anyone (an enterprise name, an appeal, an audit entry) cannot
// run as a formula in Excel or WPS (formula injection, CWE-1236); imports
// pass cells through Unescape, so that an export imports unchanged.
package sheet

import (
	"strings"
	"unicode/utf8"
)

// triggers are the first characters that make a spreadsheet treat a text
// cell as a formula or a command: = + - @, tab and carriage return, and the
// full-width = + - @ that Chinese input methods type (WPS and Excel with a
// CJK locale convert them). The single quote is escaped too, so that
// Unescape is the exact inverse of Escape.
const triggers = "=+-@\t\r'＝＋－＠"

func trigger(s string) bool {
	if s == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s)
	return strings.ContainsRune(triggers, r)
}

// Escape returns s with a leading single quote when it starts with a
// character a spreadsheet could take for a formula (or with a single
// quote), and s unchanged otherwise. Numbers written as numbers need no
// escape; a negative amount written as text does.
func Escape(s string) string {
	if trigger(s) {
		return "'" + s
	}
	return s
}

// Unescape removes the quote Escape added: a leading single quote followed
// by one of the characters Escape quotes. Other text is unchanged.
func Unescape(s string) string {
	if len(s) >= 2 && s[0] == '\'' && trigger(s[1:]) {
		return s[1:]
	}
	return s
}
