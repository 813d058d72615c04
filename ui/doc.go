// Package ui will own the terminal UI: screens, components, keymap, styles and the zh/en text
// catalogue's use on screen. It is part of the layout from the start; its code arrives with the
// terminal-UI issue.
package ui
