package model

// Mod112 returns the ISO 7064 MOD 11-2 check character of a string of ASCII digits: the
// character appended to the digits so that the whole string is valid. Position i of n digits
// has weight 2^(n+1-i) mod 11, so for the 17 digits of an ID number the weights are
// 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2. The result is one of 0-9 or X (X stands for 10).
//
// Callers pass digits only; a non-digit makes the result meaningless but never panics, so that
// parsers can call it before or after their own character checks.
func Mod112(digits string) byte {
	const chars = "10X98765432"
	sum, weight := 0, 2 // the last digit has weight 2^1
	for i := len(digits) - 1; i >= 0; i-- {
		// Byte arithmetic wraps, so a term is never negative; reducing as we go bounds the sum.
		sum = (sum + int(digits[i]-'0')*weight) % 11
		weight = weight * 2 % 11
	}
	return chars[sum]
}
