package appeal_test

import (
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/workday"
)

// The classes of the default migration.
var (
	normal  = appeal.Class{ID: 1, Name: "一般", SignMinutes: 240, HandleDays: 5, WarnDays: 1, EvalDays: 5}
	urgent  = appeal.Class{ID: 2, Name: "紧急", SignMinutes: 60, HandleDays: 1, WarnDays: 1, EvalDays: 5}
	consult = appeal.Class{ID: 3, Name: "咨询", SignMinutes: 240, HandleDays: 3, WarnDays: 1, EvalDays: 5}
)

func testEnv(t *testing.T, opts ...workday.Option) appeal.Env {
	t.Helper()
	cal, err := workday.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return appeal.Env{Calendar: cal, Classes: map[int64]appeal.Class{1: normal, 2: urgent, 3: consult}}
}

// at reads an instant in Asia/Shanghai written "2006-01-02 15:04".
func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, workday.Shanghai)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

func date(s string) workday.Date { return workday.MustParseDate(s) }

var unitA, unitB, unitC = int64(10), int64(20), int64(30)

// ev builds an event; the seq is set by history.
func ev(kind appeal.Kind, when time.Time, unit *int64, p appeal.Payload) appeal.Event {
	return appeal.Event{Kind: kind, At: when, UnitID: unit, Payload: p}
}

func history(evs ...appeal.Event) []appeal.Event {
	for i := range evs {
		evs[i].Seq = i + 1
	}
	return evs
}

// TestDeadlines checks due_date (counted as `qinqing workday add` counts)
// and sign_due_at (office hours on working days from the receipt) across
// the 2024–2026 holidays and make-up working days.
func TestDeadlines(t *testing.T) {
	env := testEnv(t)
	for _, tc := range []struct {
		name     string
		received string
		class    int64
		limit    int
		wantSign string
		wantDue  string
	}{
		// 2024-09-14 (Saturday) is a make-up working day; 09-15..17 are Mid-Autumn.
		{"OKFridayAfternoonIntoMakeUpSaturday", "2024-09-13 16:30", 1, 0, "2024-09-14 12:00", "2024-09-23"},
		{"OKUrgentAfterHoursOnMakeUpDay", "2024-09-14 20:00", 2, 0, "2024-09-18 10:00", "2024-09-18"},
		// 2024-09-29 (Sunday) is a make-up day before National Day.
		{"OKBeforeHoursOnMakeUpSunday", "2024-09-29 08:00", 1, 0, "2024-09-29 14:30", "2024-10-11"},
		{"OKAcrossNationalDay", "2024-09-30 17:00", 1, 0, "2024-10-08 14:00", "2024-10-12"},
		// The last hour used up at 17:30 ends there, not at 09:00 next day.
		{"OKLunchBreakStartsAt1330", "2025-01-24 12:30", 3, 0, "2025-01-24 17:30", "2025-02-05"},
		{"OKAcrossNewYearToMakeUpSunday", "2025-12-31 10:00", 2, 0, "2025-12-31 11:00", "2026-01-04"},
		{"OKSpringFestival2026", "2026-02-13 17:29", 2, 0, "2026-02-14 09:59", "2026-02-14"},
		{"OKSpringFestival2026Normal", "2026-02-13 10:00", 1, 0, "2026-02-13 15:30", "2026-02-27"},
		{"OKAtEndOfOfficeHours", "2026-04-03 17:30", 2, 0, "2026-04-07 10:00", "2026-04-07"},
		{"OKQingming2026", "2026-04-03 11:00", 1, 0, "2026-04-03 16:30", "2026-04-13"},
		{"OKLimitOverride", "2026-03-02 10:00", 1, 6, "2026-03-02 15:30", "2026-03-10"},
		{"OKWeekendReceipt", "2026-03-07 15:00", 1, 0, "2026-03-09 14:30", "2026-03-13"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := appeal.Derive(history(
				ev(appeal.KindReceived, at(t, tc.received), nil, appeal.Payload{ClassID: tc.class, LimitDays: tc.limit}),
				ev(appeal.KindDispatched, at(t, tc.received).Add(time.Minute), &unitA, appeal.Payload{Auto: true}),
			), env)
			if got := st.SignDueAt.In(workday.Shanghai).Format("2006-01-02 15:04"); got != tc.wantSign {
				t.Errorf("sign_due_at = %s, want %s", got, tc.wantSign)
			}
			if st.DueDate != date(tc.wantDue) {
				t.Errorf("due_date = %s, want %s", st.DueDate, tc.wantDue)
			}
			if want := env.Calendar.AddWorkdays(workday.DateOf(at(t, tc.received)), st.LimitDays); st.DueDate != want {
				t.Errorf("due_date %s differs from workday add %s", st.DueDate, want)
			}
			if st.Status != appeal.StatusSigning {
				t.Errorf("status = %s, want signing", st.Status)
			}
		})
	}
}

