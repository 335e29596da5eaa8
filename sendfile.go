package wharf

import (
	"errors"
	"io"
	"net"
	"time"

	"github.com/wharfhttp/wharf/internal/monotime"
	"github.com/wharfhttp/wharf/internal/park"
)

// A fileSend is a file body still to be sent after its handler
// returned. The connection owns fd (a duplicate of the handler's file
// descriptor, so the handler may close its file).
type fileSend struct {
	fd         int
	off        int64
	remaining  int64
	progress   time.Time // last time the client took bytes
	closeAfter bool      // close the connection once it is sent
	corked     bool      // TCP_CORK is set on the connection for this send
	hold       io.Closer // non-nil: fd is the handler's own, kept open until hold.Close

	// ans is the answer the Observer is told of when the send ends
	// (endSend); nil without an Observer. total is the file body's
	// length, of which remaining is still to send.
	ans   *pendingAnswer
	total int64
}

var errFileShrank = errors.New("wharf: file shorter than its Content-Length")

// continueSend sends the rest of c.send. A client that does not take
// the bytes within parkGrace gets its connection parked until it is
// writable (WriteTimeout still bounds each wait). It reports whether
// the worker goes on serving the connection; false means it was parked
// or closed.
func (c *conn) continueSend() bool {
	// Head and body leave in full segments, as nginx's tcp_nopush
	// does: without it the socket, TCP_NODELAY as Go sets it, pushes
	// the head alone and each piece sendfile adds as buffer space
	// frees up, and the client needs more reads and wake-ups for the
	// same bytes. The head goes with MSG_MORE (the sendfile that ends
	// the body pushes it); TCP_CORK, two more system calls, is set
	// only for a body that takes more than one sendfile.
	var err error
	if c.send.remaining > 0 {
		err = c.flushMore()
	} else {
		err = c.flush() // nothing would push a head sent with MSG_MORE
	}
	if err != nil {
		c.closeSend(err)
		return false
	}
	fs := c.send
	for fs.remaining > 0 {
		n, err := c.sendChunk(fs)
		fs.remaining -= n
		c.out += n // the work's count: it may be another work after a park
		if n > 0 {
			fs.progress = time.Now()
		}
		if fs.remaining > 0 && !fs.corked {
			fs.corked = c.setCork(true)
		}
		switch {
		case err == nil && n == 0:
			c.srv.cfg.log.Warn("file changed while sent; closing", "err", errFileShrank)
			c.closeSend(errFileShrank)
			return false
		case err == nil:
		case isTimeout(err):
			var hard time.Time
			if t := c.srv.cfg.writeTimeout; t > 0 {
				hard = fs.progress.Add(t)
				if !time.Now().Before(hard) {
					c.srv.count.slowReaders.Add(1)
					c.abort()
					return false
				}
			}
			c.release()
			c.srv.parkWrite(c, hard)
			return false
		default:
			c.closeSend(err)
			return false
		}
	}
	c.endSend(nil)
	fs.close()
	c.send = nil
	if fs.corked {
		c.setCork(false) // pushes the last partial segment
	}
	if fs.closeAfter {
		if c.r1 == c.r0 {
			c.close()
		} else {
			c.closeLinger()
		}
		return false
	}
	return true
}

// abort resets a connection whose client stopped reading (write
// timeout): the bytes queued in the kernel for it are dropped at once
// instead of lingering in an orphaned socket.
func (c *conn) abort() {
	if tc, ok := c.nc.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.closeSend(errWriteTimeout)
}

// closeSend drops the send, which err cut short, and closes the
// connection.
func (c *conn) closeSend(err error) {
	if c.send != nil {
		c.endSend(err)
		c.send.close()
		c.send = nil
	}
	c.werr = err // nothing more may be written
	c.close()
}

// canSendLater reports whether a file body can be handed to the
// connection to send after the handler returns: it needs a descriptor
// and a set that can wait for writability.
func (c *conn) canSendLater() bool {
	return c.raw != nil && c.send == nil && c.srv.parked.WaitsWritable()
}

// setCork sets or clears TCP_CORK on the connection; it reports
// whether that worked.
func (c *conn) setCork(on bool) bool { return park.SetCork(c.raw, on) }

// flushMore writes c.wbuf, the head of a file answer, with MSG_MORE
// (park.SendMore): the kernel holds its last partial segment until the
// body's bytes join it.
func (c *conn) flushMore() error {
	if c.werr != nil {
		return c.werr
	}
	if len(c.wbuf) == 0 {
		return nil
	}
	c.setWriteDeadline()
	n, err := park.SendMore(c.raw, c.wbuf)
	if n == 0 && errors.Is(err, errors.ErrUnsupported) {
		return c.flush()
	}
	c.out += int64(n)
	c.wbuf = c.wbuf[:0]
	if err != nil {
		c.writeFailed(err)
	}
	return err
}

// A heldFile is a file body whose descriptor the connection may use
// as it is, without duplicating it (two system calls per answer: the
// fcntl and the close), because its owner keeps the file open until
// told otherwise: HoldFile returns a Closer whose Close says the
// connection is done with the descriptor, or nil if the file cannot
// be held (then it is duplicated). A file server's open-file cache
// holds its files this way, by reference count. Only files that also
// say their offset (FileOffset) are held: the descriptor's own offset
// may be shared, so it is never used.
type heldFile interface {
	HoldFile() io.Closer
}

// newFileSend notes f's descriptor, held (heldFile) or duplicated, and
// its offset (see regularFile).
func newFileSend(f regularFile, n int64) (*fileSend, error) {
	at := int64(-1)
	if fo, ok := f.(interface{ FileOffset() int64 }); ok {
		at = fo.FileOffset()
	}
	if hf, ok := f.(heldFile); ok && at >= 0 {
		if hold := hf.HoldFile(); hold != nil {
			fd, err := park.FileFD(f)
			if err == nil {
				return &fileSend{fd: fd, off: at, remaining: n, hold: hold}, nil
			}
			hold.Close()
		}
	}
	fd, off, err := park.DupFile(f, at, n)
	if err != nil {
		return nil, err
	}
	return &fileSend{fd: fd, off: off, remaining: n}, nil
}

func (fs *fileSend) close() {
	switch {
	case fs.hold != nil:
		fs.hold.Close() // the descriptor is its owner's: not closed here
		fs.hold = nil
		fs.fd = -1
	case fs.fd >= 0:
		park.CloseFile(fs.fd)
		fs.fd = -1
	}
}

// sendChunk sends file bytes with sendfile(2) on the non-blocking
// socket, waiting at most parkGrace for it to become writable.
func (c *conn) sendChunk(fs *fileSend) (int64, error) {
	dl := time.Now().Add(parkGrace)
	c.wdl = monotime.Of(dl)
	c.nc.SetWriteDeadline(dl)
	return park.Sendfile(c.raw, fs.fd, &fs.off, fs.remaining)
}
