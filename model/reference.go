package model

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Reference is the reference data a process starts with: the policy profiles, the violation
// catalogue and the texts. Everything in it has been validated.
type Reference struct {
	Profiles  map[string]*Profile
	Catalogue *Catalogue
	Texts     *Texts
}

// LoadReference reads profiles/*.json, catalogue.json and texts.json from fsys (the embedded
// assets, or a directory staff point to) and validates all of it. The error names the file and
// the field, so that a broken file is a clear startup error.
func LoadReference(fsys fs.FS) (*Reference, error) {
	ref := &Reference{Profiles: map[string]*Profile{}}
	names, err := fs.Glob(fsys, "profiles/*.json")
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("reference data: no profiles/*.json found")
	}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("reference data: %w", err)
		}
		p, err := ParseProfile(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if want := strings.TrimSuffix(path.Base(name), ".json"); p.Name != want {
			return nil, fmt.Errorf("%s: name: must be %q, the file's name, got %q", name, want, p.Name)
		}
		ref.Profiles[p.Name] = p
	}
	data, err := fs.ReadFile(fsys, "catalogue.json")
	if err != nil {
		return nil, fmt.Errorf("reference data: %w", err)
	}
	if ref.Catalogue, err = ParseCatalogue(data); err != nil {
		return nil, fmt.Errorf("catalogue.json: %w", err)
	}
	if data, err = fs.ReadFile(fsys, "texts.json"); err != nil {
		return nil, fmt.Errorf("reference data: %w", err)
	}
	if ref.Texts, err = ParseTexts(data); err != nil {
		return nil, fmt.Errorf("texts.json: %w", err)
	}
	if missing := ref.Texts.missingTerms(); len(missing) > 0 {
		return nil, fmt.Errorf("texts.json: terms: missing %s", strings.Join(missing, ", "))
	}
	return ref, nil
}

// Profile returns the named profile or an error listing the ones that exist.
func (r *Reference) Profile(name string) (*Profile, error) {
	if p, ok := r.Profiles[name]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("no profile %q: choose one of %s", name, strings.Join(r.ProfileNames(), ", "))
}

// ProfileNames lists the profiles in name order.
func (r *Reference) ProfileNames() []string {
	names := make([]string, 0, len(r.Profiles))
	for n := range r.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TermKeys lists the terms the rest of the system shows: every plate type, licence status,
// violation status, source, action and measure has a name in both languages.
func TermKeys() []string {
	var keys []string
	for _, t := range PlateTypes() {
		keys = append(keys, t.Term())
	}
	for _, s := range LicenceStatusList() {
		keys = append(keys, s.Term())
	}
	for _, s := range []ViolationStatus{StatusRecorded, StatusProcessed, StatusPaid, StatusDisputed} {
		keys = append(keys, "violation_status."+string(s))
	}
	for _, s := range []Source{SourceOnSite, SourceCamera} {
		keys = append(keys, "source."+string(s))
	}
	for _, m := range Measures() {
		keys = append(keys, m.Term())
	}
	return keys
}

func (t *Texts) missingTerms() []string {
	var missing []string
	for _, k := range TermKeys() {
		if !t.HasTerm(k) {
			missing = append(missing, k)
		}
	}
	return missing
}