// TestPausesExtensionsReopening checks how the clock moves.
func TestPausesExtensionsReopening(t *testing.T) {
	env := testEnv(t)
	recv := func() []appeal.Event {
		return []appeal.Event{
			ev(appeal.KindReceived, at(t, "2026-03-02 10:00"), nil, appeal.Payload{ClassID: 1}),
			ev(appeal.KindDispatched, at(t, "2026-03-02 10:05"), &unitA, appeal.Payload{Auto: true}),
			ev(appeal.KindSigned, at(t, "2026-03-02 10:30"), &unitA, appeal.Payload{}),
		}
	}
	with := func(evs ...appeal.Event) []appeal.Event { return history(append(recv(), evs...)...) }
	for _, tc := range []struct {
		name       string
		evs        []appeal.Event
		wantDue    string
		wantStatus appeal.Status
		wantPaused int64 // minutes
	}{
		{"OKPlain", with(), "2026-03-09", appeal.StatusHandling, 0},
		// A whole working day paused (7 hours) moves the due date one day.
		{"OKPauseOneWorkingDay", with(
			ev(appeal.KindPaused, at(t, "2026-03-03 10:00"), &unitA, appeal.Payload{Reason: "营业执照"}),
			ev(appeal.KindResumed, at(t, "2026-03-04 10:00"), &unitA, appeal.Payload{})), "2026-03-10", appeal.StatusHandling, 420},
		// Half an hour rounds up to a working day.
		{"OKPauseHalfHour", with(
			ev(appeal.KindPaused, at(t, "2026-03-03 10:00"), &unitA, appeal.Payload{}),
			ev(appeal.KindSupplied, at(t, "2026-03-03 10:30"), nil, appeal.Payload{Note: "已补充"})), "2026-03-10", appeal.StatusHandling, 30},
		// Two pauses of 3.5 hours add up to one working day, not two.
		{"OKTwoPausesSummed", with(
			ev(appeal.KindPaused, at(t, "2026-03-03 09:00"), &unitA, appeal.Payload{}),
			ev(appeal.KindResumed, at(t, "2026-03-03 12:00"), &unitA, appeal.Payload{}),
			ev(appeal.KindPaused, at(t, "2026-03-04 13:30"), &unitA, appeal.Payload{}),
			ev(appeal.KindResumed, at(t, "2026-03-04 14:00"), &unitA, appeal.Payload{})), "2026-03-10", appeal.StatusHandling, 210},
		// A pause over a weekend counts only the office hours in it.
		{"OKPauseOverWeekend", with(
			ev(appeal.KindPaused, at(t, "2026-03-06 17:00"), &unitA, appeal.Payload{}),
			ev(appeal.KindResumed, at(t, "2026-03-09 09:30"), &unitA, appeal.Payload{})), "2026-03-10", appeal.StatusHandling, 60},
		// An open pause does not move the due date yet.
		{"OKOpenPause", with(
			ev(appeal.KindPaused, at(t, "2026-03-03 10:00"), &unitA, appeal.Payload{})), "2026-03-09", appeal.StatusPaused, 0},
		{"OKExtensionApproved", with(
			ev(appeal.KindExtensionRequested, at(t, "2026-03-05 10:00"), &unitA, appeal.Payload{Days: 3, Reason: "需现场核查"}),
			ev(appeal.KindExtensionApproved, at(t, "2026-03-05 11:00"), nil, appeal.Payload{Days: 3})), "2026-03-12", appeal.StatusHandling, 0},
		{"OKExtensionOnlyRequested", with(
			ev(appeal.KindExtensionRequested, at(t, "2026-03-05 10:00"), &unitA, appeal.Payload{Days: 3})), "2026-03-09", appeal.StatusHandling, 0},
		{"OKExtensionRefused", with(
			ev(appeal.KindExtensionRequested, at(t, "2026-03-05 10:00"), &unitA, appeal.Payload{Days: 3}),
			ev(appeal.KindExtensionRefused, at(t, "2026-03-05 11:00"), nil, appeal.Payload{})), "2026-03-09", appeal.StatusHandling, 0},
		// Reopening starts a new clock from its date, without the old
		// extension; the Qingming holiday 2026-04-04..06 is skipped.
		{"OKReopenNewClock", with(
			ev(appeal.KindExtensionApproved, at(t, "2026-03-05 11:00"), nil, appeal.Payload{Days: 3}),
			ev(appeal.KindReplied, at(t, "2026-03-06 10:00"), &unitA, appeal.Payload{Result: appeal.ResultSolved}),
			ev(appeal.KindEvaluated, at(t, "2026-03-09 10:00"), nil, appeal.Payload{Rating: appeal.RatingUnsatisfied}),
			ev(appeal.KindReopened, at(t, "2026-04-03 10:00"), &unitA, appeal.Payload{})), "2026-04-13", appeal.StatusHandling, 0},
		// A transfer keeps the one clock.
		{"OKTransferKeepsClock", with(
			ev(appeal.KindTransferred, at(t, "2026-03-04 10:00"), &unitB, appeal.Payload{Reason: "转办"})), "2026-03-09", appeal.StatusSigning, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := appeal.Derive(tc.evs, env)
			if st.DueDate != date(tc.wantDue) {
				t.Errorf("due_date = %s, want %s", st.DueDate, tc.wantDue)
			}
			if st.Status != tc.wantStatus {
				t.Errorf("status = %s, want %s", st.Status, tc.wantStatus)
			}
			if st.PausedMinutes != tc.wantPaused {
				t.Errorf("paused = %d min, want %d", st.PausedMinutes, tc.wantPaused)
			}
		})
	}
}

