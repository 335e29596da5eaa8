package main

import (
	"log/slog"

	"github.com/coreos/go-systemd/v22/daemon"
)

// notify tells the service manager about the process's state
// (sd_notify(3)): "READY=1" once serving (Type=notify units wait for
// it), "STOPPING=1" when a shutdown begins, and, from a process started
// by a restart, "MAINPID=<pid>" with its READY=1, so that systemd
// follows the new process (the unit needs NotifyAccess=all for that).
// Without NOTIFY_SOCKET in the environment it does nothing. A failure
// is logged, never fatal: serving matters more than telling.
func notify(log *slog.Logger, state string) {
	// unsetEnvironment false: a process started by a restart needs
	// NOTIFY_SOCKET too.
	if _, err := daemon.SdNotify(false, state); err != nil {
		log.Warn("sd_notify failed", "state", state, "err", err)
	}
}
