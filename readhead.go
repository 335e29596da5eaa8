package wharf

import (
	"errors"
	"time"

	"github.com/wharfhttp/wharf/internal/http1"
)

// errParked and errIdleClose are internal outcomes of reading a head.
var (
	errParked    = errors.New("wharf: connection parked")
	errIdleClose = errors.New("wharf: idle connection closed")
	errTimeout   = errors.New("wharf: request head timeout")
)

// readHead makes sure a complete request head is at rbuf[r0:], parsed
// into c.head. It returns nil, errParked (the conn now belongs to the
// set of parked connections), errIdleClose, errTimeout, an *http1.Error, or a read error.
// With errParked, next is a connection that was parked and is ready,
// taken for this worker to serve instead of waiting (Server.takeReady),
// or nil.
//
// A small body (up to maxParkedBody, framed by Content-Length, without
// "Expect: 100-continue") is read with its head: the handler runs only
// once it is all in rbuf, so a client that trickles its body is parked
// like one that trickles its head, holding no worker, and head and
// body together must arrive within ReadHeaderTimeout + ReadTimeout.
func (c *conn) readHead(j *job) (next *conn, err error) {
	s := c.srv
	for {
		waitBody := false
		if c.r1 > c.r0 {
			n, err := http1.ParseHead(c.rbuf[c.r0:c.r1], &s.cfg.limits, &c.head)
			if err != http1.ErrNeedMore {
				c.headLen = n
				if err != nil || !c.bodyToCome() {
					return nil, err
				}
				waitBody = true
			}
		}
		// Before waiting for the client, send what pipelined answers
		// are buffered: the client may be waiting for them.
		if err := c.flush(); err != nil {
			return nil, errIdleClose
		}
		idle := c.r1 == c.r0
		// Shutdown closes a connection between requests; one that has
		// not sent its first yet gets newConnGrace for it, waited for
		// on the worker (the parked set is draining).
		closingNew := s.closing.Load() && !c.answered
		if idle && s.closing.Load() && !closingNew {
			return nil, errIdleClose
		}
		if !c.makeRoom(waitBody) {
			return nil, &http1.Error{Status: 431, Reason: "request header fields too large"}
		}
		// One monotonic clock read per wait: the deadlines are monos.
		now := monoNow()
		var hard mono
		if idle {
			if c.idleSince == 0 {
				c.idleSince = now
			}
			if t := s.cfg.idleTimeout; t > 0 {
				hard = c.idleSince + mono(t)
			}
		} else if t := s.cfg.readHeaderTimeout; t > 0 {
			if c.headStart == 0 {
				// The head's first bytes came with the previous
				// request (pipelined, or a CRLF after a body): its
				// clock starts now, not at the monotonic epoch.
				c.headStart = now
			}
			hard = c.headStart + mono(t)
			if rt := s.cfg.readTimeout; waitBody && rt > 0 {
				hard += mono(rt)
			} else if waitBody {
				hard = 0
			}
		}
		if closingNew {
			if limit := mono(s.closingAt.Load()) + mono(newConnGrace); hard == 0 || limit < hard {
				hard = limit
			}
		}
		grace := parkGrace
		switch {
		case closingNew:
			grace = max(time.Duration(hard-now), 0)
		case c.raw != nil && c.lease == nil && s.othersWait():
			// Others wait for a worker, parked or queued: this one is
			// not held for a client that has not sent its next bytes.
			// It parks, where the workers that take ready connections
			// see it, and this worker serves one whose bytes are
			// there, if any (parking.go). Parking reports bytes that
			// came since the last read, so there is no read to find
			// the socket empty first; but a connection this worker has
			// not read yet (just taken ready) is read once.
			if c.unread {
				c.unread = false
				n, gone := c.rio.ReadNowGone(c.rbuf[c.r1:])
				c.noteRead(n, c.rbuf[c.r1:])
				if n > 0 {
					c.gotBytes(n, idle, now)
					continue
				}
				if gone {
					// It was ready for its EOF or an error, which
					// parking again would report again at once.
					return nil, errIdleClose
				}
			}
			next := s.takeReady(j)
			c.release()
			s.park(c, hard.Time(), !idle, false)
			return next, errParked
		case s.pool.Queued() > 0:
			// A connection without a descriptor (TLS), while others
			// wait: a short wait, none after a slow request.
			grace = queuedGrace
			if c.hurry {
				grace = 0 // no blocking read: look once, then park
			}
		}
		c.hurry = false
		if grace > 0 {
			dl := now + mono(grace)
			if hard != 0 && hard < dl {
				dl = hard
			}
			c.setReadDeadline(dl)
			n, err := c.nc.Read(c.rbuf[c.r1:])
			c.noteRead(n, c.rbuf[c.r1:])
			if n > 0 {
				c.gotBytes(n, idle, now)
				continue
			}
			if !isTimeout(err) {
				return nil, errIdleClose // EOF or reset: the client went away
			}
		}
		if hard != 0 && monoNow() >= hard {
			if idle {
				return nil, errIdleClose
			}
			return nil, errTimeout
		}
		// Look without waiting: with no grace, once; after a timeout,
		// once more without the runtime's deadline check (it may have
		// fired while this goroutine waited for the CPU with the bytes
		// already there).
		if n := c.readNow(c.rbuf[c.r1:]); n > 0 {
			c.gotBytes(n, idle, now)
			continue
		}
		if closingNew || s.closing.Load() && !c.answered {
			// Wait on, to hard (checked above); or Shutdown began
			// during the wait, and this new connection gets
			// newConnGrace too (the next turn of the loop).
			continue
		}
		c.release()
		s.park(c, hard.Time(), !idle, grace == parkGrace)
		return nil, errParked
	}
}

