package dataset

import (
	"fmt"
	"strings"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// addPersonas adds the personas and the records of their stories. Nothing here draws on the
// random source, so the personas' data is the same for every seed.
func (g *generator) addPersonas() {
	ids := map[string]model.IDNumber{}
	for i, s := range personaSpecs() {
		id := s.idNumber(g.now)
		first := model.Date{Year: g.today.Year - s.licenceYears, Month: time.June, Day: 15}
		if s.licenceYears == 0 {
			// A cycle that began about 200 days ago, so this cycle's points are recent history.
			d := g.today.AddDays(-200)
			y, m, day := time.Date(d.Year-11, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Date()
			first = model.Date{Year: y, Month: m, Day: day}
		}
		classes, err := model.ParseLicenceClasses(s.classes)
		if err != nil {
			panic(fmt.Sprintf("dataset: persona %s: %v", s.key, err))
		}
		p := Person{
			Driver: model.Driver{ID: id, Name: s.name, Phone: fmt.Sprintf("1380755%04d", 1001+37*i)},
			Licence: &model.Licence{ID: id, FileNumber: model.FileNumber(s.file), Classes: classes, Status: s.status,
				FirstIssued: first.Start().In(model.ChinaZone()), Issuer: s.issuer},
			Registered: true,
		}
		base := g.cityIndex("深圳市")
		if strings.HasPrefix(s.issuer, "渝") {
			base = g.cityIndex("重庆市")
		}
		g.addPersonRecord(p, base)
		ids[s.key] = id
	}
	g.personaPeople = len(g.d.People)
	g.violationSeq = 0 // persona violations are numbered from 1, generated ones from 1001
	g.shenzhenStories(ids)
	g.chongqingStories(ids)
	g.personaVehicles = len(g.d.Vehicles)
	g.violationSeq = 1000
}

func (g *generator) cityIndex(name string) int {
	for i, c := range g.cities {
		if c.name == name {
			return i
		}
	}
	panic("dataset: no demo city " + name)
}

// storyVehicle registers a persona's vehicle with a fixed plate.
func (g *generator) storyVehicle(t model.PlateType, number string, owner model.IDNumber, use model.UseNature) model.Plate {
	p, err := model.ParsePlate(string(t), number)
	if err != nil {
		panic(fmt.Sprintf("dataset: persona plate: %v", err))
	}
	g.plates[p] = true
	v := model.Vehicle{Plate: p, OwnerKind: model.OwnerPersonal, Owner: owner, Use: use}
	if owner == "" {
		v.OwnerKind = model.OwnerUnit
	}
	g.addVehicle(Vehicle{Vehicle: v})
	return p
}

// storyViolation appends a recorded camera violation at a fixed place in district code of city
// cityName; fine 0 means the catalogue's default. It returns the violation's index.
func (g *generator) storyViolation(p model.Plate, code string, fine model.Fen, at time.Time, cityName, distCode,
	road string) int {
	c := g.cities[g.cityIndex(cityName)]
	dist := c.districts[0]
	for _, d := range c.districts {
		if d.code == distCode {
			dist = d
		}
	}
	e := g.entry(code)
	if fine == 0 {
		fine = e.Fine
	}
	g.violationSeq++
	g.d.Violations = append(g.d.Violations, model.Violation{
		ID: fmt.Sprintf("%s%010d", dist.code, g.violationSeq), Plate: p, Time: at, Place: c.name + dist.name + road,
		Code: e.Code, Points: e.Points, Fine: fine, Source: model.SourceCamera, Status: model.StatusRecorded,
		Office: c.office(dist), OfficeCode: dist.code,
	})
	return len(g.d.Violations) - 1
}

// storyDecide decides violation vi against the persona id.
func (g *generator) storyDecide(vi int, id model.IDNumber, decided, paid time.Time) {
	g.decide(&g.d.Violations[vi], g.ids[id], decided, paid)
}

func (g *generator) shenzhenStories(ids map[string]model.IDNumber) {
	const sz = "深圳市"
	none := time.Time{}
	lent := g.storyVehicle(model.PlateSmallCar, "粤B7Q2M5", ids["owner-lent"], model.UseNonOperating)
	g.storyViolation(lent, "1358", 0, g.at(20, 8, 12), sz, "440304", "彩田路与红荔路交叉口")
	g.addBinding(model.Binding{Driver: ids["borrower-late"], Plate: lent, Owner: ids["owner-lent"],
		Since: g.at(5, 10, 20), Channel: model.ChannelSelfService})

	nev := g.storyVehicle(model.PlateSmallNEV, "粤BD36258", ids["owner-lent"], model.UseNonOperating)
	g.addBinding(model.Binding{Driver: ids["borrower-early"], Plate: nev, Owner: ids["owner-lent"],
		Since: g.at(60, 15, 0), Channel: model.ChannelCounter})
	g.storyViolation(nev, "13132", 0, g.at(12, 18, 40), sz, "440305", "南海大道与登良路交叉口")

	mother := g.storyVehicle(model.PlateSmallCar, "粤B9H6T1", ids["parking-owner"], model.UseNonOperating)
	g.addBinding(model.Binding{Driver: ids["parking"], Plate: mother, Owner: ids["parking-owner"],
		Since: g.at(200, 11, 30), Channel: model.ChannelSelfService})
	g.storyViolation(mother, "1039", 0, g.at(9, 14, 5), sz, "440306", "宝安大道1036号附近")

	nine := g.storyVehicle(model.PlateSmallCar, "粤B2E8N7", ids["nine-points"], model.UseNonOperating)
	vi := g.storyViolation(nine, "1625", 0, g.at(170, 19, 3), sz, "440307", "龙岗大道与龙平西路交叉口")
	g.storyDecide(vi, ids["nine-points"], g.at(160, 10, 12), g.at(160, 10, 20))
	vi = g.storyViolation(nine, "1369", 0, g.at(100, 7, 48), sz, "440309", "梅观路（近清湖路口）")
	g.storyDecide(vi, ids["nine-points"], g.at(95, 16, 30), g.at(94, 9, 0))
	g.storyViolation(nine, "1357", 0, g.at(15, 17, 22), sz, "440304", "福华三路与金田路交叉口")
	g.storyViolation(nine, "1117", 0, g.at(7, 8, 50), sz, "440305", "沙河西路与白石路交叉口")

	unit := g.storyVehicle(model.PlateSmallCar, "粤B6W3K9", "", model.UseNonOperating)
	g.d.Vehicles[len(g.d.Vehicles)-1].OwnerName = "深圳市澜岸云图物流有限公司"
	g.d.UnitDrivers = append(g.d.UnitDrivers, model.UnitDriver{Driver: ids["unit-driver"], Plate: unit, Since: g.at(400, 9, 0)})
	g.storyViolation(unit, "1357", 0, g.at(18, 12, 0), sz, "440303", "深南东路与建设路交叉口")

	ride := g.storyVehicle(model.PlateSmallCar, "粤B8T5R2", ids["operating"], model.UseOperating)
	g.storyViolation(ride, "1369", 0, g.at(11, 10, 30), sz, "440306", "宝安大道与新湖路交叉口")

	fast := g.storyVehicle(model.PlateSmallNEV, "粤BF71936", ids["fine-300"], model.UseNonOperating)
	g.storyViolation(fast, "1650", model.Yuan(300), g.at(25, 23, 10), sz, "440305", "滨海大道（近沙河东路口）")

	stopped := g.storyVehicle(model.PlateSmallCar, "粤B3C9P6", ids["on-site"], model.UseNonOperating)
	vi = g.storyViolation(stopped, "1362", 0, g.at(3, 9, 15), sz, "440304", "深南大道与华富路交叉口")
	g.d.Violations[vi].Source = model.SourceOnSite
	g.storyDecide(vi, ids["on-site"], g.at(3, 9, 25), none)

	drunk := g.storyVehicle(model.PlateSmallCar, "粤B4V7D1", ids["suspended"], model.UseNonOperating)
	vi = g.storyViolation(drunk, "17121", 0, g.at(90, 23, 40), sz, "440305", "南海大道与创业路交叉口")
	g.d.Violations[vi].Source = model.SourceOnSite
	g.storyDecide(vi, ids["suspended"], g.at(90, 23, 55), g.at(85, 10, 0))
	g.storyViolation(drunk, "6095", 0, g.at(30, 9, 5), sz, "440304", "新洲路与福强路交叉口")

	late := g.storyVehicle(model.PlateSmallCar, "粤B1M9X4", ids["overdue"], model.UseNonOperating)
	vi = g.storyViolation(late, "1625", 0, g.at(50, 21, 30), sz, "440303", "春风路与沿河北路交叉口")
	g.storyDecide(vi, ids["overdue"], g.at(40, 11, 0), none)

	many := g.storyVehicle(model.PlateSmallCar, "粤B5K8W3", ids["many-points"], model.UseNonOperating)
	g.storyViolation(many, "1625", 0, g.at(21, 8, 40), sz, "440304", "深南大道与彩田路交叉口")
	g.storyViolation(many, "1625", 0, g.at(13, 18, 15), sz, "440303", "红岭中路与笋岗路交叉口")
	g.storyViolation(many, "1357", 0, g.at(6, 12, 30), sz, "440305", "科苑南路与高新南四道交叉口")
}

func (g *generator) chongqingStories(ids map[string]model.IDNumber) {
	const cq = "重庆市"
	moto := g.storyVehicle(model.PlateMotorcycle, "渝A7H215", ids["cq-rider"], model.UseNonOperating)
	g.storyViolation(moto, "1117", 0, g.at(16, 18, 5), cq, "500112", "金开大道与星光大道交叉口")
	car := g.storyVehicle(model.PlateSmallCar, "渝B5J3Q8", ids["cq-owner"], model.UseNonOperating)
	since := g.at(70, 9, 30)
	g.d.Follows = append(g.d.Follows, model.Follow{Follower: ids["cq-rider"], Plate: car, Owner: ids["cq-owner"],
		RequestedAt: g.at(71, 20, 0), Since: since, Until: since.AddDate(1, 0, 0)})
	g.storyViolation(car, "1357", 0, g.at(8, 12, 45), cq, "500103", "长江一路（近大坪正街路口）")

	away := g.storyVehicle(model.PlateSmallCar, "川A8R6L2", ids["cq-nonlocal"], model.UseNonOperating)
	g.storyViolation(away, "1039", 0, g.at(22, 15, 40), cq, "500108", "南滨路（近海棠溪路口）")
}
