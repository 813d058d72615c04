package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/server/store"
)

// refDoc is one reference-data document as the feed carries it.
type refDoc struct {
	kind, key string
	body      []byte
}

// refDocs renders the server's reference data as feed documents.
func (s *Server) refDocs() ([]refDoc, error) {
	var docs []refDoc
	for _, name := range s.ref.ProfileNames() {
		b, err := json.Marshal(s.ref.Profiles[name])
		if err != nil {
			return nil, err
		}
		docs = append(docs, refDoc{"profile", name, b})
	}
	cat, err := json.Marshal(s.ref.Catalogue)
	if err != nil {
		return nil, err
	}
	texts, err := json.Marshal(s.ref.Texts)
	if err != nil {
		return nil, err
	}
	return append(docs, refDoc{"catalogue", "", cat}, refDoc{"texts", "", texts}), nil
}

// syncReference gives the database an epoch on first start and appends a change for every
// reference document that differs from the latest one stored, so that kiosks pull only what
// changed since their cursor.
func (s *Server) syncReference(ctx context.Context) error {
	docs, err := s.refDocs()
	if err != nil {
		return fmt.Errorf("server: reference data: %w", err)
	}
	return s.store.Tx(ctx, func(tx store.Tx) error {
		if _, ok, err := tx.Meta("epoch"); err != nil {
			return err
		} else if !ok {
			var b [8]byte
			if _, err := rand.Read(b[:]); err != nil {
				return err
			}
			if err := tx.PutMeta("epoch", hex.EncodeToString(b[:])); err != nil {
				return err
			}
		}
		latest, err := latestDocs(tx, 0)
		if err != nil {
			return err
		}
		for _, d := range docs {
			if prev, ok := latest[d.kind+"/"+d.key]; ok && bytes.Equal(prev.Body, d.body) {
				continue
			}
			if _, err := tx.AppendRefChange(d.kind, d.key, d.body); err != nil {
				return err
			}
		}
		return nil
	})
}

// latestDocs keeps the newest change per document among those after since.
func latestDocs(r store.Reader, since int64) (map[string]store.RefChange, error) {
	changes, err := r.RefChanges(since)
	if err != nil {
		return nil, err
	}
	out := map[string]store.RefChange{}
	for _, c := range changes {
		out[c.Kind+"/"+c.Key] = c
	}
	return out, nil
}

// handleChanges answers GET /v1/changes?since=CURSOR. A cursor is "EPOCH.SEQ". An empty cursor,
// or one from another epoch (a restored or replaced database), gets every document and Full.
func (s *Server) handleChanges(w http.ResponseWriter, r *http.Request, sess *session) {
	since := r.URL.Query().Get("since")
	var out api.Changes
	err := s.store.Read(r.Context(), func(rd store.Reader) error {
		epoch, _, err := rd.Meta("epoch")
		if err != nil {
			return err
		}
		seq, ok := parseCursor(since, epoch)
		if !ok {
			seq, out.Full = 0, true
		}
		latest, err := latestDocs(rd, seq)
		if err != nil {
			return err
		}
		top := seq
		for _, key := range sortedKeys(latest) {
			c := latest[key]
			out.Changes = append(out.Changes, api.RefChange{Kind: c.Kind, Key: c.Key, Body: c.Body})
			top = max(top, c.Seq)
		}
		out.Cursor = epoch + "." + strconv.FormatInt(top, 10)
		return nil
	})
	if err != nil {
		s.internalError(w, "changes", err)
		return
	}
	if out.Changes == nil {
		out.Changes = []api.RefChange{}
	}
	writeJSON(w, http.StatusOK, out)
}

func parseCursor(cursor, epoch string) (int64, bool) {
	e, seqText, ok := strings.Cut(cursor, ".")
	if !ok || e != epoch {
		return 0, false
	}
	seq, err := strconv.ParseInt(seqText, 10, 64)
	return seq, err == nil && seq >= 0
}
