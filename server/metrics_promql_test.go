package server

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// promqlMetricNames returns the metric names a PromQL expression (as the deploy files write
// them, Grafana variables included) reads, sorted and once each. It is a lexer, not a parser:
// an identifier is a metric name unless it is a keyword or aggregation, is followed by "(" (a
// function), or stands where label names do (inside {...}, and in the lists of by, without,
// on, ignoring, group_left and group_right). {__name__="x"} names x. Strings, ranges ([5m]),
// numbers and durations, comments and Grafana variables ($__rate_interval, ${datasource}) are
// skipped.
func promqlMetricNames(expr string) ([]string, error) {
	var names []string
	src := []rune(expr)
	i := 0
	skipSpace := func() {
		for i < len(src) && strings.ContainsRune(" \t\r\n", src[i]) {
			i++
		}
	}
	isIdentStart := func(r rune) bool { return r == '_' || r == ':' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }
	isIdent := func(r rune) bool { return isIdentStart(r) || r >= '0' && r <= '9' }
	ident := func() string {
		start := i
		for i < len(src) && isIdent(src[i]) {
			i++
		}
		return string(src[start:i])
	}
	// str reads a quoted string at i and returns its contents (escapes taken literally but for
	// the quote).
	str := func() (string, error) {
		quote := src[i]
		var b strings.Builder
		for i++; i < len(src); i++ {
			switch {
			case src[i] == '\\' && quote != '`' && i+1 < len(src):
				i++
				b.WriteRune(src[i])
			case src[i] == quote:
				i++
				return b.String(), nil
			default:
				b.WriteRune(src[i])
			}
		}
		return "", fmt.Errorf("unterminated string in %q", expr)
	}
	// skipTo skips past the closing rune, failing if it never comes.
	skipTo := func(closing rune) error {
		for ; i < len(src); i++ {
			if src[i] == closing {
				i++
				return nil
			}
		}
		return fmt.Errorf("no %q in %q", closing, expr)
	}
	// matchers reads {...}: label names are skipped; __name__ names a metric.
	matchers := func() error {
		i++ // {
		for {
			skipSpace()
			switch {
			case i >= len(src):
				return fmt.Errorf("no '}' in %q", expr)
			case src[i] == '}':
				i++
				return nil
			case src[i] == '"' || src[i] == '\'' || src[i] == '`':
				if _, err := str(); err != nil {
					return err
				}
			case isIdentStart(src[i]):
				label := ident()
				skipSpace()
				op := ""
				for i < len(src) && strings.ContainsRune("=!~", src[i]) {
					op += string(src[i])
					i++
				}
				skipSpace()
				if i < len(src) && (src[i] == '"' || src[i] == '\'' || src[i] == '`') {
					v, err := str()
					if err != nil {
						return err
					}
					if label == "__name__" && op == "=" {
						names = append(names, v)
					}
				}
			default:
				i++ // , and operators
			}
		}
	}
	for i < len(src) {
		r := src[i]
		switch {
		case strings.ContainsRune(" \t\r\n", r):
			i++
		case r == '#':
			if err := skipTo('\n'); err != nil {
				i = len(src)
			}
		case r == '"' || r == '\'' || r == '`':
			if _, err := str(); err != nil {
				return nil, err
			}
		case r == '$':
			i++
			if i < len(src) && src[i] == '{' {
				if err := skipTo('}'); err != nil {
					return nil, err
				}
			} else {
				ident()
			}
		case r == '[':
			if err := skipTo(']'); err != nil {
				return nil, err
			}
		case r == '{':
			if err := matchers(); err != nil {
				return nil, err
			}
		case r >= '0' && r <= '9' || r == '.':
			// A number or a duration: 0.99, 1e+09, 5m, 1h30m, 0x1f.
			for i < len(src) && (isIdent(src[i]) || src[i] == '.' ||
				(src[i] == '+' || src[i] == '-') && (src[i-1] == 'e' || src[i-1] == 'E')) {
				i++
			}
		case isIdentStart(r):
			word := ident()
			skipSpace()
			next := rune(0)
			if i < len(src) {
				next = src[i]
			}
			switch {
			case promqlGrouping(word):
				if next == '(' {
					if err := skipTo(')'); err != nil {
						return nil, err
					}
				}
			case promqlKeyword(word) || next == '(':
				// An aggregation, a keyword, or a function: its arguments are read next.
			default:
				names = append(names, word)
			}
		default:
			i++
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// promqlGrouping reports whether word is a keyword followed by a list of label names.
func promqlGrouping(word string) bool {
	switch word {
	case "by", "without", "on", "ignoring", "group_left", "group_right":
		return true
	}
	return false
}

// promqlKeyword reports whether word is one of PromQL's binary operators, modifiers, literals
// and aggregations (an aggregation may be followed by "by (...)" before its "(").
func promqlKeyword(word string) bool {
	switch word {
	case "and", "or", "unless", "bool", "offset", "atan2", "inf", "nan", "Inf", "NaN", "start", "end",
		"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile",
		"limitk", "limit_ratio":
		return true
	}
	return false
}

func TestPromQLMetricNames(t *testing.T) {
	for _, c := range []struct {
		expr string
		want []string
	}{
		{`kiosk_outbox_depth`, []string{"kiosk_outbox_depth"}},
		{`max by (kiosk) (kiosk_outbox_depth{kiosk="k-1", hall=~"a|b"}) > 3600`, []string{"kiosk_outbox_depth"}},
		{`sum by (route, le) (rate(x_bucket[$__rate_interval]))`, []string{"x_bucket"}},
		{`histogram_quantile(0.99, sum without (instance) (rate(x_bucket[5m:1m] offset 1h)))`, []string{"x_bucket"}},
		{`a > 600 and on (kiosk) b > 0 unless ignoring (state) c{state="revoked"} == bool 1`, []string{"a", "b", "c"}},
		{`a * on (kiosk) group_left (hall, name) b`, []string{"a", "b"}},
		{`a * on (kiosk) group_right b`, []string{"a", "b"}},
		{`time() - kiosk_last_seen_timestamp_seconds > 1e+03`, []string{"kiosk_last_seen_timestamp_seconds"}},
		{`absent(up{job="x"}) # up is not checked`, []string{"up"}},
		{`{__name__="kiosk_state", state="online"} + label_replace(y, "dst", "$1", "src", "(.*)")`, []string{"kiosk_state", "y"}},
		{`count_values("value", z) or vector(0)`, []string{"z"}},
		{`topk(3, sum by (k) (w)) / ignoring(k) group_left sum(w)`, []string{"w"}},
		{`max by (hall) (x{hall="门 \"东\" {not a brace}"}) > 180`, []string{"x"}},
	} {
		got, err := promqlMetricNames(c.expr)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: %v %v, want %v", c.expr, got, err, c.want)
		}
	}
	for _, bad := range []string{`x{a="b"`, `rate(x[5m)`, `x{a="b}`} {
		if _, err := promqlMetricNames(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
