package model

import "time"

// DueDate is the last day to pay a fine without a late fee: the decision day plus the profile's
// due days (15 by law). Paying on the due date costs nothing extra.
func DueDate(decided time.Time, r PaymentRules) Date {
	return DateOf(decided).AddDays(r.DueDays)
}

// LateDays counts the whole days after the due date on which payment is made (0 on or before it).
func LateDays(due Date, paidAt time.Time) int {
	if n := due.DaysUntil(DateOf(paidAt)); n > 0 {
		return n
	}
	return 0
}

// LateFee is the late fee (滞纳金) for a fine paid lateDays after the due date: a share of the
// fine per day (3 %), never more than the cap (the fine itself). Fractions of a fen are dropped,
// so the fee never exceeds what the law allows.
func LateFee(fine Fen, lateDays int, r PaymentRules) Fen {
	if fine <= 0 || lateDays <= 0 {
		return 0
	}
	limit := fine * Fen(r.LateFeeCapPercent) / 100
	// Compare rates before multiplying so that a very late payment cannot overflow.
	if int64(lateDays)*int64(r.LateFeeBasisPoints) >= int64(r.LateFeeCapPercent)*100 {
		return limit
	}
	fee := fine * Fen(r.LateFeeBasisPoints) * Fen(lateDays) / 10000
	return fee // below limit: the rate check above caught every case that reaches it
}

// AmountDue is what a decision costs if paid at a given moment.
type AmountDue struct {
	Fine     Fen
	LateFee  Fen
	Due      Date
	LateDays int
}

// Total is the fine plus the late fee.
func (a AmountDue) Total() Fen { return a.Fine + a.LateFee }

// AmountAt computes the amount due for a fine decided at decided and paid at paidAt.
func AmountAt(fine Fen, decided, paidAt time.Time, r PaymentRules) AmountDue {
	due := DueDate(decided, r)
	days := LateDays(due, paidAt)
	return AmountDue{Fine: fine, LateFee: LateFee(fine, days, r), Due: due, LateDays: days}
}

// Cycle is a points cycle: the days from Start up to, not including, End.
type Cycle struct {
	Start, End Date
}

// Contains reports whether t falls in the cycle.
func (c Cycle) Contains(t time.Time) bool {
	d := DateOf(t)
	return !d.Before(c.Start) && d.Before(c.End)
}

// CycleAt is the points cycle that contains at. Cycles run for months months from the licence's
// first-issue date, continuously (记分周期自初次领证之日起连续计算). Each boundary is computed from
// the first-issue date itself, so a licence first issued on 29 February or the 31st keeps its
// day wherever the calendar allows instead of drifting.
func CycleAt(firstIssued, at time.Time, months int) Cycle {
	first := DateOf(firstIssued)
	d := DateOf(at)
	boundary := func(k int) Date {
		y, m, dd := time.Date(first.Year, first.Month+time.Month(k*months), first.Day, 0, 0, 0, 0, time.UTC).Date()
		return Date{y, m, dd}
	}
	k := ((d.Year-first.Year)*12 + int(d.Month) - int(first.Month)) / months
	if k < 0 {
		k = 0
	}
	for k > 0 && d.Before(boundary(k)) {
		k--
	}
	for !d.Before(boundary(k + 1)) {
		k++
	}
	return Cycle{Start: boundary(k), End: boundary(k + 1)}
}

// CyclePoints totals a licence's points in cycle c: the entries made in it, plus entries of
// earlier cycles whose fines were still unpaid when c began (unpaid points carry over, cycle
// after cycle, until the fine is paid and a cycle ends).
func CyclePoints(entries []PointsEntry, c Cycle) int {
	total := 0
	start := c.Start.Start()
	for _, e := range entries {
		entered := DateOf(e.EnteredAt)
		switch {
		case !entered.Before(c.End):
			// a later cycle's entry
		case !entered.Before(c.Start):
			total += e.Points
		case e.PaidAt.IsZero() || !e.PaidAt.Before(start):
			total += e.Points
		}
	}
	return total
}
