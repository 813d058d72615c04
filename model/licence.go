package model

import (
	"slices"
	"strings"
)

// LicenceClass is a driving licence class (准驾车型) under 公安部令第162号 (in force since
// 2022-04-01).
type LicenceClass string

// The licence classes.
const (
	ClassA1 LicenceClass = "A1" // 大型客车
	ClassA2 LicenceClass = "A2" // 重型牵引挂车
	ClassA3 LicenceClass = "A3" // 城市公交车
	ClassB1 LicenceClass = "B1" // 中型客车
	ClassB2 LicenceClass = "B2" // 大型货车
	ClassC1 LicenceClass = "C1" // 小型汽车
	ClassC2 LicenceClass = "C2" // 小型自动挡汽车
	ClassC3 LicenceClass = "C3" // 低速载货汽车
	ClassC4 LicenceClass = "C4" // 三轮汽车
	ClassC5 LicenceClass = "C5" // 残疾人专用小型自动挡载客汽车
	ClassC6 LicenceClass = "C6" // 轻型牵引挂车
	ClassD  LicenceClass = "D"  // 普通三轮摩托车
	ClassE  LicenceClass = "E"  // 普通二轮摩托车
	ClassF  LicenceClass = "F"  // 轻便摩托车
	ClassM  LicenceClass = "M"  // 轮式自行机械车
	ClassN  LicenceClass = "N"  // 无轨电车
	ClassP  LicenceClass = "P"  // 有轨电车
)

const classField = "licence_class"

// LicenceClassList lists every class in the order licences print them, which is also the
// canonical order of LicenceClasses.
func LicenceClassList() []LicenceClass {
	return []LicenceClass{
		ClassA1, ClassA2, ClassA3, ClassB1, ClassB2, ClassC1, ClassC2, ClassC3, ClassC4,
		ClassC5, ClassC6, ClassD, ClassE, ClassF, ClassM, ClassN, ClassP,
	}
}

// ParseLicenceClass accepts one class code, in either case.
func ParseLicenceClass(s string) (LicenceClass, error) {
	s = strings.TrimSpace(s)
	c, ok := lookupLicenceClass(s)
	if !ok {
		return "", inputError(classField, InputLicenceClass, Args{Got: s})
	}
	return c, nil
}

func lookupLicenceClass(s string) (LicenceClass, bool) {
	c := LicenceClass(upperASCIILetters(s))
	return c, slices.Contains(LicenceClassList(), c)
}

// Includes lists the classes that a licence of class c also permits (公安部令第162号, 准驾车型
// 及代号 table), not counting c itself.
func (c LicenceClass) Includes() []LicenceClass {
	switch c {
	case ClassA1:
		return []LicenceClass{ClassA3, ClassB1, ClassB2, ClassC1, ClassC2, ClassC3, ClassC4, ClassM}
	case ClassA2:
		return []LicenceClass{ClassB1, ClassB2, ClassC1, ClassC2, ClassC3, ClassC4, ClassC6, ClassM}
	case ClassA3:
		return []LicenceClass{ClassC1, ClassC2, ClassC3, ClassC4}
	case ClassB1, ClassB2:
		return []LicenceClass{ClassC1, ClassC2, ClassC3, ClassC4, ClassM}
	case ClassC1:
		return []LicenceClass{ClassC2, ClassC3, ClassC4}
	case ClassC3:
		return []LicenceClass{ClassC4}
	case ClassD:
		return []LicenceClass{ClassE, ClassF}
	case ClassE:
		return []LicenceClass{ClassF}
	}
	return nil
}

// LicenceClasses are the classes on one licence, in canonical order without duplicates.
type LicenceClasses []LicenceClass

// ParseLicenceClasses reads the combined form printed on a licence, such as "C1E" or "A2D": each
// class is a letter, followed by a digit for the classes that have one. Case does not matter.
// The result is in canonical order, so equal licences give equal values.
func ParseLicenceClasses(s string) (LicenceClasses, error) {
	s = strings.TrimSpace(s)
	rs := []rune(s)
	if len(rs) == 0 {
		return nil, inputError(classField, InputLicenceClass, Args{Got: s})
	}
	var out LicenceClasses
	for i := 0; i < len(rs); {
		n := 1
		if i+1 < len(rs) && !isDigitRune(rs[i]) && isDigitRune(rs[i+1]) {
			n = 2
		}
		tok := string(rs[i : i+n])
		c, ok := lookupLicenceClass(tok)
		if !ok {
			return nil, inputError(classField, InputLicenceClass, Args{Got: tok})
		}
		if slices.Contains(out, c) {
			// A repeated class is a typo in the data, not something to merge silently.
			return nil, inputError(classField, InputLicenceClass, Args{Got: string(c)})
		}
		out = append(out, c)
		i += n
	}
	order := LicenceClassList()
	slices.SortFunc(out, func(a, b LicenceClass) int {
		return slices.Index(order, a) - slices.Index(order, b)
	})
	return out, nil
}

