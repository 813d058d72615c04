package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/internal/pgtest"
	"github.com/hallkiosk/kiosk/model"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// forEachStore runs a conformance case against both backends, each on a fresh database.
func forEachStore(t *testing.T, fn func(t *testing.T, s Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, openSQLiteT(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, openT(t, pgtest.New(t))) })
}

func openSQLiteT(t *testing.T) Store {
	return openT(t, filepath.Join(t.TempDir(), "data", "kiosk.db"))
}

// openT opens a store that is closed when the test ends.
func openT(t *testing.T, dsn string) Store {
	t.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// mustTx runs a transaction that must succeed.
func mustTx(t *testing.T, s Store, fn func(tx Tx) error) {
	t.Helper()
	if err := s.Tx(context.Background(), fn); err != nil {
		t.Fatalf("Tx: %v", err)
	}
}

// mustRead runs a read that must succeed.
func mustRead(t *testing.T, s Store, fn func(r Reader) error) {
	t.Helper()
	if err := s.Read(context.Background(), fn); err != nil {
		t.Fatalf("Read: %v", err)
	}
}

// Fixtures. The ID numbers carry valid check characters and the plates valid forms, as real
// records would; the store does not check either.
const (
	idZhang = model.IDNumber("11010519491231002X")
	idLi    = model.IDNumber("440524188001010014")
	idWang  = model.IDNumber("500101199003071234")
)

func plateA() model.Plate { return model.Plate{Type: model.PlateSmallCar, Number: "京A12345"} }
func plateB() model.Plate { return model.Plate{Type: model.PlateSmallNEV, Number: "粤BD12345"} }
func plateC() model.Plate { return model.Plate{Type: model.PlateLargeCar, Number: "渝A98765"} }

// at is a time on a whole millisecond (the store's precision), in China's zone to check that the
// zone does not matter.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04:05.000", s, model.ChinaZone())
	if err != nil {
		panic(err)
	}
	return t
}

func licensed(id model.IDNumber, name string) Driver {
	classes, _ := model.ParseLicenceClasses("C1E")
	return Driver{
		Driver: model.Driver{ID: id, Name: name, Phone: "13800138000"},
		Licence: &model.Licence{
			ID: id, FileNumber: "500112345678", Classes: classes, Status: model.StatusNormal,
			FirstIssued: at("2015-03-01 09:30:00.000"), Issuer: "渝A",
		},
		Registered: true,
	}
}

func kiosk(id string) Kiosk {
	return Kiosk{
		ID: id, Name: "一号机", Hall: "渝北车管所大厅", Profile: "chongqing", Secret: []byte("0123456789abcdef0123456789abcdef"),
		EnrolledAt: at("2025-01-02 08:00:00.000"), Epoch: 1,
	}
}

func violation(id string, p model.Plate, when time.Time) model.Violation {
	return model.Violation{
		ID: id, Plate: p, Time: when, Place: "渝北区金开大道与星光大道交叉口", Code: "1352",
		Points: 3, Fine: model.Yuan(200), Source: model.SourceCamera, Status: model.StatusRecorded,
		Office: "重庆市公安局交通管理局渝北区支队", OfficeCode: "500112",
	}
}

// same fails the test when got and want differ. Times compare with Equal (the store returns UTC,
// and drops nothing else); a nil and an empty byte slice are the same (a NOT NULL column).
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if d := difference(what, reflect.ValueOf(got), reflect.ValueOf(want)); d != "" {
		t.Errorf("%s\ngot:  %+v\nwant: %+v", d, got, want)
	}
}

func difference(path string, a, b reflect.Value) string {
	if a.IsValid() != b.IsValid() || (a.IsValid() && a.Type() != b.Type()) {
		return path + ": different types"
	}
	if !a.IsValid() {
		return ""
	}
	if a.Type() == reflect.TypeFor[time.Time]() {
		ta, tb := a.Interface().(time.Time), b.Interface().(time.Time)
		if !ta.Equal(tb) {
			return fmt.Sprintf("%s: %v, want %v", path, ta, tb)
		}
		return ""
	}
	switch a.Kind() {
	case reflect.Struct:
		for i := range a.NumField() {
			if d := difference(path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i)); d != "" {
				return d
			}
		}
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + ": one is nil"
			}
			return ""
		}
		return difference(path, a.Elem(), b.Elem())
	case reflect.Slice:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: length %d, want %d", path, a.Len(), b.Len())
		}
		for i := range a.Len() {
			if d := difference(fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i)); d != "" {
				return d
			}
		}
	case reflect.Map:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: %d keys, want %d", path, a.Len(), b.Len())
		}
		for _, k := range b.MapKeys() {
			if d := difference(fmt.Sprintf("%s[%v]", path, k), a.MapIndex(k), b.MapIndex(k)); d != "" {
				return d
			}
		}
	default:
		if !a.Equal(b) {
			return fmt.Sprintf("%s: %v, want %v", path, a, b)
		}
	}
	return ""
}
