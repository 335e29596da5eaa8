//go:build !linux

package park

import (
	"errors"
	"syscall"
)

// sendfile(2) and TCP_CORK are used on Linux only (sendfile_linux.go);
// elsewhere the caller copies file bodies through the connection.

func DupFile(sc syscall.Conn, at, n int64) (int, int64, error) { return -1, 0, errors.ErrUnsupported }
func CloseFile(fd int)                                         {}
func Sendfile(raw syscall.RawConn, fd int, off *int64, n int64) (int64, error) {
	return 0, errors.ErrUnsupported
}
func SetCork(raw syscall.RawConn, on bool) bool { return false }
func FileFD(sc syscall.Conn) (int, error)       { return -1, errors.ErrUnsupported }
func SendMore(raw syscall.RawConn, p []byte) (int, error) {
	return 0, errors.ErrUnsupported
}
