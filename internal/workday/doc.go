// Package workday is the official working-day calendar of mainland China:
// dates (Date, counted in days and read in Asia/Shanghai), the State
// Council's yearly holiday notices embedded as a table (holidays_gen.go,
// regenerated from the holiday-cn files by a test run with -update), and
// administrators' overrides layered on top (Calendar.SetOverrides).
//
// Deadlines counted in working days use Calendar.AddWorkdays and
// Calendar.Between, which agree with each other: the working days counted
// are those after the start, up to and including the end. Deadlines counted
// in hours use Calendar.AddWorkingHours and Calendar.WorkingDuration with
// office Hours (09:00–12:00 and 13:30–17:30 unless configured).
//
// A year with no published notice (Calendar.Known is false) follows the
// Saturday/Sunday default, which is only a guess; the server warns when the
// current or next year is not known, and the table is rebuilt when the State
// Council publishes the next notice, usually in November.
package workday
