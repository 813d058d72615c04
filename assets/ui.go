package assets

import "embed"

// The terminal UI's own texts (screen titles, labels, key names, notices) in Chinese and
// English. The reasons a rule or an input check gives are in texts.json instead, because the
// server words the same reasons. Package ui parses and checks this catalogue.
//
//go:embed ui_texts.json
var uiFiles embed.FS

// UITexts returns the UI text catalogue (JSON: key -> {"zh", "en"}). Each call returns a fresh
// copy, so no caller can change what another reads.
func UITexts() []byte {
	b, err := uiFiles.ReadFile("ui_texts.json")
	if err != nil {
		panic("assets: ui_texts.json is not embedded: " + err.Error()) // a build defect, not a runtime condition
	}
	return b
}
