package server

// Contract tests of docs/openapi.json: the document is well formed and complete, its routes are
// the server's routes, its schemas are the Go types of package api, and every answer a real
// server gives to real requests is documented and conforms to the documented schema.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/channel"
	"github.com/hallkiosk/kiosk/server/store"
	"github.com/jackc/pgx/v5/pgconn"
)

func loadOpenAPI(t *testing.T) *openAPIDoc {
	t.Helper()
	b, err := os.ReadFile("../docs/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := schemaDecode(b)
	if err != nil {
		t.Fatalf("docs/openapi.json: %v", err)
	}
	root, ok := v.(map[string]any)
	if !ok {
		t.Fatal("docs/openapi.json is not a JSON object")
	}
	return &openAPIDoc{root: root}
}

// oaMap reads nested objects: oaMap(doc, "components", "schemas").
func oaMap(v any, keys ...string) map[string]any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	m, _ := v.(map[string]any)
	return m
}

// deref resolves an object that may be a {"$ref": ...} (responses, parameters).
func (d *openAPIDoc) deref(v any) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not an object: %v", v)
	}
	if ref, ok := m["$ref"].(string); ok {
		target, err := d.resolve(ref)
		if err != nil {
			return nil, err
		}
		return d.deref(target)
	}
	return m, nil
}

// oaOperation is one documented method and path.
type oaOperation struct {
	method, path string
	op           map[string]any
}

func (o oaOperation) String() string { return o.method + " " + o.path }

// signed reports whether the operation requires a security scheme.
func (o oaOperation) signed() bool {
	sec, _ := o.op["security"].([]any)
	return len(sec) > 0
}

func (o oaOperation) statuses() []string {
	return sortedKeys(oaMap(o.op, "responses"))
}

var oaMethods = []string{"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"}

func (d *openAPIDoc) operations() []oaOperation {
	var out []oaOperation
	paths := oaMap(d.root, "paths")
	for _, p := range sortedKeys(paths) {
		for _, m := range oaMethods {
			if op := oaMap(paths[p], strings.ToLower(m)); op != nil {
				out = append(out, oaOperation{m, p, op})
			}
		}
	}
	return out
}

func (d *openAPIDoc) operation(method, path string) map[string]any {
	_, op := d.match(method, path)
	return op
}

// match finds the documented operation of a request path, whose segments may fill a documented
// path's {parameters} as they do the server's route patterns; it returns the documented path.
func (d *openAPIDoc) match(method, path string) (string, map[string]any) {
	if op := oaMap(d.root, "paths", path, strings.ToLower(method)); op != nil {
		return path, op
	}
	for _, p := range sortedKeys(oaMap(d.root, "paths")) {
		if _, ok := oaPathParams(p, path); ok {
			if op := oaMap(d.root, "paths", p, strings.ToLower(method)); op != nil {
				return p, op
			}
		}
	}
	return "", nil
}

// oaPathParams matches a path against a documented path and returns the values of its
// parameters, each one whole, non-empty segment.
func oaPathParams(documented, path string) (map[string]string, bool) {
	ds, ps := strings.Split(documented, "/"), strings.Split(path, "/")
	if len(ds) != len(ps) {
		return nil, false
	}
	values := map[string]string{}
	for i, seg := range ds {
		switch {
		case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") && ps[i] != "":
			values[seg[1:len(seg)-1]] = ps[i]
		case seg != ps[i]:
			return nil, false
		}
	}
	return values, true
}

// oaFailingStore fails every Read and Tx while down or full, to provoke the documented 500 and
// 503.
type oaFailingStore struct {
	store.Store
	down, full atomic.Bool
}

var (
	errOAStoreDown = errors.New("store down (contract test)")
	// errOAStoreFull is what PostgreSQL answers on a full disk.
	errOAStoreFull = fmt.Errorf("store: contract test: %w", &pgconn.PgError{Code: "53100"})
)

func (f *oaFailingStore) failure() error {
	switch {
	case f.down.Load():
		return errOAStoreDown
	case f.full.Load():
		return errOAStoreFull
	}
	return nil
}

func (f *oaFailingStore) Read(ctx context.Context, fn func(store.Reader) error) error {
	if err := f.failure(); err != nil {
		return err
	}
	return f.Store.Read(ctx, fn)
}

func (f *oaFailingStore) ReadPerson(ctx context.Context, id model.IDNumber, rejections int, a *store.IdentifyAttempt,
	fn func(store.Reader) error) (store.Attempted, error) {
	if err := f.failure(); err != nil {
		return store.Attempted{}, err
	}
	return f.Store.ReadPerson(ctx, id, rejections, a, fn)
}

func (f *oaFailingStore) Tx(ctx context.Context, fn func(store.Tx) error) error {
	if err := f.failure(); err != nil {
		return err
	}
	return f.Store.Tx(ctx, fn)
}

// oaContract sends requests to a real server over SQLite and checks every answer against the
// document, remembering which documented answers it has seen.
type oaContract struct {
	t     *testing.T
	e     *env
	doc   *openAPIDoc
	store *oaFailingStore
	seen  map[string]bool // "POST /v1/lookup 200", and "unrouted 404"
	bank  *bank
}

// channelSigner signs as the bank signs its notices.
func (c *oaContract) channelSigner(at time.Time) oaSigner {
	return func(r *http.Request, body []byte) {
		if err := channel.SignMessage(r.Header, c.bank.key, body, at); err != nil {
			c.t.Fatal(err)
		}
	}
}

func newOAContract(t *testing.T) *oaContract {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "server.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	fs := &oaFailingStore{Store: st}
	// With simulated payments, so that every documented route is served, and a payment channel
	// (the bank) beside the simulated one, for its notices.
	simulated := func(c *Config) { c.Channels = append(c.Channels, channel.NewSimulated(channel.SimulatedName, c.Now)) }
	c := &oaContract{t: t, doc: loadOpenAPI(t), store: fs, seen: map[string]bool{}}
	c.e = newEnvOn(t, fs, simulatedPayments, simulated, withBank(t, channel.RSA2, &c.bank))
	h := c.e.srv.Handler()
	c.bank.notify.Store(&h)
	t.Cleanup(func() {
		if t.Failed() { // the server's error lines explain a 500 (they carry no request content)
			for _, line := range strings.Split(c.e.logs.String(), "\n") {
				if strings.Contains(line, `"level":"ERROR"`) && !strings.Contains(line, errOAStoreDown.Error()) {
					t.Log(line)
				}
			}
		}
	})
	return c
}

// oaSigner signs a request for its exact body; nil sends the request unsigned.
type oaSigner func(r *http.Request, body []byte)

// kiosk signs with the api package, as a kiosk does.
func (c *oaContract) kiosk(k Enrollment) oaSigner {
	return func(r *http.Request, body []byte) {
		secret, err := hex.DecodeString(k.Secret)
		if err != nil {
			c.t.Fatal(err)
		}
		if err := api.Sign(r, k.KioskID, secret, body, c.e.clock.Now()); err != nil {
			c.t.Fatal(err)
		}
	}
}

// byTheBook signs by following the document's description of the scheme, independently of
// package api, with a chosen timestamp and nonce.
func (c *oaContract) byTheBook(k Enrollment, ts time.Time, nonce string) oaSigner {
	return func(r *http.Request, body []byte) {
		secret, err := hex.DecodeString(k.Secret)
		if err != nil {
			c.t.Fatal(err)
		}
		sum := sha256.Sum256(body)
		stamp := strconv.FormatInt(ts.Unix(), 10)
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(strings.Join([]string{r.Method, r.URL.RequestURI(), stamp, nonce, hex.EncodeToString(sum[:])}, "\n")))
		r.Header.Set("X-Kiosk-Id", k.KioskID)
		r.Header.Set("X-Kiosk-Timestamp", stamp)
		r.Header.Set("X-Kiosk-Nonce", nonce)
		r.Header.Set("X-Kiosk-Signature", hex.EncodeToString(mac.Sum(nil)))
	}
}

