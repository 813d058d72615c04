package idreader

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hallkiosk/kiosk/model"
)

// TestFixtureNumberCheckDigit recomputes the test number's check digit by GB 11643-1999 from
// first principles (weights and the remainder table written out), so the fixture does not
// depend on the code it helps to test.
func TestFixtureNumberCheckDigit(t *testing.T) {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	for _, number := range []string{testNumber, testPermitNumber} {
		sum := 0
		for i, w := range weights {
			sum += int(number[i]-'0') * w
		}
		if want := "10X98765432"[sum%11]; number[17] != want {
			t.Errorf("%s: check digit %c, GB 11643 gives %c", number, number[17], want)
		}
	}
}

// testPermitNumber is an invented number of a Hong Kong resident's residence permit (region
// 810000), whose check digit happens to be X.
const testPermitNumber = "81000019900307231X"

func TestParseCardDecodesEveryField(t *testing.T) {
	want := testCard()
	data := encodeCardData(want)
	got, err := ParseCard(data)
	if err != nil {
		t.Fatal(err)
	}
	if !cardsEqual(got, want) {
		t.Errorf("ParseCard decoded %s differently", want)
	}
	data[dataHeaderLen+textLen] ^= 0xFF
	if got.Photo[0] != want.Photo[0] {
		t.Error("Photo shares memory with the reply buffer")
	}
}

func TestParseCardTextEdgeCases(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Card)
	}{
		{"long-term validity", func(c *Card) { c.ValidTo = "长期" }},
		{"address filling its field", func(c *Card) { c.Address = strings.Repeat("街", addressLen/2) }},
		{"name filling its field", func(c *Card) { c.Name = "阿卜杜热依木·买买提艾力江" }},
		{"residence permit (J)", func(c *Card) { c.DocType = "J"; c.Number = testPermitNumber }},
		{"no photo", func(c *Card) { c.Photo = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testCard()
			tt.edit(&c)
			got, err := ParseCard(encodeCardData(c))
			if err != nil {
				t.Fatal(err)
			}
			if !cardsEqual(got, c) {
				t.Errorf("decoded differently: name %q address %q valid-to %q type %q", got.Name, got.Address, got.ValidTo, got.DocType)
			}
		})
	}
}

func TestParseCardTrimsNULPadding(t *testing.T) {
	data := encodeCardData(testCard())
	name := data[dataHeaderLen : dataHeaderLen+nameLen]
	for i := 8; i < len(name); i++ { // after the four characters of the name
		name[i] = 0
	}
	got, err := ParseCard(data)
	if err != nil || got.Name != "欧阳明远" {
		t.Errorf("name %q, %v", got.Name, err)
	}
}

func TestParseCardUsesDeclaredLengths(t *testing.T) {
	c := testCard()
	text := append(encodeText(c), 0x20, 0x00) // a reader sending a longer text block
	data := binary.BigEndian.AppendUint16(nil, uint16(len(text)))
	data = binary.BigEndian.AppendUint16(data, uint16(len(c.Photo)))
	data = append(append(data, text...), c.Photo...)
	got, err := ParseCard(data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Photo, c.Photo) || got.Name != c.Name {
		t.Error("photo not found where the declared text length puts it")
	}
}

func TestParseCardRejectsBadLengths(t *testing.T) {
	good := encodeCardData(testCard())
	withHeader := func(text, photo uint16) []byte {
		d := bytes.Clone(good)
		binary.BigEndian.PutUint16(d[0:], text)
		binary.BigEndian.PutUint16(d[2:], photo)
		return d
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"header only", good[:4]},
		{"text shorter than its fields", withHeader(200, 1024)},
		{"photo longer than what came", withHeader(256, 1025)},
		{"text longer than what came", withHeader(0xFFFF, 0)},
		{"both at most", withHeader(0xFFFF, 0xFFFF)},
		{"reply cut inside the photo", good[:len(good)-1]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCard(tt.data)
			if !errors.Is(err, ErrPayload) {
				t.Fatalf("ParseCard = %v, want ErrPayload", err)
			}
		})
	}
}

func TestParseCardRefusesForeignResidentCard(t *testing.T) {
	for _, mark := range []string{"I", "Y"} {
		c := testCard()
		c.DocType = mark
		if _, err := ParseCard(encodeCardData(c)); !errors.Is(err, ErrUnsupportedCard) {
			t.Errorf("type %s: %v, want ErrUnsupportedCard", mark, err)
		}
	}
}

func TestCardIDNumber(t *testing.T) {
	c := testCard()
	n, err := c.IDNumber(testToday)
	if err != nil || n != model.IDNumber(testNumber) {
		t.Fatalf("IDNumber = %q, %v", n, err)
	}
	if !n.Male() || n.Region() != "110105" {
		t.Errorf("model reads %s as male=%v region=%s", n.Masked(), n.Male(), n.Region())
	}
	c.Number = strings.ToLower(testPermitNumber) // X check digit, as some issuers' writers store it
	if n, err := c.IDNumber(testToday); err != nil || n != model.IDNumber(testPermitNumber) {
		t.Errorf("residence permit number: %q, %v", n, err)
	}
}

func TestCardIDNumberFailureKeepsNumberOut(t *testing.T) {
	tests := []struct {
		name   string
		number string
		code   model.ReasonCode
	}{
		{"wrong check digit", testNumber[:17] + "5", model.InputIDCheck},
		{"impossible birth date", "110105198813121238", model.InputIDBirthInvalid},
		{"misread as empty", "", model.InputIDLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testCard()
			c.Number = tt.number
			_, err := c.IDNumber(testToday)
			if !errors.Is(err, ErrBadNumber) {
				t.Fatalf("IDNumber = %v, want ErrBadNumber", err)
			}
			var in *model.InputError
			if !errors.As(err, &in) || in.Reason.Code != tt.code {
				t.Errorf("want the model's reason %s through the error, got %v", tt.code, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, string(tt.code)) || !strings.Contains(msg, "type the ID number instead") {
				t.Errorf("message %q should give the reason and the way out", msg)
			}
			for _, part := range []string{"19881312", "1988-13-12", "110105", testNumber[:17]} {
				if strings.Contains(msg, part) {
					t.Errorf("message %q quotes the number", msg)
				}
			}
		})
	}
}

func TestCardFormattingHidesPersonalData(t *testing.T) {
	c := testCard()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, c)
		if strings.Contains(out, c.Name) || strings.Contains(out, c.Number) || strings.Contains(out, "望京") {
			t.Errorf("%s prints personal data: %s", verb, out)
		}
	}
}

func cardsEqual(a, b Card) bool {
	return a.Name == b.Name && a.Sex == b.Sex && a.Nation == b.Nation && a.Birth == b.Birth &&
		a.Address == b.Address && a.Number == b.Number && a.Issuer == b.Issuer &&
		a.ValidFrom == b.ValidFrom && a.ValidTo == b.ValidTo && a.DocType == b.DocType &&
		bytes.Equal(a.Photo, b.Photo)
}
