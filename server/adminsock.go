package server

// The admin interface of a running server: enroll, revoke and rotate kiosks, list them, import
// data, and list, issue and settle refunds, without stopping the server (the embedded store is locked by the process that
// serves it, so these cannot open it themselves). It is HTTP with JSON over a Unix domain socket
// (`kiosk serve --admin-socket`, by default DATA/admin.sock). Who may use it is decided by the
// operating system: the socket is created with mode 0600 in the server's data directory, and
// on Linux every connection's peer must run as the server's own user or as root (SO_PEERCRED).
// docs/DEPLOY.md documents the protocol.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/server/store"
)

// maxImportBody bounds a data file sent through the admin socket.
const maxImportBody = 1 << 30

// AdminKiosk is a kiosk as the admin interface lists it (never its secret).
type AdminKiosk struct {
	ID         string     `json:"kiosk_id"`
	Name       string     `json:"name"`
	Hall       string     `json:"hall"`
	Profile    string     `json:"profile"`
	EnrolledAt time.Time  `json:"enrolled_at"`
	LastSeen   *time.Time `json:"last_seen,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	// Status is the kiosk's last heartbeat; absent before its first.
	Status *AdminKioskStatus `json:"status,omitempty"`
}

// AdminKioskStatus is what a kiosk last reported about itself (api.Heartbeat, as the server
// checked and kept it) and when.
type AdminKioskStatus struct {
	ReceivedAt     time.Time                   `json:"received_at"`
	Version        string                      `json:"version"`
	OutboxDepth    int64                       `json:"outbox_depth"`
	OldestPending  *time.Time                  `json:"oldest_pending,omitempty"`
	LastSync       *time.Time                  `json:"last_sync,omitempty"`
	Rejected       int64                       `json:"rejected"`
	FailedAttempts int64                       `json:"failed_attempts"`
	ClockSkewMS    *int64                      `json:"clock_skew_ms,omitempty"`
	Store          *api.StoreStatus            `json:"store,omitempty"`
	Journal        *api.JournalCheckpoint      `json:"journal,omitempty"`
	Devices        map[string]api.DeviceStatus `json:"devices,omitempty"`
}

// AdminKiosks lists kiosks as the admin interface shows them, each with its last heartbeat
// from statuses.
func AdminKiosks(ks []store.Kiosk, statuses []store.KioskStatus) []AdminKiosk {
	byKiosk := make(map[string]store.KioskStatus, len(statuses))
	for _, st := range statuses {
		byKiosk[st.KioskID] = st
	}
	out := make([]AdminKiosk, 0, len(ks))
	for _, k := range ks {
		a := AdminKiosk{ID: k.ID, Name: k.Name, Hall: k.Hall, Profile: k.Profile, EnrolledAt: k.EnrolledAt}
		if !k.LastSeen.IsZero() {
			a.LastSeen = &k.LastSeen
		}
		if !k.RevokedAt.IsZero() {
			a.RevokedAt = &k.RevokedAt
		}
		if st, ok := byKiosk[k.ID]; ok {
			a.Status = adminStatus(st)
		}
		out = append(out, a)
	}
	return out
}

func adminStatus(st store.KioskStatus) *AdminKioskStatus {
	a := &AdminKioskStatus{ReceivedAt: st.ReceivedAt, Version: st.Version, OutboxDepth: st.OutboxDepth,
		Rejected: st.Rejected, FailedAttempts: st.FailedAttempts}
	for kind, d := range st.Devices {
		if a.Devices == nil {
			a.Devices = map[string]api.DeviceStatus{}
		}
		ds := api.DeviceStatus{State: d.State, Name: d.Name}
		if !d.Since.IsZero() {
			ds.Since = &d.Since
		}
		a.Devices[kind] = ds
	}
	if !st.OldestPending.IsZero() {
		a.OldestPending = &st.OldestPending
	}
	if !st.LastSync.IsZero() {
		a.LastSync = &st.LastSync
	}
	if st.ClockSkewKnown {
		a.ClockSkewMS = &st.ClockSkewMS
	}
	if st.StoreKnown {
		a.Store = &api.StoreStatus{FileBytes: st.Store.FileBytes, UsedBytes: st.Store.UsedBytes, MaxBytes: st.Store.MaxBytes,
			DiskFreeBytes: st.Store.DiskFreeBytes, Level: st.Store.Level}
	}
	if st.JournalKnown {
		j := st.Journal
		a.Journal = &api.JournalCheckpoint{Seq: j.CheckpointSeq, Hash: j.CheckpointHash, At: j.CheckpointAt,
			HeadSeq: j.HeadSeq, HeadHash: j.HeadHash}
	}
	return a
}

// ReadAdminKiosks reads every kiosk with its last heartbeat, in one snapshot.
func ReadAdminKiosks(ctx context.Context, st store.Store) ([]AdminKiosk, error) {
	var out []AdminKiosk
	err := st.Read(ctx, func(r store.Reader) error {
		ks, err := r.Kiosks()
		if err != nil {
			return err
		}
		statuses, err := r.KioskStatuses()
		out = AdminKiosks(ks, statuses)
		return err
	})
	return out, err
}

// AdminEnroll is the body of POST /enroll.
type AdminEnroll struct {
	Name    string `json:"name"`
	Hall    string `json:"hall"`
	Profile string `json:"profile,omitempty"` // default: the server's default profile
}

// AdminKioskID is the body of POST /revoke and POST /rotate.
type AdminKioskID struct {
	KioskID string `json:"kiosk_id"`
}

// AdminOptions is what the admin interface needs besides the server.
type AdminOptions struct {
	// RefundIssuer asks the payment channel to refund (the channel adapter). Without one,
	// refunds of money paid through the channel cannot be issued here; staff may still pay them
	// back at a counter and record it.
	RefundIssuer RefundIssuer
}

// AdminHandler serves the admin interface; refunds are issued through the server's own payment
// channels (ChannelRefunds).
func (s *Server) AdminHandler() http.Handler {
	return s.AdminHandlerWith(AdminOptions{RefundIssuer: s.ChannelRefunds()})
}

// AdminHandlerWith serves the admin interface.
func (s *Server) AdminHandlerWith(opts AdminOptions) http.Handler {
	mux := http.NewServeMux()
	s.adminRefundRoutes(mux, opts.RefundIssuer)
	mux.HandleFunc("POST /reconcile", s.handleAdminReconcile)
	mux.HandleFunc("POST /enroll", func(w http.ResponseWriter, r *http.Request) {
		var req AdminEnroll
		if !adminDecode(w, r, &req) {
			return
		}
		if req.Profile == "" {
			req.Profile = s.defaultProfile
		}
		if req.Name == "" {
			writeError(w, http.StatusBadRequest, "bad_request", "name the kiosk, e.g. \"福田车管所 1号机\"")
			return
		}
		e, err := Enroll(r.Context(), s.store, s.ref, req.Name, req.Hall, req.Profile, s.now())
		if err != nil {
			s.adminFailed(w, "enroll", err)
			return
		}
		s.log.Info("admin: kiosk enrolled", "kiosk", e.KioskID, "profile", req.Profile)
		writeJSON(w, http.StatusOK, e)
	})
	mux.HandleFunc("POST /revoke", func(w http.ResponseWriter, r *http.Request) {
		var req AdminKioskID
		if !adminDecode(w, r, &req) {
			return
		}
		if err := s.Revoke(r.Context(), req.KioskID); err != nil {
			s.adminFailed(w, "revoke", err)
			return
		}
		s.log.Info("admin: kiosk revoked", "kiosk", safeKioskID(req.KioskID))
		writeJSON(w, http.StatusOK, req)
	})
	mux.HandleFunc("POST /rotate", func(w http.ResponseWriter, r *http.Request) {
		var req AdminKioskID
		if !adminDecode(w, r, &req) {
			return
		}
		e, err := s.Rotate(r.Context(), req.KioskID)
		if err != nil {
			s.adminFailed(w, "rotate", err)
			return
		}
		s.log.Info("admin: kiosk secret rotated", "kiosk", e.KioskID)
		writeJSON(w, http.StatusOK, e)
	})
	mux.HandleFunc("GET /kiosks", func(w http.ResponseWriter, r *http.Request) {
		ks, err := ReadAdminKiosks(r.Context(), s.store)
		if err != nil {
			s.adminFailed(w, "kiosks", err)
			return
		}
		writeJSON(w, http.StatusOK, ks)
	})
	mux.HandleFunc("POST /import", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxImportBody))
		if err != nil {
			writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", "the data file is over 1 GiB")
			return
		}
		data, err := dataset.Decode(bytes.NewReader(body), s.now())
		if err != nil {
			// The problems name paths in the file, never its values.
			writeError(w, http.StatusBadRequest, "invalid_data", "nothing was imported:\n"+err.Error())
			return
		}
		p, err := s.ref.Profile(s.defaultProfile)
		if err != nil {
			s.adminFailed(w, "import", err)
			return
		}
		sum, err := Import(r.Context(), s.store, p, data)
		if err != nil {
			s.adminFailed(w, "import", err)
			return
		}
		s.log.Info("admin: data imported", "people", sum.People, "vehicles", sum.Vehicles, "violations", sum.Violations)
		writeJSON(w, http.StatusOK, sum)
	})
	return s.peerChecked(mux)
}

func adminDecode(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err == nil {
		err = decodeBody(body, v)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "the body is not the JSON this command takes: "+err.Error())
		return false
	}
	return true
}

// adminFailed answers an admin command that could not be done: a refusal with its message, for
// the operator at the socket (it names kiosk ids and profiles, never personal data), and any
// other failure through the usual path (500, or 503 for a full or read-only store).
func (s *Server) adminFailed(w http.ResponseWriter, what string, err error) {
	var refused *refusedError
	if !errors.As(err, &refused) {
		s.internalError(w, "admin "+what, err)
		return
	}
	s.log.Warn("admin: command refused", "command", what)
	writeError(w, http.StatusBadRequest, "refused", refused.Error())
}

// ServeAdmin serves h on a Unix domain socket at path until ctx ends. A socket file left by a
// server that died is replaced; one that a running server answers on is not.
func ServeAdmin(ctx context.Context, path string, h http.Handler) error {
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return fmt.Errorf("admin socket %s: another server is answering on it", path)
	}
	_ = os.Remove(path)
	// The socket is made under a temporary name, given its mode, and only then renamed into
	// place: its path never shows a socket with the umask's mode, not even for an instant.
	tmp := path + ".new"
	_ = os.Remove(tmp)
	ln, err := net.Listen("unix", tmp)
	if err != nil {
		return fmt.Errorf("admin socket: %w", err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false) // the path is removed below, by its final name
	if err := os.Chmod(tmp, 0o600); err != nil {
		ln.Close()
		_ = os.Remove(tmp)
		return fmt.Errorf("admin socket: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		ln.Close()
		_ = os.Remove(tmp)
		return fmt.Errorf("admin socket: %w", err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ConnContext: withPeer}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		_ = os.Remove(path)
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = hs.Shutdown(shutdown)
	_ = os.Remove(path)
	return err
}
