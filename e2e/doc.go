// Package e2e runs the built kiosk binary the way a hall runs it: a central server process with
// imported data, and the kiosk in a real terminal (tmux, or a pseudo-terminal for the start-up
// benchmark), driven by key presses and read back from the screen. It holds tests only.
package e2e
