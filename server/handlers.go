package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// maxOps bounds one batch, so that one request cannot hold the database for long.
const maxOps = 500

// identifyRequest parses and rate-limits an identification whose handling changes records
// (an owner check): the limiter admits it before anything is read. It writes the error answer
// itself and returns ok=false when the request cannot go on.
func (s *Server) identifyRequest(w http.ResponseWriter, r *http.Request, sess *session, allowCard bool) (credential, bool) {
	c, ok := s.parseIdentify(w, sess, allowCard)
	if !ok {
		return credential{}, false
	}
	a, err := s.limits.allowIdentify(r.Context(), sess.kiosk.ID, c.id, c.card)
	if err != nil {
		s.internalError(w, "identification limits", err)
		return credential{}, false
	}
	sess.identifyPending = a.pending
	if a.scope != "" {
		s.refuseIdentify(w, sess, a.refusal)
		return credential{}, false
	}
	return c, true
}

// parseIdentify reads an identification's body. It writes the error answer itself and returns
// ok=false when the request cannot go on; nothing has been counted then: a malformed request
// guesses nothing.
func (s *Server) parseIdentify(w http.ResponseWriter, sess *session, allowCard bool) (credential, bool) {
	var req api.Identify
	if err := decodeBody(sess.body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "the body must be {\"id_number\": ..., \"file_number\": ...}")
		return credential{}, false
	}
	id, err := model.ParseIDNumber(req.IDNumber, s.now())
	if err != nil {
		writeInputError(w, err)
		return credential{}, false
	}
	c := credential{id: id, card: req.CardRead}
	if req.For != nil {
		if allowCard {
			writeError(w, http.StatusBadRequest, "bad_request", "for is for /v1/verify: a lookup authorises nothing")
			return credential{}, false
		}
		if c.forCheck, err = parseOwnerCheckFor(req.For, s.now()); err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", err.Error())
			return credential{}, false
		}
	}
	if bad := c.readProof(&req, allowCard); bad != nil {
		if bad.input != nil {
			writeInputError(w, bad.input)
		} else {
			writeError(w, http.StatusBadRequest, "bad_request", bad.msg)
		}
		return credential{}, false
	}
	return c, true
}

// refuseIdentify answers an identification the limiter refused, with the wait.
func (s *Server) refuseIdentify(w http.ResponseWriter, sess *session, rf refusal) {
	secs := retryAfterSeconds(rf.wait)
	s.metrics.limited(rf.scope)
	s.log.Warn("identification rate-limited", "kiosk", sess.kiosk.ID, "scope", rf.scope, "wait_s", secs)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeError(w, http.StatusTooManyRequests, "rate_limited",
		fmt.Sprintf("too many identification attempts: wait %d seconds, or go to a counter", secs))
}

// retryAfterSeconds is a wait in whole seconds, rounded up and at least 1, as Retry-After
// gives it.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}

// identified clears the limits' count of the person's attempts at this kiosk: they proved who
// they are. A card read that found nothing counted has nothing to clear.
//
// These follow-ups to an admission run to the end even when the kiosk hung up: the answer is
// decided, and the counts must say so. A store error leaves the counts as they are (a success
// then still counts as a failure until forgotten): it is logged, and the answer stands.
func (s *Server) identified(ctx context.Context, sess *session, c credential) {
	if sess.identifyPending {
		s.limitsFollowUp(sess, "clear", s.limits.identified(context.WithoutCancel(ctx), sess.kiosk.ID, c.id))
	}
}

// identifyAborted takes back the count of an identification the server could not complete.
func (s *Server) identifyAborted(ctx context.Context, sess *session, c credential) {
	if !c.card {
		s.limitsFollowUp(sess, "abort", s.limits.aborted(context.WithoutCancel(ctx), sess.kiosk.ID, c.id))
	}
}

// identifyFailed records a failed typed identification, warning the operator when the kiosk's
// failures have just reached the rate at which its typed identifications are spaced.
func (s *Server) identifyFailed(ctx context.Context, sess *session, c credential) {
	slow, err := s.limits.failed(context.WithoutCancel(ctx), sess.kiosk.ID, c.id)
	s.limitsFollowUp(sess, "failure", err)
	s.warnIfSlow(sess, slow)
}

// warnIfSlow warns the operator when a failure has just brought the kiosk's failure level to
// the rate at which its typed identifications are spaced.
func (s *Server) warnIfSlow(sess *session, becameSlow bool) {
	if becameSlow {
		s.log.Warn("many failed identifications at one kiosk: typed identifications there are now spaced out",
			"kiosk", sess.kiosk.ID, "every_s", int(slowTypedEvery/time.Second))
	}
}

func (s *Server) limitsFollowUp(sess *session, what string, err error) {
	if err != nil {
		s.log.Error("identification limits not updated", "kiosk", sess.kiosk.ID, "what", what, "err", err)
	}
}

