package ui

import (
	"errors"
	"strings"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
)

// session is what the kiosk knows about the person at the screen. The root model holds the only
// reference; ending the session drops it, and every screen that showed it is rebuilt, so the
// next person cannot reach it by any key.
type session struct {
	id        model.IDNumber
	file      model.FileNumber // "" when byCard
	byCard    bool             // identified by the ID card on the kiosk's reader
	lookup    api.Lookup
	fromCache bool      // the server was unreachable: this is what it said at cachedAt
	cachedAt  time.Time // zero unless fromCache
	// stale is set by a flow that changed something at the server (processed, paid, bound):
	// the overview asks the server again before it shows the record.
	stale bool
	// judged is the record judged with the model, rebuilt whenever the lookup is.
	judged *judgement
	// waiting names the violations that operations waiting at this kiosk change (the lookup
	// already shows them as those operations will leave them); rejected are the person's
	// operations the platform rejected and the person has not acknowledged.
	waiting  map[string]service.Pending
	rejected []service.Rejection
	// faceRefused is why the face check did not pass (a text key), "" while it has not failed.
	// The kiosk never checks again in the session: the person goes to a counter.
	faceRefused textKey
}

func newSession(c *Common, id model.IDNumber, file model.FileNumber, l service.Looked) *session {
	s := &session{id: id, file: file}
	s.update(c, l)
	return s
}

// update replaces the record with a new lookup and judges it again. An answer from the cache
// predates any change made in this session, so a stale session stays stale until the server
// itself answers.
func (s *session) update(c *Common, l service.Looked) {
	s.lookup, s.fromCache, s.cachedAt = l.Lookup, l.FromCache, l.CachedAt
	s.stale = s.stale && l.FromCache
	s.waiting, s.rejected = l.Pending, l.Rejections
	s.judged = judge(l.Lookup, c.Profile, c.Catalogue, c.Now())
	for i := range s.judged.items {
		if w, ok := l.Pending[s.judged.items[i].wire.ID]; ok {
			s.judged.items[i].waiting = w.OpType
		}
	}
}

// errNoProfile: the UI was started without the rules (a configuration defect); every
// violation is then shown as one to handle at a counter.
var errNoProfile = errors.New("ui: no profile to judge with")

// maskedName keeps the family name and hides the rest (张三 -> 张*), as receipts do, so that
// the person recognises their record and the queue behind them learns nothing.
func maskedName(name string) string {
	rs := []rune(strings.TrimSpace(name))
	if len(rs) == 0 {
		return ""
	}
	if len(rs) <= 2 {
		return string(rs[0]) + strings.Repeat("*", len(rs)-1) // 赵*
	}
	return string(rs[0]) + strings.Repeat("*", len(rs)-2) + string(rs[len(rs)-1]) // 王*芳, 欧**英
}

// openViolations counts the violations that still need something (processing or payment).
func (s *session) openViolations() int {
	n := 0
	for _, v := range s.lookup.Violations {
		if v.Status != string(model.StatusPaid) {
			n++
		}
	}
	return n
}
