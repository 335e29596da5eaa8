//go:build !unix

package main

import (
	"errors"
	"syscall"
)

// reusePort refuses: SO_REUSEPORT is a Unix socket option.
func reusePort(network, address string, c syscall.RawConn) error {
	return errors.New("--reuseport: SO_REUSEPORT is not supported on this system")
}
