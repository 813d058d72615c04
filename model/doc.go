// Package model owns the rules every other part of the system trusts: identity and plate value
// types with their parsers, the entities of a violation's life (licence, vehicle, violation,
// binding, follow, decision, payment), policy profiles loaded as data, the eligibility engine
// with its stable reason codes, binding and follow checks, points cycles and late fees.
//
// The package uses the standard library only and never reads the clock: every rule that depends
// on time takes the instant it should judge at. The kiosk (to answer instantly) and the central
// server (to decide with authority) run the same code, so a rule lives here exactly once.
package model
