package dataset

import (
	"math/rand/v2"
	"slices"
	"strings"
)

// Name material for demo people. The lists are common characters, combined at random, so a
// generated name is ordinary and belongs to no one in particular.

const (
	// surnames are common single-character surnames, roughly most frequent first.
	surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程" +
		"魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃" +
		"武钱戴严莫孔向常汤冉"
	maleChars = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林峰建国志文成东海兵亮博晨昊然轩睿泽航哲" +
		"远辰阳锋毅川彬振德"
	femaleChars = "芳娜敏静丽艳娟霞秀玲桂英萍红燕梅琳雪婷倩颖慧佳欣怡悦晴璐瑶雯妍琪婧岚蓉薇丹洁月莉蕾菲茜淑"
	// unit name parts: made-up trade names and ordinary lines of business.
	tradeNames = "恒远 华澜 鼎晟 启辰 博越 瑞祥 信诚 安顺 锦程 宏图 新楚 众联 凯拓 嘉禾 天衡 澄明 远帆 云栖"
	businesses = "物流 科技 建设工程 贸易 汽车租赁 出租汽车 餐饮管理 环境工程 电子 医药"
)

// personName returns a surname and a two-character given name suited to the sex. Combinations
// that happen to name well-known people are drawn again: demo people must belong to no one.
func personName(rng *rand.Rand, male bool) string {
	sur := []rune(surnames)
	pool := []rune(femaleChars)
	if male {
		pool = []rune(maleChars)
	}
	for {
		// Frequent surnames are much more common: bias towards the front of the list.
		s := sur[min(rng.IntN(len(sur)), rng.IntN(len(sur)))]
		first, second := pool[rng.IntN(len(pool))], pool[rng.IntN(len(pool))]
		name := string([]rune{s, first, second})
		if first != second && !slices.Contains(famousNames(), name) {
			return name
		}
	}
}

// famousNames are combinations of the lists above that belong to public figures.
func famousNames() []string {
	return strings.Fields("刘德华 刘强东 王健林 王俊凯 陈建斌 林俊杰 王志文 黄海波 唐国强 " +
		"赵丽颖 周慧敏 杨丽萍 陈慧琳 徐静蕾")
}

// unitName returns a company name registered in city c, like 深圳市恒远物流有限公司.
func unitName(rng *rand.Rand, c city, business string) string {
	trades := strings.Fields(tradeNames)
	return c.name + trades[rng.IntN(len(trades))] + business + "有限公司"
}

func businessList() []string { return strings.Fields(businesses) }
