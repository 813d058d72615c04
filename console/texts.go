package console

import (
	"strings"

	"github.com/hallkiosk/kiosk/model"
)

// textKey names one text of the console. Every key has a Chinese and an English wording in
// consoleTexts; a test checks both are there and free of East-Asian ambiguous glyphs.
type textKey string

// wording is one text in both languages. Placeholders are {name}, filled by (*Model).tf.
type wording struct{ zh, en string }

// Texts of the console's frame, bands and views.
const (
	txtTitle      textKey = "title"
	txtStaff      textKey = "staff"
	txtAllHalls   textKey = "all_halls"
	txtHall       textKey = "hall"
	txtNoCalls    textKey = "no_calls"
	txtCallsHead  textKey = "calls_head"
	txtCallOpen   textKey = "call_open"
	txtCallComing textKey = "call_coming"
	txtCallClosed textKey = "call_closed"
	txtWaited     textKey = "waited"
	txtAckedBy    textKey = "acked_by"
	txtClosedBy   textKey = "closed_by"
	txtScreen     textKey = "screen"
	txtCallEnded  textKey = "call_ended"
	txtFleetHead  textKey = "fleet_head"
	txtCountOf    textKey = "count_of"
	txtFleetNone  textKey = "fleet_none"
	txtSortBy     textKey = "sort_by"
	txtFocusCalls textKey = "focus_calls"
	txtLoading    textKey = "loading"
	txtUpdatedAt  textKey = "updated_at"
	txtStale      textKey = "stale"
	txtNoData     textKey = "no_data"

	txtSortState    textKey = "sort_state"
	txtSortName     textKey = "sort_name"
	txtSortOutbox   textKey = "sort_outbox"
	txtSortOldest   textKey = "sort_oldest"
	txtSortRejected textKey = "sort_rejected"

	txtColName     textKey = "col_name"
	txtColHall     textKey = "col_hall"
	txtColState    textKey = "col_state"
	txtColOutbox   textKey = "col_outbox"
	txtColOldest   textKey = "col_oldest"
	txtColRejected textKey = "col_rejected"
	txtColStore    textKey = "col_store"
	txtColSkew     textKey = "col_skew"
	txtColPrinter  textKey = "col_printer"
	txtColVersion  textKey = "col_version"
	txtColSeen     textKey = "col_seen"
	txtColCalls    textKey = "col_calls"
	txtColIDReader textKey = "col_id_reader"
	txtColFace     textKey = "col_face"
	txtColCard     textKey = "col_card"
	txtColProblems textKey = "col_problems"

	txtKioskOnline   textKey = "kiosk_online"
	txtKioskDegraded textKey = "kiosk_degraded"
	txtKioskOffline  textKey = "kiosk_offline"
	txtKioskRevoked  textKey = "kiosk_revoked"

	txtKeysCalls  textKey = "keys_calls"
	txtKeysFleet  textKey = "keys_fleet"
	txtKeysDetail textKey = "keys_detail"
	txtKeysHelp   textKey = "keys_help"

	txtConfirmClose textKey = "confirm_close"
	txtCancelled    textKey = "cancelled"
	txtAcked        textKey = "acked"
	txtClosed       textKey = "closed"
	txtFollowedUp   textKey = "followed_up"
	txtWorking      textKey = "working"
	txtNoCallSel    textKey = "no_call_selected"
	txtNoRejSel     textKey = "no_rejection_selected"
	txtAlreadyDone  textKey = "already_followed"

	txtFailAck    textKey = "fail_ack"
	txtFailClose  textKey = "fail_close"
	txtFailFollow textKey = "fail_follow"
	txtFailLoad   textKey = "fail_load"

	txtErrNotAllowed textKey = "err_not_allowed"
	txtErrNotFound   textKey = "err_not_found"
	txtErrConflict   textKey = "err_conflict"
	txtErrTimeout    textKey = "err_timeout"
	txtErrOther      textKey = "err_other"

	txtDetailTitle   textKey = "detail_title"
	txtDetailGone    textKey = "detail_gone"
	txtDState        textKey = "d_state"
	txtDProblems     textKey = "d_problems"
	txtDNoProblems   textKey = "d_no_problems"
	txtDContact      textKey = "d_contact"
	txtDOutbox       textKey = "d_outbox"
	txtDStore        textKey = "d_store"
	txtDRegressed    textKey = "d_regressed"
	txtVState        textKey = "v_state"
	txtVLastSeen     textKey = "v_last_seen"
	txtVNeverSeen    textKey = "v_never_seen"
	txtVContact      textKey = "v_contact"
	txtVOutbox       textKey = "v_outbox"
	txtVOldest       textKey = "v_oldest"
	txtVRejected     textKey = "v_rejected"
	txtVStore        textKey = "v_store"
	txtVStoreUnknown textKey = "v_store_unknown"
	txtVJournal      textKey = "v_journal"
	txtVJournalUnk   textKey = "v_journal_unknown"
	txtVSoftware     textKey = "v_software"
	txtVDevice       textKey = "v_device"
	txtVDeviceSince  textKey = "v_device_since"
	txtDSoftware     textKey = "d_software"
	txtDDevices      textKey = "d_devices"
	txtDNoDevices    textKey = "d_no_devices"
	txtDRejections   textKey = "d_rejections"
	txtDNoRejections textKey = "d_no_rejections"
	txtDRejLoading   textKey = "d_rej_loading"
	txtDRejFailed    textKey = "d_rej_failed"
	txtDToFollow     textKey = "d_to_follow"
	txtDFollowedBy   textKey = "d_followed_by"
	txtColOp         textKey = "col_op"
	txtColType       textKey = "col_type"
	txtColAt         textKey = "col_at"
	txtColReasons    textKey = "col_reasons"
	txtColFollow     textKey = "col_follow"
	txtUnknown       textKey = "unknown"
	txtNever         textKey = "never"
	txtNone          textKey = "none"
	txtAgo           textKey = "ago"

	txtStoreOK   textKey = "store_ok"
	txtStoreHigh textKey = "store_high"
	txtStoreStop textKey = "store_stop"

	txtHelpTitle textKey = "help_title"
	txtHelpBody  textKey = "help_body"

	txtClosing textKey = "closing"
)

