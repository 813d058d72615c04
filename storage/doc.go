// Package storage will own the kiosk's bbolt file: reference data, the encrypted cache of looked-up
// records, the durable outbox of operations and the hash-chained journal. It is part of the
// layout from the start; its code arrives with the local-store issue.
package storage
