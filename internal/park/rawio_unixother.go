//go:build unix && !linux

package park

import "syscall"

// ReadNowGone is ReadNow that also reports, when it read nothing,
// whether the peer is gone: the socket is at EOF or has an error
// (the next ordinary read reports which), rather than empty.
func ReadNowGone(raw syscall.RawConn, p []byte) (n int, gone bool) {
	if len(p) == 0 {
		return 0, false
	}
	raw.Control(func(fd uintptr) {
		m, err := syscall.Read(int(fd), p)
		switch {
		case err == nil:
			n, gone = m, m == 0
		case err != syscall.EAGAIN && err != syscall.EINTR:
			gone = true
		}
	})
	return n, gone
}

// WriteNow writes what of p the socket behind raw takes now, without
// waiting, and returns how much it took: 0 when none (or on an error,
// which the next ordinary write reports).
func WriteNow(raw syscall.RawConn, p []byte) int {
	n := 0
	raw.Control(func(fd uintptr) {
		m, err := syscall.SendmsgN(int(fd), p, nil, nil, syscall.MSG_DONTWAIT)
		if err == nil && m > 0 {
			n = m
		}
	})
	return n
}
