package wharf

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
	"time"

	"github.com/wharfhttp/wharf/internal/http1"
	"github.com/wharfhttp/wharf/pool"
)

// Buffer sizes. A connection being served holds one read buffer and one
// write buffer; an idle (parked) connection holds neither.
const (
	readBufSize  = 4 << 10
	writeBufSize = 8 << 10
	bodyBufSize  = 4 << 10 // a response body this small is sent with Content-Length in one write

	// parkGrace is how long a worker waits for the next bytes on a
	// connection before it parks it (DESIGN.md "Idle connections"): long
	// enough that a busy keep-alive or pipelining client never pays for
	// parking, short enough that idle and slow clients hold no worker.
	parkGrace = 5 * time.Millisecond

	// maxDrain is how much unread request body the server reads and
	// discards after the handler returns to keep the connection; past it
	// the connection is closed instead.
	maxDrain = 256 << 10
)

// A conn is one client connection.
//
// Ownership: a conn is owned by exactly one of the pool's queue (a job
// not yet taken), the worker serving it, the park.Set (parked shallow,
// deep, or for writing), a lingering-close goroutine, or, after Hijack,
// the handler (see the package documentation's table). Only the owner
// touches the fields below "owner's state"; the owner that closes the
// conn calls Server.untrack (Hijack calls it as it hands the conn
// over).
type conn struct {
	srv *Server
	// nc is nil while the connection is parked deep (deep.go):
	// then fd is a descriptor of wharf's own. The owner changes nc
	// under srv.mu (Server.Close reads it).
	nc     net.Conn
	raw    syscall.RawConn // nil when nc has no file descriptor
	remote string          // nc.RemoteAddr().String(), computed once
	extra  *connExtra      // nil on plain TCP without MaxConnsPerIP

	// Guarded by srv.mu: the server's set of open connections
	// (connSet), and the states in which Shutdown closes or wakes a
	// connection, which hold no request.
	// handshaking and reading are at the end, with the other flags.
	prev, next *conn

	serveFn func() // c.serve, allocated once (again after parking deep)

	*work // buffers and per-request state while served; nil while parked

	// owner's state (and extra.pending)
	headStart mono // first byte of the current head; 0 between requests
	idleSince mono // end of the last exchange; 0 while one is under way
	rdl, wdl  mono // read and write deadlines last set on nc
	readyAt   mono // when it was handed to the pool, with an Observer

	// lease is the serving job's hold on its worker, taken when a
	// request body makes it wait for the client (readSlowly); nil
	// otherwise, and always when the job ends.
	lease *pool.Lease

	// A file body being sent after its handler returned (sendfile.go).
	send *fileSend

	fd int32 // nc's descriptor; -1 when it has none (owner's)
	// parkReg is fd's armed registration in the set of parked
	// connections (park.Source.Reg): written by the set while the
	// conn is parked, zeroed by the owner when fd changes.
	parkReg     uint32
	readFull    bool  // the last read filled its buffer: the socket may hold more (noteRead)
	parkTimeout bool  // parked with a read-header deadline (408 past it), not idle
	parkWrite   bool  // parked to write (a file body), not to read
	hurry       bool  // a slow request was just served while others waited
	unread      bool  // taken by this worker and not read since (readHead)
	answered    bool  // a request was handled on this connection
	requests    uint8 // requests handled, up to 255 (park: a busy client)

	// Guarded by srv.mu (see above).
	handshaking bool // in its TLS handshake (tls.go)
	reading     bool // parked on a reader goroutine (parking.go)
}

// connExtra is what only some connections need, kept out of conn so
// that the many plain idle connections do not pay for it.
type connExtra struct {
	ip  string               // set when MaxConnsPerIP counts this conn; immutable
	tls *tls.ConnectionState // the handshake's outcome; immutable after it
	// pending is a partial head kept while parked (work.go release);
	// the owner's.
	pending string
}

// pending returns the bytes of a partial head c kept while parked.
func (c *conn) pending() string {
	if c.extra == nil {
		return ""
	}
	return c.extra.pending
}

// setPending keeps p as c's partial head while it is parked ("": none).
func (c *conn) setPending(p string) {
	switch {
	case c.extra != nil:
		c.extra.pending = p
	case p != "":
		c.extra = &connExtra{pending: p}
	}
}

// clientIP is the IP MaxConnsPerIP counts c against, or "".
func (c *conn) clientIP() string {
	if c.extra == nil {
		return ""
	}
	return c.extra.ip
}

// tlsState is c's TLS handshake's outcome, nil on plain TCP.
func (c *conn) tlsState() *tls.ConnectionState {
	if c.extra == nil {
		return nil
	}
	return c.extra.tls
}