// consoleTexts returns the console's texts. It builds a fresh map on each call (the model
// keeps one), so that no package state can be changed.
func consoleTexts() map[textKey]wording {
	return map[textKey]wording{
		txtTitle:      {"大厅工作台", "Hall staff console"},
		txtStaff:      {"工号 {id}", "staff {id}"},
		txtAllHalls:   {"全部大厅", "all halls"},
		txtHall:       {"大厅 {hall}", "hall {hall}"},
		txtNoCalls:    {"呼叫：无。没有人在等工作人员。", "Calls: none. Nobody is waiting for staff."},
		txtCallsHead:  {"呼叫：{open} 个待响应，{coming} 个赶来中，{closed} 个刚关闭", "CALLS: {open} open, {coming} coming, {closed} closed recently"},
		txtCallOpen:   {"待响应", "OPEN"},
		txtCallComing: {"赶来中", "COMING"},
		txtCallClosed: {"已关闭", "closed"},
		txtWaited:     {"已等 {t}", "waiting {t}"},
		txtAckedBy:    {"{who} {at} 响应", "{who} at {at}"},
		txtClosedBy:   {"{who} {at} 关闭", "{who} at {at}"},
		txtScreen:     {"页面：{screen}", "screen: {screen}"},
		txtCallEnded:  {"（{at} 已离开）", "(left at {at})"},
		txtFleetHead:  {"自助机 {n} 台", "KIOSKS {n}"},
		txtCountOf:    {"{state} {n}", "{n} {state}"},
		txtFleetNone:  {"没有可显示的自助机。", "No kiosks to show."},
		txtSortBy:     {"排序：{by}", "sort: {by}"},
		txtFocusCalls: {"先按 Tab 或 1 移到呼叫，再按 a 或 c。", "Press Tab or 1 to move to the calls first, then a or c."},
		txtLoading:    {"正在读取数据...", "Loading..."},
		txtUpdatedAt:  {"数据更新于 {at}", "Data as of {at}"},
		txtStale:      {"无法读取最新数据，显示的是 {at} 的数据：{why}", "Cannot read fresh data; showing data of {at}: {why}"},
		txtNoData:     {"无法读取数据：{why}", "Cannot read the data: {why}"},

		txtSortState:    {"状态（最差在前）", "state (worst first)"},
		txtSortName:     {"名称", "name"},
		txtSortOutbox:   {"待发送（多在前）", "outbox (largest first)"},
		txtSortOldest:   {"最久待发（久在前）", "oldest pending (oldest first)"},
		txtSortRejected: {"被拒待跟进（多在前）", "rejected (most first)"},

		txtColName:     {"名称", "Name"},
		txtColHall:     {"大厅", "Hall"},
		txtColState:    {"状态", "State"},
		txtColOutbox:   {"待发", "Outbox"},
		txtColOldest:   {"最久", "Oldest"},
		txtColRejected: {"被拒", "Rej"},
		txtColStore:    {"存储", "Store"},
		txtColSkew:     {"时差", "Skew"},
		txtColPrinter:  {"打印机", "Printer"},
		txtColVersion:  {"版本", "Version"},
		txtColSeen:     {"上次联系", "Last seen"},
		txtColCalls:    {"呼叫", "Calls"},
		txtColIDReader: {"读卡器", "ID reader"},
		txtColFace:     {"人脸", "Face"},
		txtColCard:     {"刷卡器", "Card"},
		txtColProblems: {"问题", "Problems"},

		txtKioskOnline:   {"在线", "online"},
		txtKioskDegraded: {"异常", "degraded"},
		txtKioskOffline:  {"离线", "offline"},
		txtKioskRevoked:  {"已注销", "revoked"},

		txtKeysCalls:  {"a 前往  c 关闭  Tab 自助机  ? 帮助  l English  q 退出", "a coming  c close  Tab kiosks  ? help  l 中文  q quit"},
		txtKeysFleet:  {"Enter 详情  s 排序  Tab 呼叫  ? 帮助  l English  q 退出", "Enter detail  s sort  Tab calls  ? help  l 中文  q quit"},
		txtKeysDetail: {"f 标记已跟进  Esc 返回  ? 帮助  l English  q 退出", "f followed up  Esc back  ? help  l 中文  q quit"},
		txtKeysHelp:   {"Esc 或 ? 关闭帮助", "Esc or ? closes the help"},

		txtConfirmClose: {"关闭 {where} 的呼叫？按 y 确认，按其他键取消。", "Close the call at {where}? Press y to close, any other key to keep it."},
		txtCancelled:    {"已取消，呼叫未关闭。", "Cancelled; the call stays."},
		txtAcked:        {"已响应：{where} 的人知道有人赶来了。", "Acknowledged: {where} is told someone is coming."},
		txtClosed:       {"已关闭 {where} 的呼叫。", "Closed the call at {where}."},
		txtFollowedUp:   {"已标记跟进：操作 {op}。", "Marked followed up: operation {op}."},
		txtWorking:      {"正在提交...", "Sending..."},
		txtNoCallSel:    {"没有选中的呼叫。", "No call is selected."},
		txtNoRejSel:     {"没有选中的被拒操作。", "No rejected operation is selected."},
		txtAlreadyDone:  {"操作 {op} 已由 {who} 跟进，无需再标记。", "Operation {op} was followed up by {who} already."},

		txtFailAck:    {"响应未成功", "Could not acknowledge"},
		txtFailClose:  {"关闭未成功", "Could not close the call"},
		txtFailFollow: {"标记跟进未成功", "Could not mark it followed up"},
		txtFailLoad:   {"读取失败", "Could not read"},

		txtErrNotAllowed: {"这属于其他大厅，您无权操作。请联系该大厅的工作人员或管理员。", "it belongs to another hall; you may not act on it. Ask that hall's staff or an admin."},
		txtErrNotFound:   {"它已不存在（可能刚被删除或注销）。列表已刷新，请重新选择。", "it no longer exists (removed or revoked just now). The list is refreshed; choose again."},
		txtErrConflict:   {"其他工作人员已经处理过了。列表已刷新，请查看当前状态。", "someone else has done it already. The list is refreshed; check its state."},
		txtErrTimeout:    {"服务器没有及时应答，可能未完成。请稍后查看列表再试。", "the server did not answer in time; it may not have happened. Check the list and try again."},
		txtErrOther:      {"服务器出错。请稍后再试；一直失败请联系系统管理员。", "the server failed. Try again shortly; if it keeps failing, tell the system administrator."},

		txtDetailTitle:   {"自助机 {name}（{id}），{hall}", "Kiosk {name} ({id}), {hall}"},
		txtDetailGone:    {"这台自助机已不在您的列表中（已注销或转到其他大厅）。按 Esc 返回。", "This kiosk is no longer in your list (revoked or moved to another hall). Press Esc."},
		txtDState:        {"状态", "State"},
		txtDProblems:     {"问题", "Problems"},
		txtDNoProblems:   {"无", "none"},
		txtDContact:      {"联系", "Contact"},
		txtDOutbox:       {"待发送", "Outbox"},
		txtDStore:        {"存储", "Store"},
		txtDRegressed:    {"检查点曾倒退，请检查存储", "its checkpoint went back once: check the store"},
		txtVState:        {"{state}，自 {since} 起（{d}）", "{state} since {since} ({d})"},
		txtVLastSeen:     {"最后联系 {at}（{ago}）", "last seen {at} ({ago})"},
		txtVNeverSeen:    {"从未联系", "never seen"},
		txtVContact:      {"心跳 {hb}，同步 {sync}，连续失败 {n} 次，时差 {skew}", "heartbeat {hb}, last sync {sync}, {n} failed attempts, clock skew {skew}"},
		txtVOutbox:       {"{n} 条", "{n} waiting"},
		txtVOldest:       {"最久的已等 {d}", "the oldest for {d}"},
		txtVRejected:     {"被拒：本机未处理 {k} 条，待跟进 {open} 条", "rejected: {k} open at the kiosk, {open} to follow up here"},
		txtVStore:        {"已用 {used} / {max}（{pct}%，{level}）", "{used} of {max} used ({pct}%, {level})"},
		txtVStoreUnknown: {"用量未知", "use unknown"},
		txtVJournal:      {"日志检查点 #{seq}（{at}），最新 #{head}", "journal checkpoint #{seq} ({at}), head #{head}"},
		txtVJournalUnk:   {"日志未知", "journal unknown"},
		txtVSoftware:     {"版本 {v}，配置 {profile}，未关闭的呼叫 {n} 个", "version {v}, profile {profile}, calls not closed: {n}"},
		txtVDevice:       {"{kind}：{state}", "{kind}: {state}"},
		txtVDeviceSince:  {"{kind}：{state}，自 {since} 起", "{kind}: {state} since {since}"},
		txtDSoftware:     {"软件", "Software"},
		txtDDevices:      {"设备", "Devices"},
		txtDNoDevices:    {"未报告设备", "no devices reported"},
		txtDRejections:   {"被拒绝的操作（{n} 条，{open} 条待跟进）", "Rejected operations ({n}, {open} to follow up)"},
		txtDNoRejections: {"没有被拒绝的操作。", "No rejected operations."},
		txtDRejLoading:   {"正在读取被拒绝的操作...", "Reading rejected operations..."},
		txtDRejFailed:    {"无法读取被拒绝的操作：{why}", "Cannot read rejected operations: {why}"},
		txtDToFollow:     {"待跟进", "to follow up"},
		txtDFollowedBy:   {"{who} {at}", "{who} {at}"},
		txtColOp:         {"操作编号", "Operation"},
		txtColType:       {"类型", "Type"},
		txtColAt:         {"时间", "Time"},
		txtColReasons:    {"原因代码", "Reason codes"},
		txtColFollow:     {"跟进", "Followed up"},
		txtUnknown:       {"未知", "unknown"},
		txtNever:         {"从未", "never"},
		txtNone:          {"无", "none"},
		txtAgo:           {"{t}前", "{t} ago"},

		txtStoreOK:   {"正常", "ok"},
		txtStoreHigh: {"偏满", "high"},
		txtStoreStop: {"已满，停止收单", "full, takes no more"},

		txtHelpTitle: {"帮助", "Help"},
		txtHelpBody: {
			"上方是呼叫：红色的在等人，最久的在最前；有新呼叫时终端会响铃。\n" +
				"  a    告诉对方有人赶来（赶来中）\n" +
				"  c    关闭呼叫（先确认 y/n），用于处理完毕或对方已离开\n" +
				"下方是本大厅的自助机，最差的在前。\n" +
				"  s    切换排序：状态、名称、待发送、最久待发、被拒待跟进\n" +
				"  Enter  打开自助机详情（在呼叫上按：呼叫的那台）\n" +
				"  f    （详情中）把选中的被拒操作标记为已跟进\n" +
				"Tab、1、2   在呼叫和自助机之间切换\n" +
				"上下键、PgUp、PgDn   移动选中行\n" +
				"Esc  返回    l 或 F2  中文/English    q 或 Ctrl+C  退出\n" +
				"时长：s 秒，m 分，h 时，d 天。时差是自助机时钟减服务器时钟。",
			"Calls are at the top: red ones are waiting, the longest first; a new call rings the bell.\n" +
				"  a    tell the person someone is coming\n" +
				"  c    close the call (asks y/n), when it is dealt with or the person left\n" +
				"The hall's kiosks are below, the worst first.\n" +
				"  s    change the order: state, name, outbox, oldest pending, rejected\n" +
				"  Enter  open a kiosk's detail (on a call: the kiosk it came from)\n" +
				"  f    (in the detail) mark the selected rejection followed up\n" +
				"Tab, 1, 2   move between calls and kiosks\n" +
				"Up, Down, PgUp, PgDn   move the selection\n" +
				"Esc  back    l or F2  中文/English    q or Ctrl+C  quit\n" +
				"Durations: s seconds, m minutes, h hours, d days. Skew is the kiosk's clock minus the server's.",
		},

		txtClosing: {"服务器正在关闭，本次会话结束。", "The server is shutting down; this session ends."},
	}
}

