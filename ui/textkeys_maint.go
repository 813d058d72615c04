package ui

// The keys of the staff maintenance screen (assets/ui_texts_maint.json).
const (
	txtMaintTitle       textKey = "maint.title"
	txtMaintTitleWith   textKey = "maint.title_with"
	txtMaintNotSetUp    textKey = "maint.not_set_up"
	txtMaintUnavailable textKey = "maint.unavailable"
	txtMaintLoading     textKey = "maint.loading"
	txtMaintFailed      textKey = "maint.failed"
	txtMaintBack        textKey = "maint.back_hint"

	txtMaintPINPrompt   textKey = "maint.pin.prompt"
	txtMaintPINLabel    textKey = "maint.pin.label"
	txtMaintPINChecking textKey = "maint.pin.checking"
	txtMaintPINLength   textKey = "maint.pin.length"
	txtMaintPINWrong    textKey = "maint.pin.wrong"
	txtMaintPINLocked   textKey = "maint.pin.locked"
	txtMaintPINError    textKey = "maint.pin.error"

	txtMaintMenu         textKey = "maint.menu.title"
	txtMaintMenuSync     textKey = "maint.menu.sync"
	txtMaintMenuRejected textKey = "maint.menu.rejected"
	txtMaintMenuDevices  textKey = "maint.menu.devices"
	txtMaintMenuPrinter  textKey = "maint.menu.printer"
	txtMaintMenuCompact  textKey = "maint.menu.compact"
	txtMaintMenuJournal  textKey = "maint.menu.journal"
	txtMaintMenuExit     textKey = "maint.menu.exit"
	txtMaintMenuHint     textKey = "maint.menu.hint"

	txtMaintSyncSince    textKey = "maint.sync.since"
	txtMaintSyncLast     textKey = "maint.sync.last"
	txtMaintSyncNever    textKey = "maint.sync.never"
	txtMaintSyncError    textKey = "maint.sync.last_error"
	txtMaintSyncRejected textKey = "maint.sync.rejected"

	txtMaintSyncLabelLink    textKey = "maint.sync.label_link"
	txtMaintSyncLabelOps     textKey = "maint.sync.label_ops"
	txtMaintSyncLabelStore   textKey = "maint.sync.label_store"
	txtMaintSyncLabelJournal textKey = "maint.sync.label_journal"
	txtMaintSyncLabelClock   textKey = "maint.sync.label_clock"
	txtMaintSyncLabelOutage  textKey = "maint.sync.label_outage"

	txtMaintSyncWaitingNone   textKey = "maint.sync.waiting_none"
	txtMaintSyncWaiting       textKey = "maint.sync.waiting"
	txtMaintSyncWaitingOldest textKey = "maint.sync.waiting_oldest"

	txtMaintSyncStoreUsed       textKey = "maint.sync.store_used"
	txtMaintSyncStoreUnmeasured textKey = "maint.sync.store_unmeasured"
	txtMaintSyncDisk            textKey = "maint.sync.disk"
	txtMaintSyncDiskUnknown     textKey = "maint.sync.disk_unknown"
	txtMaintSyncReserveIn       textKey = "maint.sync.reserve_in"
	txtMaintSyncReserveOut      textKey = "maint.sync.reserve_out"
	txtMaintSyncLevelOK         textKey = "maint.sync.level_ok"
	txtMaintSyncLevelHigh       textKey = "maint.sync.level_high"
	txtMaintSyncLevelStop       textKey = "maint.sync.level_stop"

	txtMaintSyncCheckpoint   textKey = "maint.sync.checkpoint"
	txtMaintSyncNoCheckpoint textKey = "maint.sync.no_checkpoint"

	txtMaintSyncClockFast    textKey = "maint.sync.clock_fast"
	txtMaintSyncClockSlow    textKey = "maint.sync.clock_slow"
	txtMaintSyncClockSame    textKey = "maint.sync.clock_same"
	txtMaintSyncClockUnknown textKey = "maint.sync.clock_unknown"
	txtMaintSyncClockTooFar  textKey = "maint.sync.clock_too_far"

	txtMaintSyncOutage     textKey = "maint.sync.outage"
	txtMaintSyncOutageNone textKey = "maint.sync.outage_none"
	txtMaintSyncSentDone   textKey = "maint.sync.sent_done"
	txtMaintSyncMore       textKey = "maint.sync.more"

	txtMaintSpanDH textKey = "maint.span.dh"
	txtMaintSpanHM textKey = "maint.span.hm"
	txtMaintSpanMS textKey = "maint.span.ms"
	txtMaintSpanS  textKey = "maint.span.s"

	txtMaintRejectedNone      textKey = "maint.rejected.none"
	txtMaintRejectedCount     textKey = "maint.rejected.count"
	txtMaintRejectedLine      textKey = "maint.rejected.line"
	txtMaintRejectedNoReason  textKey = "maint.rejected.no_reason"
	txtMaintRejectedConfirm   textKey = "maint.rejected.confirm"
	txtMaintRejectedDismissed textKey = "maint.rejected.dismissed"

	txtMaintDeviceFace      textKey = "maint.devices.face"
	txtMaintDeviceCard      textKey = "maint.devices.card"
	txtMaintDevicePrinter   textKey = "maint.devices.printer"
	txtMaintDeviceIDReader  textKey = "maint.devices.id_reader"
	txtMaintDeviceOK        textKey = "maint.devices.ok"
	txtMaintDeviceSimulated textKey = "maint.devices.simulated"
	txtMaintDeviceNone      textKey = "maint.devices.none"

	txtMaintPrintRunning textKey = "maint.printer.printing"
	txtMaintPrintDone    textKey = "maint.printer.done"
	txtMaintPrintFailed  textKey = "maint.printer.failed"
	txtMaintPrintNone    textKey = "maint.printer.none"
	txtMaintTestPage     textKey = "maint.printer.test_page"

	txtMaintCompactRunning textKey = "maint.compact.running"
	txtMaintCompactDone    textKey = "maint.compact.done"

	txtMaintJournalRunning textKey = "maint.journal.running"
	txtMaintJournalOK      textKey = "maint.journal.ok"
	txtMaintJournalBroken  textKey = "maint.journal.broken"

	txtMaintExitConfirm textKey = "maint.exit.confirm"

	txtMaintKeyChoose  textKey = "maint.key.choose"
	txtMaintKeyRefresh textKey = "maint.key.refresh"
	txtMaintKeyDismiss textKey = "maint.key.dismiss"
	txtMaintKeyExit    textKey = "maint.key.exit"

	txtHelpMaint     textKey = "help.maint"
	txtHelpMaintDemo textKey = "help.maint_demo"
)
