//go:build !linux

package main

// hardenProcess has nothing to do where the kiosk is not deployed (it runs on Linux); the
// binary still builds elsewhere for development.
func hardenProcess() error { return nil }