// noMatch answers a failed identification with one neutral message. A typed attempt already
// counts against the ID number from its admission; here it raises the kiosk's failure level,
// and the operator is warned when that level is reached. A card without a licence is no
// guess and counts nowhere.
func (s *Server) noMatch(ctx context.Context, w http.ResponseWriter, sess *session, c credential) {
	if !c.card {
		s.metrics.identifyFailure(sess.kiosk.ID)
		s.identifyFailed(ctx, sess, c)
	}
	writeNoMatch(w)
}

func writeNoMatch(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "no_match", "the ID number and file number do not match a licence: check both and try again")
}

// handleLookup reads first and lets the limiter decide after, on the known outcome: a lookup
// changes no record, so the limiter's whole part is one call of the store, made by ReadPerson
// once the reads have succeeded (on PostgreSQL, in the reads' own round trip), and an answer it
// refuses is dropped unseen. What a refused attempt costs is the reads; what it learns is the
// wait.
//
// The request's nonce is claimed in that same round trip (store.IdentifyAttempt.Claim): its
// signature was checked on the kiosk's record kept in memory, and the claim reads the record
// again, as ClaimNonce does. Its reads are dropped unless the claim succeeded; an answer that
// is not the lookup's (a malformed request, a store failure) claims the nonce the ordinary way
// first (claimGuard).
func (s *Server) handleLookup(w http.ResponseWriter, r *http.Request, sess *session) {
	if sess.claim != nil {
		w = &claimGuard{w: w, s: s, r: r, sess: sess}
	}
	cred, ok := s.parseIdentify(w, sess, true)
	if !ok {
		return
	}
	p, err := s.profileOf(&sess.kiosk)
	if err != nil {
		s.internalError(w, "profile", err)
		return
	}
	attempt, err := s.limits.lookupAttempt(r.Context(), sess.kiosk.ID, cred)
	if err != nil {
		s.internalError(w, "identification limits", err)
		return
	}
	pc := sess.claim
	if pc != nil {
		attempt.Claim = &store.NonceClaim{Kiosk: sess.kiosk, Nonce: pc.nonce, Until: pc.until}
	}
	out, decided, err := s.lookup(r.Context(), p, cred, attempt)
	if c := decided.Claim; c != nil {
		sess.claim = nil // claimed, or refused: settled either way
		newer, reason := s.judgeClaim(sess.kiosk, *c)
		switch {
		case reason != nil:
			s.refuseAuth(w, r, reason, pc.now)
			return
		case newer != nil:
			// A new secret or a revocation through another server process: the request is
			// checked again against the record as it is now, the ordinary way (which finds it
			// refused: the claim would have held otherwise).
			sess.claim = pc
			if s.settleClaim(w, r, sess) {
				s.handleLookup(w, r, sess)
			}
			return
		}
		sess.kiosk = c.Kiosk
	}
	if !decided.Decided || err != nil && !errors.Is(err, errNoMatch) {
		// A lookup the store could not answer; when the person's record could not be read, it
		// was never decided, so never counted, and it told nobody anything.
		s.internalError(w, "lookup", err)
		return
	}
	found := err == nil
	rf := refusalOf(decided.Admission)
	switch {
	case rf.scope != "":
		s.refuseIdentify(w, sess, rf)
	case found != decided.Found:
		// The record changed between the snapshot the answer was read from and the limiter's
		// decision, which followed it: the decision stands on the newer record, and this
		// answer would contradict it. Asked again, both agree.
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "busy",
			"the person's record changed while it was read: send again in a moment (nothing was lost)")
	case !found:
		if !cred.card {
			s.metrics.identifyFailure(sess.kiosk.ID)
			s.warnIfSlow(sess, decided.BecameSlow)
		}
		writeNoMatch(w)
	default:
		writeJSON(w, http.StatusOK, out)
	}
}

// handleVerify checks an owner who verifies at the kiosk to authorise a binding, a follow or
// the processing of their vehicle's violations. When the request names the driver and the
// vehicle (for), the server records the check and answers its token, which the op must carry:
// the server then knows the owner was checked, and by it, rather than taking the kiosk's word.
// The owner proves with the file number, the vehicle's VIN characters or certificate number, or
// the ID card; what each failure may say is in recordOwnerCheck.
func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request, sess *session) {
	cred, ok := s.identifyRequest(w, r, sess, false)
	if !ok {
		return
	}
	var out api.Verified
	var token string
	var refused *ownerRefusal
	if cred.forCheck != nil {
		token = newOwnerCheckToken()
	}
	now := s.now()
	var err error
	if cred.forCheck == nil {
		// Nothing to record: a read is enough, and leaves the embedded store's writer free.
		err = s.store.Read(r.Context(), func(rd store.Reader) error {
			d, err := identify(rd, cred)
			out = api.Verified{Registered: d.Registered}
			return err
		})
	} else {
		err = s.store.Tx(r.Context(), func(tx store.Tx) error {
			var err error
			refused, err = s.recordOwnerCheck(tx, sess, cred, token, now, &out)
			return err
		})
	}
	switch {
	case err == nil && refused != nil:
		s.ownerRefused(r.Context(), w, sess, cred, refused)
	case errors.Is(err, errNoMatch):
		s.noMatch(r.Context(), w, sess, cred)
	case err != nil:
		s.identifyAborted(r.Context(), sess, cred)
		s.internalError(w, "verify", err)
	default:
		s.identified(r.Context(), sess, cred)
		writeJSON(w, http.StatusOK, out)
	}
}

