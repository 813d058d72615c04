// Package storage owns the kiosk's local bbolt file: reference data, the encrypted cache of
// looked-up records, the durable outbox of operations with their receipts, and the hash-chained
// journal of what the kiosk did.
//
// The file is the kiosk's memory across crashes and power cuts, so every write is one bbolt
// transaction that is fsynced before it returns (bbolt's NoSync is never set), and Open checks the
// file and moves a damaged one aside instead of guessing at its contents.
//
// Personal data (names, ID numbers, plates, phones) never reaches a plain byte of the file: outbox
// entries, receipts and cache entries are sealed with AES-256-GCM under a key derived from the
// kiosk secret, and cache entries are named by an HMAC of their name. Reference data and the
// journal are stored plain because they hold no personal data; AppendJournal refuses fields that
// look like personal data. docs/STORAGE.md describes the layout.
//
// A Store is safe for concurrent use by the goroutines of one process. Only one process may
// have the file open: a second one gets ErrInUse.
package storage
