package park

import (
	"syscall"
	"unsafe"
)

// readNowFD reads what fd holds now (see RawIO.ReadNowGone).
func readNowFD(fd uintptr, p []byte) (n int, gone bool) {
	r, _, errno := syscall.RawSyscall6(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), 0, 0, 0)
	switch {
	case errno == 0:
		return int(r), r == 0
	case errno != syscall.EAGAIN && errno != syscall.EINTR:
		return 0, true
	}
	return 0, false
}

// sendNowFD sends what of p fd takes now (see RawIO.WriteNow).
func sendNowFD(fd uintptr, p []byte) int {
	return rawIO(syscall.SYS_SENDTO, fd, p, syscall.MSG_DONTWAIT|syscall.MSG_NOSIGNAL)
}

// rawIO makes a read(2) or send(2) that cannot block without telling
// the scheduler (RawSyscall6), and returns the bytes moved, or 0.
//
// Why raw: told of a system call, Go's scheduler lets its monitor
// thread (sysmon) hand the P to another thread when the call outlasts
// its tick, 20 us when it is busy. On a loopback socket a send also
// runs the receiver's TCP processing and sometimes takes that long; on
// a GOMAXPROCS=1 server each hand-off is a futex wake and two context
// switches, and every hand-off keeps sysmon on its shortest tick, so
// that it wakes every 100 us or so, preempting the server's thread on
// its own CPU: measured under 1,000 busy connections, 10,000-15,000
// context switches in 3 s where fasthttp, whose goroutines block in
// the runtime's poller between requests, has under 1,000. A call that
// cannot block is never worth a hand-off.
func rawIO(trap uintptr, fd uintptr, p []byte, flags uintptr) int {
	if len(p) == 0 {
		return 0
	}
	r, _, errno := syscall.RawSyscall6(trap, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), flags, 0, 0)
	if errno != 0 {
		return 0
	}
	return int(r)
}
