package park

import (
	"os"
	"sync/atomic"
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

// A sendfile(2) of a file's bytes that are all in the page cache is
// made as a raw system call (no entersyscall): the goroutine keeps its
// P, as nginx's single thread does. Made the usual way, a call that
// lasts more than a sysmon tick (20 us; 0.5-1 ms for 1 MiB on
// loopback, where the sender also runs the receiver's TCP work) has
// its P retaken and handed to another thread, and sysmon stays at its
// 20 us period for as long as such calls go on: with GOMAXPROCS=1 that
// cost 10-15% of the server's CPU for 1 MiB ranges. Small sends are
// made the usual way (they rarely last a tick, and the page-cache
// check would cost them a system call); a send that may read the disk
// is too, so that a cold file never holds a P while it waits for the
// disk. rawSendMax bounds how long one call holds the P, as nginx's
// sendfile_max_chunk (2m) bounds its sendfile.
const (
	rawSendMin = 128 << 10
	rawSendMax = 2 << 20
)

// noCachestat is set when cachestat(2) is missing (Linux < 6.5) or
// refused (seccomp): every send is then made the usual way.
var noCachestat atomic.Bool

var pageSize = int64(os.Getpagesize())

// inPageCache reports whether the n bytes of file fd at off are all
// in the page cache, so that sending them reads no disk.
func inPageCache(fd int, off, n int64) bool {
	if noCachestat.Load() {
		return false
	}
	cr := unix.CachestatRange{Off: uint64(off), Len: uint64(n)}
	var cs unix.Cachestat_t
	_, _, e := unix.RawSyscall6(unix.SYS_CACHESTAT, uintptr(fd), uintptr(unsafe.Pointer(&cr)), uintptr(unsafe.Pointer(&cs)), 0, 0, 0)
	if e != 0 {
		if e == unix.ENOSYS || e == unix.EPERM {
			noCachestat.Store(true)
		}
		return false
	}
	pages := (off+n-1)/pageSize - off/pageSize + 1
	return int64(cs.Cache) >= pages
}

// Sendfile sends up to n bytes of file fd from *off to the socket
// behind raw with sendfile(2), advancing *off. The socket is
// non-blocking: when it has no room the call waits within the
// connection's write deadline (the caller sets it). A send of at
// least rawSendMin bytes that are all in the page cache is made as a
// raw system call of at most rawSendMax bytes (see rawSendMin), when
// holdP allows it: the caller sends the rest with further calls. A raw
// call keeps its P for all its length, and every goroutine behind it
// in the run queue waits that long: the caller allows it only while
// few goroutines compete.
func Sendfile(raw syscall.RawConn, fd int, off *int64, n int64, holdP bool) (int64, error) {
	var sent int
	var serr error
	err := raw.Write(func(sfd uintptr) bool {
		m := min(n, 1<<30)
		if holdP && m >= rawSendMin && inPageCache(fd, *off, min(m, rawSendMax)) {
			m = min(m, rawSendMax)
			r, _, e := unix.RawSyscall6(unix.SYS_SENDFILE, sfd, uintptr(fd), uintptr(unsafe.Pointer(off)), uintptr(m), 0, 0)
			sent, serr = int(r), nil
			if e != 0 {
				sent, serr = -1, e
			}
		} else {
			sent, serr = unix.Sendfile(int(sfd), fd, off, int(m))
		}
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
