package ui

// The keys of the penalty decision document and the receipts' payment lines
// (assets/ui_texts_decision.json).
const (
	txtDecisionTitle       textKey = "decision.title"
	txtDecisionNumber      textKey = "decision.number"
	txtDecisionIssuer      textKey = "decision.issuer"
	txtDecisionIssued      textKey = "decision.issued"
	txtDecisionPerson      textKey = "decision.person"
	txtDecisionFile        textKey = "decision.file"
	txtDecisionFileCard    textKey = "decision.file_card"
	txtDecisionVehicle     textKey = "decision.vehicle"
	txtDecisionTime        textKey = "decision.time"
	txtDecisionPlace       textKey = "decision.place"
	txtDecisionFacts       textKey = "decision.facts"
	txtDecisionCodeOnly    textKey = "decision.code_only"
	txtDecisionBroken      textKey = "decision.broken"
	txtDecisionApplied     textKey = "decision.applied"
	txtDecisionPenalty     textKey = "decision.penalty"
	txtDecisionPay         textKey = "decision.pay"
	txtDecisionLate        textKey = "decision.late"
	txtDecisionReview      textKey = "decision.review"
	txtDecisionSue         textKey = "decision.sue"
	txtDecisionPane        textKey = "decision.pane"
	txtDecisionPaneReceipt textKey = "decision.pane_receipt"

	txtReceiptPayItem       textKey = "receipt.pay_item"
	txtReceiptTotalUnpaid   textKey = "receipt.total_unpaid"
	txtReceiptTotalUnpaidIn textKey = "receipt.total_unpaid_pending"
)