// oaAnswer is a response with its body decoded (JSON) or as text.
type oaAnswer struct {
	status int
	body   []byte
	value  any
}

// code is the error code of an error answer.
func (a oaAnswer) code() string {
	m, _ := a.value.(map[string]any)
	s, _ := m["code"].(string)
	return s
}

// do sends a request and checks the answer against the document.
func (c *oaContract) do(method, target string, body []byte, sign oaSigner, mutate func(*http.Request)) oaAnswer {
	c.t.Helper()
	req, err := http.NewRequest(method, c.e.http.URL+target, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if sign != nil {
		sign(req, body)
	}
	if mutate != nil {
		mutate(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, target, err)
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		c.t.Fatal(err)
	}
	a := oaAnswer{status: resp.StatusCode, body: data}
	a.value = c.checkResponse(req, resp, data)
	if path, op := c.doc.match(method, req.URL.Path); op != nil {
		c.checkRequest(path, op, req, body, a)
	}
	return a
}

// checkResponse finds the documented response for the answer and validates the body.
func (c *oaContract) checkResponse(req *http.Request, resp *http.Response, data []byte) any {
	c.t.Helper()
	path, op := c.doc.match(req.Method, req.URL.Path)
	name := fmt.Sprintf("%s %s %d", req.Method, path, resp.StatusCode)
	var doc any
	if op != nil {
		doc = oaMap(op, "responses")[strconv.Itoa(resp.StatusCode)]
		if doc == nil {
			c.t.Errorf("%s: status not documented (answer %.200s)", name, data)
			return nil
		}
	} else {
		if resp.StatusCode != http.StatusNotFound {
			c.t.Errorf("%s: an undocumented route must answer 404", name)
		}
		doc, name = oaMap(c.doc.root, "components", "responses", "NotFound"), "unrouted 404"
	}
	c.seen[name] = true
	r, err := c.doc.deref(doc)
	if err != nil {
		c.t.Fatalf("%s: %v", name, err)
	}
	for _, h := range sortedKeys(oaMap(r, "headers")) {
		if oaMap(r, "headers", h)["required"] == true && resp.Header.Get(h) == "" {
			c.t.Errorf("%s: the document requires the header %s", name, h)
		}
	}
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	media := oaMap(r, "content", mt)
	if err != nil || media == nil {
		c.t.Errorf("%s: answered %q, the document lists %v", name, resp.Header.Get("Content-Type"), sortedKeys(oaMap(r, "content")))
		return nil
	}
	var value any = string(data)
	if mt == "application/json" {
		if value, err = schemaDecode(data); err != nil {
			c.t.Errorf("%s: body is not JSON: %v", name, err)
			return nil
		}
	}
	if err := c.doc.validate(media["schema"], value, "$"); err != nil {
		c.t.Errorf("%s: answer does not conform: %v\nbody: %.400s", name, err, data)
	}
	return value
}

// checkRequest holds the document to what the server did with the request: an accepted request
// must conform to the documented parameters and body, and a body the server refused as
// malformed (400 bad_request) must not conform to the documented body schema.
func (c *oaContract) checkRequest(path string, op map[string]any, req *http.Request, body []byte, a oaAnswer) {
	c.t.Helper()
	name := req.Method + " " + req.URL.Path
	schema := oaMap(op, "requestBody", "content", "application/json")["schema"]
	var value any
	var bodyErr error = errors.New("no body")
	if v, err := schemaDecode(body); err == nil {
		value, bodyErr = v, nil
	}
	switch {
	case a.status/100 == 2:
		if schema != nil && bodyErr == nil {
			bodyErr = c.doc.validate(schema, value, "$")
		}
		if schema != nil && bodyErr != nil {
			c.t.Errorf("%s: the server accepted a body the document refuses: %v\nbody: %.300s", name, bodyErr, body)
		}
		params, _ := op["parameters"].([]any)
		for _, p := range params {
			pm, err := c.doc.deref(p)
			if err != nil {
				c.t.Fatal(err)
			}
			pname, _ := pm["name"].(string)
			v, present := req.Header.Get(pname), req.Header.Get(pname) != ""
			switch pm["in"] {
			case "query":
				v, present = req.URL.Query().Get(pname), req.URL.Query().Has(pname)
			case "path":
				values, _ := oaPathParams(path, req.URL.Path)
				v, present = values[pname], values[pname] != ""
			}
			if !present && pm["required"] == true {
				c.t.Errorf("%s: accepted without the required parameter %s", name, pname)
			}
			if err := c.doc.validate(pm["schema"], v, pname); present && err != nil {
				c.t.Errorf("%s: accepted a parameter the document refuses: %v", name, err)
			}
		}
	case a.status == http.StatusBadRequest && a.code() == "bad_request" && schema != nil:
		if bodyErr == nil && c.doc.validate(schema, value, "$") == nil {
			c.t.Errorf("%s: the server refused a body the document accepts: %.300s", name, body)
		}
	}
}

// want checks an answer's status and error code ("" for none).
func (c *oaContract) want(what string, a oaAnswer, status int, code string) {
	c.t.Helper()
	if a.status != status || code != "" && a.code() != code {
		c.t.Errorf("%s: answered %d %.300s, want %d %s", what, a.status, a.body, status, code)
	}
}

func oaJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOpenAPIContract provokes every documented answer of every endpoint on a real server and
// validates each against the document.
func TestOpenAPIContract(t *testing.T) {
	c := newOAContract(t)
	e, ctx := c.e, context.Background()
	k := c.kiosk(e.kiosk)
	now := e.clock.Now()
	ident := func(id, file string) []byte { return oaJSON(t, api.Identify{IDNumber: id, FileNumber: file}) }
	ops := func(list ...api.Op) []byte { return oaJSON(t, api.OpsRequest{Ops: list}) }
	results := func(a oaAnswer) []api.OpResult {
		var out api.OpsResponse
		if err := json.Unmarshal(a.body, &out); err != nil {
			t.Fatalf("ops answer: %v", err)
		}
		return out.Results
	}

	// Identification and owner checks, 200.
	for _, who := range [][2]string{{idA, fileA}, {idB, fileB}, {idC, fileC}} {
		c.want("lookup", c.do("POST", "/v1/lookup", ident(who[0], who[1]), k, nil), 200, "")
		c.want("verify", c.do("POST", "/v1/verify", ident(who[0], who[1]), k, nil), 200, "")
	}
	// B verifies to let A process violations of B's car: the answer carries the token c-1 uses.
	ownerFor := oaJSON(t, api.Identify{IDNumber: idB, FileNumber: fileB,
		For: &api.OwnerCheckFor{DriverID: idA, PlateType: "02", PlateNumber: "粤B12345"}})
	check := c.do("POST", "/v1/verify", ownerFor, k, nil)
	c.want("verify for a vehicle", check, 200, "")
	var verified api.Verified
	if err := json.Unmarshal(check.body, &verified); err != nil || verified.Token == "" {
		t.Fatalf("verify for a vehicle: %s (%v)", check.body, err)
	}
	proof := func(op api.Op) api.Op {
		op.Process.Owners = []api.OwnerProof{{Token: verified.Token, Face: api.FaceMatch}}
		return op
	}

	// Before an owner verifies for a binding: the link check, which names what no owner can
	// change, and the owner checks' refusals by what the proof proved.
	linkCheck := func(driver, plate string) []byte {
		return oaJSON(t, api.LinkCheck{DriverID: driver, PlateType: "02", PlateNumber: plate, Purpose: api.PurposeBind})
	}
	c.want("link check", c.do("POST", "/v1/linkcheck", linkCheck(idC, "粤B54321"), k, nil), 200, "")
	c.want("link check of an own vehicle", c.do("POST", "/v1/linkcheck", linkCheck(idA, "粤B54321"), k, nil), 200, "")
	c.want("link check, bad body", c.do("POST", "/v1/linkcheck", []byte(`{"driver_id":1}`), k, nil), 400, "bad_request")
	c.want("link check, no purpose", c.do("POST", "/v1/linkcheck", oaJSON(t, api.LinkCheck{DriverID: idC, PlateType: "02", PlateNumber: "粤B54321"}), k, nil), 400, "bad_request")
	bindFor := &api.OwnerCheckFor{DriverID: idC, PlateType: "02", PlateNumber: "粤B54321", Purpose: api.PurposeBind}
	c.want("owner check, not the owner", c.do("POST", "/v1/verify", oaJSON(t, api.Identify{IDNumber: idB, FileNumber: fileB, For: bindFor}), k, nil),
		404, api.CodeOwnerNotOwner)
	c.want("owner check, no VIN on file", c.do("POST", "/v1/verify", oaJSON(t, api.Identify{IDNumber: idA, VINTail: "123456", For: bindFor}), k, nil),
		404, api.CodeOwnerNotOnFile)
	c.want("owner check by card", c.do("POST", "/v1/verify", oaJSON(t, api.Identify{IDNumber: idA, CardRead: true, Face: api.FaceMatch, For: bindFor}), k, nil),
		200, "")
	c.want("owner check, VIN malformed", c.do("POST", "/v1/verify", oaJSON(t, api.Identify{IDNumber: idA, VINTail: "12O456", For: bindFor}), k, nil),
		400, string(model.InputVINChar))

	// Operations of every type and outcome.
	bind := api.Op{ID: "c-7", Epoch: 1, Seq: 7, Type: api.OpBind, At: now, Bind: &api.BindOp{
		DriverID: idC, PlateType: "02", PlateNumber: "粤B54321", OwnerID: idA, OwnerFile: fileA}}
	unbind := api.Op{ID: "c-8", Epoch: 1, Seq: 8, Type: api.OpUnbind, At: now, Unbind: &api.UnbindOp{
		ActorID: idA, DriverID: idC, PlateType: "02", PlateNumber: "粤B54321"}}
	first := c.do("POST", "/v1/ops", ops(
		proof(processOp("c-1", 1, now, 1, "V-B-AFTER")), // applied: decision, points
		processOp("c-2", 2, now, 4, "V-B-BEFORE"),       // rejected: bound after the violation
		payOp("c-3", 3, now, "V-DECIDED", 10000, 10000), // applied
		payOp("c-4", 4, now, "V-DECIDED", 10000, 10000), // a refund record
		processOp("c-5", 5, now, 0, "V-A-1"),            // applied with changes: points changed
		payOp("c-6", 6, now, "V-B-AFTER", 10100, 0),     // overpaid: excess refund record
		bind, unbind,
		api.Op{ID: "c-9", Epoch: 1, Seq: 9, Type: api.OpPay, At: now}, // malformed: no pay member
	), k, nil)
	c.want("ops", first, 200, "")
	c.want("ops, unknown violation paid", c.do("POST", "/v1/ops", ops(payOp("c-10", 10, now, "NO-SUCH", 100, 0)), k, nil), 200, "")
	again := c.do("POST", "/v1/ops", ops(
		proof(processOp("c-1", 1, now, 1, "V-B-AFTER")), // a retry: the stored result
		processOp("c-2", 2, now, 4, "V-A-6"),            // the same id, other content
		processOp("c-20", 20, now, 4, "V-A-6"),          // a gap: deferred
		processOp("c-21", 21, now, 4, "V-A-300"),        // deferred behind it
	), k, nil)
	c.want("ops again", again, 200, "")
	r1, r2 := results(first), results(again)
	outcomes := map[string]bool{}
	for _, r := range append(slices.Clone(r1), r2...) {
		outcomes[r.Outcome] = true
	}
	for _, o := range []string{api.OutcomeApplied, api.OutcomeWithChanges, api.OutcomeRejected, api.OutcomeDeferred} {
		if !outcomes[o] {
			t.Errorf("no operation had the outcome %s: %v", o, outcomes)
		}
	}
	if len(r1) == 9 && len(r2) == 4 {
		if !reflect.DeepEqual(r2[0], r1[0]) {
			t.Errorf("a retry must return the stored result:\n%+v\n%+v", r2[0], r1[0])
		}
		if r2[1].Outcome != api.OutcomeRejected || len(r2[1].Reasons) == 0 || r2[1].Reasons[0].Code != string(model.ReasonOpIDReused) {
			t.Errorf("same op_id, other content: %+v", r2[1])
		}
	}
	cq, err := Enroll(ctx, e.store, e.ref, "cq kiosk", "渝北", "chongqing", now)
	if err != nil {
		t.Fatal(err)
	}
	follow := api.Op{ID: "cq-1", Epoch: 1, Seq: 1, Type: api.OpFollow, At: now, Follow: &api.FollowOp{
		FollowerID: idC, PlateType: "02", PlateNumber: "粤B12345", OwnerID: idB, OwnerFile: fileB}}
	c.want("follow", c.do("POST", "/v1/ops", ops(follow), c.kiosk(cq), nil), 200, "")
	// Lookups that now carry decisions, payments, bindings and follows.
	for _, who := range [][2]string{{idA, fileA}, {idB, fileB}, {idC, fileC}} {
		c.want("lookup after ops", c.do("POST", "/v1/lookup", ident(who[0], who[1]), k, nil), 200, "")
	}

	// Phone payment orders. V-A-1 was decided by c-5 and is unpaid.
	order := func(id string, items ...api.PayItem) []byte {
		return oaJSON(t, api.PayOrderRequest{OrderID: id, PayerID: idA, Items: items})
	}
	a1 := api.PayItem{ViolationID: "V-A-1", FineFen: 5000}
	for _, id := range []string{"po-1", "po-1", "po-2", "po-3"} { // po-1 twice: a retry
		c.want("pay order "+id, c.do("POST", "/v1/payorders", order(id, a1), k, nil), 200, "")
	}
	// An order at the bank: 502 while the channel is down, then its QR text.
	e.srv.orderChannel = e.srv.channels["bank"]
	c.bank.down.Store(true)
	c.want("pay order, channel down", c.do("POST", "/v1/payorders", order("po-b", a1), k, nil), 502, "channel_unavailable")
	c.bank.down.Store(false)
	c.want("pay order at the bank", c.do("POST", "/v1/payorders", order("po-b", a1), k, nil), 200, "")
	e.srv.orderChannel = e.srv.channels[channel.SimulatedName]
	c.want("simulate-paid of a bank order", c.do("POST", "/v1/payorders/po-b/simulate-paid", nil, k, nil), 409, "order_not_simulated")
	c.want("pay order refused", c.do("POST", "/v1/payorders", order("po-x", a1, a1,
		api.PayItem{ViolationID: "V-DECIDED"}, api.PayItem{ViolationID: "V-A-6"}, api.PayItem{ViolationID: "NO-SUCH"}), k, nil), 200, "")
	c.want("pay order id reused", c.do("POST", "/v1/payorders", order("po-1", api.PayItem{ViolationID: "V-A-1", FineFen: 1}), k, nil),
		409, "order_id_reused")
	c.want("read pay order", c.do("GET", "/v1/payorders/po-1", nil, k, nil), 200, "")
	for range 2 { // paid, then the same answer
		c.want("simulate paid", c.do("POST", "/v1/payorders/po-1/simulate-paid", nil, k, nil), 200, "")
	}
	c.want("cancel a paid order", c.do("POST", "/v1/payorders/po-1/cancel", nil, k, nil), 200, "")
	c.want("cancel a waiting order", c.do("POST", "/v1/payorders/po-2/cancel", nil, k, nil), 200, "")
	c.want("pay a cancelled order (a refund record)", c.do("POST", "/v1/payorders/po-2/simulate-paid", nil, k, nil), 200, "")
	c.want("read a paid order", c.do("GET", "/v1/payorders/po-2", nil, k, nil), 200, "")
	for _, r := range [][2]string{{"GET", "/v1/payorders/po-x"}, {"POST", "/v1/payorders/nope/cancel"},
		{"POST", "/v1/payorders/nope/simulate-paid"}} {
		c.want("unknown order: "+r[0]+" "+r[1], c.do(r[0], r[1], nil, k, nil), 404, "unknown_order")
	}
	c.want("another kiosk's order", c.do("GET", "/v1/payorders/po-3", nil, c.kiosk(cq), nil), 404, "unknown_order")

	// The bank's notices.
	notice := func(order, tx string, fen int64) []byte {
		return c.bank.notice(order, tx, fen, now)
	}
	const notify = "/v1/channels/bank/notify"
	bankSigned := c.channelSigner(now)
	for range 2 { // recorded, then recorded before
		c.want("channel notice", c.do("POST", notify, notice("po-b", "T-1", 5000), bankSigned, nil), 200, "")
	}
	c.want("channel notice, not a notice", c.do("POST", notify, []byte(`{}`), bankSigned, nil), 400, "FAIL")
	c.want("channel notice, unsigned", c.do("POST", notify, notice("po-b", "T-1", 5000), nil, nil), 401, "FAIL")
	c.want("channel notice, unknown channel", c.do("POST", "/v1/channels/nope/notify", notice("po-b", "T-1", 5000), bankSigned, nil),
		404, "FAIL")
	c.want("channel notice, unknown order", c.do("POST", notify, notice("po-404", "T-2", 5000), bankSigned, nil), 404, "FAIL")
	c.want("channel notice, a simulated order", c.do("POST", notify, notice("po-2", "T-3", 5000), bankSigned, nil), 409, "FAIL")
	c.want("channel notice, too large", c.do("POST", notify, bytes.Repeat([]byte(" "), channel.MaxBody+1), bankSigned, nil),
		413, "FAIL")

	// Reference data and heartbeats.
	full := c.do("GET", "/v1/changes?since=", nil, k, nil)
	c.want("changes", full, 200, "")
	var ch api.Changes
	_ = json.Unmarshal(full.body, &ch)
	c.want("changes since", c.do("GET", "/v1/changes?since="+url.QueryEscape(ch.Cursor), nil, k, nil), 200, "")
	c.want("changes, no cursor", c.do("GET", "/v1/changes", nil, k, nil), 200, "")
	synced := now.Add(-time.Minute)
	hb := oaJSON(t, api.Heartbeat{OutboxDepth: 2, LastSync: &synced, Devices: map[string]string{"printer": "ok"}, Version: "1.0"})
	c.want("heartbeat", c.do("POST", "/v1/heartbeat", hb, k, nil), 200, "")
	c.want("heartbeat with every field", c.do("POST", "/v1/heartbeat", oaJSON(t, fullHeartbeat(now)), k, nil), 200, "")
	ended := now
	calls := oaJSON(t, api.CallsRequest{Calls: []api.StaffCall{{ID: "call-1", Screen: "pay", MadeAt: now.Add(-time.Minute),
		EndedAt: &ended}}})
	c.want("calls", c.do("POST", "/v1/calls", calls, k, nil), 200, "")

	// Rejection notices: c-2 (A's processing, rejected) is one; the lookups above carried it.
	ack := func(id string, ops ...string) []byte { return oaJSON(t, api.RejectionAck{IDNumber: id, OpIDs: ops}) }
	acked := c.do("POST", "/v1/rejections/ack", ack(idA, "c-2", "c-1"), k, nil)
	c.want("ack rejections", acked, 200, "")
	if !strings.Contains(string(acked.body), `"acked":1`) {
		t.Errorf("ack of c-2 (a notice) and c-1 (applied): %s", acked.body)
	}
	for what, body := range map[string][]byte{
		"no op ids": ack(idA), "101 op ids": ack(idA, slices.Repeat([]string{"c-2"}, 101)...),
		"an op id outside the alphabet": ack(idA, "c/2"), "unknown field": []byte(`{"id_number":"` + idA + `","op_ids":["c-2"],"all":true}`),
		"not JSON": []byte(`{`),
	} {
		c.want("ack: "+what, c.do("POST", "/v1/rejections/ack", body, k, nil), 400, "bad_request")
	}
	c.want("ack: bad ID", c.do("POST", "/v1/rejections/ack", ack("440308199901101513", "c-2"), k, nil), 400, string(model.InputIDCheck))
	c.want("healthz", c.do("GET", "/healthz", nil, nil, nil), 200, "")
	c.want("metrics", c.do("GET", "/metrics", nil, nil, nil), 200, "")
	c.want("receipt page", c.do("GET", "/r/c-5", nil, nil, nil), 200, "")
	c.want("receipt page of an order", c.do("GET", "/r/po-1", nil, nil, nil), 200, "")
	c.want("unknown receipt", c.do("GET", "/r/nope", nil, nil, nil), 404, "unknown_receipt")

	// The signing scheme as the document describes it.
	changes := func(what string, sign oaSigner, status int) {
		c.t.Helper()
		c.want(what, c.do("GET", "/v1/changes?since="+url.QueryEscape(ch.Cursor), nil, sign, nil), status, "")
	}
	nonces := 0
	nonce := func(n int) string { nonces++; return fmt.Sprintf("%0*d", n, nonces) } // unique, n characters
	changes("signed by the book", c.byTheBook(e.kiosk, now, nonce(32)), 200)
	changes("nonce of 16", c.byTheBook(e.kiosk, now, nonce(16)), 200)
	changes("nonce of 64", c.byTheBook(e.kiosk, now, nonce(64)), 200)
	changes("nonce of 15", c.byTheBook(e.kiosk, now, nonce(15)), 401)
	changes("nonce of 65", c.byTheBook(e.kiosk, now, nonce(65)), 401)
	changes("4 minutes slow", c.byTheBook(e.kiosk, now.Add(-4*time.Minute), nonce(32)), 200)
	changes("4 minutes fast", c.byTheBook(e.kiosk, now.Add(4*time.Minute), nonce(32)), 200)
	// Correctly signed, only stale: the answer carries the server's time and its proof.
	for _, off := range []time.Duration{-6 * time.Minute, 6 * time.Minute} {
		n := nonce(32)
		a := c.do("GET", "/v1/changes?since="+url.QueryEscape(ch.Cursor), nil, c.byTheBook(e.kiosk, now.Add(off), n), nil)
		c.want(fmt.Sprintf("%v off", off), a, 401, api.CodeStaleTimestamp)
		var body api.Error
		if err := json.Unmarshal(a.body, &body); err != nil || body.ServerTime == nil ||
			!body.ServerTime.Equal(time.UnixMilli(now.UnixMilli())) || !api.VerifyStaleProof(mustHex(t, e.kiosk.Secret), n, *body.ServerTime, body.Proof) {
			t.Errorf("%v off: the stale refusal %s does not prove the server's time", off, a.body)
		}
	}
	// A replay must be refused while its timestamp is acceptable; the nonce's expiry is the
	// request's timestamp plus the window, on the server's clock.
	reused := nonce(32)
	changes("fresh nonce", c.byTheBook(e.kiosk, now, reused), 200)
	changes("reused nonce", c.byTheBook(e.kiosk, now, reused), 401)
	c.want("query not signed", c.do("GET", "/v1/changes?since=x", nil, c.byTheBook(e.kiosk, now, nonce(32)),
		func(r *http.Request) { r.URL.RawQuery = "since=y" }), 401, "unauthorized")
	nonceSchema := oaMap(c.doc.root, "components", "parameters", "KioskNonce", "schema")
	for n, ok := range map[int]bool{15: false, 16: true, 64: true, 65: false} {
		if err := c.doc.validate(nonceSchema, nonce(n), "nonce"); (err == nil) != ok {
			t.Errorf("the document's nonce schema and the server disagree on %d characters", n)
		}
	}

	// 400: malformed bodies and numbers.
	for _, body := range []string{`{"id_number":"` + idA + `"`, `[]`, `{"id_number":1,"file_number":"1"}`,
		`{"id_number":"` + idA + `","file_number":"` + fileA + `","name":"x"}`} {
		c.want("lookup "+body, c.do("POST", "/v1/lookup", []byte(body), k, nil), 400, "bad_request")
		c.want("verify "+body, c.do("POST", "/v1/verify", []byte(body), k, nil), 400, "bad_request")
	}
	c.want("bad ID", c.do("POST", "/v1/lookup", ident("440308199901101513", fileA), k, nil), 400, string(model.InputIDCheck))
	c.want("bad file", c.do("POST", "/v1/verify", ident(idB, "12"), k, nil), 400, string(model.InputFileLength))
	longID := processOp(strings.Repeat("x", 65), 30, now, 1, "V-A-6")
	noSeq := processOp("c-30", 0, now, 1, "V-A-6")
	for what, body := range map[string][]byte{
		"no ops":        ops(),
		"unknown field": []byte(`{"ops":[],"more":true}`), "not JSON": []byte(`ops`),
		"501 ops": ops(slices.Repeat([]api.Op{processOp("c-31", 31, now, 1, "V-A-6")}, 501)...),
	} {
		c.want("ops: "+what, c.do("POST", "/v1/ops", body, k, nil), 400, "bad_request")
	}
	// A malformed operation is answered in its own result (hostile_test.go checks the outcomes).
	c.want("ops: op_id too long", c.do("POST", "/v1/ops", ops(longID), k, nil), 200, "")
	c.want("ops: seq 0", c.do("POST", "/v1/ops", ops(noSeq), k, nil), 200, "")
	badPayer := api.PayOrderRequest{OrderID: "po-9", PayerID: "440308199901101513", Items: []api.PayItem{a1}}
	c.want("pay order, bad payer", c.do("POST", "/v1/payorders", oaJSON(t, badPayer), k, nil), 400, string(model.InputIDCheck))
	for what, body := range map[string][]byte{
		"order id": order("a.b", a1), "no items": order("po-9"), "negative": order("po-9", api.PayItem{ViolationID: "V-A-1", FineFen: -1}),
		"51 items": order("po-9", slices.Repeat([]api.PayItem{a1}, 51)...), "unknown field": []byte(`{"order_id":"po-9","tip":1}`),
		"not JSON": []byte(`{`),
	} {
		c.want("pay order: "+what, c.do("POST", "/v1/payorders", body, k, nil), 400, "bad_request")
	}
	for _, body := range []string{`{"calls":[]}`, `{"calls":[{"id":"a b","screen":"pay","made_at":"2026-11-21T10:00:00Z"}]}`, `{`} {
		c.want("calls "+body, c.do("POST", "/v1/calls", []byte(body), k, nil), 400, "bad_request")
	}
	for _, body := range []string{`{"outbox_depth":"2","version":"1"}`, `{"outbox_depth":2,"version":"1","mood":"fine"}`, `{`} {
		c.want("heartbeat "+body, c.do("POST", "/v1/heartbeat", []byte(body), k, nil), 400, "bad_request")
	}

	// 401: unsigned, or signed wrongly, on every signed endpoint.
	for _, o := range c.doc.operations() {
		if o.signed() {
			c.want("unsigned "+o.String(), c.do(o.method, o.path, nil, nil, nil), 401, "unauthorized")
			c.want("bad signature "+o.String(), c.do(o.method, o.path, nil, k, func(r *http.Request) {
				r.Header.Set(api.HeaderSignature, strings.Repeat("0", 64))
			}), 401, "unauthorized")
		}
	}

	// 404 no_match: the same neutral answer whichever part is wrong.
	wrongFile := c.do("POST", "/v1/lookup", ident(idA, fileB), k, nil)
	unknown := c.do("POST", "/v1/lookup", ident("440524188001010014", fileA), k, nil)
	c.want("wrong file number", wrongFile, 404, "no_match")
	c.want("unknown ID number", unknown, 404, "no_match")
	if !bytes.Equal(wrongFile.body, unknown.body) {
		t.Errorf("no_match answers differ: %s / %s", wrongFile.body, unknown.body)
	}
	c.want("verify, wrong file number", c.do("POST", "/v1/verify", ident(idB, fileA), k, nil), 404, "no_match")

	// 429: failures on one ID number lock it, for lookups and owner checks alike.
	var last oaAnswer
	for i := 0; i < 6 && last.status != 429; i++ {
		last = c.do("POST", "/v1/lookup", ident(idC, "999999999999"), k, nil)
	}
	c.want("failed lookups", last, 429, "rate_limited")
	c.want("verify while locked", c.do("POST", "/v1/verify", ident(idC, fileC), k, nil), 429, "rate_limited")

	// 413 on every signed endpoint.
	huge := bytes.Repeat([]byte(" "), maxBody+1)
	for _, o := range c.doc.operations() {
		if o.signed() {
			c.want("huge body "+o.String(), c.do(o.method, o.path, huge, k, nil), 413, "body_too_large")
		}
	}

	// 503 on every signed endpoint while every request slot is taken.
	e.srv.slotWait = 10 * time.Millisecond
	for range cap(e.srv.slots) {
		e.srv.slots <- struct{}{}
	}
	for _, o := range c.doc.operations() {
		if o.signed() {
			c.want("busy "+o.String(), c.do(o.method, o.path, nil, k, nil), 503, "busy")
		}
	}
	for range cap(e.srv.slots) {
		<-e.srv.slots
	}

	// 404 for what the document does not list.
	for _, r := range [][2]string{{"GET", "/"}, {"POST", "/v2/lookup"}, {"GET", "/v1/lookup"}, {"POST", "/v1/changes"},
		{"DELETE", "/v1/ops"}, {"POST", "/healthz"}, {"GET", "/metrics/x"}, {"POST", "/v1/lookup/x"}} {
		c.want("unrouted "+r[0]+" "+r[1], c.do(r[0], r[1], nil, k, nil), 404, "not_found")
	}

	// 500 and 503: the database fails.
	c.store.down.Store(true)
	c.want("lookup, database down", c.do("POST", "/v1/lookup", ident(idB, fileB), k, nil), 500, "internal")
	c.want("verify, database down", c.do("POST", "/v1/verify", ident(idB, fileB), k, nil), 500, "internal")
	c.want("link check, database down", c.do("POST", "/v1/linkcheck", oaJSON(t, api.LinkCheck{DriverID: idC, PlateType: "02",
		PlateNumber: "粤B54321", Purpose: api.PurposeBind}), k, nil), 500, "internal")
	c.want("ops, database down", c.do("POST", "/v1/ops", ops(processOp("c-40", 40, now, 1, "V-A-6")), k, nil), 500, "internal")
	c.want("changes, database down", c.do("GET", "/v1/changes?since=", nil, k, nil), 500, "internal")
	c.want("heartbeat, database down", c.do("POST", "/v1/heartbeat", hb, k, nil), 500, "internal")
	c.want("calls, database down", c.do("POST", "/v1/calls", calls, k, nil), 500, "internal")
	c.want("ack, database down", c.do("POST", "/v1/rejections/ack", ack(idA, "c-2"), k, nil), 500, "internal")
	c.want("pay order, database down", c.do("POST", "/v1/payorders", order("po-8", a1), k, nil), 500, "internal")
	for _, r := range [][2]string{{"GET", "/v1/payorders/po-3"}, {"POST", "/v1/payorders/po-3/cancel"},
		{"POST", "/v1/payorders/po-3/simulate-paid"}} {
		c.want(r[0]+" "+r[1]+", database down", c.do(r[0], r[1], nil, k, nil), 500, "internal")
	}
	c.want("channel notice, database down", c.do("POST", "/v1/channels/bank/notify", c.bank.notice("po-b", "T-9", 5000, now),
		c.channelSigner(now), nil), 500, "FAIL")
	c.want("metrics, database down", c.do("GET", "/metrics", nil, nil, nil), 500, "internal")
	c.want("healthz, database down", c.do("GET", "/healthz", nil, nil, nil), 503, "store_unavailable")
	c.want("receipt page, database down", c.do("GET", "/r/c-5", nil, nil, nil), 503, "store_unavailable")
	c.store.down.Store(false)

	// 503: the database's storage is full, on every route that uses it.
	c.store.full.Store(true)
	c.want("lookup, storage full", c.do("POST", "/v1/lookup", ident(idB, fileB), k, nil), 503, "store_full")
	c.want("verify, storage full", c.do("POST", "/v1/verify", ident(idB, fileB), k, nil), 503, "store_full")
	c.want("link check, storage full", c.do("POST", "/v1/linkcheck", oaJSON(t, api.LinkCheck{DriverID: idC, PlateType: "02",
		PlateNumber: "粤B54321", Purpose: api.PurposeBind}), k, nil), 503, "store_full")
	c.want("ops, storage full", c.do("POST", "/v1/ops", ops(processOp("c-40", 40, now, 1, "V-A-6")), k, nil), 503, "store_full")
	c.want("changes, storage full", c.do("GET", "/v1/changes?since=", nil, k, nil), 503, "store_full")
	c.want("heartbeat, storage full", c.do("POST", "/v1/heartbeat", hb, k, nil), 503, "store_full")
	c.want("calls, storage full", c.do("POST", "/v1/calls", calls, k, nil), 503, "store_full")
	c.want("ack, storage full", c.do("POST", "/v1/rejections/ack", ack(idA, "c-2"), k, nil), 503, "store_full")
	c.want("pay order, storage full", c.do("POST", "/v1/payorders", order("po-8", a1), k, nil), 503, "store_full")
	for _, r := range [][2]string{{"GET", "/v1/payorders/po-3"}, {"POST", "/v1/payorders/po-3/cancel"},
		{"POST", "/v1/payorders/po-3/simulate-paid"}} {
		c.want(r[0]+" "+r[1]+", storage full", c.do(r[0], r[1], nil, k, nil), 503, "store_full")
	}
	c.want("channel notice, storage full", c.do("POST", "/v1/channels/bank/notify", c.bank.notice("po-b", "T-9", 5000, now),
		c.channelSigner(now), nil), 503, "FAIL")
	c.want("metrics, storage full", c.do("GET", "/metrics", nil, nil, nil), 503, "store_full")
	c.want("healthz, storage full", c.do("GET", "/healthz", nil, nil, nil), 503, "store_full")
	c.store.full.Store(false)

	// An order read after its time is up (last: the signing checks above use the start time).
	e.clock.Add(payOrderTTL)
	c.want("expired order", c.do("GET", "/v1/payorders/po-3", nil, k, nil), 200, "")
	if !strings.Contains(string(c.do("POST", "/v1/payorders", order("po-3", a1), k, nil).body), `"status":"expired"`) {
		t.Error("a retried creation of an expired order must answer it expired")
	}

	// 429 on the link check: a kiosk's identification bucket (120 a minute) spent, at a second
	// kiosk so that the first one's limits stay as they are.
	second, err := Enroll(ctx, e.store, e.ref, "second kiosk", "test hall", "national", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	var spent oaAnswer
	for i := 0; i < 200 && spent.status != 429; i++ {
		spent = c.do("POST", "/v1/linkcheck", oaJSON(t, api.LinkCheck{DriverID: idC, PlateType: "02", PlateNumber: "粤B54321",
			Purpose: api.PurposeBind}), c.kiosk(second), nil)
	}
	c.want("link checks beyond the kiosk's rate", spent, 429, "rate_limited")

	// Every documented answer was provoked.
	for _, o := range c.doc.operations() {
		for _, s := range o.statuses() {
			if !c.seen[o.String()+" "+s] {
				t.Errorf("%s %s is documented but was never provoked", o, s)
			}
		}
	}
	if !c.seen["unrouted 404"] {
		t.Error("the catch-all 404 was never provoked")
	}
}

// TestOpenAPIRoutesMatchHandler compares the document's operations with the patterns
// server.go's Handler registers, and probes each route.
func TestOpenAPIRoutesMatchHandler(t *testing.T) {
	doc := loadOpenAPI(t)
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "server.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	registered := map[string]bool{} // pattern -> authenticated (registered through v1)
	catchAll := false
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "Handler" || fn.Recv == nil {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			pattern, _ := strconv.Unquote(lit.Value)
			switch fun := call.Fun.(type) {
			case *ast.Ident:
				if fun.Name == "v1" {
					registered[pattern] = true
				}
			case *ast.SelectorExpr:
				if fun.Sel.Name == "Handle" || fun.Sel.Name == "HandleFunc" {
					if pattern == "/" {
						catchAll = true
					} else {
						registered[pattern] = false
					}
				}
			}
			return true
		})
	}
	if len(registered) == 0 {
		t.Fatal("no routes found in server.go's Handler: update this test's parser")
	}
	if !catchAll {
		t.Error(`server.go no longer registers the "/" catch-all that the document's NotFound response describes`)
	}
	documented := map[string]bool{}
	for _, o := range doc.operations() {
		documented[o.String()] = o.signed()
	}
	for p, signed := range registered {
		d, ok := documented[p]
		switch {
		case !ok:
			t.Errorf("route %q is served but not documented", p)
		case d != signed:
			t.Errorf("route %q: authenticated=%v in server.go, signed=%v in the document", p, signed, d)
		}
	}
	for p := range documented {
		if _, ok := registered[p]; !ok {
			t.Errorf("%q is documented but server.go does not register it", p)
		}
	}

	// Probe: each documented operation is routed, with the documented authentication; other
	// methods on documented paths get the documented 404.
	c := newOAContract(t)
	for _, o := range doc.operations() {
		a := c.do(o.method, o.path, nil, nil, nil)
		// A public path with a parameter ({id}) is probed literally and may well find nothing:
		// it must answer without asking for a signature.
		templated := strings.Contains(o.path, "{")
		if o.signed() && a.status != 401 || !o.signed() && !templated && a.status != 200 || !o.signed() && a.status == 401 {
			t.Errorf("%s unsigned answered %d", o, a.status)
		}
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			if doc.operation(m, o.path) == nil {
				c.want(m+" "+o.path, c.do(m, o.path, nil, nil, nil), 404, "not_found")
			}
		}
	}
}

