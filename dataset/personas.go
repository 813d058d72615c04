package dataset

import (
	"fmt"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// Persona is a fixed person of the demo's seed stories. A demo user types the ID number and
// file number to sign in as them; Story (Chinese) and StoryEN say what the kiosk will show.
type Persona struct {
	Key, Name string
	ID        model.IDNumber
	File      model.FileNumber
	Story     string // zh
	StoryEN   string
	// Vehicles are the persona's own vehicles in the demo data, so that a presenter can find
	// the numbers an owner verifies with (DemoVehicleNumbers).
	Vehicles []model.Plate
}

// personaSpec is everything fixed about a persona. Ages and licence ages are relative to now, so
// the personas stay valid (adult, licensed in the past) whenever the demo runs.
type personaSpec struct {
	key, name      string
	male           bool
	region         string // 6-digit code where the ID number was issued
	age            int
	birthMonth     time.Month
	birthDay, seq  int
	file           string
	classes        string
	status         model.LicenceStatus
	issuer         string
	licenceYears   int // first issued this many years ago, on 15 June
	story, storyEN string
}

// personaSpecs lists the personas in the order they appear in the demo data.
func personaSpecs() []personaSpec {
	const a = model.StatusNormal
	return []personaSpec{
		{"borrower-late", "邓志航", true, "440304", 29, time.March, 14, 71, "440300281574", "C1", a, "粤B", 8,
			"驾驶梁淑芬的小汽车（粤B7Q2M5）被电子眼拍到（罚款100元、记3分），事后才绑定该车：绑定晚于违法时间，自助机不能处理。",
			"Drove Liang Shufen's car (粤B7Q2M5) and was caught by a camera (100 yuan, 3 points), then bound the car: the binding is later than the violation, so the kiosk refuses."},
		{"owner-lent", "梁淑芬", false, "440303", 56, time.September, 8, 42, "440300093516", "C1", a, "粤B", 25,
			"车主，两辆车分别借给邓志航和罗佩琳；他们处理有记分的违法时，车主要到场核验。",
			"Owner of two cars lent to Deng Zhihang and Luo Peilin; she verifies in person when they process a violation with points."},
		{"borrower-early", "罗佩琳", false, "440305", 33, time.November, 26, 86, "440300417268", "C2", a, "粤B", 10,
			"两个月前在窗口绑定了梁淑芬的新能源车（粤BD36258），之后被拍到违法（罚款100元、记3分）：车主到场核验后可在自助机处理。",
			"Bound Liang Shufen's new-energy car (粤BD36258) at a counter two months ago, then had a camera violation (100 yuan, 3 points): processable at the kiosk once the owner verifies."},
		{"parking", "何俊熙", true, "440306", 27, time.June, 2, 153, "440300652390", "C1", a, "粤B", 6,
			"已绑定母亲卢桂英的车（粤B9H6T1），该车有一条违规停车（0分、罚款200元）：不记分，只需本人核验即可处理。",
			"Has bound his mother Lu Guiying's car (粤B9H6T1), which has a parking violation (0 points, 200 yuan): no points, so only his own verification is needed."},
		{"parking-owner", "卢桂英", false, "440306", 63, time.January, 19, 128, "440300120847", "C1", a, "粤B", 20,
			"何俊熙的母亲，名下小汽车（粤B9H6T1）已由儿子绑定。",
			"He Junxi's mother; her car (粤B9H6T1) is bound to her son."},
		{"nine-points", "曾宪涛", true, "440307", 41, time.July, 30, 215, "440300336915", "C1", a, "粤B", 0,
			"本周期已记9分，本人车辆（粤B2E8N7）还有记3分和记1分两条违法：只能处理记1分的那条，再记3分就满12分。",
			"Has 9 points this cycle; his car (粤B2E8N7) has a 3-point and a 1-point violation: only the 1-point one can be processed, the 3-point one would reach 12."},
		{"unit-driver", "黄立群", true, "440309", 45, time.October, 11, 37, "440300208463", "B2", a, "粤B", 20,
			"公司登记的指定驾驶人，开单位的小汽车（粤B6W3K9，深圳市澜岸云图物流有限公司）被电子眼拍到：自助机列出这辆车和违法，说明单位车辆须持单位手续（营业执照复印件、委托书）到窗口处理。",
			"The designated driver of a company car (粤B6W3K9) that a camera caught: the kiosk lists the car and the violation, and says a unit's vehicle goes to a counter with the unit's papers (business licence copy, letter of authorisation)."},
		{"operating", "吴建林", true, "441900", 38, time.April, 22, 19, "440300587102", "C1", a, "粤B", 15,
			"本人名下的网约车登记为营运车辆（粤B8T5R2），有一条电子眼违法：营运车辆须到窗口处理。",
			"His ride-hailing car is registered as operating (粤B8T5R2) and has a camera violation: operating vehicles go to a counter."},
		{"fine-300", "林雅静", false, "350102", 35, time.August, 17, 64, "440300749251", "C1", a, "粤B", 12,
			"本人新能源车（粤BF71936）超速50%以上，罚款300元、记6分：罚款超过200元，须到窗口处理。",
			"Her new-energy car (粤BF71936) was caught over 50% above the limit, 300 yuan and 6 points: fines over 200 yuan go to a counter."},
		{"on-site", "郑海舟", true, "440308", 50, time.February, 3, 93, "440300061738", "C1", a, "粤B", 26,
			"三天前开车接打手机被交警当场处罚（罚款200元、记3分）：决定书已出，自助机只能缴款。",
			"Stopped by an officer three days ago for using a phone while driving (200 yuan, 3 points): already decided, so the kiosk can only take payment."},
		{"cq-rider", "冉启航", true, "500112", 31, time.December, 5, 137, "500100394627", "C1E", a, "渝A", 9,
			"重庆驾驶人，本人摩托车（渝A7H215）有一条违法，还关注了谭春燕的小汽车（渝B5J3Q8），该车也有违法：按重庆规则都可处理。",
			"A Chongqing driver: his motorcycle (渝A7H215) has a violation, and he follows Tan Chunyan's car (渝B5J3Q8), which has one too; the Chongqing rules accept both."},
		{"cq-owner", "谭春燕", false, "500103", 58, time.March, 13, 22, "500100185043", "C2", a, "渝A", 18,
			"重庆车主，同意冉启航关注自己的小汽车（渝B5J3Q8）。",
			"A Chongqing owner who let Ran Qihang follow her car (渝B5J3Q8)."},
		{"cq-nonlocal", "向思远", true, "500106", 36, time.September, 25, 51, "500100273859", "C1", a, "渝A", 14,
			"重庆驾驶证，但本人车辆在成都登记（川A8R6L2）：按重庆规则，非渝籍车辆的违法不能在此处理。",
			"Holds a Chongqing licence but his car is registered in Chengdu (川A8R6L2): the Chongqing rules refuse non-渝 vehicles."},
		{"suspended", "马俊峰", true, "440305", 39, time.May, 11, 175, "440300518694", "C1", model.StatusSuspended, "粤B", 16,
			"酒后驾驶被当场处罚，驾驶证被暂扣；本人车辆（粤B4V7D1）另有一条电子眼违法：驾驶证状态不正常，不能处理。",
			"Caught drink-driving and his licence is suspended; his car (粤B4V7D1) also has a camera violation: the licence status does not allow processing."},
		{"overdue", "许丽萍", false, "440304", 47, time.December, 30, 248, "440300846021", "C1", a, "粤B", 22,
			"40天前处理了一条闯红灯违法（罚款200元、记6分），至今未缴款：已逾期25天，要另缴滞纳金150元。",
			"Processed a red-light violation 40 days ago (200 yuan, 6 points) and has not paid: 25 days overdue, so a 150-yuan late fee is added."},
		{"many-points", "方文博", true, "440304", 34, time.April, 9, 262, "440300913476", "C1", a, "粤B", 11,
			"本周期0分，本人车辆（粤B5K8W3）有三条违法（记6分、6分、3分）：每条都可处理，任意两条记6分的一起选就满12分，自助机会当场说明能一起处理哪些。",
			"No points this cycle; his car (粤B5K8W3) has three violations (6, 6 and 3 points): each can be processed, but both 6-point ones together reach 12, and the kiosk says at once which go together."},
	}
}

// idNumber is the persona's ID number at now: born age years before now's year.
func (s personaSpec) idNumber(now time.Time) model.IDNumber {
	body := fmt.Sprintf("%s%04d%02d%02d%03d", s.region, model.DateOf(now).Year-s.age, int(s.birthMonth), s.birthDay, s.seq)
	return model.IDNumber(body + string(model.Mod112(body)))
}

// Personas lists the fixed people of the demo's seed stories, so that a demo user can type them
// in. They are part of every Demo output made at the same now.
func Personas(now time.Time) []Persona {
	// The personas' stories alone (no generated people) say which vehicles each owns.
	g := newGenerator(0, now)
	g.addPersonas()
	owned := map[model.IDNumber][]model.Plate{}
	for _, v := range g.d.Vehicles {
		if v.Owner != "" {
			owned[v.Owner] = append(owned[v.Owner], v.Plate)
		}
	}
	var out []Persona
	for _, s := range personaSpecs() {
		id := s.idNumber(now)
		out = append(out, Persona{Key: s.key, Name: s.name, ID: id, File: model.FileNumber(s.file),
			Story: s.story, StoryEN: s.storyEN, Vehicles: owned[id]})
	}
	return out
}
