package model

import (
	"fmt"
	"strconv"
	"strings"
)

// Fen is an amount of money in fen (1 yuan = 100 fen). All money in the system is integer fen so
// that no amount is ever rounded by floating point.
type Fen int64

// Yuan returns n whole yuan as fen.
func Yuan(n int64) Fen { return Fen(n * 100) }

// String formats the amount as ¥200.00 (the form used in English text and for logs of totals).
func (f Fen) String() string { return "¥" + f.decimal() }

// YuanText formats the amount as 200.00元, the form Chinese receipts and screens use.
func (f Fen) YuanText() string { return f.decimal() + "元" }

// decimal renders the amount with exactly two decimals and a leading minus sign for refunds.
func (f Fen) decimal() string {
	sign := ""
	v := int64(f)
	if v < 0 {
		sign = "-"
		v = -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// ParseYuan reads an amount written in yuan ("200", "200.5", "200.50") into fen. It accepts at
// most two decimals and no sign, grouping or currency symbol: amounts come from staff-edited data
// files, and a typo there must be a clear error, not a silently different amount.
func ParseYuan(s string) (Fen, error) {
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && (frac == "" || len(frac) > 2)) {
		return 0, fmt.Errorf("amount %q: write yuan with at most two decimals, like 200 or 200.50", s)
	}
	for _, part := range []string{whole, frac} {
		for _, r := range part {
			if r < '0' || r > '9' {
				return 0, fmt.Errorf("amount %q: only digits and one decimal point are allowed", s)
			}
		}
	}
	if len(whole) > 12 {
		return 0, fmt.Errorf("amount %q: too large", s)
	}
	y, _ := strconv.ParseInt(whole, 10, 64)
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			f *= 10
		}
	}
	return Fen(y*100 + f), nil
}