// Words for values the Source reports as codes: device states, device kinds, problems and
// the kiosk's screens. An unknown code is shown as it is, so that a new code is never hidden.

func deviceStateWords() map[string]wording {
	return map[string]wording{
		"ok":         {"正常", "ok"},
		"simulated":  {"模拟", "simulated"},
		"paper_low":  {"纸将尽", "paper low"},
		"paper_out":  {"缺纸", "paper out"},
		"cover_open": {"盖未合", "cover open"},
		"offline":    {"无应答", "offline"},
		"error":      {"故障", "error"},
		"unknown":    {"未知", "unknown"},
	}
}

func deviceKindWords() map[string]wording {
	return map[string]wording{
		"printer":   {"打印机", "printer"},
		"id_reader": {"身份证读卡器", "ID reader"},
		"face":      {"人脸摄像头", "face camera"},
		"card":      {"刷卡器", "card terminal"},
	}
}

// screenWords names the kiosk's screens (the ui package's screen names) for staff walking over.
func screenWords() map[string]wording {
	return map[string]wording{
		"welcome":     {"欢迎页", "welcome"},
		"identify":    {"身份识别", "identification"},
		"overview":    {"记录总览", "overview"},
		"process":     {"处理违法", "processing"},
		"pay":         {"缴款", "payment"},
		"vehicles":    {"车辆与备案", "vehicles"},
		"pending":     {"待发送业务", "pending"},
		"receipt":     {"凭证", "receipt"},
		"maintenance": {"维护", "maintenance"},
	}
}

