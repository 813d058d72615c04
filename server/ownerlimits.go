package server

import (
	"time"

	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// Limits on an owner's proofs by number (docs/SECURITY.md). The last six characters of a VIN
// are a weak secret: the last four are digits for any maker of 500 or more vehicles a year, so a
// tail may have as few as 10^6 values, and a vehicle's owner (whose ID number the guesser must
// also give) may well be known to them. The per-ID delays of identifications (limits.go) bound
// guesses per ID number at one a minute, about 525,600 a year: enough to find a six-digit tail
// within a year. So failures of proofs by number are also counted per vehicle and per kiosk, in
// the store (they survive a restart and are shared by every server process), and beyond these
// limits proofs by number are refused until the oldest counted failure leaves the window:
//
//   - per vehicle, ownerProofsPerVehicle failures in ownerProofVehicleWindow, from all kiosks:
//     at most 5 guesses a day, 1,825 a year, so that trying half of a six-digit tail's 10^6
//     values takes about 274 years;
//   - per kiosk, ownerProofsPerKiosk failures in ownerProofKioskWindow, on any vehicles: a kiosk
//     trying many vehicles' tails (anyone's, not a given one's) gets 10 guesses an hour.
//
// Whoever fails five times can pause the typed proofs of a vehicle for a day; the owner can
// still prove with the ID card on the reader (never limited by these counts) or at a counter,
// which is why a lockout is acceptable here when it is not for identification.
const (
	ownerProofsPerVehicle   = 5
	ownerProofVehicleWindow = 24 * time.Hour
	ownerProofsPerKiosk     = 10
	ownerProofKioskWindow   = time.Hour
)

// scopeOwnerProof names refusals of proofs by number in metrics.
const scopeOwnerProof = "owner_proof_failures"

// ownerProofLocked reports whether proofs by number of the vehicle at the kiosk are refused now,
// and until when. The caller holds the vehicle's lock (on PostgreSQL), so that concurrent
// proofs of one vehicle are counted one after the other.
func ownerProofLocked(r store.Reader, kiosk string, plate model.Plate, now time.Time) (time.Time, bool, error) {
	var until time.Time
	byVehicle, err := r.OwnerProofFailures(plate, now.Add(-ownerProofVehicleWindow))
	if err != nil {
		return time.Time{}, false, err
	}
	if n := len(byVehicle); n >= ownerProofsPerVehicle {
		until = byVehicle[n-ownerProofsPerVehicle].Add(ownerProofVehicleWindow)
	}
	byKiosk, err := r.KioskOwnerProofFailures(kiosk, now.Add(-ownerProofKioskWindow))
	if err != nil {
		return time.Time{}, false, err
	}
	if n := len(byKiosk); n >= ownerProofsPerKiosk {
		if t := byKiosk[n-ownerProofsPerKiosk].Add(ownerProofKioskWindow); t.After(until) {
			until = t
		}
	}
	return until, until.After(now), nil
}
