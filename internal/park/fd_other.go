//go:build !linux

package park

import (
	"errors"
	"net"
)

var errNoFD = errors.New("park: no file descriptor")

// Bare descriptors exist only on Linux (fd_linux.go); elsewhere the
// caller never makes one (Set.Ages is false) and these fail or do
// nothing.

func Detach(fd int32) (int32, error)    { return -1, errors.ErrUnsupported }
func Revive(fd int32) (net.Conn, error) { return nil, errors.ErrUnsupported }
func CloseFD(fd int32)                  {}
func SendNow(fd int32, b []byte)        {}
func Pending(fd int32) bool             { return false }
func PeerAddr(fd int32) string          { return "" }