// gotBytes counts n bytes just read into rbuf. When they begin a head
// (the connection was idle), the head's clock starts at now, when the
// wait for them began: at most a grace period early, and it saves a
// clock read per request.
func (c *conn) gotBytes(n int, idle bool, now mono) {
	if idle {
		c.headStart = now
		c.idleSince = 0
	}
	c.r1 += n
}

// maxParkedBody is the largest request body read before its handler
// runs, without a worker while the client is slow (readHead). 64 KiB
// covers form posts, JSON API calls and small uploads; a larger body
// streams to its handler.
const maxParkedBody = 64 << 10

// bodyToCome reports whether the request whose head was just parsed
// has a small body (see readHead) that is not all in rbuf yet.
func (c *conn) bodyToCome() bool {
	h := &c.head
	cl := h.ContentLength
	return !h.Chunked && !h.Expect100 && cl > 0 && cl <= maxParkedBody &&
		cl <= c.srv.cfg.maxBody && int64(c.r1-c.r0) < int64(c.headLen)+cl
}

// makeRoom compacts rbuf and grows it when it is full; withBody, for a
// head and a small body (readHead). The parser rejects heads over the
// limits, and chunk framing lines are bounded, so growth past them
// means a peer beyond every limit: false.
func (c *conn) makeRoom(withBody bool) bool {
	if c.r0 > 0 {
		c.r1 = copy(c.rbuf, c.rbuf[c.r0:c.r1])
		c.r0 = 0
	}
	if c.r1 == len(c.rbuf) {
		limit := max(c.srv.cfg.limits.MaxHeaderBytes+readBufSize, 64<<10)
		if withBody {
			limit = c.headLen + maxParkedBody + readBufSize
		}
		if len(c.rbuf) >= limit {
			return false
		}
		nb := make([]byte, 2*len(c.rbuf))
		copy(nb, c.rbuf[:c.r1])
		c.rbuf = nb
	}
	return true
}

// readNow reads what the socket holds now, without waiting and without
// the runtime poller's deadline check. It returns 0 when nothing is
// there (or the connection has no descriptor).
func (c *conn) readNow(p []byte) int {
	return c.noteRead(c.rio.ReadNow(p), p)
}

// noteRead records whether a read of n bytes into p may have left
// bytes in the socket (it filled p), and returns n. Parking the
// connection then re-arms its registration with the set of parked
// connections, which reports them; otherwise it is woken by bytes that
// come later only (park.Source.Reg).
func (c *conn) noteRead(n int, p []byte) int {
	c.readFull = n == len(p)
	return n
}

// setReadDeadline sets nc's read deadline (0: none) unless it is set.
func (c *conn) setReadDeadline(m mono) {
	if m != c.rdl {
		c.rdl = m
		c.nc.SetReadDeadline(m.Time())
	}
}
