package ui

// The keys of a unit's designated driver (assets/ui_texts_unit.json): the relation on the
// overview and the section of the vehicles screen that lists the unit vehicles a unit
// designated the person to drive.
const (
	txtRelationDesignated  textKey = "relation.designated"
	txtVehDesignatedHead   textKey = "vehicles.designated_heading"
	txtVehDesignated       textKey = "vehicles.designated"
	txtVehDesignatedNote   textKey = "vehicles.designated_note"
	txtVehDesignatedUnit   textKey = "vehicles.designated_unit"
	txtVehDesignatedNoName textKey = "vehicles.designated_no_name"
)
