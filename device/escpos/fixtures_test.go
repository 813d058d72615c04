package escpos

import "github.com/hallkiosk/kiosk/device"

// verifyURL is the kind of URL a receipt's QR code carries.
const verifyURL = "https://kiosk.example.gov.cn/r/0acb1808-6c6c-449c-8364-744adf69e05a"

// zhDoc is a receipt as the kiosk prints it after a fine is paid, with masked data.
func zhDoc() device.Doc {
	return device.Doc{
		Title: "交通违法处理凭证",
		Lines: []string{
			"姓名：张*",
			"证件号码：4403**********0718",
			"号牌号码：粤B***N7（小型汽车）",
			"违法时间：2025-03-02 08:41",
			"违法地点：深圳市福田区深南大道与彩田路交叉口",
			"违法行为：机动车违反禁止标线指示的",
			"罚款金额：100.00元",
			"滞纳金：0.00元",
			"实缴金额：100.00元（银行卡）",
			"记分：3分",
			"决定书编号：440304100123456789",
			"处理时间：2025-03-14 10:21:07",
			"自助机：福田车管所大厅 03号机",
			"",
			"请妥善保管本凭证，扫描下方二维码可核验真伪。",
		},
		QR: verifyURL,
	}
}

// enDoc is the same receipt for a person who chose English.
func enDoc() device.Doc {
	return device.Doc{
		Title: "Traffic violation processing receipt",
		Lines: []string{
			"Name: 张*",
			"ID number: 4403**********0718",
			"Plate: 粤B***N7 (small car)",
			"Time of violation: 2025-03-02 08:41",
			"Place: Shennan Avenue / Caitian Road, Futian District, Shenzhen",
			"Violation: ignoring a prohibitory road marking",
			"Fine: 100.00元",
			"Late fee: 0.00元",
			"Paid: 100.00元 by bank card",
			"Points: 3",
			"Decision No.: 440304100123456789",
			"Processed: 2025-03-14 10:21:07",
			"Kiosk: Futian vehicle office hall, No. 03",
			"",
			"Keep this receipt. Scan the QR code below to verify it.",
		},
		QR: verifyURL,
	}
}
