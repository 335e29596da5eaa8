package wharf

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"time"
)

// A Hijacker is a ResponseWriter that lets its handler take the
// connection over, for a protocol other than HTTP/1.1 after the
// request (a WebSocket after "101 Switching Protocols", a tunnel). The
// server's ResponseWriter implements it; wrappers may not.
//
// Hijack flushes what was written of the answer (the status line and
// header if WriteHeader was called, and the body so far), and the
// answers of earlier pipelined requests, then hands over:
//
//   - the net.Conn, with no deadline set; the handler must close it;
//   - a bufio.ReadWriter whose Reader first returns the bytes the
//     server had read past the request's head (the unread body, or
//     what the client sent next) and then reads the connection, and
//     whose Writer writes to the connection (Flush it).
//
// From then on the connection is the handler's: the server no longer
// counts it (MaxConns, MaxConnsPerIP), times it out, answers on it or
// closes it, and Shutdown and Close neither wait for it nor close it
// (as in net/http). Request.Body must not be read after Hijack.
// Request.Context stays valid, but no longer watches the client; it
// is cancelled when the handler returns.
type Hijacker interface {
	Hijack() (net.Conn, *bufio.ReadWriter, error)
}

var _ Hijacker = (*response)(nil)

// Hijack implements Hijacker.
func (w *response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	switch {
	case w.done:
		return nil, nil, ErrHandlerDone
	case w.hijacked:
		return nil, nil, ErrHijacked
	}
	c := w.c
	if w.wroteHeader && !w.committed {
		w.commit(false)
	}
	if err := c.flush(); err != nil {
		return nil, nil, err
	}
	if c.ctx != nil {
		c.ctx.stopWatch()
	}
	c.nc.SetDeadline(time.Time{})
	c.rdl, c.wdl = 0, 0
	// The bytes read past the head are the handler's now; the buffer
	// goes back to the pool when the handler returns, so copy them.
	var src io.Reader = c.nc
	if c.r1 > c.r0 {
		src = io.MultiReader(bytes.NewReader(bytes.Clone(c.rbuf[c.r0:c.r1])), c.nc)
		c.r0 = c.r1
	}
	w.hijacked = true
	c.forgetParking()
	c.srv.untrack(c)
	rw := bufio.NewReadWriter(bufio.NewReader(src), bufio.NewWriter(c.nc))
	return c.nc, rw, nil
}

// dropHijacked lets go of a connection whose handler hijacked it and
// returned: its buffers go back to the pool, and nothing else is done
// to it (the handler owns it; untrack was called by Hijack).
func (c *conn) dropHijacked() {
	c.wbuf = c.wbuf[:0]
	c.r0, c.r1 = 0, 0
	c.release()
	c.setPending("")
	c.send = nil
}
