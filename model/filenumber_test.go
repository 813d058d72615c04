package model

import "testing"

func TestParseFileNumber(t *testing.T) {
	for in, want := range map[string]string{
		"440300123456":       "440300123456",
		" 110100000001\n":    "110100000001",
		"\u3000000000000000": "000000000000",
	} {
		got, err := ParseFileNumber(in)
		if err != nil || got.String() != want {
			t.Errorf("ParseFileNumber(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestParseFileNumberErrors(t *testing.T) {
	cases := []struct {
		in   string
		code ReasonCode
		args Args
	}{
		{"", InputFileLength, Args{N: 0, Limit: 12}},
		{"44030012345", InputFileLength, Args{N: 11, Limit: 12}},
		{"4403001234567", InputFileLength, Args{N: 13, Limit: 12}},
		{"4403 0012345", InputFileChar, Args{Pos: 5, Got: " "}},
		{"44030012345A", InputFileChar, Args{Pos: 12, Got: "A"}},
		{"-44030012345", InputFileChar, Args{Pos: 1, Got: "-"}},
		{"４40300123456", InputFileChar, Args{Pos: 1, Got: "４"}}, // full-width: 12 runes, wrong char
	}
	for _, c := range cases {
		got, err := ParseFileNumber(c.in)
		if got != "" {
			t.Errorf("ParseFileNumber(%q) returned %q with an error", c.in, got)
		}
		t.Run(c.in, func(t *testing.T) { checkInputErr(t, err, "file_number", c.code, c.args) })
	}
}

func TestFileNumberMasked(t *testing.T) {
	n, err := ParseFileNumber("440300123456")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := n.Masked(), "44******3456"; got != want {
		t.Errorf("Masked() = %q, want %q", got, want)
	}
	if got := FileNumber("").Masked(); got != "" {
		t.Errorf("zero FileNumber Masked() = %q", got)
	}
}
