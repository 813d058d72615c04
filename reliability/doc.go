// Package reliability holds the kiosk's reliability suite: tests that run the kiosk's sync side
// and the central server as separate processes and break them (SIGKILL, network faults) while
// operations are written and sent, then check that nothing acknowledged to a user was lost or
// applied twice. See docs/RELIABILITY.md.
package reliability
