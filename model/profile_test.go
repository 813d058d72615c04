package model

import (
	"encoding/json"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hallkiosk/kiosk/assets"
)

func TestShippedProfilesCarryTheRuleBookNumbers(t *testing.T) {
	n := profile(t, "national")
	if n.Processing.MaxFine != Yuan(200) || n.Points.FullScore != 12 || n.Points.CycleMonths != 12 {
		t.Errorf("national processing/points: %+v %+v", n.Processing, n.Points)
	}
	if b := n.Binding; !b.Enabled || b.MaxBindersPerVehicle != 3 || b.MaxConcurrent != 3 || b.MaxSelfService != 1 || b.MaxDistinctOwners != 5 {
		t.Errorf("national binding: %+v", b)
	}
	if p := n.Payment; p.DueDays != 15 || p.LateFeeBasisPoints != 300 || p.LateFeeCapPercent != 100 {
		t.Errorf("payment: %+v", p)
	}
	c := profile(t, "chongqing")
	if f := c.Follow; !f.Enabled || f.MaxFollows != 2 || f.MaxRequestsPerYear != 3 || f.MaxFollowersPerVehicle != 3 || f.AuthorisationMonths != 12 {
		t.Errorf("chongqing follow: %+v", f)
	}
	if c.Processing.LocalProvince != "渝" || !c.Processing.AcceptFollowed {
		t.Errorf("chongqing processing: %+v", c.Processing)
	}
	// Without a camera: one's own vehicles yes, others' needing the owner no (a counter).
	for _, p := range []*Profile{n, c} {
		if !p.NoCameraAllowed(VerifyDriver) || p.NoCameraAllowed(VerifyDriverAndOwner) {
			t.Errorf("%s face: %+v", p.Name, p.Face)
		}
	}
}

// A broken profile is refused with an error that names the field.
func TestParseProfileNamesTheBrokenField(t *testing.T) {
	good, err := fs.ReadFile(assets.FS(), "profiles/national.json")
	if err != nil {
		t.Fatal(err)
	}
	edit := func(mod func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		mod(m)
		out, _ := json.Marshal(m)
		return out
	}
	section := func(m map[string]any, name string) map[string]any { return m[name].(map[string]any) }
	for _, r := range []struct {
		name string
		data []byte
		want string
	}{
		{"not JSON", []byte("{"), "profile"},
		{"missing key", edit(func(m map[string]any) { delete(section(m, "binding"), "max_distinct_owners") }), "binding.max_distinct_owners: missing"},
		{"missing section", edit(func(m map[string]any) { delete(m, "payment") }), "payment: missing"},
		{"no face section", edit(func(m map[string]any) { delete(m, "face") }), "face: missing"},
		{"face key missing", edit(func(m map[string]any) { delete(section(m, "face"), "no_camera_others") }), "face.no_camera_others: missing"},
		{"face key not a boolean", edit(func(m map[string]any) { section(m, "face")["no_camera_own"] = "yes" }), "no_camera_own"},
		{"unknown key", edit(func(m map[string]any) { section(m, "processing")["max_fine_yuan"] = 200 }), `unknown field "max_fine_yuan"`},
		{"fine limit above the law", edit(func(m map[string]any) { section(m, "processing")["max_fine_fen"] = 30000 }), "processing.max_fine_fen: must be between 1 and 20000"},
		{"full score above 12", edit(func(m map[string]any) { section(m, "points")["full_score"] = 13 }), "points.full_score"},
		{"unknown plate type", edit(func(m map[string]any) { section(m, "processing")["other_plate_types"] = []string{"02", "99"} }), "processing.other_plate_types"},
		{"late fee above 3 %", edit(func(m map[string]any) { section(m, "payment")["late_fee_per_day_basis_points"] = 500 }), "payment.late_fee_per_day_basis_points"},
		{"self-service above concurrent", edit(func(m map[string]any) { section(m, "binding")["max_self_service"] = 4 }), "binding.max_self_service"},
		{"followed accepted but following disabled", edit(func(m map[string]any) { section(m, "processing")["accept_followed"] = true }), "processing.accept_followed"},
		{"wrong type", edit(func(m map[string]any) { section(m, "points")["full_score"] = "12" }), "full_score"},
		{"bad local province", edit(func(m map[string]any) { section(m, "processing")["local_province"] = "CQ" }), "processing.local_province"},
		{"single cap not a point value", edit(func(m map[string]any) { section(m, "processing")["max_points_per_violation"] = 4 }), "processing.max_points_per_violation"},
	} {
		t.Run(r.name, func(t *testing.T) {
			_, err := ParseProfile(r.data)
			if err == nil || !strings.Contains(err.Error(), r.want) {
				t.Fatalf("error = %v, want it to mention %q", err, r.want)
			}
		})
	}
}

func TestLoadReferenceNamesTheFile(t *testing.T) {
	files := fstest.MapFS{}
	for _, name := range []string{"profiles/national.json", "profiles/chongqing.json", "catalogue.json", "texts.json"} {
		data, err := fs.ReadFile(assets.FS(), name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = &fstest.MapFile{Data: data}
	}
	if _, err := LoadReference(files); err != nil {
		t.Fatalf("a copy of the shipped files must load: %v", err)
	}
	renamed := fstest.MapFS{}
	for k, v := range files {
		renamed[k] = v
	}
	renamed["profiles/beijing.json"] = files["profiles/national.json"]
	if _, err := LoadReference(renamed); err == nil || !strings.Contains(err.Error(), "profiles/beijing.json: name") {
		t.Errorf("a profile whose name differs from its file: %v", err)
	}
	noTexts := fstest.MapFS{}
	for k, v := range files {
		if k != "texts.json" {
			noTexts[k] = v
		}
	}
	if _, err := LoadReference(noTexts); err == nil || !strings.Contains(err.Error(), "texts.json") {
		t.Errorf("missing texts: %v", err)
	}
	if _, err := loadRef(t).Profile("shanghai"); err == nil || !strings.Contains(err.Error(), "chongqing, national") {
		t.Errorf("unknown profile error should list the choices: %v", err)
	}
}
