package park

import (
	"syscall"

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

// Sendfile sends up to n bytes of file fd from *off to the socket
// behind raw with sendfile(2), advancing *off. The socket is
// non-blocking: when it has no room the call waits within the
// connection's write deadline (the caller sets it).
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
