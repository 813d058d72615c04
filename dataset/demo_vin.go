package dataset

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/hallkiosk/kiosk/model"
)

// Demo vehicles get a VIN and a registration certificate number derived from their plate (a
// hash, not the generator's random source, so that adding them changed no other demo record).
// Both are well-formed and unique in practice; neither is a real vehicle's.

// demoWMIs are world manufacturer identifiers of the form Chinese makers' have (an L first).
var demoWMIs = []string{"LSV", "LFV", "LGB", "LVS", "LBV", "LHG", "LGX", "LNB"}

// vinAlphabet is the characters a VIN may hold: digits and capitals without I, O and Q.
const vinAlphabet = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"

// demoVIN is a valid VIN for the plate: a Chinese WMI, five descriptor characters, the check
// character, a model year and plant, and a six-digit serial.
func demoVIN(p model.Plate) model.VIN {
	h := sha256.Sum256([]byte("vin\x00" + string(p.Type) + "\x00" + string(p.Number)))
	b := []byte(demoWMIs[int(h[0])%len(demoWMIs)])
	for i := 1; i <= 5; i++ {
		b = append(b, vinAlphabet[int(h[i])%len(vinAlphabet)])
	}
	b = append(b, '0')                                             // the check character's place
	b = append(b, "KLMNPRSTV"[int(h[6])%9])                        // model year 2019–2027
	b = append(b, vinAlphabet[10+int(h[7])%(len(vinAlphabet)-10)]) // plant: a letter
	serial := binary.BigEndian.Uint32(h[8:12]) % 1000000
	for d := 100000; d > 0; d /= 10 {
		b = append(b, byte('0'+serial/uint32(d)%10))
	}
	c, _ := model.VINCheckChar(string(b))
	b[8] = c
	return model.VIN(b)
}

// DemoVehicleNumbers are the VIN and certificate number the demo data gives the vehicle with
// this plate: what a presenter (or a test) types as the owner's proof.
func DemoVehicleNumbers(p model.Plate) (model.VIN, model.RegCertNumber) {
	return demoVIN(p), demoRegCert(p)
}

// demoRegCert is a 12-digit registration certificate number for the plate.
func demoRegCert(p model.Plate) model.RegCertNumber {
	h := sha256.Sum256([]byte("reg_cert\x00" + string(p.Type) + "\x00" + string(p.Number)))
	n := binary.BigEndian.Uint64(h[:8]) % 1000000000000
	b := make([]byte, model.RegCertLength)
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return model.RegCertNumber(b)
}