// TestTransferSubDeadline: the new unit's sign-for deadline counts from
// the transfer, the co-handling unit's due date is a day before the
// appeal's.
func TestTransferSubDeadline(t *testing.T) {
	env := testEnv(t)
	st := appeal.Derive(history(
		ev(appeal.KindReceived, at(t, "2026-03-02 10:00"), nil, appeal.Payload{ClassID: 1}),
		ev(appeal.KindDispatched, at(t, "2026-03-02 10:05"), &unitA, appeal.Payload{CoUnits: []int64{unitC}}),
		ev(appeal.KindSigned, at(t, "2026-03-02 11:00"), &unitA, appeal.Payload{}),
		ev(appeal.KindTransferred, at(t, "2026-03-04 16:00"), &unitB, appeal.Payload{}),
	), env)
	if got := st.SignDueAt.In(workday.Shanghai).Format("2006-01-02 15:04"); got != "2026-03-05 11:30" {
		t.Errorf("sign_due_at after the transfer = %s, want 2026-03-05 11:30", got)
	}
	if st.Transfers != 1 || *st.UnitID != unitB || st.SignedAt != nil {
		t.Errorf("transfer: %+v", st)
	}
	if role, ok := st.HasUnit(unitC); !ok || role != appeal.RoleCo {
		t.Errorf("the co-handling unit should stay: %q %v", role, ok)
	}
	if _, ok := st.HasUnit(unitA); ok {
		t.Error("the first unit should no longer have it")
	}
}