// oaWireTypes maps every struct type of the wire files (oaWireFiles) to its Go type; the schema
// of the same name documents it.
var oaWireTypes = map[string]reflect.Type{
	"Identify": reflect.TypeFor[api.Identify](), "Verified": reflect.TypeFor[api.Verified](),
	"Lookup": reflect.TypeFor[api.Lookup](), "Person": reflect.TypeFor[api.Person](),
	"Licence": reflect.TypeFor[api.Licence](), "Points": reflect.TypeFor[api.Points](),
	"Vehicle": reflect.TypeFor[api.Vehicle](), "Violation": reflect.TypeFor[api.Violation](),
	"Binding": reflect.TypeFor[api.Binding](), "Follow": reflect.TypeFor[api.Follow](),
	"OpsRequest": reflect.TypeFor[api.OpsRequest](), "OpsResponse": reflect.TypeFor[api.OpsResponse](),
	"Op": reflect.TypeFor[api.Op](), "ProcessOp": reflect.TypeFor[api.ProcessOp](),
	"PayOp": reflect.TypeFor[api.PayOp](), "PayItem": reflect.TypeFor[api.PayItem](),
	"BindOp": reflect.TypeFor[api.BindOp](), "UnbindOp": reflect.TypeFor[api.UnbindOp](),
	"FollowOp": reflect.TypeFor[api.FollowOp](), "UnfollowOp": reflect.TypeFor[api.UnfollowOp](),
	"OpResult": reflect.TypeFor[api.OpResult](), "Reason": reflect.TypeFor[api.Reason](),
	"LinkCheck": reflect.TypeFor[api.LinkCheck](), "LinkChecked": reflect.TypeFor[api.LinkChecked](),
	"Decision": reflect.TypeFor[api.Decision](), "Payment": reflect.TypeFor[api.Payment](),
	"Changes": reflect.TypeFor[api.Changes](), "RefChange": reflect.TypeFor[api.RefChange](),
	"Heartbeat": reflect.TypeFor[api.Heartbeat](), "HeartbeatReply": reflect.TypeFor[api.HeartbeatReply](),
	"PayOrderRequest": reflect.TypeFor[api.PayOrderRequest](), "PayOrder": reflect.TypeFor[api.PayOrder](),
	"Error": reflect.TypeFor[api.Error](), "OwnerCheckFor": reflect.TypeFor[api.OwnerCheckFor](),
	"OwnerProof": reflect.TypeFor[api.OwnerProof](),
	"Rejection":  reflect.TypeFor[api.Rejection](), "RejectionAck": reflect.TypeFor[api.RejectionAck](),
	"RejectionAckReply": reflect.TypeFor[api.RejectionAckReply](), "StoreStatus": reflect.TypeFor[api.StoreStatus](),
	"JournalCheckpoint": reflect.TypeFor[api.JournalCheckpoint](),
	"StaffCall":         reflect.TypeFor[api.StaffCall](), "CallsRequest": reflect.TypeFor[api.CallsRequest](),
	"CallState": reflect.TypeFor[api.CallState](), "CallsReply": reflect.TypeFor[api.CallsReply](),
	"DeviceStatus": reflect.TypeFor[api.DeviceStatus](),
}

