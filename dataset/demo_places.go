package dataset

import "strings"

// district is a county-level division: its GB/T 2260 code (the start of ID numbers issued there
// and the code of its traffic police office) and its name.
type district struct{ code, name string }

// city is where demo people live, vehicles are registered and violations happen.
type city struct {
	name      string
	plates    []string // plate regions issued in the city, most common first
	districts []district
	roads     []string
	highways  []string
	// The traffic police office of a district is police + the district's short name + unit,
	// e.g. 深圳市公安局交通警察支队 + 福田 + 大队; fullName keeps 区 in the name (重庆).
	police, unit string
	fullName     bool
	weight       int // how many demo people live there, relatively
}

// office is the name of the traffic police office of district dist of c.
func (c city) office(dist district) string {
	name := dist.name
	if !c.fullName {
		name = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "新区"), "区"), "县")
	}
	return c.police + name + c.unit
}

// province is the two-digit province code of the city.
func (c city) province() string { return c.districts[0].code[:2] }

// cities lists the demo's cities. The hall of the demo stands in Shenzhen, and Chongqing has its
// own profile, so most people live in those two.
func cities() []city { return append(majorCities(), provincialCapitals()...) }

// stdCity is a city whose district offices are named 市公安局交通警察支队 + district + 大队.
func stdCity(name string, plates []string, ds []district, roads, highways []string, weight int) city {
	return city{name: name, plates: plates, districts: ds, roads: roads, highways: highways,
		police: name + "公安局交通警察支队", unit: "大队", weight: weight}
}

// districts pairs codes and names: code, name, code, name...
func districts(pairs ...string) []district {
	var out []district
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, district{pairs[i], pairs[i+1]})
	}
	return out
}

func words(s string) []string { return strings.Fields(s) }

func majorCities() []city {
	d, l := districts, words
	return []city{
		stdCity("深圳市", l("粤B"), d("440303", "罗湖区", "440304", "福田区", "440305", "南山区", "440306", "宝安区",
			"440307", "龙岗区", "440308", "盐田区", "440309", "龙华区", "440310", "坪山区"),
			l("深南大道 北环大道 滨海大道 红荔路 彩田路 华富路 新洲路 南海大道 宝安大道 龙岗大道 梅观路 沙河西路"),
			l("G4京港澳高速 G15沈海高速 S28水官高速"), 22),
		{name: "重庆市", plates: l("渝A 渝B 渝D"),
			districts: d("500103", "渝中区", "500105", "江北区", "500106", "沙坪坝区", "500107", "九龙坡区",
				"500108", "南岸区", "500112", "渝北区", "500113", "巴南区", "500104", "大渡口区"),
			roads:    l("南滨路 北滨一路 长江一路 金开大道 渝州路 红锦大道 嘉陵江滨江路 黄山大道 内环快速路 石杨路"),
			highways: l("G85银昆高速 G50沪渝高速 G93成渝环线高速"),
			police:   "重庆市公安局交通巡逻警察总队", unit: "支队", fullName: true, weight: 18},
		stdCity("广州市", l("粤A"), d("440103", "荔湾区", "440104", "越秀区", "440105", "海珠区", "440106", "天河区",
			"440111", "白云区", "440112", "黄埔区"),
			l("天河路 环市东路 广州大道中 中山大道西 黄埔大道 东风中路 解放北路 新港东路"),
			l("G4京港澳高速 G15沈海高速 S81广州环城高速"), 8),
		stdCity("东莞市", l("粤S"), d("441900", "南城", "441900", "东城", "441900", "虎门", "441900", "长安"),
			l("东莞大道 鸿福路 莞太路 东城大道 莞长路"), l("G9411莞佛高速 S20潮莞高速"), 5),
		stdCity("成都市", l("川A"), d("510104", "锦江区", "510105", "青羊区", "510106", "金牛区", "510107", "武侯区",
			"510108", "成华区", "510112", "龙泉驿区"),
			l("人民南路 天府大道 蜀都大道 红星路 剑南大道 一环路南二段 二环路东三段"),
			l("G5京昆高速 G4201成都绕城高速"), 5),
		{name: "北京市", plates: l("京A 京N 京Q"),
			districts: d("110101", "东城区", "110102", "西城区", "110105", "朝阳区", "110106", "丰台区",
				"110108", "海淀区", "110114", "昌平区"),
			roads:    l("建国路 朝阳路 学院路 中关村大街 西三环北路 东三环中路 阜成路 广渠路"),
			highways: l("G6京藏高速 G4京港澳高速 G45大广高速"),
			police:   "北京市公安局公安交通管理局", unit: "交通支队", weight: 4},
		{name: "上海市", plates: l("沪A 沪B 沪D"),
			districts: d("310101", "黄浦区", "310104", "徐汇区", "310105", "长宁区", "310106", "静安区",
				"310112", "闵行区", "310115", "浦东新区"),
			roads:    l("延安高架路 南京西路 世纪大道 中山北路 淮海中路 虹桥路 龙阳路 沪闵路"),
			highways: l("G2京沪高速 G60沪昆高速 G1501上海绕城高速"),
			police:   "上海市公安局", unit: "分局交通警察支队", weight: 4},
		{name: "天津市", plates: l("津A 津B 津C"),
			districts: d("120101", "和平区", "120102", "河东区", "120103", "河西区", "120104", "南开区", "120105", "河北区"),
			roads:     l("南京路 卫津路 友谊路 黄河道 复康路 解放南路"),
			highways:  l("G2京沪高速 G18荣乌高速"),
			police:    "天津市公安交通管理局", unit: "支队", weight: 2},
	}
}

