package wharf

import (
	"fmt"
	"runtime"
	"time"

	"github.com/wharfhttp/wharf/internal/http1"
	"github.com/wharfhttp/wharf/internal/park"
)

// An exchange is the one allocation a request costs: the Request the
// handler sees, the state of its response and of its body, and room
// for the usual number of header fields. It is never reused, so nothing
// a handler keeps from it changes after the handler returns, unless the
// handler is a RequestReleaser (then the work's own exchange is reused).
type exchange struct {
	req    Request
	resp   response
	body   body
	ctx    reqCtx
	fields [10]Field
}

// handle runs one request whose head is parsed into c.head at
// rbuf[r0:]. It reports whether the connection stays open for another
// request; when it does not, the connection has been closed.
func (c *conn) handle() bool {
	s := c.srv
	h := &c.head
	var x *exchange
	if s.cfg.reuse {
		x = &c.work.x
		*x = exchange{}
	} else {
		x = new(exchange)
	}
	r := &x.req
	c.answered = true
	if c.requests < 255 {
		c.requests++
	}
	c.intern.fill(r, h, x.fields[:0])
	r.RemoteAddr = c.remoteAddr()
	r.TLS = c.tlsState()
	r.Close = h.Close || s.closing.Load()

	// The head is consumed; what follows is the body or the next request.
	c.r0 += c.headLen
	start := c.headStart
	c.headStart = 0
	x.ctx.init(s.ctx, c, c.r1 > c.r0)
	r.ctx = &x.ctx
	c.ctx = &x.ctx

	w := &x.resp
	w.init(c, r)
	obs := s.cfg.observer != nil
	if obs {
		m := &c.meter
		*m = answerMeter{base: c.out + int64(len(c.wbuf)), queued: c.waited, hstart: monoNow()}
		c.waited = 0
		if start == 0 {
			start = m.hstart // the head came with the previous request's bytes
		}
		m.start = start
	}

	switch {
	case h.Form == http1.AuthorityForm:
		// CONNECT: wharf is not a proxy (RFC 9110 9.3.6).
		c.failRequest(&http1.Error{Status: 501, Reason: "CONNECT is not supported"}, r, start)
		return false
	case !http1.KnownMethod(h.Method):
		// RFC 9110 9.1: an unrecognized method is answered 501.
		c.failRequest(&http1.Error{Status: 501, Reason: "method not implemented"}, r, start)
		return false
	case h.ContentLength > s.cfg.maxBody:
		// Refuse before reading a byte of it (RFC 9110 15.5.14).
		c.failRequest(&http1.Error{Status: 413, Reason: "request body too large"}, r, start)
		return false
	}

	r.ContentLength = h.ContentLength
	r.Body = noBody{}
	switch {
	case h.Chunked:
		r.ContentLength = -1
		c.chunk.Reset()
		x.body.init(c, w, -1, h.Expect100)
		r.Body = &x.body
	case h.ContentLength > 0:
		x.body.init(c, w, h.ContentLength, h.Expect100)
		r.Body = &x.body
	default:
		r.ContentLength = 0
		x.body.done = true
	}

	s.count.handlersIn.Add(1)
	c.runHandler(w, r)
	s.count.handlersOut.Add(1)
	if obs {
		c.meter.hend = monoNow()
	}
	x.body.handlerDone = true
	x.ctx.finish()
	c.ctx = nil
	if w.hijacked {
		if obs {
			w.observe()
		}
		c.dropHijacked()
		return false
	}
	if w.aborted {
		// What was committed goes out unfinished; an uncommitted
		// answer is dropped. No linger: the abort is the message.
		w.done = true
		if c.send != nil {
			c.send.close()
			c.send = nil
		}
		c.flush()
		if obs {
			w.observe()
		}
		c.close()
		return false
	}

	// A malformed or oversized body the handler ran into is answered
	// with its status if the handler had not started its answer.
	if pe := x.body.protocolError(); pe != nil {
		w.closeAfter = true
		c.meter.reason = reasonOf(pe.Status)
		if pe.Status == 408 {
			c.meter.reason = "body-timeout"
		}
		if !w.committed {
			w.reset()
			w.done = false
			w.WriteHeader(pe.Status)
			w.WriteString(http1.StatusText(pe.Status) + ": " + pe.Reason + "\n")
		}
	}

	// What the handler left of the body must go before the next request
	// can be read: discard it if that is cheap, else close.
	if !x.body.done && !x.body.discard() {
		w.closeAfter = true
	}
	w.finish()
	if obs {
		w.observe()
	}
	if c.send != nil {
		c.send.closeAfter = w.closeAfter || !x.body.done || c.werr != nil
		c.send.progress = time.Now()
		if !c.continueSend() {
			return false
		}
		c.idleSince = 0
		return true
	}
	if w.closeAfter || c.werr != nil {
		if x.body.done && c.r1 == c.r0 {
			c.close()
		} else {
			c.closeLinger()
		}
		return false
	}
	c.idleSince = 0
	// Large batches of pipelined answers are written as they grow.
	if len(c.wbuf) >= writeBufSize/2 {
		if c.flush() != nil {
			c.close()
			return false
		}
	}
	return true
}

// runHandler calls the handler, recovering a panic: the panic is
// logged, a 500 is answered if nothing was sent yet, and the connection
// will close.
func (c *conn) runHandler(w *response, r *Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == ErrAbortHandler {
				w.aborted = true
				return
			}
			buf := make([]byte, 8<<10)
			buf = buf[:runtime.Stack(buf, false)]
			c.srv.cfg.log.Error("handler panicked",
				"panic", fmt.Sprint(v), "method", r.Method, "target", r.Target,
				"remote", r.RemoteAddr, "stack", string(buf))
			w.closeAfter = true
			c.meter.err = errHandlerPanic
			if !w.committed && !w.hijacked {
				w.reset()
				w.WriteHeader(500)
				w.WriteString("500 Internal Server Error\n")
			}
		}
	}()
	c.srv.cfg.handler.ServeHTTP(w, r)
}

func (c *conn) remoteAddr() string {
	if c.remote == "" {
		if c.nc == nil { // parked deep
			return park.PeerAddr(c.fd)
		}
		if a := c.nc.RemoteAddr(); a != nil {
			c.remote = a.String()
		}
	}
	return c.remote
}
