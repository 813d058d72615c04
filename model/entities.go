package model

import "time"

// OwnerKind says who owns a vehicle: a person or a unit (单位: a company or an agency).
type OwnerKind string

// Owner kinds.
const (
	OwnerPersonal OwnerKind = "personal"
	OwnerUnit     OwnerKind = "unit"
)

// UseNature is a vehicle's use nature (使用性质), reduced to what the rules ask.
type UseNature string

// Use natures.
const (
	UseNonOperating UseNature = "non_operating" // 非营运
	UseOperating    UseNature = "operating"     // 营运
)

// Driver is a person known to the platform.
type Driver struct {
	ID    IDNumber
	Name  string
	Phone string
}

// Licence is a driving licence. Its number is the holder's ID number.
type Licence struct {
	ID          IDNumber
	FileNumber  FileNumber
	Classes     LicenceClasses
	Status      LicenceStatus
	FirstIssued time.Time // start of the first points cycle
	// Issuer is the issuing office as the region part of a plate ("渝A"); its first character is
	// the province the licence is registered in.
	Issuer string
}

// Province is the province character of the issuing office ("渝").
func (l Licence) Province() string { return firstRune(l.Issuer) }

// Vehicle is a registered motor vehicle. Its registration region is its plate's region.
type Vehicle struct {
	Plate     Plate
	OwnerKind OwnerKind
	Owner     IDNumber // the owner's ID number; empty for a unit
	Use       UseNature
	// VIN and RegCert are the vehicle's identification number and registration certificate
	// number, as the registration holds them; empty where the data has none. An owner proves
	// ownership with either (with their ID number), so neither is ever shown or sent to a kiosk.
	VIN     VIN
	RegCert RegCertNumber
}

// Province is the province the vehicle is registered in.
func (v Vehicle) Province() string { return v.Plate.Number.Province() }

// Source is where a violation record comes from.
type Source string

// Sources.
const (
	SourceOnSite Source = "on_site"     // 现场: the driver was stopped; the decision is made on the spot
	SourceCamera Source = "non_on_site" // 非现场: recorded by a camera, to be processed by a driver
)

// ViolationStatus is where a violation stands in its life.
type ViolationStatus string

// Violation statuses: recorded → processed → paid, and disputed when an objection is raised.
const (
	StatusRecorded  ViolationStatus = "recorded"  // 未处理
	StatusProcessed ViolationStatus = "processed" // 已处理, decision issued, fine due
	StatusPaid      ViolationStatus = "paid"      // 已缴款
	StatusDisputed  ViolationStatus = "disputed"  // 有异议: handled only at a counter
)

// CanBecome reports whether a violation may move from s to next. An objection can be raised
// before or after the decision; the counter ends it by returning the record to where it was.
func (s ViolationStatus) CanBecome(next ViolationStatus) bool {
	switch s {
	case StatusRecorded:
		return next == StatusProcessed || next == StatusDisputed
	case StatusProcessed:
		return next == StatusPaid || next == StatusDisputed
	case StatusDisputed:
		return next == StatusRecorded || next == StatusProcessed
	}
	return false
}

// Violation is one traffic-violation record. Field comments give the platform's field names.
type Violation struct {
	ID     string          // 违法编号 wfbh
	Plate  Plate           // 号牌种类 hpzl + 号牌号码 hphm
	Time   time.Time       // 违法时间 wfsj
	Place  string          // 违法地址 wfdz
	Code   ViolationCode   // 违法行为 wfxw
	Points int             // 记分 wfjfs, as recorded: never derived from the code
	Fine   Fen             // 罚款金额 fkje
	Source Source          // 现场 / 非现场
	Status ViolationStatus // lifecycle
	Office string          // 处理机关 cljgmc: where its counter is
	// OfficeCode is the 6-digit region code of the deciding office (处理机关 cljg); decision
	// numbers issued for this violation start with it.
	OfficeCode string
	// Decision and Driver are set once a decision exists (on-site records arrive with them).
	Decision DecisionNumber // 决定书编号 jdsbh
	Driver   IDNumber       // 驾驶证号 jszh of the person decided against
	// DecidedAt is when the decision was issued (处理时间 clsj); the payment deadline runs from it.
	DecidedAt time.Time
	PaidAt    time.Time // 交款日期 jkrq, once paid
}

