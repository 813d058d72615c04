package server

// Rejection notices. A kiosk that could not reach the server told the person "recorded, pending
// confirmation"; when the server later rejects the operation, the person must learn it, at any
// kiosk. Every stored rejection of an operation that names a person (the driver, payer, follower
// or actor, in a valid ID number) leaves a notice in the same transaction; the person's next
// lookup carries their unread notices (api.Lookup.Rejections), and the kiosk marks them read
// once shown (POST /v1/rejections/ack). A retry of the operation returns its stored result and
// leaves no second notice: a notice is written only where the rejection is first stored.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// maxAckOpIDs bounds the operations one acknowledgement names (a lookup shows at most
// api.MaxRejections).
const maxAckOpIDs = 100

// personOf returns the person an operation names as the one acting (api.Op.Person), when that
// is a valid ID number. A malformed operation counts as long as that one field is readable.
func personOf(op api.Op, now time.Time) model.IDNumber {
	s := op.Person()
	if s == "" || len(s) > maxFieldLen {
		return ""
	}
	id, err := model.ParseIDNumber(s, now)
	if err != nil {
		return ""
	}
	return id
}

// insertNotice stores the notice of a rejection the batch has just stored. The operation's time
// is the one the kiosk says the person confirmed it at, believed only between the notices' kept
// span and the server's clock: a time after it (a kiosk clock ahead, which may be why it was
// rejected), or older than any notice is kept, reads as the time of the rejection.
func insertNotice(tx store.Tx, kioskID string, person model.IDNumber, op api.Op, res api.OpResult, now time.Time) error {
	reasons, err := json.Marshal(res.Reasons)
	if err != nil {
		return err
	}
	at := op.At
	if at.After(now) || at.Before(now.Add(-store.NoticeRetention)) {
		at = now
	}
	return tx.InsertRejectionNotice(store.RejectionNotice{OpID: op.ID, Person: person, KioskID: kioskID,
		OpType: safeOpType(op.Type), OpAt: at, RejectedAt: now, Reasons: reasons})
}

// unreadRejections reads what a lookup tells the person about their rejected operations.
func unreadRejections(r store.Reader, person model.IDNumber) ([]api.Rejection, error) {
	notices, err := r.UnreadRejections(person, api.MaxRejections)
	if err != nil {
		return nil, err
	}
	out := make([]api.Rejection, 0, len(notices))
	for _, n := range notices {
		var reasons []api.Reason
		if err := json.Unmarshal(n.Reasons, &reasons); err != nil {
			return nil, fmt.Errorf("rejection notice of %s: reasons: %w", n.OpID, err)
		}
		out = append(out, api.Rejection{OpID: n.OpID, OpType: n.OpType, At: n.OpAt, RejectedAt: n.RejectedAt,
			Kiosk: strings.TrimSpace(n.KioskHall + " " + n.KioskName), Reasons: reasons})
	}
	return out, nil
}

// handleAckRejections marks notices read: those of the listed operations that belong to the ID
// number given. Others are ignored (the answer counts what was marked), so that the route tells
// nobody whose operations exist. The kiosk sends it after the identified person saw them.
func (s *Server) handleAckRejections(w http.ResponseWriter, r *http.Request, sess *session) {
	var req api.RejectionAck
	if err := decodeBody(sess.body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "the body must be {\"id_number\": ..., \"op_ids\": [...]}")
		return
	}
	now := s.now()
	id, err := model.ParseIDNumber(req.IDNumber, now)
	if err != nil {
		writeInputError(w, err)
		return
	}
	if len(req.OpIDs) == 0 || len(req.OpIDs) > maxAckOpIDs {
		writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("op_ids must name 1 to %d operations", maxAckOpIDs))
		return
	}
	for i, op := range req.OpIDs {
		if !api.ValidClientID(op) {
			writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("op_ids[%d] is not an operation id", i))
			return
		}
	}
	var acked int
	err = s.store.Tx(r.Context(), func(tx store.Tx) error {
		acked = 0 // the store may retry this function
		for _, op := range req.OpIDs {
			ok, err := tx.AckRejection(id, op, now)
			if err != nil {
				return err
			}
			if ok {
				acked++
			}
		}
		return nil
	})
	if err != nil {
		s.internalError(w, "acknowledge rejections", err)
		return
	}
	s.log.Info("rejection notices acknowledged", "kiosk", sess.kiosk.ID, "named", len(req.OpIDs), "acked", acked)
	writeJSON(w, http.StatusOK, api.RejectionAckReply{Acked: acked})
}

// rejectionLines word a rejected operation's reasons for the public receipt page, in Chinese
// and English, from the text catalogue (the code itself when it has no text). The values a
// text may quote are masked unless they are known to name no person (publicReason).
func (s *Server) rejectionLines(reasons []api.Reason) []string {
	var out []string
	for _, r := range reasons {
		m := publicReason(r)
		zh, en := s.ref.Texts.Reason(m, model.ZH), s.ref.Texts.Reason(m, model.EN)
		out = append(out, "原因："+zh.Message+zh.Remedy, "Reason: "+en.Message+" "+en.Remedy)
	}
	return out
}

// publicReason turns a stored reason into one fit for a page anyone holding the receipt can
// open. Of the values the texts quote, {want} and {got} may be the person's own (their licence
// classes; in input reasons, what was typed: an ID number, a plate), so they are kept only for
// the codes where they name a region or an office, and masked everywhere else. The other values
// (counts, limits, amounts, dates, catalogue terms) say nothing about who the person is.
func publicReason(r api.Reason) model.Reason {
	m := r.Model()
	switch m.Code {
	case model.ReasonLicenceNotLocal, model.ReasonVehicleNotLocal, model.ReasonDisputed, model.ReasonPayDisputed:
		return m
	}
	if m.Args.Want != "" {
		m.Args.Want = "***"
	}
	if m.Args.Got != "" {
		m.Args.Got = "***"
	}
	return m
}
