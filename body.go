package wharf

import (
	"errors"
	"io"
	"time"

	"github.com/wharfhttp/wharf/internal/http1"
)

// noBody is the Body of a request without one.
type noBody struct{}

func (noBody) Read([]byte) (int, error) { return 0, io.EOF }

// body reads a request body framed by Content-Length or chunked coding
// (RFC 9112 6.3), enforcing Server.MaxBodyBytes and ReadTimeout.
type body struct {
	c           *conn
	w           *response
	remaining   int64 // Content-Length bytes left; -1 for chunked
	read        int64 // bytes read so far
	deadline    time.Time
	expect100   bool // the client waits for "100 Continue" (RFC 9110 10.1.1)
	sent100     bool
	done        bool  // the whole body has been read
	handlerDone bool  // Read no longer allowed
	err         error // sticky error
}

func (b *body) init(c *conn, w *response, length int64, expect100 bool) {
	b.c, b.w, b.remaining, b.expect100 = c, w, length, expect100
	if t := c.srv.cfg.readTimeout; t > 0 {
		b.deadline = time.Now().Add(t)
	}
}

// Read implements io.Reader.
func (b *body) Read(p []byte) (int, error) {
	if b.handlerDone {
		return 0, ErrHandlerDone
	}
	if b.err != nil {
		return 0, b.err
	}
	if b.done {
		return 0, io.EOF
	}
	if b.expect100 && !b.sent100 {
		b.sent100 = true
		// Only while no final answer has started (RFC 9110 10.1.1).
		if !b.w.committed && b.c.r1 == b.c.r0 {
			b.c.wbuf = append(b.c.wbuf, http1.Continue...)
			if err := b.c.flush(); err != nil {
				b.err = err
				return 0, err
			}
		}
	}
	var n int
	var err error
	if b.remaining >= 0 {
		n, err = b.readFixed(p)
	} else {
		n, err = b.readChunked(p)
	}
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

func (b *body) readFixed(p []byte) (int, error) {
	if int64(len(p)) > b.remaining {
		p = p[:b.remaining]
	}
	n, err := b.c.readBody(p, b.deadline)
	b.remaining -= int64(n)
	b.read += int64(n)
	if b.remaining == 0 {
		b.done = true
		return n, io.EOF
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if n > 0 && err != nil && err != errBodyTimeout {
		err = nil // report the error on the next call
	}
	return n, err
}

func (b *body) readChunked(p []byte) (int, error) {
	c := b.c
	max := c.srv.cfg.maxBody
	for {
		if c.r1 > c.r0 {
			nd, ns, done, err := c.chunk.Decode(p, c.rbuf[c.r0:c.r1])
			c.r0 += ns
			b.read += int64(nd)
			if err != nil {
				return nd, err
			}
			if b.read > max {
				return nd, ErrBodyTooLarge
			}
			if done {
				b.done = true
				return nd, io.EOF
			}
			if nd > 0 || (ns > 0 && len(p) == 0) {
				return nd, nil
			}
			if ns > 0 {
				continue
			}
		}
		if err := c.fillBody(b.deadline); err != nil {
			return 0, err
		}
	}
}

// discard reads and drops what the handler left of the body, if that
// is cheap: what is buffered, or up to maxDrain bytes arriving within a
// short time. It reports whether the connection can be reused.
func (b *body) discard() bool {
	if b.err != nil {
		return false
	}
	if b.expect100 && !b.sent100 {
		// The client has not been told to send the body; it may
		// never come (RFC 9110 10.1.1). Close instead of waiting.
		return b.c.r1 > b.c.r0 && b.drain()
	}
	return b.drain()
}

func (b *body) drain() bool {
	b.handlerDone = false
	defer func() { b.handlerDone = true }()
	if d := time.Now().Add(500 * time.Millisecond); b.deadline.IsZero() || d.Before(b.deadline) {
		b.deadline = d
	}
	b.sent100 = true // never send 100 Continue after the answer
	var scratch [2048]byte
	for start := b.read; !b.done; {
		if b.read-start > maxDrain {
			return false
		}
		if b.remaining >= 0 && b.c.r1 == b.c.r0 && b.remaining > maxDrain {
			return false
		}
		if _, err := b.Read(scratch[:]); err != nil && err != io.EOF {
			return false
		}
	}
	return true
}

// protocolError returns the error to answer when the body was malformed
// or too large, or nil.
func (b *body) protocolError() *http1.Error {
	if b.err == nil {
		return nil
	}
	if pe, ok := b.err.(*http1.Error); ok {
		return pe
	}
	switch {
	case errors.Is(b.err, ErrBodyTooLarge):
		return &http1.Error{Status: 413, Reason: "request body too large"}
	case b.err == errBodyTimeout:
		// RFC 9110 15.5.9: the server would not wait longer.
		return &http1.Error{Status: 408, Reason: "request body not received in time"}
	}
	return nil
}
