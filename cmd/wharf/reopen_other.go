//go:build !unix

package main

import "os"

// reopenSignals is empty where there is no SIGUSR1.
var reopenSignals []os.Signal