// oaWireFiles are the files of package api that declare wire types.
var oaWireFiles = []string{"../api/types.go", "../api/payorder.go", "../api/calls.go"}

// oaDocOnlySchemas are documented bodies with no type in package api.
var oaDocOnlySchemas = map[string]string{"Health": "the map handleHealth writes",
	"ChannelNotice": "channel.NoticeBody, the generic HTTP channel's protocol", "ChannelAnswer": "channel.Answer"}

// TestOpenAPISchemasMatchGoTypes holds every component schema to its Go type: the same
// property names, required exactly when the field has no omitempty, and a matching JSON type.
func TestOpenAPISchemasMatchGoTypes(t *testing.T) {
	doc := loadOpenAPI(t)
	schemas := oaMap(doc.root, "components", "schemas")

	// Every struct type of the wire files is in oaWireTypes, so a new type cannot go undocumented.
	for _, file := range oaWireFiles {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if ts, ok := n.(*ast.TypeSpec); ok {
				if _, isStruct := ts.Type.(*ast.StructType); isStruct && oaWireTypes[ts.Name.Name] == nil {
					t.Errorf("api.%s is not in oaWireTypes: add it there and document it in docs/openapi.json", ts.Name.Name)
				}
			}
			return true
		})
	}
	for _, name := range sortedKeys(schemas) {
		if oaWireTypes[name] == nil && oaDocOnlySchemas[name] == "" {
			t.Errorf("schema %s matches no type of package api", name)
		}
	}
	for _, name := range sortedKeys(oaWireTypes) {
		typ, s := oaWireTypes[name], oaMap(schemas, name)
		if s == nil {
			t.Errorf("api.%s has no schema %s", name, name)
			continue
		}
		if s["type"] != "object" || s["additionalProperties"] != false || s["description"] == nil {
			t.Errorf("schema %s: want type object, additionalProperties false and a description", name)
		}
		props := oaMap(s, "properties")
		want, required := map[string]reflect.StructField{}, []string{}
		for i := 0; i < typ.NumField(); i++ {
			fd := typ.Field(i)
			tag := fd.Tag.Get("json")
			if !fd.IsExported() || tag == "-" {
				continue
			}
			jname, opts, _ := strings.Cut(tag, ",")
			if jname == "" {
				jname = fd.Name
			}
			want[jname] = fd
			if !slices.Contains(strings.Split(opts, ","), "omitempty") && !slices.Contains(strings.Split(opts, ","), "omitzero") {
				required = append(required, jname)
			}
		}
		for _, p := range sortedKeys(want) {
			if props[p] == nil {
				t.Errorf("schema %s lacks property %s (field %s)", name, p, want[p].Name)
			} else if msg := oaTypeMismatch(doc, want[p].Type, props[p]); msg != "" {
				t.Errorf("schema %s, property %s (%s): %s", name, p, want[p].Type, msg)
			}
		}
		for _, p := range sortedKeys(props) {
			if _, ok := want[p]; !ok {
				t.Errorf("schema %s documents %s, which api.%s does not have", name, p, name)
			}
		}
		got := schemaList(s["required"])
		sort.Strings(got)
		sort.Strings(required)
		if !slices.Equal(got, required) {
			t.Errorf("schema %s: required %v, the Go tags make %v required", name, got, required)
		}
	}
}

