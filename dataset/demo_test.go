package dataset

import (
	"bytes"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// roundTrip encodes d and decodes it back with today = now, failing on any problem.
func roundTrip(t *testing.T, d *Data, now time.Time) *Data {
	t.Helper()
	var out bytes.Buffer
	if err := Encode(&out, d); err != nil {
		t.Fatal(err)
	}
	back, err := Decode(&out, now)
	if err != nil {
		t.Fatalf("demo data does not pass validation:\n%v", err)
	}
	return back
}

func TestDemoPassesValidation(t *testing.T) {
	now := testToday()
	for _, seed := range []int64{1, 2, 42, -5} {
		for _, people := range []int{0, 1, 25, 300} {
			d := Demo(seed, now, people)
			if back := roundTrip(t, d, now); !reflect.DeepEqual(back, d) {
				t.Errorf("seed %d, %d people: Decode(Encode(Demo)) differs from Demo", seed, people)
			}
		}
	}
}

func TestDemoLargePassesValidation(t *testing.T) {
	now := testToday()
	d := Demo(1, now, 2000)
	if n := len(d.People); n != 2000+len(Personas(now)) {
		t.Errorf("%d people, want 2000 and the personas", n)
	}
	if back := roundTrip(t, d, now); !reflect.DeepEqual(back, d) {
		t.Error("Decode(Encode(Demo)) differs from Demo")
	}
}

func TestDemoAtAwkwardInstants(t *testing.T) {
	for _, now := range []time.Time{
		time.Date(2028, 2, 29, 0, 0, 30, 0, model.ChinaZone()), // a leap day, just after midnight
		time.Date(2026, 1, 1, 23, 59, 59, 0, time.UTC),         // another zone, another China day
		time.Date(2031, 12, 31, 12, 0, 0, 999, time.Local),     // fractions of a second are dropped
	} {
		roundTrip(t, Demo(9, now, 200), now)
	}
}

func TestDemoIsDeterministic(t *testing.T) {
	now := testToday()
	a, b := Demo(3, now, 150), Demo(3, now, 150)
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed, now and size gave different data")
	}
	if reflect.DeepEqual(a, Demo(4, now, 150)) {
		t.Error("another seed gave the same data")
	}
}

func TestPersonasAreInEveryDemo(t *testing.T) {
	now := testToday()
	ps := Personas(now)
	if len(ps) < 12 {
		t.Fatalf("%d personas, want the dozen seed stories", len(ps))
	}
	banned := regexp.MustCompile("[\u00b7\u2026\u2500\u2502\u2022\u2588]")
	keys := map[string]bool{}
	for _, p := range ps {
		if keys[p.Key] {
			t.Errorf("persona key %s repeats", p.Key)
		}
		keys[p.Key] = true
		if _, err := model.ParseIDNumber(string(p.ID), now); err != nil {
			t.Errorf("%s: ID number: %v", p.Key, err)
		}
		if _, err := model.ParseFileNumber(string(p.File)); err != nil {
			t.Errorf("%s: file number: %v", p.Key, err)
		}
		if p.Story == "" || p.StoryEN == "" || banned.MatchString(p.Story+p.StoryEN) {
			t.Errorf("%s: story %q / %q: both languages, no banned characters", p.Key, p.Story, p.StoryEN)
		}
	}
	for _, seed := range []int64{1, 77} {
		for _, people := range []int{0, 40} {
			d := Demo(seed, now, people)
			for i, p := range ps {
				got := d.People[i]
				if got.Driver.ID != p.ID || got.Driver.Name != p.Name || got.Licence == nil || got.Licence.FileNumber != p.File {
					t.Errorf("seed %d: people[%d] = %+v, want persona %s", seed, i, got.Driver, p.Key)
				}
				// The vehicles a persona is said to own are theirs in the data, with the VIN
				// and certificate number the help shows.
				for _, plate := range p.Vehicles {
					v, ok := vehicleOf(d, plate)
					vin, cert := DemoVehicleNumbers(plate)
					if !ok || v.Owner != p.ID || v.VIN != vin || v.RegCert != cert {
						t.Errorf("seed %d: %s's vehicle %s: %+v (found %v), want theirs with VIN %s", seed, p.Key, plate.Number, v.Vehicle, ok, vin)
					}
				}
			}
			// And every vehicle a persona owns in the data is listed with them.
			for _, v := range d.Vehicles {
				i := slices.IndexFunc(ps, func(p Persona) bool { return p.ID == v.Owner })
				if i >= 0 && !slices.Contains(ps[i].Vehicles, v.Plate) {
					t.Errorf("seed %d: %s owns %s, which its persona does not list", seed, ps[i].Key, v.Plate.Number)
				}
			}
		}
	}
	if p := ps[slices.IndexFunc(ps, func(p Persona) bool { return p.Key == "owner-lent" })]; len(p.Vehicles) != 2 {
		t.Errorf("owner-lent owns %v, want the lent car and the new-energy car", p.Vehicles)
	}
}

