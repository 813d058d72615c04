package model

import "time"

// ChinaZone is China Standard Time (UTC+8, no daylight saving). Dates that the rules count in
// (decision dates, due dates, late days, points cycles) are calendar dates in this zone, whatever
// zone the machine is set to. A fixed zone avoids depending on the tz database being installed.
func ChinaZone() *time.Location { return time.FixedZone("CST", 8*60*60) }

// Date is a calendar day in China Standard Time.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the China calendar day of t.
func DateOf(t time.Time) Date {
	y, m, d := t.In(ChinaZone()).Date()
	return Date{y, m, d}
}

// Start is the first instant of the day in China.
func (d Date) Start() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, ChinaZone()) }

// AddDays returns the day n days later (earlier when n is negative).
func (d Date) AddDays(n int) Date { return DateOf(d.Start().AddDate(0, 0, n)) }

// DaysUntil counts the calendar days from d to e (negative when e is earlier).
func (d Date) DaysUntil(e Date) int {
	// Both are midnights in a zone without daylight saving, so the hours divide exactly.
	return int(e.Start().Sub(d.Start()).Hours()) / 24
}

// Before reports whether d is an earlier day than e.
func (d Date) Before(e Date) bool { return d.DaysUntil(e) > 0 }

func (d Date) String() string { return d.Start().Format("2006-01-02") }
