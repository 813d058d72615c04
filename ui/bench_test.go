package ui

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
)

// bigRecord is a driver with n violations over v own vehicles, a mix of every verdict.
func bigRecord(id model.IDNumber, n, v int) api.Lookup {
	l := api.Lookup{ServerTime: testNow, Person: api.Person{IDNumber: string(id), Name: "测试人"},
		Licence: &api.Licence{FileNumber: "440300000001", Classes: "C1", Status: "A", Issuer: "粤B", FirstIssued: "2015-06-15"},
		Points:  api.Points{CycleStart: "2026-06-15", CycleEnd: "2027-06-15", Total: 2, FullScore: 12}}
	letters := "ABCDEFGHJK"
	for i := 0; i < v; i++ {
		l.Vehicles = append(l.Vehicles, api.Vehicle{PlateType: "02", PlateNumber: fmt.Sprintf("粤B%c%04d", letters[i%10], 1000+i),
			Relation: "own", OwnerKind: "personal", OwnerID: string(id), Use: "non_operating"})
	}
	statuses := []model.ViolationStatus{model.StatusRecorded, model.StatusRecorded, model.StatusProcessed, model.StatusPaid}
	for i := 0; i < n; i++ {
		veh := l.Vehicles[i%v]
		st := statuses[i%len(statuses)]
		w := api.Violation{ID: fmt.Sprintf("v%04d", i), PlateType: veh.PlateType, PlateNumber: veh.PlateNumber,
			Time: testNow.Add(-time.Duration(i+1) * 7 * time.Hour), Place: "深圳市福田区深南大道与彩田路交叉口",
			Code: "1039", Points: []int{0, 1, 3, 6}[i%4], FineFen: []int64{5000, 10000, 20000, 30000}[i%4],
			Source: "non_on_site", Status: string(st), Office: "深圳市公安局交通警察支队", OfficeCode: "440300",
			CatalogueZH: "机动车违反规定停放、临时停车", CatalogueEN: "Parking where not allowed"}
		if st == model.StatusProcessed || st == model.StatusPaid {
			at := w.Time.Add(time.Hour)
			w.DecidedAt, w.Decision, w.DriverID = &at, "4403052026000000018", string(id)
		}
		l.Violations = append(l.Violations, w)
	}
	return l
}

// BenchmarkOverviewKeypress is one key press on the overview of a driver with 500 violations
// over 10 vehicles: Update (the list moves) and View (the whole frame drawn), as the runtime
// does per key. The record is judged once, when the session starts, not per key.
func BenchmarkOverviewKeypress(b *testing.B) {
	benchKeypress(b, overviewID)
}

// BenchmarkProcessKeypress is the same on the selection list, ticking a box every other key.
func BenchmarkProcessKeypress(b *testing.B) {
	benchKeypress(b, processID)
}

func benchKeypress(b *testing.B, screen screenID) {
	opts := testOptions(b)
	opts.Connect = nil
	m, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	id := model.IDNumber("440304199003140717") // a valid check character: the record is judged, as a real one is
	l := bigRecord(id, 500, 10)
	s := newSession(m.c, id, "440300000001", service.Looked{Lookup: l})
	m.Update(navOverview{session: s})
	if screen == processID {
		m.Update(navSession{id: processID, build: func(c *Common, s *session) Screen { return newProcess(c, s) }})
	}
	if m.id != screen {
		b.Fatalf("on screen %d, want %d", m.id, screen)
	}
	if s.judged.eval == nil {
		b.Fatalf("the record was not judged: %v", s.judged.noCase)
	}
	keys := []tea.KeyPressMsg{{Code: tea.KeyDown}, {Code: tea.KeyDown}, {Code: tea.KeyPgDown}, {Code: tea.KeyUp}}
	if screen == processID {
		keys = append(keys, tea.KeyPressMsg{Code: tea.KeySpace, Text: " "})
	}
	_ = m.View()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Update(keys[i%len(keys)])
		_ = m.View()
	}
}
