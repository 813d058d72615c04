// Package ui is the kiosk's terminal UI (Bubble Tea v2): a root model that shows one screen at a
// time inside a fixed frame (header with DEMO and network state, step indicator, notices, key
// lines), the screens themselves, the key map, the styles of the normal and the high-contrast
// mode, and the zh/en text catalogue from assets. It reaches the outside world only through the
// Services interface, inside tea.Cmds; Update never blocks.
//
// Privacy: what a person types is shown in the clear only while it is typed; once accepted it is
// masked. The root model holds the only reference to the identified person; an idle timeout, a
// finished session or Esc back to the start drops it and rebuilds every screen, so nothing of
// one person is reachable by the next.
package ui
