//go:build !unix

package park

import "syscall"

// readNowFD is not available here: nothing read, not gone, so the
// owner does not look before it parks, and a parked connection wakes
// when its bytes arrive.
func readNowFD(fd uintptr, p []byte) (int, bool) { return 0, false }

// sendNowFD is not available here: it returns 0, and the owner writes
// the ordinary way.
func sendNowFD(fd uintptr, p []byte) int { return 0 }

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
