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

// chinaOffset is China's fixed offset from UTC. Date arithmetic below uses it directly instead
// of a *time.Location: the rules call DateOf for every violation they judge, and building a
// Location allocates.
const chinaOffset = 8 * time.Hour

// DateOf returns the China calendar day of t.
func DateOf(t time.Time) Date {
	y, m, d := t.UTC().Add(chinaOffset).Date()
	return Date{y, m, d}
}

// Start is the first instant of the day in China.
func (d Date) Start() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Add(-chinaOffset)
}

// AddDays returns the day n days later (earlier when n is negative).
func (d Date) AddDays(n int) Date {
	y, m, dd := time.Date(d.Year, d.Month, d.Day+n, 0, 0, 0, 0, time.UTC).Date()
	return Date{y, m, dd}
}

// DaysUntil counts the calendar days from d to e (negative when e is earlier).
func (d Date) DaysUntil(e Date) int { return e.dayNumber() - d.dayNumber() }

// dayNumber counts days since 1970-01-01.
func (d Date) dayNumber() int {
	return int(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// Before reports whether d is an earlier day than e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

func (d Date) String() string {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
}