func newConn(s *Server, nc net.Conn, ip string) *conn {
	c := &conn{srv: s, nc: nc, fd: -1}
	if ip != "" {
		c.extra = &connExtra{ip: ip}
	}
	c.serveFn = c.serve
	c.attach()
	return c
}

// attach finds c.nc's raw connection and descriptor, if it has one.
func (c *conn) attach() {
	c.raw, c.fd, c.parkReg = nil, -1, 0
	if sc, ok := c.nc.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			c.raw = raw
			raw.Control(func(fd uintptr) { c.fd = int32(fd) })
		}
	}
}

// serve is the pool job: it serves requests until the connection
// closes or goes idle (then it is parked and this job returns), or
// until it is about to wait for its client while another parked
// connection is ready: then that one is served next by the same job
// (Server.takeReady).
func (c *conn) serve() {
	var j job
	s := c.srv
	for next := c; next != nil; {
		next = next.serveTurn(&j)
	}
	if j.taker {
		s.takers.Add(-1)
	}
}

// A job is the state of a pool job that serves connections, across
// the connections it serves (conn.serve).
type job struct {
	taker bool // holds a Server.takers slot (parking.go takeReady)
}

// serveTurn serves c until it closes, parks, or gives its worker up,
// and returns the connection the job goes on with, or nil.
func (c *conn) serveTurn(j *job) *conn {
	defer c.endLease()
	if c.nc == nil { // parked deep (deep.go)
		if err := c.wake(); err != nil {
			c.srv.untrack(c)
			return nil
		}
	}
	c.acquire()
	c.unread = true
	if c.readyAt != 0 {
		c.waited = monoNow() - c.readyAt
		c.readyAt = 0
	}
	if c.send != nil && !c.continueSend() {
		return nil
	}
	turn := 0
	for {
		next, err := c.readHead(j)
		switch {
		case err == nil:
		case err == errParked:
			return next
		case err == errIdleClose:
			c.close()
			return nil
		case err == errTimeout:
			c.fail(&http1.Error{Status: 408, Reason: "request head not received in time"})
			return nil
		default:
			var pe *http1.Error
			if errors.As(err, &pe) {
				if pe.Status == 505 && c.isH2CPreface() {
					c.serveH2C()
					return nil
				}
				c.fail(pe)
			} else {
				c.close() // EOF or a read error mid-head: nothing to answer
			}
			return nil
		}
		// Fairness: a busy keep-alive client never lets its worker go
		// idle, so without a bound the first connections to get
		// workers would keep them while the rest wait in the queue
		// (1,000 clients on 256 workers: p99 of seconds). While others
		// wait, a connection gives its worker up after a turn of
		// turnRequests requests, or after one request that took
		// turnSlice: it goes to the back of the queue if its next
		// request is there, else it parks without the grace wait.
		//
		// The slice counts from when the worker began reading the
		// head, so it includes the wait for the client and, on a
		// saturated CPU, for the scheduler: under load, a turn is
		// about 1 ms of wall time. Measured (bench/NOTES.md): a 10 ms
		// handler at 3x capacity, p99 of accepted requests 23 ms
		// instead of 56-65 ms with a count alone; 1,000 busy wrk
		// connections, p99 about 90 ms instead of 200-280 ms, for
		// 15-40% less throughput than a slice of handler time only.
		start := c.headStart // 0 if the head was read with an earlier one
		if !c.handle() {
			return nil
		}
		turn++
		if c.srv.pool.Queued() > 0 && (turn >= turnRequests || start != 0 && monoNow()-start >= mono(turnSlice)) {
			if turn < turnRequests && c.r1 == c.r0 {
				// A slow request, and the next one is not buffered:
				// if it is not in the socket either, park at once
				// (readHead) instead of waiting for it while others
				// wait for the worker.
				c.r0, c.r1 = 0, c.readNow(c.rbuf)
				if c.r1 == 0 {
					c.hurry = true
					continue
				}
			}
			turn = 0
			if c.flush() != nil {
				c.close()
				return nil
			}
			c.markReady()
			if c.srv.pool.TryGo(c.serveFn) == nil {
				return nil // the conn, with its work, now belongs to that job
			}
		}
	}
}

// turnRequests is how many requests a worker serves on one connection
// before it lets queued connections go first.
const turnRequests = 16

// turnSlice ends a turn early: a request that took this long, from the
// start of its head's read to its answer, while others waited, is the
// connection's whole turn.
const turnSlice = time.Millisecond

// queuedGrace replaces parkGrace while connections wait in the queue.
const queuedGrace = 500 * time.Microsecond
