//go:build !unix

package main

import (
	"context"
	"errors"
	"io"
	"time"
)

// Restarts (SIGHUP) need descriptors inherited across exec: Unix only
// (restart.go).

const restartTimeout = time.Minute

var errNoRestart = errors.New("restarts are not supported on this system")

func inherited() ([]namedListener, error) { return nil, nil }

type parentPipe struct{}

func takeParentPipe() *parentPipe { return nil }

func (p *parentPipe) serving() error { return errNoRestart }

func (p *parentPipe) failed(err error) {}

type restart struct{}

func startRestart(args []string, named []namedListener, stdout, stderr io.Writer) (*restart, error) {
	return nil, errNoRestart
}

func (r *restart) pid() int { return 0 }

func (r *restart) wait(ctx context.Context, timeout time.Duration) error { return errNoRestart }
