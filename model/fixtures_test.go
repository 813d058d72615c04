package model

import (
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/assets"
)

// Fixtures shared by the rule tests. People are from DOMAIN.md's known-valid ID numbers.
const (
	idA = IDNumber("440308199901101512") // driver A
	idB = IDNumber("11010519491231002X") // owner B
	idC = IDNumber("34052419800101001X") // a third person
)

// testNow is the instant the rules are judged at in these tests.
func testNow() time.Time { return time.Date(2026, 11, 21, 10, 0, 0, 0, ChinaZone()) }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 30, 0, 0, ChinaZone()) }

func loadRef(t testing.TB) *Reference {
	t.Helper()
	ref, err := LoadReference(assets.FS())
	if err != nil {
		t.Fatalf("load reference data: %v", err)
	}
	return ref
}

func profile(t testing.TB, name string) *Profile {
	t.Helper()
	p, err := loadRef(t).Profile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func plate(t testing.TB, typ PlateType, number string) Plate {
	t.Helper()
	p, err := ParsePlate(string(typ), number)
	if err != nil {
		t.Fatalf("plate %s %s: %v", typ, number, err)
	}
	return p
}

func licenceOf(id IDNumber, classes, issuer string) Licence {
	cs, err := ParseLicenceClasses(classes)
	if err != nil {
		panic(err)
	}
	return Licence{ID: id, FileNumber: "440300123456", Classes: cs, Status: StatusNormal,
		FirstIssued: day(2015, time.March, 1), Issuer: issuer}
}

func personalCar(p Plate, owner IDNumber) Vehicle {
	return Vehicle{Plate: p, OwnerKind: OwnerPersonal, Owner: owner, Use: UseNonOperating}
}

// camera is an unprocessed camera violation with the given points and fine.
func camera(id string, p Plate, at time.Time, points int, fine Fen) Violation {
	return Violation{ID: id, Plate: p, Time: at, Code: "1357", Points: points, Fine: fine,
		Source: SourceCamera, Status: StatusRecorded, Office: "深圳市公安局交通警察支队福田大队"}
}

func codes(rs []Reason) []ReasonCode {
	out := make([]ReasonCode, len(rs))
	for i, r := range rs {
		out[i] = r.Code
	}
	return out
}

func sameCodes(a, b []ReasonCode) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
