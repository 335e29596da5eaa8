//go:build !unix

package park

import "syscall"

// ReadNow is not available here: it returns 0, so the owner does not
// look before it parks, and a parked connection wakes when its bytes
// arrive.
func ReadNow(raw syscall.RawConn, p []byte) int { return 0 }

// ReadNowGone is not available here either: nothing read, not gone.
func ReadNowGone(raw syscall.RawConn, p []byte) (int, bool) { return 0, false }

// WriteNow is not available here: it returns 0, and the owner writes
// the ordinary way.
func WriteNow(raw syscall.RawConn, p []byte) int { return 0 }

// waitReadable waits until the socket has bytes to read (or EOF or an
// error to report). On Windows RawConn.Read waits with a zero-byte
// read after the callback's first false, which completes at once when
// bytes are already there.
func waitReadable(raw syscall.RawConn) error {
	first := true
	return raw.Read(func(uintptr) bool {
		if first {
			first = false
			return false
		}
		return true
	})
}
