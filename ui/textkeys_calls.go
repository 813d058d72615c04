package ui

// The keys of the call for staff (assets/ui_texts_calls.json): the panel F3 opens, which says
// what actually became of the call, and the notice line that keeps it in view once the panel
// is closed.
const (
	txtCallTitle       textKey = "call.title"
	txtCallSaving      textKey = "call.saving"
	txtCallFailed      textKey = "call.failed"
	txtCallFull        textKey = "call.full"
	txtCallNotReady    textKey = "call.not_ready"
	txtCallQueuedOff   textKey = "call.queued_offline"
	txtCallSending     textKey = "call.sending"
	txtCallSent        textKey = "call.sent"
	txtCallWaited      textKey = "call.waited"
	txtCallNobodyCame  textKey = "call.nobody_came"
	txtCallComing      textKey = "call.coming"
	txtCallClosed      textKey = "call.closed"
	txtCallRefused     textKey = "call.refused"
	txtCallDismiss     textKey = "call.dismiss"
	txtCallDismissDone textKey = "call.dismiss_done"
	txtCallLineQueued  textKey = "call.line_queued"
	txtCallLineSending textKey = "call.line_sending"
	txtCallLineSent    textKey = "call.line_sent"
	txtCallLineWaited  textKey = "call.line_waited"
	txtCallLineComing  textKey = "call.line_coming"
)