func provincialCapitals() []city {
	d, l := districts, words
	return []city{
		stdCity("杭州市", l("浙A"), d("330102", "上城区", "330105", "拱墅区", "330106", "西湖区", "330108", "滨江区",
			"330109", "萧山区", "330110", "余杭区"),
			l("文三路 延安路 解放路 天目山路 之江路 江南大道 莫干山路"), l("G60沪昆高速 G92杭州湾环线高速"), 3),
		stdCity("南京市", l("苏A"), d("320102", "玄武区", "320104", "秦淮区", "320105", "建邺区", "320106", "鼓楼区",
			"320115", "江宁区"), l("中山路 汉中路 龙蟠路 北京东路 江东中路 中山南路"), l("G42沪蓉高速 G25长深高速"), 2),
		stdCity("苏州市", l("苏E"), d("320505", "虎丘区", "320506", "吴中区", "320507", "相城区", "320508", "姑苏区"),
			l("干将路 人民路 星湖街 苏州大道东 金鸡湖大道"), l("G2京沪高速 G1522常台高速"), 2),
		stdCity("武汉市", l("鄂A"), d("420102", "江岸区", "420103", "江汉区", "420104", "硚口区", "420106", "武昌区",
			"420111", "洪山区"), l("解放大道 中山大道 武珞路 珞喻路 中北路 建设大道"), l("G4京港澳高速 G70福银高速"), 3),
		stdCity("郑州市", l("豫A"), d("410102", "中原区", "410103", "二七区", "410105", "金水区", "410122", "中牟县"),
			l("金水路 花园路 中州大道 农业路 建设西路"), l("G30连霍高速 G4京港澳高速"), 2),
		stdCity("西安市", l("陕A"), d("610102", "新城区", "610103", "碑林区", "610104", "莲湖区", "610112", "未央区",
			"610113", "雁塔区"), l("长安北路 太白南路 朱雀大街 科技路 未央路 南二环西段"), l("G30连霍高速 G65包茂高速"), 2),
		stdCity("长沙市", l("湘A"), d("430102", "芙蓉区", "430103", "天心区", "430104", "岳麓区", "430105", "开福区",
			"430111", "雨花区"), l("五一大道 芙蓉中路 韶山北路 湘江中路 劳动西路 万家丽路"), l("G4京港澳高速 G5513长张高速"), 2),
		stdCity("合肥市", l("皖A"), d("340102", "瑶海区", "340103", "庐阳区", "340104", "蜀山区", "340111", "包河区"),
			l("长江中路 金寨路 徽州大道 马鞍山路 黄山路"), l("G40沪陕高速 G3京台高速"), 1),
		stdCity("济南市", l("鲁A"), d("370102", "历下区", "370103", "市中区", "370104", "槐荫区", "370105", "天桥区",
			"370112", "历城区"), l("经十路 泉城路 历山路 二环东路 山大路"), l("G2京沪高速 G20青银高速"), 1),
		stdCity("福州市", l("闽A"), d("350102", "鼓楼区", "350103", "台江区", "350104", "仓山区", "350105", "马尾区"),
			l("五四路 八一七北路 湖东路 福飞路 工业路"), l("G15沈海高速 G70福银高速"), 1),
		stdCity("沈阳市", l("辽A"), d("210102", "和平区", "210103", "沈河区", "210104", "大东区", "210105", "皇姑区",
			"210106", "铁西区"), l("青年大街 北京街 南京北街 沈辽路 黄河北大街"), l("G1京哈高速 G1501沈阳绕城高速"), 1),
		stdCity("昆明市", l("云A"), d("530102", "五华区", "530103", "盘龙区", "530111", "官渡区", "530112", "西山区"),
			l("北京路 东风西路 人民中路 滇池路 广福路"), l("G56杭瑞高速 G85银昆高速"), 1),
		stdCity("石家庄市", l("冀A"), d("130102", "长安区", "130104", "桥西区", "130105", "新华区", "130108", "裕华区"),
			l("中山路 建设大街 裕华路 和平路 槐安路"), l("G4京港澳高速 G20青银高速"), 1),
		stdCity("太原市", l("晋A"), d("140105", "小店区", "140106", "迎泽区", "140107", "杏花岭区", "140109", "万柏林区"),
			l("迎泽大街 并州路 长风街 滨河东路 南内环街"), l("G5京昆高速 G20青银高速"), 1),
		stdCity("南昌市", l("赣A"), d("360102", "东湖区", "360103", "西湖区", "360104", "青云谱区", "360111", "青山湖区"),
			l("八一大道 红谷中大道 北京东路 井冈山大道 阳明路"), l("G60沪昆高速 G70福银高速"), 1),
		stdCity("南宁市", l("桂A"), d("450102", "兴宁区", "450103", "青秀区", "450105", "江南区", "450107", "西乡塘区"),
			l("民族大道 朝阳路 友爱路 大学东路 五象大道"), l("G72泉南高速 G75兰海高速"), 1),
		stdCity("贵阳市", l("贵A"), d("520102", "南明区", "520103", "云岩区", "520111", "花溪区", "520115", "观山湖区"),
			l("中华北路 遵义路 宝山北路 花溪大道 林城西路"), l("G75兰海高速 G60沪昆高速"), 1),
		stdCity("哈尔滨市", l("黑A"), d("230102", "道里区", "230103", "南岗区", "230104", "道外区", "230108", "平房区"),
			l("中山路 红军街 友谊路 学府路 哈平路"), l("G1京哈高速 G10绥满高速"), 1),
		stdCity("长春市", l("吉A"), d("220102", "南关区", "220103", "宽城区", "220104", "朝阳区", "220105", "二道区"),
			l("人民大街 自由大路 亚泰大街 卫星路 前进大街"), l("G1京哈高速 G12珲乌高速"), 1),
		stdCity("兰州市", l("甘A"), d("620102", "城关区", "620103", "七里河区", "620104", "西固区", "620105", "安宁区"),
			l("东岗西路 庆阳路 南滨河路 北滨河路 西津西路"), l("G30连霍高速 G75兰海高速"), 1),
		stdCity("呼和浩特市", l("蒙A"), d("150102", "新城区", "150103", "回民区", "150104", "玉泉区", "150105", "赛罕区"),
			l("新华大街 中山路 兴安南路 昭乌达路"), l("G6京藏高速 G7京新高速"), 1),
		stdCity("海口市", l("琼A"), d("460105", "秀英区", "460106", "龙华区", "460107", "琼山区", "460108", "美兰区"),
			l("滨海大道 国兴大道 龙昆南路 海秀路"), l("G98海南环线高速"), 1),
		stdCity("银川市", l("宁A"), d("640104", "兴庆区", "640105", "西夏区", "640106", "金凤区"),
			l("北京路 解放街 正源街 贺兰山路"), l("G6京藏高速 G20青银高速"), 1),
		stdCity("西宁市", l("青A"), d("630102", "城东区", "630103", "城中区", "630104", "城西区", "630105", "城北区"),
			l("五四大街 昆仑路 八一路 七一路"), l("G6京藏高速"), 1),
		stdCity("乌鲁木齐市", l("新A"), d("650102", "天山区", "650103", "沙依巴克区", "650104", "新市区", "650105", "水磨沟区"),
			l("友好南路 北京南路 河北东路 西虹路"), l("G30连霍高速"), 1),
		stdCity("拉萨市", l("藏A"), d("540102", "城关区", "540103", "堆龙德庆区"),
			l("北京中路 江苏路 金珠西路 林廓北路"), l("G6京藏高速"), 1),
	}
}