func vehicleOf(d *Data, p model.Plate) (Vehicle, bool) {
	for _, v := range d.Vehicles {
		if v.Plate == p {
			return v, true
		}
	}
	return Vehicle{}, false
}

func TestDemoUsesCataloguedCodes(t *testing.T) {
	g := newGenerator(1, testToday())
	for _, typ := range model.PlateTypes() {
		for _, wc := range append(cameraCodes(typ), onSiteCodes(typ)...) {
			if _, ok := g.cat.Lookup(model.ViolationCode(wc.code)); !ok {
				t.Errorf("code %s is not in the catalogue", wc.code)
			}
		}
	}
}

func TestDemoPeopleAreRealistic(t *testing.T) {
	now := testToday()
	d := Demo(5, now, 2000)
	phone := regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	classes := map[string]int{}
	licensed := 0
	for _, p := range d.People {
		age := now.Year() - p.Driver.ID.BirthDate().Year
		if age < 17 || age > 76 {
			t.Errorf("age about %d, want 18 to 75", age)
		}
		if n := len([]rune(p.Driver.Name)); n != 3 {
			t.Errorf("name of %d characters, want a surname and a two-character given name", n)
		}
		if p.Driver.Phone != "" && !phone.MatchString(p.Driver.Phone) {
			t.Errorf("phone %s is not a mobile number", p.Driver.Phone)
		}
		if p.Licence != nil {
			licensed++
			classes[p.Licence.Classes.String()]++
		}
	}
	if small := classes["C1"] + classes["C2"]; small*10 < licensed*7 {
		t.Errorf("C1 and C2 are %d of %d licences, want most", small, licensed)
	}
	for _, c := range []string{"B2", "A1", "E", "C1E"} {
		if classes[c] == 0 {
			t.Errorf("no licence of class %s", c)
		}
	}
	same, personal := 0, 0
	for _, v := range d.Vehicles {
		if v.OwnerKind != model.OwnerPersonal {
			continue
		}
		personal++
		if provinceOfID(v.Owner) == v.Province() {
			same++
		}
	}
	if same*10 < personal*7 {
		t.Errorf("only %d of %d personal vehicles are registered in the owner's province", same, personal)
	}
}

// provinceOfID maps an ID number's province code to the plate province character.
func provinceOfID(id model.IDNumber) string {
	for _, c := range cities() {
		if c.province() == id.Province() {
			return string([]rune(c.plates[0])[0])
		}
	}
	return ""
}

// Every demo vehicle has a valid VIN and certificate number of its own, so that every demo owner
// can verify with either.
func TestDemoVehiclesHaveTheirNumbers(t *testing.T) {
	d := Demo(7, testToday(), 300)
	vins, certs := map[model.VIN]bool{}, map[model.RegCertNumber]bool{}
	for _, v := range d.Vehicles {
		if _, err := model.ParseVIN(string(v.VIN)); err != nil {
			t.Errorf("%s: VIN %q: %v", v.Plate.Number, v.VIN, err)
		}
		if _, err := model.ParseRegCertNumber(string(v.RegCert)); err != nil {
			t.Errorf("%s: certificate %q: %v", v.Plate.Number, v.RegCert, err)
		}
		if vins[v.VIN] || certs[v.RegCert] {
			t.Errorf("%s: a VIN or certificate number repeated", v.Plate.Number)
		}
		vins[v.VIN], certs[v.RegCert] = true, true
	}
}
