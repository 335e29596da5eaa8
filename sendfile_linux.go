package wharf

import (
	"time"

	"golang.org/x/sys/unix"
)

// canSendLater reports whether a file body can be handed to the
// connection to send after the handler returns.
func (c *conn) canSendLater() bool {
	_, epoll := c.srv.parker.poll.(*epoller)
	return c.raw != nil && epoll && c.send == nil
}

// setCork sets or clears TCP_CORK on the connection; it reports
// whether that worked.
func (c *conn) setCork(on bool) bool {
	v := 0
	if on {
		v = 1
	}
	var err error
	cerr := c.raw.Control(func(fd uintptr) {
		err = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_CORK, v)
	})
	return cerr == nil && err == nil
}

// newFileSend duplicates f's descriptor and notes its offset (see
// regularFile).
func newFileSend(f regularFile, n int64) (*fileSend, error) {
	sc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	fs := &fileSend{fd: -1, remaining: n}
	fo, explicit := f.(interface{ FileOffset() int64 })
	var derr error
	cerr := sc.Control(func(fd uintptr) {
		fs.fd, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
		switch {
		case derr != nil:
		case explicit:
			// sendfile(2) with an offset neither reads nor moves the
			// descriptor's own.
			fs.off = fo.FileOffset()
		default:
			fs.off, derr = unix.Seek(int(fd), 0, 1 /* io.SeekCurrent */)
			if derr == nil {
				// The caller's offset moves as if it had read the body.
				_, derr = unix.Seek(int(fd), n, 1)
			}
		}
	})
	if cerr == nil {
		cerr = derr
	}
	if cerr != nil {
		fs.close()
		return nil, cerr
	}
	return fs, nil
}

func (fs *fileSend) close() {
	if fs.fd >= 0 {
		unix.Close(fs.fd)
		fs.fd = -1
	}
}

// sendChunk sends file bytes with sendfile(2) on the non-blocking
// socket, waiting at most parkGrace for it to become writable.
func (c *conn) sendChunk(fs *fileSend) (int64, error) {
	dl := time.Now().Add(parkGrace)
	c.wdl = toMono(dl)
	c.nc.SetWriteDeadline(dl)
	var n int
	var serr error
	err := c.raw.Write(func(sfd uintptr) bool {
		n, serr = unix.Sendfile(int(sfd), fs.fd, &fs.off, int(min(fs.remaining, 1<<30)))
		if serr == unix.EINTR {
			return false
		}
		return serr != unix.EAGAIN // else wait until writable
	})
	if n < 0 {
		n = 0
	}
	if err == nil {
		err = serr
	}
	return int64(n), err
}
