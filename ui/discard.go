package ui

import (
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// discardAsk guards Esc on a selection the person has changed: the first Esc asks whether to
// drop the ticked items, and only 1 drops them and leaves. Any other key answers "keep", so a
// double Esc or a stray key never throws a selection away.
type discardAsk struct{ asking bool }

// back handles Esc on the list: it reports whether to leave now, and asks instead when
// leaving would drop what the person ticked.
func (a *discardAsk) back(changed bool) bool {
	if !changed {
		return true
	}
	a.asking = true
	return false
}

// answer takes the key pressed while asking and reports whether to leave.
func (a *discardAsk) answer(msg tea.KeyPressMsg) bool {
	a.asking = false
	d, ok := digit(msg)
	return ok && d == '1'
}

// help is the key line while asking.
func (a *discardAsk) help(k KeyMap) []key.Binding { return []key.Binding{k.Drop, k.Keep} }

// lines are the question, at most two lines in the place of the list's hint.
func (a *discardAsk) lines(c *Common, ticked, w int) []string {
	return atMost(styledLines(c.Styles.Error.Render, wrap("? "+c.T(txtDiscardAsk, "n", strconv.Itoa(ticked)), max(w, 10))), 2)
}
