package idreader

import (
	"errors"
	"strings"
	"testing"
)

func TestStatusErrors(t *testing.T) {
	tests := []struct {
		sw3  Status
		want error
		says string // what the message must tell someone to do
	}{
		{StatusOK, nil, ""},
		{StatusCardFound, nil, ""},
		{StatusFindFailed, ErrNoCard, "place the card flat on the reader"},
		{StatusSelectFailed, ErrSelectFailed, "place it flat on the reader again"},
		{StatusReadFailed, ErrReadFailed, "type the ID number instead"},
		{StatusBadChecksum, ErrCommandChecksum, "check the cable"},
		{StatusBadLength, ErrCommandLength, "staff"},
		{StatusBadCommand, ErrCommandUnknown, "reader model"},
		{StatusAuthCard, ErrAuth, "type the ID number instead"},
		{StatusAuthSAM, ErrAuth, "type the ID number instead"},
		{StatusAuthVerify, ErrAuth, "type the ID number instead"},
		{StatusSelfTest, ErrSelfTest, "restart or replace the reader"},
		{StatusNotAuthorised, ErrNotAuthorised, "contact the vendor"},
		{0x47, ErrUnknownStatus, "note the code"},
	}
	for _, tt := range tests {
		err := Reply{SW3: tt.sw3}.check(CmdReadText)
		if tt.want == nil {
			if err != nil {
				t.Errorf("SW3 %02X: %v, want success", byte(tt.sw3), err)
			}
			continue
		}
		if !errors.Is(err, tt.want) {
			t.Errorf("SW3 %02X: %v, want %v", byte(tt.sw3), err, tt.want)
			continue
		}
		var se *StatusError
		if !errors.As(err, &se) || se.SW3 != tt.sw3 || se.Cmd != CmdReadText {
			t.Errorf("SW3 %02X: not a *StatusError keeping the code and command", byte(tt.sw3))
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.says) || !strings.Contains(msg, "read text and photo") {
			t.Errorf("SW3 %02X: message %q should name the command and say %q", byte(tt.sw3), msg, tt.says)
		}
	}
}

func TestCommandNames(t *testing.T) {
	if got := Command(0x6004).String(); got != "command 60 04" {
		t.Errorf("unknown command named %q", got)
	}
	if got := CmdFind.String(); got != "find card" {
		t.Errorf("find named %q", got)
	}
}