// oaTypeMismatch says how a property's schema fails to describe a Go type, or "".
func oaTypeMismatch(doc *openAPIDoc, typ reflect.Type, prop any) string {
	s, _ := prop.(map[string]any)
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if ref, ok := s["$ref"].(string); ok {
		if typ.Kind() != reflect.Struct || typ.PkgPath() != reflect.TypeFor[api.Error]().PkgPath() ||
			ref != "#/components/schemas/"+typ.Name() {
			return fmt.Sprintf("refers to %s", ref)
		}
		return ""
	}
	if typ.Kind() == reflect.Struct && s["type"] == "object" && s["properties"] == nil {
		// A struct the server decodes element by element, answering a malformed one in its own
		// result (the operations of POST /v1/ops): the request schema accepts any object and
		// its description must name the schema of the shape.
		if desc, _ := s["description"].(string); !strings.Contains(desc, "`"+typ.Name()+"`") {
			return "an object standing for " + typ.Name() + " must name its schema in the description"
		}
		return ""
	}
	want := map[reflect.Kind]string{reflect.String: "string", reflect.Bool: "boolean", reflect.Int: "integer",
		reflect.Int64: "integer", reflect.Int32: "integer", reflect.Slice: "array", reflect.Map: "object"}[typ.Kind()]
	switch {
	case typ == reflect.TypeFor[json.RawMessage]():
		if s["type"] != nil {
			return "a raw JSON body must allow any JSON value (no type)"
		}
		return ""
	case typ == reflect.TypeFor[time.Time]():
		if s["type"] != "string" || s["format"] != "date-time" {
			return "a time.Time must be a string of format date-time"
		}
		return ""
	case want == "":
		return "no schema mapping for this Go type"
	case !slices.Equal(schemaList(s["type"]), []string{want}):
		return fmt.Sprintf("type %v, want %s", s["type"], want)
	case typ.Kind() == reflect.Int64 && s["format"] != "int64":
		return "an int64 must have format int64"
	case typ.Kind() == reflect.Slice:
		return oaTypeMismatch(doc, typ.Elem(), s["items"])
	case typ.Kind() == reflect.Map:
		return oaTypeMismatch(doc, typ.Elem(), s["additionalProperties"])
	}
	return ""
}

