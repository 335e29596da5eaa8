//go:build unix && !linux

package park

import "syscall"

// ReadNow reads what the socket behind raw holds now, without waiting
// and without the runtime poller's deadline check: the bytes read, or 0
// when there are none (or at EOF or on an error, which the next
// ordinary read reports).
func ReadNow(raw syscall.RawConn, p []byte) int {
	n := 0
	raw.Control(func(fd uintptr) {
		m, err := syscall.Read(int(fd), p)
		if err == nil && m > 0 {
			n = m
		}
	})
	return n
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