// String is the combined printed form, e.g. "C1E".
func (cs LicenceClasses) String() string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(string(c))
	}
	return b.String()
}

// CanDrive reports whether the classes permit driving a vehicle with plates of type t. Plate type
// is a proxy for the vehicle: the kiosk's data does not say whether a small car is automatic or
// adapted, so C2 and C5 count as covering small cars. An unknown type is never covered.
func (cs LicenceClasses) CanDrive(t PlateType) bool {
	switch t {
	case PlateLargeCar, PlateLargeNEV:
		return cs.covers(ClassA1, ClassA2, ClassA3, ClassB1, ClassB2)
	case PlateSmallCar, PlateSmallNEV, PlateCoach, PlatePolice, PlateHongKong, PlateMacau:
		return cs.covers(ClassC1, ClassC2, ClassC5)
	case PlateMotorcycle:
		return cs.covers(ClassD, ClassE)
	case PlateLightMotorcycle:
		return cs.covers(ClassD, ClassE, ClassF)
	case PlateTrailer:
		return cs.covers(ClassA2, ClassC6)
	}
	return false
}

// covers reports whether any class held, directly or through Includes, is one of want.
func (cs LicenceClasses) covers(want ...LicenceClass) bool {
	for _, c := range cs {
		if slices.Contains(want, c) {
			return true
		}
		for _, inc := range c.Includes() {
			if slices.Contains(want, inc) {
				return true
			}
		}
	}
	return false
}

// LicenceStatus is a driving licence status code (驾驶证状态).
type LicenceStatus string

// The licence statuses. Only StatusNormal may process violations at the kiosk.
const (
	StatusNormal                  LicenceStatus = "A" // 正常
	StatusOverPoints              LicenceStatus = "B" // 超分
	StatusTransferredOut          LicenceStatus = "C" // 转出
	StatusSuspended               LicenceStatus = "D" // 暂扣
	StatusCancelled               LicenceStatus = "E" // 撤销
	StatusRevoked                 LicenceStatus = "F" // 吊销
	StatusDeregistered            LicenceStatus = "G" // 注销
	StatusViolationPending        LicenceStatus = "H" // 违法未处理
	StatusAccidentPending         LicenceStatus = "I" // 事故未处理
	StatusStopped                 LicenceStatus = "J" // 停止使用
	StatusSeized                  LicenceStatus = "K" // 扣押
	StatusLocked                  LicenceStatus = "L" // 锁定
	StatusOverdueRenewal          LicenceStatus = "M" // 逾期未换证
	StatusRenewalDeferred         LicenceStatus = "N" // 延期换证
	StatusExamDeferred            LicenceStatus = "P" // 延期体检
	StatusDeregisteredRecoverable LicenceStatus = "R" // 注销可恢复
)

// LicenceStatusList lists every status in code order.
func LicenceStatusList() []LicenceStatus {
	return []LicenceStatus{
		StatusNormal, StatusOverPoints, StatusTransferredOut, StatusSuspended, StatusCancelled,
		StatusRevoked, StatusDeregistered, StatusViolationPending, StatusAccidentPending,
		StatusStopped, StatusSeized, StatusLocked, StatusOverdueRenewal, StatusRenewalDeferred,
		StatusExamDeferred, StatusDeregisteredRecoverable,
	}
}

// ParseLicenceStatus accepts one status code letter, in either case.
func ParseLicenceStatus(s string) (LicenceStatus, error) {
	s = strings.TrimSpace(s)
	st := LicenceStatus(upperASCIILetters(s))
	if !slices.Contains(LicenceStatusList(), st) {
		return "", inputError("licence_status", InputLicenceStatus, Args{Got: s})
	}
	return st, nil
}

// Normal reports whether the licence is in normal standing, the only status that may process.
func (s LicenceStatus) Normal() bool { return s == StatusNormal }

// Term is the key of the status's localised name in the text catalogue.
func (s LicenceStatus) Term() string { return "licence_status." + string(s) }