// TestOutcomes checks the counters and 一次性化解.
func TestOutcomes(t *testing.T) {
	env := testEnv(t)
	base := func() []appeal.Event {
		return []appeal.Event{
			ev(appeal.KindReceived, at(t, "2026-03-02 10:00"), nil, appeal.Payload{ClassID: 1, FirstUnit: unitC}),
			ev(appeal.KindDispatched, at(t, "2026-03-02 10:05"), &unitA, appeal.Payload{}),
		}
	}
	reply := ev(appeal.KindReplied, at(t, "2026-03-04 10:00"), &unitA, appeal.Payload{Result: appeal.ResultSolved})
	closed := ev(appeal.KindClosed, at(t, "2026-03-06 10:00"), nil, appeal.Payload{})
	sign := ev(appeal.KindSigned, at(t, "2026-03-02 11:00"), &unitA, appeal.Payload{})
	for _, tc := range []struct {
		name      string
		evs       []appeal.Event
		firstTime bool
		check     func(t *testing.T, st appeal.State)
	}{
		{"OKFirstTime", history(append(base(), sign, reply,
			ev(appeal.KindEvaluated, at(t, "2026-03-05 10:00"), nil, appeal.Payload{Rating: appeal.RatingBasic}), closed)...), true,
			func(t *testing.T, st appeal.State) {
				if !*st.SignedOnTime || !*st.RepliedOnTime || st.Status != appeal.StatusClosed {
					t.Errorf("%+v", st)
				}
				if _, ok := st.HasUnit(unitC); ok {
					t.Error("首接 should end once the responsible unit signed")
				}
			}},
		{"ErrNotEvaluated", history(append(base(), sign, reply,
			ev(appeal.KindEvaluationExpired, at(t, "2026-03-12 10:00"), nil, appeal.Payload{}), closed)...), false,
			func(t *testing.T, st appeal.State) {
				if st.Evaluation != appeal.RatingNone {
					t.Errorf("evaluation = %q, want 未评价", st.Evaluation)
				}
			}},
		{"ErrReturnedOnce", history(append(base(),
			ev(appeal.KindReturned, at(t, "2026-03-02 11:00"), &unitA, appeal.Payload{Reason: "非本单位"}),
			ev(appeal.KindDispatched, at(t, "2026-03-02 14:00"), &unitB, appeal.Payload{}),
			ev(appeal.KindSigned, at(t, "2026-03-02 15:00"), &unitB, appeal.Payload{}),
			ev(appeal.KindReplied, at(t, "2026-03-04 10:00"), &unitB, appeal.Payload{Result: appeal.ResultSolved}),
			ev(appeal.KindEvaluated, at(t, "2026-03-05 10:00"), nil, appeal.Payload{Rating: appeal.RatingSatisfied}), closed)...), false,
			func(t *testing.T, st appeal.State) {
				if st.Returns != 1 || st.Escalated {
					t.Errorf("returns %d escalated %v", st.Returns, st.Escalated)
				}
			}},
		{"ErrReturnedTwiceEscalates", history(append(base(),
			ev(appeal.KindReturned, at(t, "2026-03-02 11:00"), &unitA, appeal.Payload{}),
			ev(appeal.KindDispatched, at(t, "2026-03-02 14:00"), &unitB, appeal.Payload{}),
			ev(appeal.KindReturned, at(t, "2026-03-02 15:00"), &unitB, appeal.Payload{}))...), false,
			func(t *testing.T, st appeal.State) {
				if st.Returns != 2 || !st.Escalated || st.Status != appeal.StatusDispatching || st.UnitID != nil {
					t.Errorf("%+v", st)
				}
				// The first dispatch's sign-for deadline counts from the
				// receipt, a later one from its own instant.
				if got := st.SignDueAt; got != nil {
					t.Errorf("no unit, no sign-for deadline expected for the step; got %v", got)
				}
			}},
		{"ErrReopened", history(append(base(), sign, reply,
			ev(appeal.KindEvaluated, at(t, "2026-03-05 10:00"), nil, appeal.Payload{Rating: appeal.RatingUnsatisfied}),
			ev(appeal.KindReopened, at(t, "2026-03-05 10:00"), &unitA, appeal.Payload{}),
			ev(appeal.KindReplied, at(t, "2026-03-06 10:00"), &unitA, appeal.Payload{Result: appeal.ResultSolved}),
			ev(appeal.KindEvaluated, at(t, "2026-03-09 10:00"), nil, appeal.Payload{Rating: appeal.RatingSatisfied}),
			ev(appeal.KindClosed, at(t, "2026-03-10 10:00"), nil, appeal.Payload{}))...), false,
			func(t *testing.T, st appeal.State) {
				if st.Reopens != 1 || st.Replies != 2 || !st.FirstReplyAt.Equal(at(t, "2026-03-04 10:00")) {
					t.Errorf("%+v", st)
				}
			}},
		{"ErrLateReply", history(append(base(),
			ev(appeal.KindSigned, at(t, "2026-03-03 10:00"), &unitA, appeal.Payload{}),
			ev(appeal.KindReplied, at(t, "2026-03-10 10:00"), &unitA, appeal.Payload{Result: appeal.ResultSolved}),
			ev(appeal.KindEvaluated, at(t, "2026-03-11 10:00"), nil, appeal.Payload{Rating: appeal.RatingSatisfied}), closed)...), true,
			func(t *testing.T, st appeal.State) {
				if *st.SignedOnTime || *st.RepliedOnTime {
					t.Errorf("signed on time %v, replied on time %v: both late", *st.SignedOnTime, *st.RepliedOnTime)
				}
			}},
		{"ErrNotOurs", history(append(base(), sign,
			ev(appeal.KindReplied, at(t, "2026-03-03 10:00"), &unitA, appeal.Payload{Result: appeal.ResultNotOurs, RightUnit: "市商务局"}))...), false,
			func(t *testing.T, st appeal.State) {
				if st.Status != appeal.StatusDispatching || st.SuggestedUnit != "市商务局" || st.UnitID != nil {
					t.Errorf("%+v", st)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := appeal.Derive(tc.evs, env)
			got := st.FirstTime != nil && *st.FirstTime
			if got != tc.firstTime {
				t.Errorf("一次性化解 = %v, want %v", got, tc.firstTime)
			}
			tc.check(t, st)
		})
	}
}

// TestLight checks the light at instants around the deadlines.
func TestLight(t *testing.T) {
	env := testEnv(t)
	evs := history(
		ev(appeal.KindReceived, at(t, "2026-03-02 10:00"), nil, appeal.Payload{ClassID: 1}),
		ev(appeal.KindDispatched, at(t, "2026-03-02 10:05"), &unitA, appeal.Payload{}),
	)
	st := appeal.Derive(evs, env)
	for _, tc := range []struct {
		now  string
		want appeal.Light
	}{
		{"2026-03-02 15:30", appeal.LightNormal},
		{"2026-03-02 15:31", appeal.LightOverdue}, // not signed for by 15:30
	} {
		if got := st.LightAt(at(t, tc.now)); got != tc.want {
			t.Errorf("unsigned at %s: %s, want %s", tc.now, got, tc.want)
		}
	}
	signed := appeal.Derive(history(append(evs, ev(appeal.KindSigned, at(t, "2026-03-02 11:00"), &unitA, appeal.Payload{}))...), env)
	for _, tc := range []struct {
		now  string
		want appeal.Light
	}{
		{"2026-03-05 17:00", appeal.LightNormal},
		{"2026-03-06 09:00", appeal.LightDueSoon}, // one working day left
		{"2026-03-08 12:00", appeal.LightDueSoon}, // Sunday before the due Monday
		{"2026-03-09 17:59", appeal.LightDueSoon}, // the due date itself
		{"2026-03-10 09:00", appeal.LightOverdue},
	} {
		if got := signed.LightAt(at(t, tc.now)); got != tc.want {
			t.Errorf("signed at %s: %s, want %s", tc.now, got, tc.want)
		}
	}
	paused := appeal.Derive(history(append(evs, ev(appeal.KindSigned, at(t, "2026-03-02 11:00"), &unitA, appeal.Payload{}),
		ev(appeal.KindPaused, at(t, "2026-03-04 10:00"), &unitA, appeal.Payload{}))...), env)
	if got := paused.LightAt(at(t, "2026-03-20 10:00")); got != appeal.LightNormal {
		t.Errorf("a paused appeal's clock stands: %s, want normal", got)
	}
}

// TestReplayEqualsFresh: deriving after a calendar correction equals a
// fresh derivation with the corrected calendar, and differs from the old.
func TestReplayEqualsFresh(t *testing.T) {
	evs := history(
		ev(appeal.KindReceived, at(t, "2026-07-13 10:00"), nil, appeal.Payload{ClassID: 1}),
		ev(appeal.KindDispatched, at(t, "2026-07-13 10:05"), &unitA, appeal.Payload{}),
		ev(appeal.KindSigned, at(t, "2026-07-13 11:00"), &unitA, appeal.Payload{}),
		ev(appeal.KindPaused, at(t, "2026-07-14 10:00"), &unitA, appeal.Payload{}),
		ev(appeal.KindResumed, at(t, "2026-07-16 10:00"), &unitA, appeal.Payload{}),
	)
	before := appeal.Derive(evs, testEnv(t))
	// A typhoon closes the city on 2026-07-15.
	env := testEnv(t, workday.WithOverrides(workday.Override{Date: date("2026-07-15"), Workday: false, Note: "台风停工"}))
	after := appeal.Derive(evs, env)
	fresh := appeal.Derive(append([]appeal.Event(nil), evs...), env)
	if before.DueDate != date("2026-07-22") || before.PausedMinutes != 14*60 {
		t.Fatalf("before: due %s, paused %d min", before.DueDate, before.PausedMinutes)
	}
	if after.DueDate != date("2026-07-22") || after.PausedMinutes != 7*60 {
		t.Errorf("after the correction: due %s, paused %d min", after.DueDate, after.PausedMinutes)
	}
	if after.DueDate != fresh.DueDate || after.PausedMinutes != fresh.PausedMinutes || !after.SignDueAt.Equal(*fresh.SignDueAt) {
		t.Error("a replay must equal a fresh computation")
	}
}
