//go:build unix && !linux

package park

import "syscall"

// readNowFD reads what fd holds now (see RawIO.ReadNowGone).
func readNowFD(fd uintptr, p []byte) (n int, gone bool) {
	m, err := syscall.Read(int(fd), p)
	switch {
	case err == nil:
		return m, m == 0
	case err != syscall.EAGAIN && err != syscall.EINTR:
		return 0, true
	}
	return 0, false
}

// sendNowFD sends what of p fd takes now (see RawIO.WriteNow).
func sendNowFD(fd uintptr, p []byte) int {
	m, err := syscall.SendmsgN(int(fd), p, nil, nil, syscall.MSG_DONTWAIT)
	if err != nil || m < 0 {
		return 0
	}
	return m
}
