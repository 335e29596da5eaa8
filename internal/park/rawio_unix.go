//go:build unix

package park

import "syscall"

// waitReadable waits until the socket has bytes to read (or EOF or an
// error to report), without reading them, within the read deadline set
// on the connection.
//
// It looks (MSG_PEEK) rather than waiting once and trusting the
// wake-up: RawConn.Read clears the runtime poller's readiness before
// its first call, so bytes that arrived between the owner's last read
// and that moment raise no new edge, and the value would sleep until
// its deadline with a request in its socket buffer.
func waitReadable(raw syscall.RawConn) error {
	return raw.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return err != syscall.EAGAIN && err != syscall.EINTR
	})
}