// BindingChannel is how a binding was made. Self-service channels (the app, a kiosk) are limited
// more tightly than a counter.
type BindingChannel string

// Binding channels.
const (
	ChannelSelfService BindingChannel = "self_service"
	ChannelCounter     BindingChannel = "counter"
)

// Binding (备案) lets a driver process violations of a vehicle they do not own.
type Binding struct {
	Driver  IDNumber
	Plate   Plate
	Owner   IDNumber
	Since   time.Time
	Ended   time.Time // zero while in force
	Channel BindingChannel
}

// ActiveAt reports whether the binding is in force at t.
func (b Binding) ActiveAt(t time.Time) bool {
	return !b.Since.After(t) && (b.Ended.IsZero() || t.Before(b.Ended))
}

// Follow (关注) lets a user see and, under profiles that accept it, process a vehicle's
// violations, with the owner's consent, for a limited time.
type Follow struct {
	Follower    IDNumber
	Plate       Plate
	Owner       IDNumber
	RequestedAt time.Time
	Since       time.Time // consent given
	Until       time.Time // authorisation ends
	Cancelled   time.Time // zero unless cancelled by either side
}

// ActiveAt reports whether the follow is authorised at t.
func (f Follow) ActiveAt(t time.Time) bool {
	return !f.Since.IsZero() && !f.Since.After(t) && t.Before(f.Until) &&
		(f.Cancelled.IsZero() || t.Before(f.Cancelled))
}

// UnitDriver is a driver whom a unit (单位) designated for one of its vehicles, as units
// register the drivers of their vehicles on 12123 (单位用户 - 驾驶人管理). It lets the driver see
// the vehicle and its violations at a kiosk; it never lets them process one there, because a
// unit's violation needs the unit's papers at a counter (DOMAIN.md section 7).
type UnitDriver struct {
	Driver IDNumber
	Plate  Plate
	Since  time.Time
	Ended  time.Time // zero while in force
}

// ActiveAt reports whether the designation is in force at t.
func (u UnitDriver) ActiveAt(t time.Time) bool {
	return !u.Since.After(t) && (u.Ended.IsZero() || t.Before(u.Ended))
}

// MaxUnitDriversPerVehicle is how many drivers a unit may have designated for one vehicle at a
// time. The public 12123 rules we could find give no number for units (the 3 of a personal
// vehicle's bindings is for drivers the owner lets process violations, which a unit's drivers
// never do here), so this is our choice: enough for a pool car driven in shifts, few enough
// that a file listing a whole staff against one plate is caught as the mistake it likely is,
// and a lookup stays small.
const MaxUnitDriversPerVehicle = 10

// Decision is a penalty decision (处罚决定书) issued when a driver processes a violation.
type Decision struct {
	Number      DecisionNumber
	ViolationID string
	Driver      IDNumber
	Plate       Plate
	Points      int
	Fine        Fen
	IssuedAt    time.Time
	Due         Date
}

// PaymentMethod is how a fine was paid.
type PaymentMethod string

// Payment methods.
const (
	PayQR      PaymentMethod = "qr"
	PayCard    PaymentMethod = "card"
	PayCounter PaymentMethod = "counter"
)

// Payment is money received for a decision. It is a fact: once recorded it is never deleted; a
// second payment for the same decision becomes a refund record.
type Payment struct {
	ID       string
	Decision DecisionNumber
	Fine     Fen
	LateFee  Fen
	PaidAt   time.Time
	Method   PaymentMethod
	Refund   bool // set on a payment that duplicated an earlier one and is owed back
}

// Total is the amount received.
func (p Payment) Total() Fen { return p.Fine + p.LateFee }

// PointsEntry is one entry on a licence's points ledger, made when a decision is issued.
type PointsEntry struct {
	Decision  DecisionNumber
	Points    int
	EnteredAt time.Time
	PaidAt    time.Time // when the decision's fine was paid; zero while unpaid
}

func firstRune(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}
