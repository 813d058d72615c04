package main

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// hardenProcess keeps the process's memory out of files and other processes' reach: no core
// dump (RLIMIT_CORE 0, hard limit too, so nothing in the process can raise it again) and not
// dumpable (PR_SET_DUMPABLE 0: no core, no ptrace attach by the same user, /proc/PID/mem closed).
// A kiosk's memory holds the person in front of it; the server's holds everyone.
func hardenProcess() error {
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0}); err != nil {
		return fmt.Errorf("turn off core dumps: %w", err)
	}
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("mark the process not dumpable: %w", err)
	}
	return nil
}

// processGone reports whether no process has this id (signal 0 checks without sending).
func processGone(pid int) bool { return errors.Is(unix.Kill(pid, 0), unix.ESRCH) }
