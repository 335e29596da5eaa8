package nethttp

import (
	"bufio"
	"net"
	"net/http"
	"time"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/internal/http1"
)

// upgraded is a connection taken from the engine to write a 101 head
// on, not yet handed to the handler.
type upgraded struct {
	conn net.Conn
	rw   *bufio.ReadWriter
}

// Hijack implements http.Hijacker through the engine's wharf.Hijacker
// (see its contract: the connection is the handler's, and the server
// no longer counts, times out or closes it).
//
// As in net/http, a head already decided is sent first: the status
// set with WriteHeader and the body written so far. A 101 head is
// written by the adapter, with the handler's header as it is
// (Connection and Upgrade included), then the connection is handed
// over (coder/websocket answers this way; gorilla/websocket writes its
// own 101 on the hijacked connection).
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	switch {
	case w.done:
		return nil, nil, wharf.ErrHandlerDone
	case w.hijacked:
		return nil, nil, http.ErrHijacked
	}
	if w.status != 0 && !w.headSent {
		if err := w.endHead(); err != nil {
			return nil, nil, err
		}
	}
	if up := w.up; up.conn != nil {
		w.up = upgraded{}
		w.hijacked = true
		return up.conn, up.rw, nil
	}
	hj, ok := w.ww.(wharf.Hijacker)
	if !ok {
		return nil, nil, errNoHijack
	}
	c, rw, err := hj.Hijack()
	if err != nil {
		return nil, nil, toHTTPError(err)
	}
	w.hijacked = true
	return c, rw, nil
}

// switchProtocols writes the 101 head on the connection, taken from
// the engine: the engine's head writer puts its own Connection field
// in every head, and a protocol switch needs the handler's ("Connection:
// Upgrade", RFC 9110 7.8). The head has the fields copyHeader kept,
// without Content-Length and Transfer-Encoding (a 101 has no body), and
// a Date unless the handler set one, as net/http's.
func (w *responseWriter) switchProtocols() error {
	hj, ok := w.ww.(wharf.Hijacker)
	if !ok {
		// A writer that cannot hand the connection over (a test
		// recorder, a wrapper) gets the status like any other.
		w.ww.WriteHeader(http.StatusSwitchingProtocols)
		return nil
	}
	c, rw, err := hj.Hijack()
	if err != nil {
		return toHTTPError(err)
	}
	fields := *w.ww.Header()
	b := http1.AppendStatusLine(rw.Writer.AvailableBuffer(), 1, http.StatusSwitchingProtocols)
	if !fields.Has("Date") {
		b = append(b, "Date: "...)
		b = http1.AppendHTTPDate(b, time.Now())
		b = append(b, "\r\n"...)
	}
	for _, f := range fields {
		if f.Name == "Content-Length" || f.Name == "Transfer-Encoding" {
			continue
		}
		b = append(b, f.Name...)
		b = append(b, ": "...)
		b = append(b, f.Value...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	rw.Writer.Write(b)
	if err := rw.Writer.Flush(); err != nil {
		c.Close()
		return err
	}
	w.up = upgraded{conn: c, rw: rw}
	return nil
}

// dropUpgrade closes a connection taken over for a 101 head that the
// handler never took with Hijack (it returned, or panicked): the
// engine has let go of it, so nobody else will.
func (w *responseWriter) dropUpgrade() {
	if w.up.conn != nil {
		w.up.conn.Close()
		w.up = upgraded{}
	}
}