// TestOpenAPIDocument checks the document's form and that what it says matches the code: the
// signing example, operation types, outcomes, reason codes and header names.
func TestOpenAPIDocument(t *testing.T) {
	doc := loadOpenAPI(t)
	if v, _ := doc.root["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi %q, want 3.1.x", v)
	}
	for _, k := range []string{"title", "version", "description"} {
		if oaMap(doc.root, "info")[k] == nil {
			t.Errorf("info.%s is missing", k)
		}
	}
	for _, name := range sortedKeys(oaMap(doc.root, "components", "schemas")) {
		if err := doc.lint(oaMap(doc.root, "components", "schemas")[name], "#/components/schemas/"+name); err != nil {
			t.Error(err)
		}
	}
	ids := map[string]bool{}
	for _, o := range doc.operations() {
		id, _ := o.op["operationId"].(string)
		if id == "" || ids[id] || o.op["summary"] == nil || o.op["description"] == nil {
			t.Errorf("%s: needs a unique operationId, a summary and a description", o)
		}
		ids[id] = true
		if body := oaMap(o.op, "requestBody", "content", "application/json"); body != nil {
			if err := doc.lint(body["schema"], o.String()+" requestBody"); err != nil {
				t.Error(err)
			}
		}
		params, _ := o.op["parameters"].([]any)
		var names []string
		for _, p := range params {
			pm, err := doc.deref(p)
			if err != nil {
				t.Fatalf("%s: %v", o, err)
			}
			names = append(names, fmt.Sprint(pm["name"]))
			if err := doc.lint(pm["schema"], fmt.Sprint(o, " parameter ", pm["name"])); err != nil || pm["description"] == nil {
				t.Errorf("%s: parameter %v needs a valid schema and a description (%v)", o, pm["name"], err)
			}
		}
		// A payment channel is no kiosk: its notices carry the channel's own signature.
		if channelRoute := strings.HasPrefix(o.path, "/v1/channels/"); o.signed() != (strings.HasPrefix(o.path, "/v1/") && !channelRoute) {
			t.Errorf("%s: every /v1/ operation but a channel's notice, and only those, must require KioskSignature", o)
		}
		if o.signed() {
			for _, h := range []string{api.HeaderKiosk, api.HeaderTimestamp, api.HeaderNonce} {
				if !slices.Contains(names, h) {
					t.Errorf("%s: the header parameter %s is missing", o, h)
				}
			}
			for _, s := range []string{"401", "413", "500", "503"} {
				if oaMap(o.op, "responses", s) == nil {
					t.Errorf("%s: a signed operation must document %s", o, s)
				}
			}
		}
		for _, status := range o.statuses() {
			r, err := doc.deref(oaMap(o.op, "responses")[status])
			if err != nil || r["description"] == nil || len(oaMap(r, "content")) == 0 {
				t.Errorf("%s %s: needs a description and content (%v)", o, status, err)
				continue
			}
			for _, mt := range sortedKeys(oaMap(r, "content")) {
				schema := oaMap(r, "content", mt, "schema")
				if err := doc.lint(schema, fmt.Sprint(o, " ", status, " ", mt)); err != nil {
					t.Error(err)
				}
				if status >= "400" && (mt != "application/json" || schema["$ref"] != "#/components/schemas/Error") {
					t.Errorf("%s %s: an error answer must be an application/json Error", o, status)
				}
			}
		}
	}

	// The security scheme and its worked example.
	scheme := oaMap(doc.root, "components", "securitySchemes", "KioskSignature")
	if scheme["type"] != "apiKey" || scheme["in"] != "header" || scheme["name"] != api.HeaderSignature {
		t.Errorf("KioskSignature must be an apiKey in the header %s: %v", api.HeaderSignature, scheme)
	}
	desc, _ := scheme["description"].(string)
	for _, s := range []string{api.HeaderKiosk, api.HeaderTimestamp, api.HeaderNonce, api.HeaderSignature,
		"HMAC-SHA256", "SHA-256", "5 minutes", "16 to 64", "METHOD\nPATH_AND_QUERY\nTIMESTAMP\nNONCE\nhex(SHA-256(body))"} {
		if !strings.Contains(desc, s) {
			t.Errorf("the KioskSignature description does not mention %q", s)
		}
	}
	if empty := sha256.Sum256(nil); !strings.Contains(desc, hex.EncodeToString(empty[:])) {
		t.Error("the KioskSignature description should give the SHA-256 of an empty body")
	}
	ex := oaMap(scheme, "x-signature-example")
	str := func(k string) string { s, _ := ex[k].(string); return s }
	secret, err := hex.DecodeString(str("secret_hex"))
	if err != nil || len(secret) != 32 {
		t.Fatalf("x-signature-example.secret_hex: %v", err)
	}
	sum := sha256.Sum256([]byte(str("body")))
	sts := api.StringToSign(str("method"), str("path_and_query"), str("timestamp"), str("nonce"), []byte(str("body")))
	if hex.EncodeToString(sum[:]) != str("body_sha256") || sts != str("string_to_sign") || api.Signature(secret, sts) != str("signature") {
		t.Errorf("x-signature-example is wrong: body hash %x, string to sign %q, signature %s", sum, sts, api.Signature(secret, sts))
	}

	// Enumerations follow the Go constants; every reason code is listed for integrators.
	enum := func(path ...string) []string { return schemaList(oaMap(doc.root, path...)["enum"]) }
	if got := enum("components", "schemas", "Op", "properties", "type"); !slices.Equal(got, []string{
		api.OpProcess, api.OpPay, api.OpBind, api.OpUnbind, api.OpFollow, api.OpUnfollow}) {
		t.Errorf("Op.type enum %v", got)
	}
	if got := enum("components", "schemas", "OpResult", "properties", "outcome"); !slices.Equal(got, []string{
		api.OutcomeApplied, api.OutcomeWithChanges, api.OutcomeRejected, api.OutcomeDeferred}) {
		t.Errorf("OpResult.outcome enum %v", got)
	}
	codeDoc, _ := oaMap(doc.root, "components", "schemas", "Reason", "properties", "code")["description"].(string)
	badIdentify := oaMap(doc.root, "components", "responses", "BadIdentify", "content", "application/json", "schema")
	for _, code := range model.AllReasonCodes() {
		if !strings.Contains(codeDoc, "`"+string(code)+"`") {
			t.Errorf("Reason.code's description does not list %s", code)
		}
		if s := string(code); strings.HasPrefix(s, "input.id.") || strings.HasPrefix(s, "input.file.") {
			if err := doc.validate(badIdentify, map[string]any{"code": s, "message": "m"}, "$"); err != nil {
				t.Errorf("BadIdentify refuses the input code %s: %v", s, err)
			}
		}
	}
	if doc.validate(badIdentify, map[string]any{"code": "no_match", "message": "m"}, "$") == nil {
		t.Error("BadIdentify accepts no_match")
	}
}
