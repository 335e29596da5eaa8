package park

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// DupFile duplicates the descriptor of a file to send, so that its
// owner may close the file while the copy is sent. With at >= 0 the
// body starts at that offset and the file's own offset is left alone
// (sendfile(2) with an offset neither reads nor moves it); with at < 0
// it starts at the file's current offset, which is moved past the n
// bytes as if they had been read. It returns the duplicate and the
// offset to send from.
func DupFile(sc syscall.Conn, at, n int64) (fd int, off int64, err error) {
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1, 0, err
	}
	fd = -1
	var derr error
	cerr := raw.Control(func(ffd uintptr) {
		fd, derr = unix.FcntlInt(ffd, unix.F_DUPFD_CLOEXEC, 0)
		switch {
		case derr != nil:
		case at >= 0:
			off = at
		default:
			off, derr = unix.Seek(int(ffd), 0, 1 /* io.SeekCurrent */)
			if derr == nil {
				_, derr = unix.Seek(int(ffd), n, 1)
			}
		}
	})
	if cerr == nil {
		cerr = derr
	}
	if cerr != nil {
		if fd >= 0 {
			unix.Close(fd)
		}
		return -1, 0, cerr
	}
	return fd, off, nil
}

// CloseFile closes a descriptor from DupFile.
func CloseFile(fd int) { unix.Close(fd) }

// FileFD returns the descriptor behind sc itself, not a duplicate: the
// caller must keep the file open for as long as it uses the number.
func FileFD(sc syscall.Conn) (int, error) {
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	if err := raw.Control(func(ffd uintptr) { fd = int(ffd) }); err != nil {
		return -1, err
	}
	return fd, nil
}

// SendMore writes p to the socket behind raw with MSG_MORE, waiting
// within the connection's write deadline when the socket is full. The
// kernel holds back the last partial segment for the data that comes
// next (a file body sent with Sendfile), as TCP_CORK would, and the
// Sendfile that ends the body pushes it: head and body leave in full
// segments without the two setsockopt calls of a cork. It returns the
// number of bytes written.
func SendMore(raw syscall.RawConn, p []byte) (int, error) {
	sent := 0
	var serr error
	err := raw.Write(func(fd uintptr) bool {
		for sent < len(p) {
			r, _, e := unix.Syscall6(unix.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&p[sent])), uintptr(len(p)-sent),
				unix.MSG_MORE|unix.MSG_NOSIGNAL, 0, 0)
			switch e {
			case 0:
				sent += int(r)
			case unix.EINTR:
			case unix.EAGAIN:
				return false // wait until writable
			default:
				serr = e
				return true
			}
		}
		return true
	})
	if err == nil {
		err = serr
	}
	return sent, err
}

// Sendfile sends up to n bytes of file fd from *off to the socket
// behind raw with sendfile(2), advancing *off. The socket is
// non-blocking: when it has no room the call waits within the
// connection's write deadline (the caller sets it).
//
// The call is an ordinary system call, which lets the scheduler hand
// the P to another thread while it lasts (0.5-1 ms for 1 MiB on
// loopback). Made raw for cached bytes (no hand-off: 10-15% less CPU
// for 1 MiB ranges at GOMAXPROCS=1), hundreds of sends at once held
// every P, and a new client's request waited up to 0.7 s behind them
// in the slow-read attack (internal/attacktest; 6-25 ms with ordinary
// calls). Raw only while few jobs ran still let one through at 591 ms.
// Without it a 1 MiB range is 1.13x nginx's req/s, a 10 MB file 1.03x
// (bench/run, 2 rounds).
func Sendfile(raw syscall.RawConn, fd int, off *int64, n int64) (int64, error) {
	var sent int
	var serr error
	err := raw.Write(func(sfd uintptr) bool {
		sent, serr = unix.Sendfile(int(sfd), fd, off, int(min(n, 1<<30)))
		if serr == unix.EINTR {
			return false
		}
		return serr != unix.EAGAIN // else wait until writable
	})
	if sent < 0 {
		sent = 0
	}
	if err == nil {
		err = serr
	}
	return int64(sent), err
}

// SetCork sets or clears TCP_CORK on the socket behind raw; it reports
// whether that worked.
func SetCork(raw syscall.RawConn, on bool) bool {
	v := 0
	if on {
		v = 1
	}
	var err error
	cerr := raw.Control(func(fd uintptr) {
		err = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_CORK, v)
	})
	return cerr == nil && err == nil
}
