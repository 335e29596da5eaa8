package wharf

import (
	"bytes"
	"errors"
	"io"
	"time"

	"github.com/wharfhttp/wharf/internal/http1"
	"github.com/wharfhttp/wharf/internal/monotime"
	"github.com/wharfhttp/wharf/internal/park"
)

// setWriteDeadline arms the write timeout before a write. To save a
// timer update per response it is re-armed only once half of it has
// passed, so a write may take between half and all of WriteTimeout.
func (c *conn) setWriteDeadline() {
	t := c.srv.cfg.writeTimeout
	if t <= 0 {
		return
	}
	now := monoNow()
	if c.wdl-now < mono(t/2) {
		c.wdl = now + mono(t)
		c.nc.SetWriteDeadline(c.wdl.Time())
	}
}

func isTimeout(err error) bool { return park.IsTimeout(err) }

// flush writes c.wbuf to the client.
func (c *conn) flush() error {
	if c.werr != nil {
		return c.werr
	}
	if len(c.wbuf) == 0 {
		return nil
	}
	// Most answers fit in the socket's buffer: one send that cannot
	// block (park.RawIO says why it is made raw); the rest, if any,
	// the ordinary way, within the write deadline.
	p := c.wbuf
	if c.raw != nil {
		n := c.rio.WriteNow(p)
		c.out += int64(n)
		p = p[n:]
	}
	var err error
	if len(p) > 0 {
		c.setWriteDeadline()
		var n int
		n, err = c.nc.Write(p)
		c.out += int64(n)
	}
	c.wbuf = c.wbuf[:0]
	if err != nil {
		c.writeFailed(err)
	}
	return err
}

// writeVec writes c.wbuf followed by p in one writev(2).
func (c *conn) writeVec(p ...[]byte) error {
	if c.werr != nil {
		return c.werr
	}
	c.vecArr[0] = c.wbuf
	k := 1 + copy(c.vecArr[1:], p)
	c.vec = c.vecArr[:k]
	c.setWriteDeadline()
	n, err := c.vec.WriteTo(c.nc)
	c.out += n
	c.vecArr = [3][]byte{}
	c.vec = nil
	c.wbuf = c.wbuf[:0]
	if err != nil {
		c.writeFailed(err)
	}
	return err
}

// writeFailed records a failed write: nothing more is written, and the
// handler's context, if one runs, is cancelled (the client is gone).
func (c *conn) writeFailed(err error) {
	c.werr = err
	if c.ctx != nil {
		c.ctx.cancel(nil)
	}
}

// close closes the connection now. The owner calls it once.
func (c *conn) close() {
	c.flush()
	c.nc.Close()
	c.release()
	c.setPending("")
	c.srv.untrack(c)
}

// closeLinger flushes, then half-closes the connection and discards
// what the client still sends for a short while before closing, so
// that the answer is not destroyed by a reset (RFC 9112 9.6). The wait
// runs on a goroutine of its own (bounded in number) so that it holds
// no worker.
func (c *conn) closeLinger() {
	c.flush()
	c.release()
	c.setPending("")
	s := c.srv
	select {
	case s.lingerSem <- struct{}{}:
		s.lingerWG.Add(1)
		go func() {
			defer s.lingerWG.Done()
			lingerClose(c.nc, 250*time.Millisecond)
			<-s.lingerSem
			s.untrack(c)
		}()
	default:
		c.nc.Close()
		s.untrack(c)
	}
}

// fail answers a request that could not be parsed and closes the
// connection: after a framing error no later byte can be trusted as the
// start of a request.
func (c *conn) fail(pe *http1.Error) { c.failRequest(pe, nil, c.headStart) }