// Problem codes of Kiosk.Problems: what makes a kiosk degraded. The Source reports them; a
// device's problem is "<kind>.<state>" (DeviceProblem), such as "printer.paper_out".
const (
	ProblemOutboxOld        = "outbox_old"        // an operation has waited more than an hour
	ProblemRejected         = "rejected"          // rejected operations nobody followed up
	ProblemStoreHigh        = "store_high"        // the kiosk's store is filling up
	ProblemStoreStop        = "store_stop"        // the store is full: the kiosk takes no new business
	ProblemClockSkew        = "clock_skew"        // the kiosk's clock is off by more than the allowed skew
	ProblemJournalRegressed = "journal_regressed" // the journal checkpoint went backwards
	ProblemSyncFailing      = "sync_failing"      // its requests fail (FailedAttempts)
	ProblemCallOpen         = "call_open"         // a call for staff waits
)

// DeviceProblem is the problem code of a device of kind in state (a state other than ok or
// simulated).
func DeviceProblem(kind, state string) string { return kind + "." + state }

// problemWording is a problem's short wording for the fleet list and its full wording, with
// what to do, for the detail view.
type problemWording struct{ short, long wording }

func problemWords() map[string]problemWording {
	return map[string]problemWording{
		ProblemOutboxOld: {wording{"积压超 1 小时", "outbox old"},
			wording{"有业务超过 1 小时未送达，检查网络", "an operation waits over an hour: check the network"}},
		ProblemRejected: {wording{"有被拒", "rejections"},
			wording{"有被拒绝的操作待跟进，见下方列表", "rejected operations to follow up: see the list below"}},
		ProblemStoreHigh: {wording{"存储偏满", "store high"},
			wording{"存储偏满，联系运维", "store filling up: call maintenance"}},
		ProblemStoreStop: {wording{"存储已满", "store full"},
			wording{"存储已满，本机不再收单，立即联系运维", "store full, takes no business: call maintenance now"}},
		ProblemClockSkew: {wording{"时钟偏差", "clock off"},
			wording{"时钟偏差过大，检查时间同步", "clock off: check time sync"}},
		ProblemJournalRegressed: {wording{"日志倒退", "journal back"},
			wording{"日志检查点倒退，存储可能被替换，联系运维", "journal went back, store may be replaced: call maintenance"}},
		ProblemSyncFailing: {wording{"同步失败", "sync failing"},
			wording{"与服务器通信连续失败", "requests to the server keep failing"}},
		ProblemCallOpen: {wording{"有呼叫", "call open"},
			wording{"有呼叫等待响应", "a call for staff waits"}},
	}
}

// ProblemText words a problem code for staff in lang (zh or en), with what to do. A device's
// problem names the device and its state; an unknown code is returned as it is.
func ProblemText(code string, lang model.Lang) string { return problemText(code, lang, false) }

func problemText(code string, lang model.Lang, short bool) string {
	pick := func(w wording) string {
		if lang == model.EN {
			return w.en
		}
		return w.zh
	}
	if w, ok := problemWords()[code]; ok {
		if short {
			return pick(w.short)
		}
		return pick(w.long)
	}
	if kind, state, ok := strings.Cut(code, "."); ok {
		k, okK := deviceKindWords()[kind]
		st, okS := deviceStateWords()[state]
		if okK && okS {
			if lang == model.EN {
				return k.en + " " + st.en
			}
			return k.zh + st.zh
		}
	}
	return code
}
