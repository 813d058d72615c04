package model

import (
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// shippedCatalogue loads the catalogue exactly as it ships in assets.
func shippedCatalogue(t *testing.T) *Catalogue {
	t.Helper()
	data, err := os.ReadFile("../assets/catalogue.json")
	if err != nil {
		t.Fatalf("read catalogue: %v", err)
	}
	c, err := ParseCatalogue(data)
	if err != nil {
		t.Fatalf("shipped catalogue does not parse: %v", err)
	}
	return c
}

func TestCatalogueShippedParsesWithEnoughCodes(t *testing.T) {
	c := shippedCatalogue(t)
	if c.Len() < 90 {
		t.Fatalf("catalogue has %d codes, want at least 90", c.Len())
	}
}

// catalogueLawFact is one row of the law as checked by hand, independent of the JSON file.
type catalogueLawFact struct {
	code   ViolationCode
	points int
	fine   Fen
	simple bool
}

// catalogueLawFacts are the facts checked against 公安部令第163号 (points) and the Beijing 2022
// code table (default fines). The first twelve are the codes named in DOMAIN.md section 4.
func catalogueLawFacts() []catalogueLawFact {
	return []catalogueLawFact{
		// DOMAIN.md section 4.
		{"1625", 6, Yuan(200), true},     // red light: 第十条(八)
		{"1357", 3, Yuan(200), true},     // not yielding at a crossing: 第十一条(七)
		{"1362", 3, Yuan(200), true},     // hand-held phone: 第十一条(六)
		{"1120", 1, Yuan(50), true},      // seat belt: 第十二条(九)
		{"1117", 1, Yuan(100), true},     // no-crossing line: 第十二条(四)
		{"1039", 0, Yuan(200), true},     // illegal parking: no points
		{"6093", 0, Yuan(200), true},     // small car 10-20 %: no points since 2022
		{"1369", 3, Yuan(200), true},     // small car 20-50 % ordinary road: 第十一条(二)
		{"4616", 6, Yuan(200), true},     // small car 20-50 % expressway: 第十条(三)
		{"1903", 9, Yuan(200), true},     // covering a plate: 第九条(四)
		{"4714", 12, Yuan(2000), false},  // small car >=50 % expressway: 第八条(五), 道交法第99条
		{"17121", 12, Yuan(1500), false}, // drink driving: 第八条(一), 道交法第91条
		// Further rows checked by hand.
		{"1649", 6, Yuan(200), true},    // small car 20-50 % urban expressway: 第十条(三)
		{"1650", 6, Yuan(1000), false},  // small car >=50 % ordinary road: 第十条(三), may revoke
		{"1739", 12, Yuan(2000), false}, // small car >=50 % urban expressway: 第八条(五)
		{"6094", 0, 0, true},            // small car under 10 %: warning only
		{"1128", 1, Yuan(200), true},    // bus 10-20 % ordinary road: 第十二条(一)
		{"1914", 9, Yuan(2000), false},  // bus >=50 % ordinary road: 第九条(二)
		{"4706", 12, Yuan(200), false},  // bus 20-50 % expressway: 第八条(五)
		{"1373", 3, Yuan(200), true},    // wrong way on an ordinary road: 第十一条(四)
		{"47021", 12, Yuan(200), false}, // wrong way on an expressway: 第八条(六)
		{"4703", 12, Yuan(200), false},  // U-turn across the central reserve: 第八条(六)
		{"46081", 6, Yuan(200), true},   // driving in the emergency lane: 第十条(十一)
		{"4901", 9, Yuan(200), true},    // stopping in an expressway lane: 第九条(三)
		{"1902", 9, Yuan(200), false},   // no plates, vehicle seized: 第九条(四), 道交法第95条
		{"5704", 12, Yuan(5000), false}, // another vehicle's plate: 第八条(三), 道交法第96条
		{"19013", 9, Yuan(200), true},   // licence class does not cover the vehicle: 第九条(五)
		{"16101", 6, Yuan(1800), false}, // driving while suspended: 第十条(九), 道交法第99条
		{"1644", 6, Yuan(200), true},    // driving while the licence is held: 第十条(九)
		{"6086", 0, Yuan(100), false},   // licence not carried, vehicle seized: 道交法第95条
		{"1126", 1, Yuan(200), false},   // lorry overloaded under 30 %: 第十二条(六), 道交法第92条
		{"1645", 6, Yuan(1800), false},  // lorry overloaded 50 % or more: 第十条(四)
		{"1737", 12, Yuan(200), false},  // car over seat count by 100 %: 第八条(四)
		{"1907", 9, Yuan(200), true},    // bus driven 4 h without rest: 第九条(七)
		{"13601", 3, Yuan(200), true},   // lorry driven 4 h without rest: 第十一条(十四)
		{"1119", 1, Yuan(50), true},     // motorcycle without helmet: 第十二条(十)
		{"11021", 1, Yuan(100), true},   // lights: 第十二条(三)
		// Rows where the Beijing table and the order differ, or the order is silent.
		{"4005", 1, Yuan(200), true},  // no indicator on an expressway slip road: lights, 第十二条(三); the table says 0
		{"10161", 0, Yuan(200), true}, // driving at 12 points, licence not yet held: no article of 163号令; 实施条例第28条, 道交法第90条
		{"40071", 0, Yuan(200), true}, // driving on an expressway hard shoulder: 实施条例第82条(三), not 第十条(十一) (应急车道)
	}
}

func TestCatalogueMatchesLawFacts(t *testing.T) {
	c := shippedCatalogue(t)
	facts := catalogueLawFacts()
	if len(facts) < 12+15 {
		t.Fatalf("only %d hand-checked facts, want the 12 DOMAIN codes plus at least 15", len(facts))
	}
	for _, f := range facts {
		e, ok := c.Lookup(f.code)
		if !ok {
			t.Errorf("%s: missing from the catalogue", f.code)
			continue
		}
		if e.Points != f.points {
			t.Errorf("%s: points = %d, law says %d", f.code, e.Points, f.points)
		}
		if e.Fine != f.fine {
			t.Errorf("%s: default fine = %v, want %v", f.code, e.Fine, f.fine)
		}
		if e.Simple != f.simple {
			t.Errorf("%s: simple_procedure = %v, want %v", f.code, e.Simple, f.simple)
		}
	}
}

// catalogueRoad is where a speed limit was broken; the points for speeding depend on it.
type catalogueRoad int

const (
	roadOrdinary catalogueRoad = iota
	roadUrbanExpressway
	roadExpressway
)

// speedingOver50 lists every row for speeding by 50 % or more. 第八条(五) gives 12 points on
// expressways and urban expressways; on other roads 第九条(二) gives 9 to buses, lorries, school
// buses and hazardous-goods vehicles and 第十条(三) gives 6 to other vehicles. 道交法 第99条 sets
// 200-2000 yuan and allows revocation.
func speedingOver50() map[ViolationCode]struct {
	road  catalogueRoad
	large bool
} {
	type row = struct {
		road  catalogueRoad
		large bool
	}
	return map[ViolationCode]row{
		"1650": {roadOrdinary, false},
		"1739": {roadUrbanExpressway, false},
		"4714": {roadExpressway, false},
		"1914": {roadOrdinary, true},
		"1916": {roadOrdinary, true},
		"1741": {roadUrbanExpressway, true},
		"4710": {roadExpressway, true},
		"4711": {roadExpressway, true},
	}
}

func TestCatalogueCrossRules(t *testing.T) {
	c := shippedCatalogue(t)
	over50 := speedingOver50()
	drink := 0
	for _, e := range c.Entries() {
		if (e.Points == 12 || len(e.Measures) > 0) && e.Simple {
			t.Errorf("%s: 12 points or a measure, yet marked simple procedure", e.Code)
		}
		if e.Simple && e.FineMin > SimpleProcedureMaxFine {
			t.Errorf("%s: simple procedure but the smallest fine is %v", e.Code, e.FineMin)
		}
		if strings.Contains(e.ZH, "酒") {
			drink++
			if e.Points != 12 || !slices.Contains(e.Measures, MeasureSuspend) || e.Simple {
				t.Errorf("%s: drink driving must carry 12 points and a suspension (第八条(一), 道交法第91条)", e.Code)
			}
		}
		// Using a vehicle's lights against the rules is 1 point (第十二条(三)), wherever it
		// happens; not switching on the hazard lights after a breakdown or crash is 3
		// (第十一条(十一)). Traffic lights (信号灯, 红灯) are another matter.
		switch {
		case strings.Contains(e.ZH, "警示灯"):
			if e.Points != 3 {
				t.Errorf("%s: hazard lights after a breakdown carry %d points, 第十一条(十一) says 3", e.Code, e.Points)
			}
		case strings.Contains(e.ZH, "灯光") || strings.Contains(e.ZH, "开灯") || strings.Contains(e.ZH, "双闪"):
			if e.Points != 1 {
				t.Errorf("%s: using lights against the rules carries %d points, 第十二条(三) says 1", e.Code, e.Points)
			}
		}
		if strings.Contains(e.ZH, "超速50%以上") {
			if _, listed := over50[e.Code]; !listed {
				t.Errorf("%s: a speeding-by-50%% row not in the hand-checked list", e.Code)
			}
		}
		for _, glyph := range []string{"·", "…", "─", "│", "•", "█"} {
			if strings.Contains(e.ZH, glyph) || strings.Contains(e.EN, glyph) {
				t.Errorf("%s: description contains the ambiguous-width glyph %q", e.Code, glyph)
			}
		}
		if n := utf8.RuneCountInString(e.ZH); n > 30 {
			t.Errorf("%s: zh is %d characters, want at most 30", e.Code, n)
		}
		if n := utf8.RuneCountInString(e.EN); n > 70 {
			t.Errorf("%s: en is %d characters, want at most 70", e.Code, n)
		}
	}
	if drink == 0 {
		t.Error("no drink-driving row found")
	}
	for code, s := range over50 {
		e, ok := c.Lookup(code)
		if !ok {
			t.Errorf("%s: speeding-by-50%% row missing", code)
			continue
		}
		want := 12
		if s.road == roadOrdinary {
			want = 6
			if s.large {
				want = 9
			}
		}
		if e.Points != want {
			t.Errorf("%s: speeding by 50%% carries %d points, want %d", code, e.Points, want)
		}
		if !slices.Contains(e.Measures, MeasureRevoke) || e.Simple {
			t.Errorf("%s: speeding by 50%% must allow revocation and never be simple", code)
		}
		if e.FineMin != Yuan(200) || e.FineMax != Yuan(2000) {
			t.Errorf("%s: fine range %v-%v, 道交法第99条 says 200-2000 yuan", code, e.FineMin, e.FineMax)
		}
	}
}

func TestParseCatalogueRejectsBadRows(t *testing.T) {
	const good = `{"code":"1625","points":6,"fine_fen":20000,"fine_min_fen":2000,"fine_max_fen":20000,"simple_procedure":true,"zh":"闯红灯","en":"Red light"}`
	tests := []struct {
		name string
		json string
		want []string // every piece must appear in the error
	}{
		{
			name: "two-point row from the old rules",
			json: `[` + good + `,{"code":"1345","points":2,"fine_fen":10000,"fine_min_fen":2000,"fine_max_fen":20000,"simple_procedure":true,"zh":"压线","en":"Line"}]`,
			want: []string{"row 2", `"1345"`, "points"},
		},
		{
			name: "duplicated code",
			json: `[` + good + `,` + good + `]`,
			want: []string{"row 2", `"1625"`, "repeats row 1"},
		},
		{
			name: "smallest fine above the default",
			json: `[{"code":"1357","points":3,"fine_fen":2000,"fine_min_fen":5000,"fine_max_fen":20000,"simple_procedure":true,"zh":"不让行人","en":"Pedestrians"}]`,
			want: []string{"row 1", `"1357"`, "fine_fen", "fine_min_fen"},
		},
		{
			name: "simple procedure with a measure",
			json: `[{"code":"17121","points":12,"fine_fen":150000,"fine_min_fen":100000,"fine_max_fen":200000,"simple_procedure":true,"measures":["suspend"],"zh":"饮酒后开车","en":"Drink driving"}]`,
			want: []string{"row 1", `"17121"`, "simple_procedure"},
		},
		{
			name: "unknown field",
			json: `[{"code":"1120","points":1,"fine_fen":5000,"fine_min_fen":2000,"fine_max_fen":20000,"simple_procedure":true,"zh":"未系安全带","en":"Seat belt","colour":"red"}]`,
			want: []string{"row 1", "colour"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseCatalogue([]byte(`[` + good + `]`)); err != nil {
				t.Fatalf("the good row itself is rejected: %v", err)
			}
			_, err := ParseCatalogue([]byte(tt.json))
			if err == nil {
				t.Fatal("accepted, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
