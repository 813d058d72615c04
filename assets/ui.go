package assets

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
)

// The terminal UI's own texts (screen titles, labels, key names, notices) in Chinese and
// English. The reasons a rule or an input check gives are in texts.json instead, because the
// server words the same reasons. Package ui parses and checks this catalogue.
//
// The catalogue is split by area (ui_texts.json for the frame and the main flows,
// ui_texts_<area>.json for the others), so that one area's texts can be read and reviewed on
// their own; UITexts joins them, and a key defined in two files is a build defect.
//
//go:embed ui_texts*.json
var uiFiles embed.FS

// UITextFiles lists the catalogue's files, sorted.
func UITextFiles() []string {
	names, err := fs.Glob(uiFiles, "ui_texts*.json")
	if err != nil || len(names) == 0 {
		panic("assets: no ui_texts*.json embedded") // a build defect, not a runtime condition
	}
	sort.Strings(names)
	return names
}

// UITexts returns the UI text catalogue (JSON: key -> {"zh", "en"}), all files joined. Each call
// returns a fresh copy, so no caller can change what another reads.
func UITexts() []byte {
	all := map[string]json.RawMessage{}
	for _, name := range UITextFiles() {
		b, err := uiFiles.ReadFile(name)
		if err != nil {
			panic("assets: " + name + ": " + err.Error())
		}
		var part map[string]json.RawMessage
		if err := json.Unmarshal(b, &part); err != nil {
			panic(fmt.Sprintf("assets: %s: %v", name, err)) // TestUITextFilesDisjoint names it first
		}
		for k, v := range part {
			if _, dup := all[k]; dup {
				panic(fmt.Sprintf("assets: %s: key %q is defined in two files", name, k))
			}
			all[k] = v
		}
	}
	out, err := json.Marshal(all)
	if err != nil {
		panic("assets: ui texts: " + err.Error())
	}
	return out
}

// UITextFile returns one file of the catalogue as it is stored.
func UITextFile(name string) ([]byte, error) { return uiFiles.ReadFile(name) }
