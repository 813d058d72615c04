package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// KeyMap holds every binding of the kiosk. The help text of a binding is a textKey of the
// catalogue, not words, so that the key line follows the language toggle.
type KeyMap struct {
	Help     key.Binding // F1
	Lang     key.Binding // F2: 中文 / English
	Staff    key.Binding // F3: call staff
	Contrast key.Binding // F4: high-contrast large mode
	Back     key.Binding // Esc
	Confirm  key.Binding // Enter (also the keypad's)
	Delete   key.Binding // Backspace
	X        key.Binding // the X of an ID number's check character
	Start    key.Binding // "1" on the welcome screen, shown in the key line
	Finish   key.Binding // "0": end the session
	Agree    key.Binding // "1" on a review screen: I confirm, submit
	Up       key.Binding // move the highlight
	// Move stands for Up and Down together in a key line with no room for both.
	Move     key.Binding
	Down     key.Binding
	PageUp   key.Binding // a page of a list (keypad "-" too)
	PageDown key.Binding // (keypad "+" too)
	Toggle   key.Binding // select or unselect the highlighted item (Space, keypad ".")
	// Detail shows everything about the highlighted violation (Right, keypad "/"): a list line
	// shortens the description and the place, the detail pane never does.
	Detail key.Binding
	Drop   key.Binding // "1" when asked: drop the ticked items and go back
	Keep   key.Binding // "2" when asked: keep them (any key but 1 does)
	// Maint opens the staff maintenance screen (then a PIN). A chord nobody types by chance;
	// it works on the welcome screen only, where nothing of anyone is shown.
	Maint key.Binding
	// DemoPaid plays the phone in demo mode: the QR payment on screen is marked paid.
	DemoPaid key.Binding
	// Swallowed are keys that would end or suspend a normal terminal program. The terminal is in
	// raw mode, so they arrive as keys; the kiosk drops them before anything sees them.
	Swallowed key.Binding
	// DemoQuit ends the program in demo mode only, so a developer can leave `go run .`. A real
	// kiosk has no exit key: staff use the maintenance screen or the service manager.
	DemoQuit key.Binding
}

// DefaultKeyMap returns the kiosk's bindings.
func DefaultKeyMap() KeyMap {
	b := func(help string, desc textKey, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, string(desc)))
	}
	return KeyMap{
		Help:     b("F1", txtKeyHelp, "f1"),
		Lang:     b("F2", txtKeyLang, "f2"),
		Staff:    b("F3", txtKeyStaff, "f3"),
		Contrast: b("F4", txtKeyContrast, "f4"),
		Back:     b("Esc", txtKeyBack, "esc"),
		Confirm:  b("Enter", txtKeyConfirm, "enter"),
		Delete:   b("Backspace", txtKeyDelete, "backspace"),
		// Keypad "*" types X too: a numeric keypad has no letters (kiosk.md section 2).
		X:        b("X", txtKeyX, "x", "X", "*", "mul"),
		Start:    b("1", txtKeyStart, "1"),
		Finish:   b("0", txtKeyFinish, "0"),
		Agree:    b("1", txtKeyAgree, "1"),
		Up:       b("Up", txtKeyUp, "up"),
		Move:     b("Up/Down", txtKeyMove, "up", "down"),
		Down:     b("Down", txtKeyDown, "down"),
		PageUp:   b("PgUp", txtKeyPageUp, "pgup", "-", "kpminus"),
		PageDown: b("PgDn", txtKeyPageDown, "pgdown", "+", "kpplus"),
		Toggle:   b("Space", txtKeyToggle, "space", ".", "kpdecimal"),
		Detail:   b("Right", txtKeyDetail, "right", "/", "kpdivide"),
		Drop:     b("1", txtKeyDrop, "1"),
		Keep:     b("2", txtKeyKeep, "2"),
		// A plain terminal sends Ctrl+Alt+M as ESC CR, which arrives as alt+enter; terminals
		// with the extended keyboard protocols (foot, kitty) report ctrl+alt+m.
		Maint:     key.NewBinding(key.WithKeys("ctrl+alt+m", "alt+enter")),
		DemoPaid:  b("F9", txtKeyDemoPaid, "f9"),
		Swallowed: key.NewBinding(key.WithKeys("ctrl+c", "ctrl+z", "ctrl+\\")),
		DemoQuit:  key.NewBinding(key.WithKeys("ctrl+alt+q")),
	}
}

// digit returns the digit a key types, from the main row or the keypad (which the terminal
// reports either as text or, with keyboard enhancements, as keypad codes).
func digit(msg tea.KeyPressMsg) (byte, bool) {
	if msg.Mod&^tea.ModShift != 0 {
		return 0, false
	}
	switch {
	case msg.Code >= '0' && msg.Code <= '9':
		return byte(msg.Code), true
	case msg.Code >= tea.KeyKp0 && msg.Code <= tea.KeyKp9:
		return byte('0' + msg.Code - tea.KeyKp0), true
	}
	return 0, false
}

// globalHelp is the part of the key line every screen shows.
func (k KeyMap) globalHelp() []key.Binding {
	return []key.Binding{k.Help, k.Lang, k.Staff, k.Contrast}
}
