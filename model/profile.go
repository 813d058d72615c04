package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// Profile is a policy profile: every number and list of DOMAIN.md sections 6 to 9 that is a
// policy choice rather than law. Profiles ship as JSON in assets and are validated at start; a
// broken profile stops the program with an error naming the field.
type Profile struct {
	Name       string          `json:"name"`
	TitleZH    string          `json:"title_zh"`
	TitleEN    string          `json:"title_en"`
	Processing ProcessingRules `json:"processing"`
	Points     PointsRules     `json:"points"`
	Binding    BindingRules    `json:"binding"`
	Follow     FollowRules     `json:"follow"`
	Payment    PaymentRules    `json:"payment"`
	Offline    OfflineRules    `json:"offline"`
	Face       FaceRules       `json:"face"`
	Decision   DecisionRules   `json:"decision"`
}

// FaceRules say, for each kind of processing, whether a kiosk without a face camera may do it:
// the people then prove who they are with their numbers alone. Processing the violations of
// another person's vehicle puts points on a licence on the owner's word, and the rule book sends
// it to a counter when no camera can check the faces.
type FaceRules struct {
	NoCameraOwn    bool `json:"no_camera_own"`    // the driver's own vehicles (and others' needing no owner)
	NoCameraOthers bool `json:"no_camera_others"` // violations that need the owner's verification (rule 9)
}

// NoCameraAllowed reports whether processing that needs this verification may be done at a kiosk
// without a face camera.
func (p *Profile) NoCameraAllowed(v Verification) bool {
	if v == VerifyDriverAndOwner {
		return p.Face.NoCameraOthers
	}
	return p.Face.NoCameraOwn
}

// ProcessingRules decide which violations a driver may process at the kiosk (section 6).
type ProcessingRules struct {
	AcceptBound    bool `json:"accept_bound"`    // rule 1: bound vehicles count
	AcceptFollowed bool `json:"accept_followed"` // rule 1: followed vehicles count
	MaxFine        Fen  `json:"max_fine_fen"`    // rule 3: at most the simple-procedure limit
	// Rule 5: the plate types accepted for the driver's own vehicles and for others' vehicles.
	OwnPlateTypes   []PlateType `json:"own_plate_types"`
	OtherPlateTypes []PlateType `json:"other_plate_types"`
	PersonalOnly    bool        `json:"personal_only"`
	NonOperating    bool        `json:"non_operating_only"`
	// Rule 6: the licence statuses that may process.
	LicenceStatuses []LicenceStatus `json:"licence_statuses"`
	// Rule 7: a cap on the points of a single violation; 0 means no cap below the full score.
	MaxPointsPerViolation int `json:"max_points_per_violation"`
	// Rule 8: when set, licence and vehicle must both be registered in this province ("渝").
	LocalProvince string `json:"local_province"`
	// Rule 9: a violation with points on a vehicle that is not the driver's own needs the
	// owner's verification as well.
	OwnerVerifiesPoints bool `json:"owner_verifies_points"`
}

// PointsRules set the points cycle (section 5).
type PointsRules struct {
	FullScore   int `json:"full_score"`
	CycleMonths int `json:"cycle_months"`
	// StudyReductionMax is the most points a driver may have taken off a cycle by traffic-safety
	// study (学法减分, up to 6 by the Ministry's rules), so that advice can mention it; 0 where
	// the region does not offer it.
	StudyReductionMax int `json:"study_reduction_max"`
}

// BindingRules limit binding non-owned vehicles (section 7).
type BindingRules struct {
	Enabled              bool        `json:"enabled"`
	PlateTypes           []PlateType `json:"plate_types"`
	PersonalOnly         bool        `json:"personal_only"`
	MaxBindersPerVehicle int         `json:"max_binders_per_vehicle"`
	MaxConcurrent        int         `json:"max_concurrent"`
	MaxSelfService       int         `json:"max_self_service"`
	MaxDistinctOwners    int         `json:"max_distinct_owners"`
}

