//go:build !unix

package main

import (
	"context"
	"errors"
	"io"
	"os"
	"time"
)

// Restarts (SIGHUP) need descriptors inherited across exec: Unix only
// (restart.go).

const restartTimeout = time.Minute

var errNoRestart = errors.New("restarts are not supported on this system")

func inherited() ([]namedListener, *os.File, error) { return nil, nil, nil }

func tellReady(ready *os.File) error { return errNoRestart }

type restart struct{}

func startRestart(args []string, named []namedListener, stdout, stderr io.Writer) (*restart, error) {
	return nil, errNoRestart
}

func (r *restart) pid() int { return 0 }

func (r *restart) wait(ctx context.Context, timeout time.Duration) error { return errNoRestart }
