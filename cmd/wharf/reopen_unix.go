//go:build unix

package main

import (
	"os"
	"syscall"
)

// reopenSignals reopen the access log file (logrotate's postrotate).
var reopenSignals = []os.Signal{syscall.SIGUSR1}
