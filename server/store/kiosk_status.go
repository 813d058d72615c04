package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// KioskStatus is a kiosk's last heartbeat as the server took it (checked and bounded by the
// server: the store keeps what it is given).
type KioskStatus struct {
	KioskID        string
	ReceivedAt     time.Time // the server's clock when the heartbeat arrived
	Version        string
	OutboxDepth    int64
	OldestPending  time.Time // zero when nothing waits, or not reported
	LastSync       time.Time // zero when never, or not reported
	Rejected       int64
	FailedAttempts int64
	// ClockSkewKnown says whether the kiosk reported a measured skew; ClockSkewMS is its clock
	// minus the server's, in milliseconds.
	ClockSkewKnown bool
	ClockSkewMS    int64
	// Store is the fill of the kiosk's local store; zero when StoreKnown is false.
	StoreKnown bool
	Store      StoreFill
	// Journal is the kiosk's journal checkpoint and head; zero when JournalKnown is false.
	JournalKnown bool
	Journal      JournalState
	Devices      map[string]DeviceState // device kind (printer, id_reader, face, card) -> state
	// OnlineSince is when the kiosk's current unbroken run of heartbeats (each less than
	// KioskSilentAfter after the one before) began; ProblemsSince when what makes it degraded
	// began (zero while nothing is wrong). The server keeps both from heartbeat to heartbeat.
	OnlineSince, ProblemsSince time.Time
}

// StoreFill is how full a kiosk's local store is.
type StoreFill struct {
	FileBytes, UsedBytes, MaxBytes, DiskFreeBytes int64
	Level                                         string
}

// JournalState is a kiosk's journal checkpoint (what it trimmed) and head.
type JournalState struct {
	CheckpointSeq  int64
	CheckpointHash string
	CheckpointAt   time.Time
	HeadSeq        int64
	HeadHash       string
}

const kioskStatusColumns = `kiosk_id, received_at, version, outbox_depth, oldest_pending, last_sync, rejected,
	failed_attempts, clock_skew_known, clock_skew_ms, store_known, store_file_bytes, store_used_bytes,
	store_max_bytes, store_disk_free, store_level, journal_known, checkpoint_seq, checkpoint_hash, checkpoint_at,
	head_seq, head_hash, devices, online_since, problems_since`

func scanKioskStatus(r scanner) (KioskStatus, error) {
	var (
		k                                        KioskStatus
		received, oldest, lastSync, checkpointAt int64
		onlineSince, problemsSince               int64
		devices                                  string
	)
	err := r.Scan(&k.KioskID, &received, &k.Version, &k.OutboxDepth, &oldest, &lastSync, &k.Rejected,
		&k.FailedAttempts, &k.ClockSkewKnown, &k.ClockSkewMS, &k.StoreKnown, &k.Store.FileBytes, &k.Store.UsedBytes,
		&k.Store.MaxBytes, &k.Store.DiskFreeBytes, &k.Store.Level, &k.JournalKnown, &k.Journal.CheckpointSeq,
		&k.Journal.CheckpointHash, &checkpointAt, &k.Journal.HeadSeq, &k.Journal.HeadHash, &devices, &onlineSince, &problemsSince)
	if err != nil {
		return KioskStatus{}, err
	}
	k.ReceivedAt, k.OldestPending, k.LastSync = fromMillis(received), fromMillis(oldest), fromMillis(lastSync)
	k.Journal.CheckpointAt = fromMillis(checkpointAt)
	k.OnlineSince, k.ProblemsSince = fromMillis(onlineSince), fromMillis(problemsSince)
	if err := json.Unmarshal([]byte(devices), &k.Devices); err != nil {
		return KioskStatus{}, fmt.Errorf("devices: %w", err)
	}
	return k, nil
}

func (c *conn) KioskStatus(kioskID string) (KioskStatus, error) {
	return getOne(c, "kiosk status", scanKioskStatus,
		`SELECT `+kioskStatusColumns+` FROM kiosk_status WHERE kiosk_id = $1`, kioskID)
}

func (c *conn) KioskStatuses() ([]KioskStatus, error) {
	return list(c, "kiosk statuses", scanKioskStatus, `SELECT `+kioskStatusColumns+` FROM kiosk_status ORDER BY kiosk_id`)
}

// PutKioskStatus replaces the kiosk's row, or inserts its first. ON CONFLICT ... DO UPDATE is
// spelt the same by both databases.
func (c *conn) PutKioskStatus(k KioskStatus) error {
	devices, err := json.Marshal(k.Devices)
	if err != nil {
		return fmt.Errorf("store: put kiosk status: devices: %w", err)
	}
	if k.Devices == nil {
		devices = []byte("{}")
	}
	_, err = c.exec(`INSERT INTO kiosk_status (`+kioskStatusColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
		$10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)
		ON CONFLICT (kiosk_id) DO UPDATE SET received_at = excluded.received_at, version = excluded.version,
		outbox_depth = excluded.outbox_depth, oldest_pending = excluded.oldest_pending, last_sync = excluded.last_sync,
		rejected = excluded.rejected, failed_attempts = excluded.failed_attempts,
		clock_skew_known = excluded.clock_skew_known, clock_skew_ms = excluded.clock_skew_ms,
		store_known = excluded.store_known, store_file_bytes = excluded.store_file_bytes,
		store_used_bytes = excluded.store_used_bytes, store_max_bytes = excluded.store_max_bytes,
		store_disk_free = excluded.store_disk_free, store_level = excluded.store_level,
		journal_known = excluded.journal_known, checkpoint_seq = excluded.checkpoint_seq,
		checkpoint_hash = excluded.checkpoint_hash, checkpoint_at = excluded.checkpoint_at,
		head_seq = excluded.head_seq, head_hash = excluded.head_hash, devices = excluded.devices,
		online_since = excluded.online_since, problems_since = excluded.problems_since`,
		k.KioskID, millis(k.ReceivedAt), k.Version, k.OutboxDepth, millis(k.OldestPending), millis(k.LastSync),
		k.Rejected, k.FailedAttempts, k.ClockSkewKnown, k.ClockSkewMS, k.StoreKnown, k.Store.FileBytes,
		k.Store.UsedBytes, k.Store.MaxBytes, k.Store.DiskFreeBytes, k.Store.Level, k.JournalKnown,
		k.Journal.CheckpointSeq, k.Journal.CheckpointHash, millis(k.Journal.CheckpointAt), k.Journal.HeadSeq,
		k.Journal.HeadHash, string(devices), millis(k.OnlineSince), millis(k.ProblemsSince))
	if err != nil {
		return fmt.Errorf("store: put kiosk status: %w", err)
	}
	return nil
}
