package uplink

import (
	"fmt"
	"time"

	"github.com/hallkiosk/kiosk/storage"
)

// upkeep keeps the store small, from the engine's goroutine and never from the UI's: it prunes
// answered operations after the retention, trims the journal (leaving a checkpoint), keeps the
// reserve file for a full disk, and compacts when free pages pass a threshold while nobody is
// being served (compaction holds the store for the moment it takes). It runs every UpkeepEvery,
// and every few minutes with a tighter retention while the store is above its high watermark.
// A failure is logged and tried again next time: upkeep must never stop the drain.
func (e *Engine) upkeep(now time.Time) {
	fill := e.measureStore()
	every := e.cfg.UpkeepEvery
	if fill.Level != storage.LevelOK {
		every = min(every, 5*time.Minute)
	}
	if !e.lastUpkeep.IsZero() && now.Sub(e.lastUpkeep) < every {
		return
	}
	e.lastUpkeep = now
	r := e.cfg.Retention
	if fill.Level != storage.LevelOK {
		r.Acked = min(r.Acked, tightAcked)
		r.JournalKeep = min(r.JournalKeep, tightJournalKeep)
	}
	st := e.cfg.Store
	if _, err := st.Prune(r.Acked); err != nil {
		e.cfg.Log.Error("upkeep: prune failed", "err", err)
	}
	if _, err := st.PruneCalls(r.Calls); err != nil {
		e.cfg.Log.Error("upkeep: pruning calls failed", "err", err)
	}
	if _, err := st.TrimJournalOlder(e.cfg.Clock.Now().Add(-r.JournalAge), r.JournalKeep); err != nil {
		e.cfg.Log.Error("upkeep: journal trim failed", "err", err)
	}
	if _, err := st.KeepReserve(); err != nil {
		e.cfg.Log.Warn("upkeep: reserve file not kept", "err", err)
	}
	after := e.measureStore()
	if free := after.FileBytes - after.UsedBytes; free >= compactFreeMin && free*compactFreeShare >= after.FileBytes && e.cfg.Idle() {
		if before, size, err := st.Compact(); err != nil {
			e.cfg.Log.Error("upkeep: compaction failed", "err", err)
		} else {
			e.cfg.Log.Info("upkeep: store compacted", "bytes_before", before, "bytes_after", size)
			after = e.measureStore()
		}
	}
	if after.Level != e.journaledLevel {
		e.journaledLevel = after.Level
		e.journal(storage.EventStoreLevel, fmt.Sprintf("%s: %d of %d bytes used, %d free on disk",
			after.Level, after.UsedBytes, after.MaxBytes, after.DiskFreeBytes))
	}
}

// measureStore reads the store's fill and journal checkpoint into the status.
func (e *Engine) measureStore() storage.Fill {
	fill, err := e.cfg.Store.Fill()
	if err != nil {
		e.cfg.Log.Error("store fill unknown", "err", err)
		return e.Status().Fill
	}
	cp, err := e.cfg.Store.Checkpoint()
	if err != nil {
		e.cfg.Log.Error("journal checkpoint unknown", "err", err)
	}
	e.mu.Lock()
	changed := e.status.Fill.Level != fill.Level
	e.status.Fill, e.status.Checkpoint = fill, cp
	e.mu.Unlock()
	if changed {
		e.notify()
	}
	return fill
}
