package ui

// Texts of an owner's verification in the bind, follow and process flows (assets/ui_texts_owner.json).
const (
	txtOwnerChecking   textKey = "owner.checking"
	txtOwnerChoose     textKey = "owner.choose"
	txtOwnerChoiceVIN  textKey = "owner.choice_vin"
	txtOwnerChoiceCert textKey = "owner.choice_cert"
	txtOwnerChoiceCard textKey = "owner.choice_card"
	txtOwnerNoChoice   textKey = "owner.no_choice"
	txtOwnerVINLabel   textKey = "owner.vin_label"
	txtOwnerVINHint    textKey = "owner.vin_hint"
	txtOwnerCertLabel  textKey = "owner.cert_label"
	txtOwnerCertHint   textKey = "owner.cert_hint"
	txtOwnerCardWait   textKey = "owner.card_wait"
	txtOwnerCardRead   textKey = "owner.card_read"
	txtOwnerProofFact  textKey = "owner.proof_fact"
	// The process flow's owner (rule 9) has one more way: the licence file number.
	txtOwnerChoiceFile    textKey = "owner.choice_file"
	txtOwnerChooseProcess textKey = "owner.choose_process"
)
