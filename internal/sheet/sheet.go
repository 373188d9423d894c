// Package sheet makes text safe for the spreadsheets officials open: every
// CSV and xlsx writer passes its text cells through Escape, so that a value
// typed by anyone (an enterprise name, an appeal, an audit entry) cannot
// run as a formula in Excel or WPS (formula injection, CWE-1236); imports
// pass cells through Unescape, so that an export imports unchanged.
package sheet

import (
	"math"
	"strconv"
	"strings"
	"time"
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

// CutNote splits a header written with a note in brackets of either width
// — 注册资本（万元）, 到账日期(YYYY-MM-DD) — into its name and the note, both
// trimmed; ok is false for a header without one.
func CutNote(h string) (name, note string, ok bool) {
	i := strings.IndexAny(h, "(（")
	if i < 0 {
		return h, "", false
	}
	_, n := utf8.DecodeRuneInString(h[i:])
	return strings.TrimSpace(h[:i]), strings.TrimSpace(strings.TrimRight(h[i+n:], ")）")), true
}

// MaxTitleRows is how many rows above its header an imported file may have
// — an export's title, its period, a blank line — and be read: every
// import passes over that many at most while it looks for the header.
const MaxTitleRows = 5

// Serial numbers of the dates a date cell may hold when read raw (what
// imports read, so that a cell's display format such as 3/9/26 does not
// matter): 3654 is 1910-01-01 — smaller numbers are rather years or counts
// typed as numbers — and 2958465 is 9999-12-31, the last day Excel knows.
const (
	minSerial = 3654
	maxSerial = 2958465
)

// SerialTime reads v as the serial number Excel and WPS keep in a date or
// time cell — days since 1899-12-30 (the 1900 date system), the time of
// day as the fraction — in loc. It reports false for any other text and
// for numbers outside 1910-01-01 … 9999-12-31.
func SerialTime(v string, loc *time.Location) (time.Time, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) || f < minSerial || f >= maxSerial+1 || strings.ContainsAny(v, "eExXpP_+-") {
		return time.Time{}, false
	}
	days := math.Floor(f)
	secs := math.Round((f - days) * 86400)
	return time.Date(1899, 12, 30, 0, 0, 0, 0, loc).AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second), true
}
