package server

import (
	"context"
	"net"
	"net/http"
	"os"
	"syscall"
)

type peerKey struct{}

// withPeer records the user id of the process at the other end of a Unix socket connection
// (SO_PEERCRED), or -1 when it cannot be read.
func withPeer(ctx context.Context, c net.Conn) context.Context {
	uid := -1
	if uc, ok := c.(*net.UnixConn); ok {
		if raw, err := uc.SyscallConn(); err == nil {
			_ = raw.Control(func(fd uintptr) {
				if cred, err := syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED); err == nil {
					uid = int(cred.Uid)
				}
			})
		}
	}
	return context.WithValue(ctx, peerKey{}, uid)
}

// peerChecked serves only peers that run as this server's user or as root.
func (s *Server) peerChecked(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uid, _ := r.Context().Value(peerKey{}).(int)
		if uid != os.Getuid() && uid != 0 {
			s.log.Warn("admin: connection refused", "peer_uid", uid)
			writeError(w, http.StatusForbidden, "forbidden", "run this as the server's user or as root")
			return
		}
		h.ServeHTTP(w, r)
	})
}
