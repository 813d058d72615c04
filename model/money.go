package model

import "fmt"

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
