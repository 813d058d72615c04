package model

import (
	"testing"
	"time"
)

// The late-fee vectors of the issue, with the law's rates: 3 % a day, capped at the fine.
func TestLateFeeVectors(t *testing.T) {
	rules := profile(t, "national").Payment
	decided := time.Date(2026, 3, 1, 15, 40, 0, 0, ChinaZone())
	due := DueDate(decided, rules)
	if due != (Date{2026, time.March, 16}) {
		t.Fatalf("due date = %s, want 2026-03-16 (decision day + 15)", due)
	}
	at := func(lateDays int) time.Time { return due.AddDays(lateDays).Start().Add(23*time.Hour + 59*time.Minute) }
	for _, r := range []struct {
		name     string
		fine     Fen
		paid     time.Time
		lateDays int
		fee      Fen
	}{
		{"100 yuan paid on the due date", Yuan(100), at(0), 0, 0},
		{"100 yuan paid a day early", Yuan(100), at(-1), 0, 0},
		{"100 yuan, 1 day late", Yuan(100), at(1), 1, Yuan(3)},
		{"100 yuan, 1 day late at one past midnight", Yuan(100), due.AddDays(1).Start().Add(time.Minute), 1, Yuan(3)},
		{"200 yuan, 10 days late", Yuan(200), at(10), 10, Yuan(60)},
		{"200 yuan, 33 days late: just under the cap", Yuan(200), at(33), 33, Yuan(198)},
		{"200 yuan, 34 days late: the cap", Yuan(200), at(34), 34, Yuan(200)},
		{"200 yuan, 40 days late: capped at the fine", Yuan(200), at(40), 40, Yuan(200)},
		{"200 yuan, ten years late: still capped", Yuan(200), at(3650), 3650, Yuan(200)},
		{"50 yuan, 1 day late: 1.50 yuan", Yuan(50), at(1), 1, 150},
		{"a fine of 0.33 yuan, 1 day late: fractions of a fen dropped", 33, at(1), 1, 0},
	} {
		t.Run(r.name, func(t *testing.T) {
			a := AmountAt(r.fine, decided, r.paid, rules)
			if a.LateDays != r.lateDays || a.LateFee != r.fee || a.Total() != r.fine+r.fee {
				t.Errorf("late days %d fee %v total %v; want %d, %v, %v", a.LateDays, a.LateFee, a.Total(), r.lateDays, r.fee, r.fine+r.fee)
			}
		})
	}
}

func TestDueDateCountsChinaCalendarDays(t *testing.T) {
	rules := profile(t, "national").Payment
	// 2026-03-01 23:30 in China is still 15:30 UTC on the same day; 00:30 China is the previous day in UTC.
	late := time.Date(2026, 3, 1, 23, 30, 0, 0, ChinaZone())
	early := time.Date(2026, 3, 2, 0, 30, 0, 0, ChinaZone()).UTC()
	if got := DueDate(late, rules); got != (Date{2026, time.March, 16}) {
		t.Errorf("due for 23:30 = %s", got)
	}
	if got := DueDate(early, rules); got != (Date{2026, time.March, 17}) {
		t.Errorf("due for 00:30 China (given in UTC) = %s, want 2026-03-17", got)
	}
}

func TestCycleFromFirstIssue(t *testing.T) {
	for _, r := range []struct {
		name         string
		first, at    time.Time
		start, end   Date
		containsLast bool
	}{
		{"first cycle", day(2020, time.May, 10), day(2020, time.December, 1), Date{2020, time.May, 10}, Date{2021, time.May, 10}, true},
		{"on the anniversary a new cycle starts", day(2020, time.May, 10), day(2026, time.May, 10), Date{2026, time.May, 10}, Date{2027, time.May, 10}, true},
		{"the day before the anniversary", day(2020, time.May, 10), day(2026, time.May, 9), Date{2025, time.May, 10}, Date{2026, time.May, 10}, true},
		{"first issued 29 February", day(2016, time.February, 29), day(2026, time.November, 21), Date{2026, time.March, 1}, Date{2027, time.March, 1}, true},
		{"29 February cycle in a leap year keeps its day", day(2016, time.February, 29), day(2028, time.March, 5), Date{2028, time.February, 29}, Date{2029, time.March, 1}, true},
	} {
		t.Run(r.name, func(t *testing.T) {
			c := CycleAt(r.first, r.at, 12)
			if c.Start != r.start || c.End != r.end {
				t.Errorf("cycle = %s..%s, want %s..%s", c.Start, c.End, r.start, r.end)
			}
			if !c.Contains(r.at) || c.Contains(c.End.Start()) || !c.Contains(c.Start.Start()) {
				t.Errorf("cycle %s..%s must contain %v and its start but not its end", c.Start, c.End, r.at)
			}
		})
	}
}

func TestCyclePointsCarryUnpaidOver(t *testing.T) {
	first := day(2020, time.May, 10)
	c := CycleAt(first, testNow(), 12) // 2026-05-10 .. 2027-05-10
	entries := []PointsEntry{
		{Decision: "in cycle, unpaid", Points: 3, EnteredAt: day(2026, time.June, 1)},
		{Decision: "in cycle, paid", Points: 1, EnteredAt: day(2026, time.July, 1), PaidAt: day(2026, time.July, 2)},
		{Decision: "last cycle, paid in time", Points: 6, EnteredAt: day(2025, time.December, 1), PaidAt: day(2025, time.December, 5)},
		{Decision: "last cycle, unpaid: carries over", Points: 3, EnteredAt: day(2026, time.January, 1)},
		{Decision: "last cycle, paid after it ended: carried over", Points: 1, EnteredAt: day(2026, time.February, 1), PaidAt: day(2026, time.June, 1)},
		{Decision: "two cycles ago, still unpaid: still carried", Points: 1, EnteredAt: day(2024, time.August, 1)},
		{Decision: "two cycles ago, paid during the last cycle: cleared", Points: 6, EnteredAt: day(2024, time.August, 1), PaidAt: day(2025, time.September, 1)},
		{Decision: "a future cycle's entry", Points: 9, EnteredAt: day(2027, time.June, 1)},
	}
	if got := CyclePoints(entries, c); got != 3+1+3+1+1 {
		t.Errorf("cycle points = %d, want 9", got)
	}
}
