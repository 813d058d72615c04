package dataset

func violationCases() []badCase {
	return []badCase{
		{"violation id repeated", set("violations", 1, "id", "4403041000000001"), "violations[1].id",
			"the same id as violations[0]"},
		{"violation id form", set("violations", 0, "id", "A B"), "violations[0].id", "use 1 to 40 letters"},
		{"violation vehicle unknown", set("violations", 0, "plate_number", "粤B99999"), "violations[0].plate_number",
			"no vehicle with this plate type and number"},
		{"violation future", set("violations", 0, "time", "2026-11-21T10:00:01+08:00"), "violations[0].time",
			"is in the future"},
		{"violation code", set("violations", 0, "code", "16A5"), "violations[0].code", `"16A5" is not a violation code`},
		{"plate in the code field", set("violations", 0, "code", "粤B7K2M5"), "violations[0].code", "(cut short)"},
		{"points value", set("violations", 0, "points", 2), "violations[0].points", "2 is not a point value"},
		{"points quoted", set("violations", 0, "points", "3"), "violations[0].points", "must be a whole number"},
		{"fine negative", set("violations", 0, "fine_fen", -1), "violations[0].fine_fen", "must be between 0"},
		{"fine decimal", set("violations", 0, "fine_fen", 200.5), "violations[0].fine_fen", "must be a whole number"},
		{"source", set("violations", 0, "source", "camera"), "violations[0].source", "use one of on_site, non_on_site"},
		{"status", set("violations", 0, "status", "done"), "violations[0].status", "use one of recorded, processed"},
		{"place missing", del("violations", 0, "place"), "violations[0].place", "is required"},
		{"office code", set("violations", 0, "office_code", "4403"), "violations[0].office_code",
			"6-digit region code"},
		{"recorded with decision", set("violations", 0, "decision", "4403042026000000023"), "violations[0].decision",
			"a recorded violation has no decision yet"},
		{"recorded with payment", set("violations", 0, "paid_at", "2026-11-01T10:00:00+08:00"), "violations[0].paid_at",
			"a recorded violation has no paid_at yet"},
		{"on-site recorded", both(set("violations", 2, "status", "recorded"),
			del("violations", 2, "decision", "driver_id", "decided_at")),
			"violations[2].status", "an on-site violation is decided on the spot"},
		{"processed without decision", del("violations", 2, "decision"), "violations[2].decision",
			"is required when status is processed"},
		{"processed without driver", del("violations", 2, "driver_id"), "violations[2].driver_id",
			"is required when status is processed"},
		{"paid without date", del("violations", 1, "paid_at"), "violations[1].paid_at", "is required when status is paid"},
		{"processed with payment", set("violations", 2, "paid_at", "2026-11-03T08:25:00+08:00"), "violations[2].paid_at",
			"only a paid violation has paid_at"},
		{"disputed half decided", both(set("violations", 0, "status", "disputed"),
			set("violations", 0, "decision", "4403042026000000023")),
			"violations[0].driver_id", "a disputed violation has all of decision, driver_id and decided_at, or none"},
		{"decision check", set("violations", 1, "decision", "4403042026000000016"), "violations[1].decision",
			"check character should be 5, not 6"},
		{"decision length", set("violations", 1, "decision", "440304202600000001"), "violations[1].decision",
			"this one has 18 characters"},
		{"decision office", set("violations", 1, "office_code", "440305"), "violations[1].decision",
			"starts with region code 440304 but office_code is 440305"},
		{"decision repeated", both(set("violations", 2, "office_code", "440304"),
			set("violations", 2, "decision", "4403042026000000015")),
			"violations[2].decision", "the same decision number as violations[1]"},
		{"decided driver unlicensed", set("violations", 2, "driver_id", idNoLicence), "violations[2].driver_id",
			"the driver decided against must hold a driving licence"},
		{"decided driver unknown", set("violations", 2, "driver_id", idUnknown), "violations[2].driver_id", "no person"},
		{"decided before the violation", set("violations", 2, "decided_at", "2026-11-02T08:00:00+08:00"),
			"violations[2].decided_at", "is before the violation's time"},
		{"paid before decided", set("violations", 1, "paid_at", "2026-06-20T14:00:00+08:00"), "violations[1].paid_at",
			"is before decided_at"},
	}
}

func pointsCases() []badCase {
	return []badCase{
		{"entry decision unknown", set("points", 0, "decision", "4403042026000000023"), "points[0].decision",
			"no violation in violations has this decision number"},
		{"entry decision invalid", set("points", 0, "decision", "4403042026000000016"), "points[0].decision",
			"check character should be 5"},
		{"entry other driver", set("points", 0, "driver_id", "11010519491231002X"), "points[0].driver_id",
			"the decision of violations[1] was issued to another driver"},
		{"entry driver unknown", set("points", 0, "driver_id", idUnknown), "points[0].driver_id", "no person"},
		{"entry points differ", set("points", 0, "points", 3), "points[0].points", "must equal the points of violations[1] (6)"},
		{"entry points value", set("points", 0, "points", 4), "points[0].points", "4 is not a point value"},
		{"entry unpaid for paid", del("points", 0, "paid_at"), "points[0].paid_at", "is required: violations[1] is paid"},
		{"entry paid for unpaid", set("points", 1, "paid_at", "2026-11-03T08:25:00+08:00"), "points[1].paid_at",
			"violations[2] is not paid yet"},
		{"entry before decision", set("points", 0, "entered_at", "2026-06-19T14:02:11+08:00"), "points[0].entered_at",
			"is before violations[1] was decided"},
		{"entry paid before entered", set("points", 0, "paid_at", "2026-06-20T14:00:00+08:00"), "points[0].paid_at",
			"is before entered_at"},
		{"entry repeated", func(d doc) {
			e := map[string]any{}
			for k, v := range d.rec("points", 0) {
				e[k] = v
			}
			d["points"] = append(d["points"].([]any), e)
		}, "points[2].decision", "the same decision as points[0]"},
		{"entry of a disputed violation", set("violations", 2, "status", "disputed"), "points[1].decision",
			"belongs to violations[2], which is disputed"},
		{"entry future", set("points", 1, "entered_at", "2027-01-01T00:00:00+08:00"), "points[1].entered_at",
			"is in the future"},
	}
}