// FollowRules limit following vehicles (section 8).
type FollowRules struct {
	Enabled                bool        `json:"enabled"`
	PlateTypes             []PlateType `json:"plate_types"`
	PersonalOnly           bool        `json:"personal_only"`
	MaxFollows             int         `json:"max_follows"`
	MaxRequestsPerYear     int         `json:"max_requests_per_year"`
	MaxFollowersPerVehicle int         `json:"max_followers_per_vehicle"`
	AuthorisationMonths    int         `json:"authorisation_months"`
}

// PaymentRules set the payment deadline and the late fee (section 9).
type PaymentRules struct {
	DueDays int `json:"due_days"`
	// LateFeeBasisPoints is the late fee per day in hundredths of a percent of the fine (3 % = 300).
	LateFeeBasisPoints int `json:"late_fee_per_day_basis_points"`
	// LateFeeCapPercent caps the late fee as a percentage of the fine (the law: 100).
	LateFeeCapPercent int `json:"late_fee_cap_percent"`
}

// ParseProfile decodes and validates a profile. Every key must be present (a missing key would
// otherwise silently read as false or 0), unknown keys are refused, and each value is checked.
func ParseProfile(data []byte) (*Profile, error) {
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	name, _ := raw["name"].(string)
	fail := func(err error) (*Profile, error) { return nil, fmt.Errorf("profile %q: %w", name, err) }
	if missing := missingKeys(reflect.TypeOf(Profile{}), raw, ""); len(missing) > 0 {
		return fail(fmt.Errorf("%s: missing", strings.Join(missing, ", ")))
	}
	var p Profile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return fail(err)
	}
	if err := p.Validate(); err != nil {
		return fail(err)
	}
	return &p, nil
}

// missingKeys walks the JSON tags of t and lists the dotted paths absent from raw.
func missingKeys(t reflect.Type, raw map[string]any, prefix string) []string {
	var missing []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if key == "" || key == "-" {
			continue
		}
		v, ok := raw[key]
		if !ok {
			missing = append(missing, prefix+key)
			continue
		}
		switch {
		case f.Type.Kind() == reflect.Struct:
			sub, _ := v.(map[string]any)
			missing = append(missing, missingKeys(f.Type, sub, prefix+key+".")...)
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
			// Lists of records (the decision's offices and provisions): every record is
			// complete, named by its position.
			list, _ := v.([]any)
			for i, el := range list {
				sub, _ := el.(map[string]any)
				missing = append(missing, missingKeys(f.Type.Elem(), sub, fmt.Sprintf("%s%s[%d].", prefix, key, i))...)
			}
		}
	}
	return missing
}

