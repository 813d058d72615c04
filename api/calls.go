package api

import "time"

// Calls for staff (F3). A kiosk keeps each call it made in its store until the server has it,
// and sends the calls it still watches in POST /v1/calls; the answer says what became of each,
// so that the kiosk can tell the person "coming" or "still waiting". A call names no person:
// the kiosk, the screen the person was on, and times.

// StaffCall is one call as the kiosk reports it. Sending the same call again is harmless: the
// server keeps the first report and adds only an end it did not know.
type StaffCall struct {
	// ID is the kiosk's name for the call: 1 to 64 of A-Z a-z 0-9 - _ (like an op id).
	ID string `json:"id"`
	// Screen is the screen the person was on: 1 to 32 of a-z 0-9 _ (the UI's screen names).
	Screen string `json:"screen"`
	// MadeAt is when F3 was pressed, by the kiosk's corrected clock.
	MadeAt time.Time `json:"made_at"`
	// EndedAt is set once the person's session ended (they finished or walked away) while
	// the call was not closed: staff learn that nobody may be waiting any more.
	EndedAt *time.Time `json:"ended_at,omitempty"`
}

// ValidScreenName reports whether s may name a screen in a call: 1 to 32 of a-z 0-9 _.
func ValidScreenName(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// CallsRequest is the body of POST /v1/calls.
type CallsRequest struct {
	Calls []StaffCall `json:"calls"` // 1 to MaxCallsPerRequest
}

// MaxCallsPerRequest bounds a CallsRequest; MaxOpenCallsPerKiosk bounds the calls of one kiosk
// the server keeps open (a kiosk makes at most one per session).
const (
	MaxCallsPerRequest   = 16
	MaxOpenCallsPerKiosk = 8
)

// Call states, in order.
const (
	CallOpen    = "open"    // received, nobody has answered yet
	CallComing  = "coming"  // a member of staff acknowledged and is on the way
	CallClosed  = "closed"  // staff closed it (dealt with, or the person had gone)
	CallRefused = "refused" // not kept: the kiosk has MaxOpenCallsPerKiosk open calls already
)

// CallState is the server's record of one call, as the kiosk may know it (no staff id).
type CallState struct {
	ID       string     `json:"id"`
	State    string     `json:"state"`
	AckedAt  *time.Time `json:"acked_at,omitempty"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
}

// CallsReply answers POST /v1/calls with the state of each call of the request, in its order.
type CallsReply struct {
	Calls      []CallState `json:"calls"`
	ServerTime time.Time   `json:"server_time"`
}

// Device states a heartbeat reports (Heartbeat.DeviceStates). Staff and alerts read them, so
// they are a fixed vocabulary; anything else is taken as DeviceUnknown.
const (
	DeviceOK        = "ok"
	DeviceSimulated = "simulated"  // a simulated device (demo and training)
	DevicePaperLow  = "paper_low"  // the printer's near-end sensor: a few receipts left
	DevicePaperOut  = "paper_out"  // no paper: nothing can be printed
	DeviceCoverOpen = "cover_open" // the printer's cover is open
	DeviceOffline   = "offline"    // the device does not answer
	DeviceError     = "error"      // it answers, but reports a fault
	DeviceUnknown   = "unknown"    // not checked yet, or it cannot report
)

// DeviceStatesAll lists the device states in order.
func DeviceStatesAll() []string {
	return []string{DeviceOK, DeviceSimulated, DevicePaperLow, DevicePaperOut, DeviceCoverOpen, DeviceOffline,
		DeviceError, DeviceUnknown}
}

// Device names in heartbeats.
const (
	DevicePrinter  = "printer"
	DeviceIDReader = "id_reader"
	DeviceFace     = "face"
	DeviceCard     = "card"
)

// DeviceStatus is what a heartbeat says of one device.
type DeviceStatus struct {
	State string `json:"state"`          // one of the Device* states
	Name  string `json:"name,omitempty"` // what staff call it: "receipt printer (ESC/POS) tcp://10.1.2.3:9100"
	// Since is when the device entered State, by the kiosk's corrected clock (absent: unknown).
	Since *time.Time `json:"since,omitempty"`
}
