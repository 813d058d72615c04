package console

import (
	"strings"
	"testing"
)

// FuzzParseKeys: whatever the staff keys file holds, it is refused with a line number, or every
// key it gives belongs to a valid staff id with exactly one of a hall or the admin role.
func FuzzParseKeys(f *testing.F) {
	const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBhcVdWm0ydM8hkn2iC/GQLYNnQx8YFLO2Z5ZpfN7ukR"
	f.Add("staff=desk-01,hall=\"渝北 大厅\" " + key + " desk\n# comment\n")
	f.Add("staff=chief,admin " + key)
	f.Add("staff=a,hall=\"\\\"\" " + key)
	f.Add("staff=a,hall=\"H\x01\" " + key)
	f.Fuzz(func(t *testing.T, body string) {
		keys, err := ParseKeys([]byte(body))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Fatalf("an error without its line: %v", err)
			}
			return
		}
		for _, s := range keys {
			if !staffID(s.ID) || s.Admin == (s.Hall != "") {
				t.Fatalf("staff %+v taken", s)
			}
			if strings.ContainsFunc(s.Hall, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Fatalf("a hall with control characters: %q", s.Hall)
			}
		}
	})
}