// Validate checks every value and names the first field that is wrong.
func (p *Profile) Validate() error {
	checks := []struct {
		field string
		ok    bool
		want  string
	}{
		{"name", p.Name != "" && strings.TrimSpace(p.Name) == p.Name, "a non-empty name without spaces around it"},
		{"title_zh", p.TitleZH != "", "a Chinese title"},
		{"title_en", p.TitleEN != "", "an English title"},
		{"processing.max_fine_fen", p.Processing.MaxFine > 0 && p.Processing.MaxFine <= SimpleProcedureMaxFine, "between 1 and 20000 (the simple-procedure limit of 200 yuan)"},
		{"processing.own_plate_types", validPlateTypes(p.Processing.OwnPlateTypes), "a non-empty list of known plate type codes"},
		{"processing.other_plate_types", validPlateTypes(p.Processing.OtherPlateTypes), "a non-empty list of known plate type codes"},
		{"processing.licence_statuses", validStatuses(p.Processing.LicenceStatuses), "a non-empty list of licence status codes"},
		{"processing.max_points_per_violation", p.Processing.MaxPointsPerViolation == 0 || ValidPoints(p.Processing.MaxPointsPerViolation), "0 (no cap) or a point value: 1, 3, 6, 9, 12"},
		{"processing.local_province", p.Processing.LocalProvince == "" || isProvince(p.Processing.LocalProvince), "empty or one province character such as 渝"},
		{"points.full_score", p.Points.FullScore > 0 && p.Points.FullScore <= 12, "between 1 and 12 (12 is the law's full score)"},
		{"points.cycle_months", p.Points.CycleMonths == 12, "12 (the law's points cycle)"},
		{"points.study_reduction_max", p.Points.StudyReductionMax >= 0 && p.Points.StudyReductionMax <= 6, "between 0 (not offered) and 6 (the most study may take off a cycle)"},
		{"binding.plate_types", !p.Binding.Enabled || validPlateTypes(p.Binding.PlateTypes), "a non-empty list of known plate type codes when binding is enabled"},
		{"binding.max_binders_per_vehicle", !p.Binding.Enabled || p.Binding.MaxBindersPerVehicle > 0, "at least 1 when binding is enabled"},
		{"binding.max_concurrent", !p.Binding.Enabled || p.Binding.MaxConcurrent > 0, "at least 1 when binding is enabled"},
		{"binding.max_self_service", p.Binding.MaxSelfService >= 0 && p.Binding.MaxSelfService <= p.Binding.MaxConcurrent, "between 0 and binding.max_concurrent"},
		{"binding.max_distinct_owners", !p.Binding.Enabled || p.Binding.MaxDistinctOwners > 0, "at least 1 when binding is enabled"},
		{"follow.plate_types", !p.Follow.Enabled || validPlateTypes(p.Follow.PlateTypes), "a non-empty list of known plate type codes when following is enabled"},
		{"follow.max_follows", !p.Follow.Enabled || p.Follow.MaxFollows > 0, "at least 1 when following is enabled"},
		{"follow.max_requests_per_year", !p.Follow.Enabled || p.Follow.MaxRequestsPerYear >= p.Follow.MaxFollows, "at least follow.max_follows when following is enabled"},
		{"follow.max_followers_per_vehicle", !p.Follow.Enabled || p.Follow.MaxFollowersPerVehicle > 0, "at least 1 when following is enabled"},
		{"follow.authorisation_months", !p.Follow.Enabled || (p.Follow.AuthorisationMonths > 0 && p.Follow.AuthorisationMonths <= 60), "between 1 and 60 when following is enabled"},
		{"processing.accept_followed", !p.Processing.AcceptFollowed || p.Follow.Enabled, "false unless follow.enabled is true"},
		{"processing.accept_bound", !p.Processing.AcceptBound || p.Binding.Enabled, "false unless binding.enabled is true"},
		{"payment.due_days", p.Payment.DueDays > 0 && p.Payment.DueDays <= 90, "between 1 and 90 (the law: 15)"},
		{"payment.late_fee_per_day_basis_points", p.Payment.LateFeeBasisPoints >= 0 && p.Payment.LateFeeBasisPoints <= 300, "between 0 and 300 (the law: 3 % a day)"},
		{"payment.late_fee_cap_percent", p.Payment.LateFeeCapPercent >= 0 && p.Payment.LateFeeCapPercent <= 100, "between 0 and 100 (the law: never more than the fine)"},
	}
	for _, c := range checks {
		if !c.ok {
			return fmt.Errorf("%s: must be %s", c.field, c.want)
		}
	}
	if err := p.Offline.validate(); err != nil {
		return err
	}
	return p.Decision.validate()
}

func validPlateTypes(ts []PlateType) bool { return allParse(ts, ParsePlateType) }

func validStatuses(ss []LicenceStatus) bool { return allParse(ss, ParseLicenceStatus) }

// allParse reports whether xs is non-empty and every element parses as itself.
func allParse[T ~string](xs []T, parse func(string) (T, error)) bool {
	for _, x := range xs {
		if got, err := parse(string(x)); err != nil || got != x {
			return false
		}
	}
	return len(xs) > 0
}

func isProvince(s string) bool {
	for _, p := range Provinces() {
		if p == s {
			return true
		}
	}
	return false
}

func containsPlateType(ts []PlateType, t PlateType) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}
