package device

import (
	"context"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
)

// reader is an ID-card reader that cannot say how it is.
type reader struct{}

func (reader) Info() Info { return Info{Name: "ID reader /dev/ttyUSB0"} }
func (reader) ReadCard(context.Context) (IDCard, error) {
	return IDCard{Number: model.IDNumber("")}, nil
}

// What the monitor can honestly say of devices that cannot be asked: the simulated ones are
// simulated, a directory of receipt files is ok, anything else unknown; a kiosk's missing
// devices are not reported.
func TestMonitorStatesOfDevicesThatCannotBeAsked(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	m := NewMonitor(Set{Face: SimFace{}, Card: &SimCard{}, Printer: FilePrinter{Dir: t.TempDir()}, IDReader: reader{}},
		func() time.Time { return at })
	m.Probe(context.Background())
	want := map[string]string{api.DeviceFace: api.DeviceSimulated, api.DeviceCard: api.DeviceSimulated,
		api.DevicePrinter: api.DeviceOK, api.DeviceIDReader: api.DeviceUnknown}
	got := m.States()
	if len(got) != len(want) {
		t.Fatalf("states %+v", got)
	}
	for kind, state := range want {
		if got[kind].State != state || got[kind].Since == nil || !got[kind].Since.Equal(at) || got[kind].Name == "" {
			t.Errorf("%s: %+v, want %s", kind, got[kind], state)
		}
	}
	if got := NewMonitor(Set{}, nil).States(); len(got) != 0 {
		t.Errorf("a kiosk without devices reports %+v", got)
	}
	// The UI's printer is the monitor's, which still writes the files.
	if _, err := m.Set().Printer.Print(context.Background(), Doc{Title: "t"}); err != nil {
		t.Fatal(err)
	}
	if !m.Set().Printer.Info().NoPaper {
		t.Error("the watched printer lost its Info")
	}
}
