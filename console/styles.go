package console

import "charm.land/lipgloss/v2"

// styles holds every style the console draws with. Like the kiosk it uses only the 16 basic
// ANSI colours (an SSH client's terminal may offer no more) and says nothing by colour alone:
// every state also has a word, and the highlighted row a ">".
type styles struct {
	Header      lipgloss.Style // the top line
	CallOpen    lipgloss.Style // an open call: loud
	CallComing  lipgloss.Style
	CallClosed  lipgloss.Style
	NoCalls     lipgloss.Style // the quiet line when nobody waits
	BandTitle   lipgloss.Style // a band's title when it has the focus
	BandIdle    lipgloss.Style // a band's title without the focus
	ColHeads    lipgloss.Style // the column heads of a list
	Selected    lipgloss.Style // the highlighted row of the focused list
	SelectedDim lipgloss.Style // the highlighted row of the list without the focus
	Online      lipgloss.Style
	Degraded    lipgloss.Style
	Offline     lipgloss.Style
	Revoked     lipgloss.Style
	Label       lipgloss.Style // a field's name in the detail view
	Warn        lipgloss.Style // something to act on in the detail view
	OK          lipgloss.Style // an action's success
	Error       lipgloss.Style // an action's failure, stale data
	Ask         lipgloss.Style // a question waiting for y/n
	Dim         lipgloss.Style // the "data as of" line, closed calls
	Keys        lipgloss.Style // the key line
	Rule        lipgloss.Style
}

func newStyles() styles {
	base := lipgloss.NewStyle()
	return styles{
		Header:      base.Foreground(lipgloss.BrightWhite).Background(lipgloss.Blue).Bold(true),
		CallOpen:    base.Foreground(lipgloss.BrightWhite).Background(lipgloss.Red).Bold(true),
		CallComing:  base.Foreground(lipgloss.Black).Background(lipgloss.Yellow),
		CallClosed:  base.Faint(true),
		NoCalls:     base.Faint(true),
		BandTitle:   base.Bold(true).Underline(true),
		BandIdle:    base.Bold(true),
		ColHeads:    base.Underline(true),
		Selected:    base.Reverse(true).Bold(true),
		SelectedDim: base.Underline(true),
		Online:      base.Foreground(lipgloss.Green),
		Degraded:    base.Foreground(lipgloss.Yellow).Bold(true),
		Offline:     base.Foreground(lipgloss.BrightRed).Bold(true),
		Revoked:     base.Faint(true),
		Label:       base.Bold(true),
		Warn:        base.Foreground(lipgloss.BrightRed).Bold(true),
		OK:          base.Foreground(lipgloss.Green).Bold(true),
		Error:       base.Foreground(lipgloss.BrightWhite).Background(lipgloss.Red).Bold(true),
		Ask:         base.Foreground(lipgloss.Black).Background(lipgloss.BrightYellow).Bold(true),
		Dim:         base.Faint(true),
		Keys:        base.Reverse(true),
		Rule:        base.Foreground(lipgloss.Blue),
	}
}