// failRequest is fail for request r (nil when none was parsed), whose
// head began to arrive at start.
func (c *conn) failRequest(pe *http1.Error, r *Request, start mono) {
	s := c.srv
	if pe.Status == 408 {
		s.count.headTimeouts.Add(1)
	} else {
		s.count.bad.Add(1)
	}
	at := len(c.wbuf)
	base := c.out + int64(at)
	c.wbuf = http1.AppendErrorResponse(c.wbuf, pe.Status, pe.Reason, currentDate())
	if s.cfg.observer != nil {
		head := int64(bytes.Index(c.wbuf[at:], []byte("\r\n\r\n")) + 4)
		c.flush()
		c.observeFail(pe.Status, r, start, base, head)
	}
	c.closeLinger()
}

// readBody reads request body bytes for the body reader: first what is
// buffered, then from the connection with the body deadline.
func (c *conn) readBody(p []byte, deadline time.Time) (int, error) {
	if c.r1 > c.r0 {
		n := copy(p, c.rbuf[c.r0:c.r1])
		c.r0 += n
		return n, nil
	}
	// Answers to earlier pipelined requests go out before waiting for
	// the client: it may be waiting for them before it sends the body.
	if err := c.flush(); err != nil {
		return 0, err
	}
	n, err := c.readSlowly(p, deadline, true)
	if err != nil && isTimeout(err) {
		c.srv.count.bodyTimeouts.Add(1)
		err = errBodyTimeout
	}
	return n, err
}

// readSlowly reads request body bytes into p, waiting for the client
// until deadline (zero: no limit). A client that sends nothing for
// parkGrace is waited for without a worker: the job gives its worker up
// (pool.Lease.Detach: the pool starts another, so queued connections go
// on) and takes one back when bytes come, queued like any job. So
// clients that trickle large bodies hold no worker, as clients that
// trickle heads or small bodies are parked.
//
// With fill (p is no larger than what is left of a body whose length is
// known), a detached read goes on until p is full: a trickling client
// then costs one hand-back of a worker per len(p) bytes, not one per
// packet.
func (c *conn) readSlowly(p []byte, deadline time.Time, fill bool) (int, error) {
	// Bytes already in the socket (an upload at speed) are taken
	// without touching the read deadline, a timer update per read.
	if n := c.readNow(p); n > 0 {
		return n, nil
	}
	dl := monotime.Of(deadline)
	if grace := monoNow() + mono(parkGrace); dl == 0 || grace < dl {
		c.setReadDeadline(grace)
		n, err := c.nc.Read(p)
		c.noteRead(n, p)
		if n > 0 || !isTimeout(err) {
			return n, err
		}
		if c.lease == nil {
			c.lease = c.srv.pool.Lease()
		}
		c.lease.Detach()
	}
	c.setReadDeadline(dl)
	n, err := c.nc.Read(p)
	for fill && err == nil && n < len(p) {
		var m int
		m, err = c.nc.Read(p[n:])
		n += m
	}
	c.noteRead(n, p)
	if n > 0 && err != nil && !isTimeout(err) {
		err = nil // the next read reports it
	}
	if c.lease != nil {
		// On error (the server shutting down) the job goes on
		// detached: it is one of the jobs Shutdown lets finish.
		c.lease.Attach(c.srv.ctx)
	}
	return n, err
}

// endLease ends the job's pool.Lease, if it took one (readSlowly), when
// the job returns.
func (c *conn) endLease() {
	if c.lease != nil {
		c.lease.Done()
		c.lease = nil
	}
}

// fillBody reads more body bytes into rbuf (for the chunked decoder).
func (c *conn) fillBody(deadline time.Time) error {
	if err := c.flush(); err != nil {
		return err
	}
	if !c.makeRoom(false) {
		return &http1.Error{Status: 400, Reason: "chunk framing too long"}
	}
	n, err := c.readSlowly(c.rbuf[c.r1:], deadline, false)
	c.r1 += n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	if isTimeout(err) {
		c.srv.count.bodyTimeouts.Add(1)
		err = errBodyTimeout
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

var errBodyTimeout = errors.New("wharf: request body not received in time")