func (s *Server) handleOps(w http.ResponseWriter, r *http.Request, sess *session) {
	ins, err := decodeOps(sess.body, s.now())
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	results, err := s.applyBatch(r.Context(), sess.kiosk.ID, ins)
	if err != nil {
		s.internalError(w, "ops", err)
		return
	}
	writeJSON(w, http.StatusOK, api.OpsResponse{Results: results})
}

// decodeOps reads the body of POST /v1/ops. The body's shape is bounded before anything is
// built (scanShape), then each operation is decoded on its own: one that cannot be decoded, or
// whose form checkOp refuses, still gets a result of its own (a rejection naming the path of the
// problem), so that one bad operation never stops the others. Only a body that is not a list of
// 1 to maxOps operations is refused whole.
func decodeOps(body []byte, now time.Time) ([]incoming, error) {
	if err := scanShape(body, opsShape()); err != nil {
		return nil, fmt.Errorf("the body must be {\"ops\": [...]}: %w", err)
	}
	var req struct {
		Ops []json.RawMessage `json:"ops"`
	}
	if err := decodeBody(body, &req); err != nil {
		return nil, fmt.Errorf("the body must be {\"ops\": [...]}: %w", err)
	}
	if len(req.Ops) == 0 || len(req.Ops) > maxOps {
		return nil, fmt.Errorf("send between 1 and %d operations", maxOps)
	}
	ins := make([]incoming, len(req.Ops))
	for i, raw := range req.Ops {
		var op api.Op
		if err := decodeBody(raw, &op); err != nil {
			// Keep what places the operation in the kiosk's sequence, so that its rejection
			// can be stored and the queue behind it go on, and the person it names, who is to be
			// told. Unmarshal, unlike decodeBody, skips unknown fields and fills what it can.
			var partial api.Op
			_ = json.Unmarshal(raw, &partial)
			sum := sha256.Sum256(raw)
			ins[i] = incoming{op: api.Op{ID: partial.ID, Epoch: partial.Epoch, Seq: partial.Seq, Type: partial.Type},
				hash: hex.EncodeToString(sum[:]), malformed: true, path: jsonErrorPath(err), person: personOf(partial, now)}
			continue
		}
		hash, err := requestHash(op)
		if err != nil {
			return nil, err
		}
		path := checkOp(&op, now)
		ins[i] = incoming{op: op, hash: hash, malformed: path != "", path: path, person: personOf(op, now)}
	}
	return ins, nil
}

// jsonErrorPath names the field a decoding error is about, as far as the error tells: a value of
// the wrong type names its field, an unknown field names itself.
func jsonErrorPath(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return typeErr.Field
	}
	const unknown = "json: unknown field "
	if msg := err.Error(); strings.HasPrefix(msg, unknown) {
		if name, uerr := strconv.Unquote(strings.TrimPrefix(msg, unknown)); uerr == nil && printableASCII(name, maxFieldLen) {
			return name
		}
	}
	return ""
}

// plainLine reports whether s is 1 to max bytes of UTF-8 text without control or format
// characters (no escape sequences, no bidi overrides): fit to be shown to staff as it is.
func plainLine(s string, max int) bool {
	if s == "" || len(s) > max || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}

// writeInputError answers a malformed identity with its reason code, so that the kiosk can
// word it (the kiosk checks first; this is for other clients and for defence).
func writeInputError(w http.ResponseWriter, err error) {
	var ie *model.InputError
	if errors.As(err, &ie) {
		writeError(w, http.StatusBadRequest, string(ie.Reason.Code), "the "+ie.Field+" is not valid")
		return
	}
	writeError(w, http.StatusBadRequest, "bad_request", "invalid input")
}

// internalError logs what failed (no request content) and answers 500, or 503 with Retry-After
// when the store is full or read-only (or short of other resources): that is no bug, the
// request may be sent again as it is, and /healthz fails for a while after it.
func (s *Server) internalError(w http.ResponseWriter, what string, err error) {
	if f, ok := storageFailureOf(err); ok {
		s.health.sawFailure(f, s.now())
		s.log.Error("request failed: storage", "what", what, "cause", f.code, "err", err)
		writeStorageFailure(w, f)
		return
	}
	s.log.Error("request failed", "what", what, "err", err)
	writeError(w, http.StatusInternalServerError, "internal", "the server could not complete the request; it is safe to retry")
}
