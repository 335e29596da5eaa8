package wharf

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/wharfhttp/wharf/internal/http1"
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

// errParked and errIdleClose are internal outcomes of reading a head.
var (
	errParked    = errors.New("wharf: connection parked")
	errIdleClose = errors.New("wharf: idle connection closed")
	errTimeout   = errors.New("wharf: request head timeout")
)

// A conn is one client connection.
//
// Ownership: a conn is owned by exactly one of the pool's queue (a job
// not yet taken), the worker serving it, the parker (parked shallow,
// deep, or for writing), a lingering-close goroutine, or, after Hijack,
// the handler (see the package documentation's table). Only the owner
// touches the fields below "owner's state"; the owner that closes the
// conn calls Server.untrack (Hijack calls it as it hands the conn
// over).
type conn struct {
	srv *Server
	// nc is nil while the connection is parked deep (deep_linux.go):
	// then fd is a descriptor of wharf's own. The owner changes nc
	// under srv.mu (Server.Close reads it).
	nc      net.Conn
	raw     syscall.RawConn // nil when nc has no file descriptor
	ip      string          // set when MaxConnsPerIP counts this conn
	remote  string          // nc.RemoteAddr().String(), computed once
	serveFn func()          // c.serve, allocated once (again after parking deep)

	*work // buffers and per-request state while served; nil while parked

	// owner's state
	pending   string // a partial head kept while parked
	headStart mono   // first byte of the current head; 0 between requests
	idleSince mono   // end of the last exchange; 0 while one is under way
	rdl, wdl  mono   // read and write deadlines last set on nc

	// A file body being sent after its handler returned (sendfile.go).
	send *fileSend

	// ctx is the context of the request whose handler runs, nil
	// between handlers: a failed write cancels it (gone.go).
	ctx *reqCtx

	// parker's state, while parked
	parkTok      uint64
	parkDeadline mono

	fd          int32 // nc's descriptor; -1 when it has none (owner's)
	parkTimeout bool  // the deadline is a read-header timeout (answer 408), not idle
	parkWrite   bool  // waiting to write (a file body), not to read
	hurry       bool  // a slow request was just served while others waited
}

func newConn(s *Server, nc net.Conn, ip string) *conn {
	c := &conn{srv: s, nc: nc, ip: ip, fd: -1}
	c.serveFn = c.serve
	c.attach()
	return c
}

// attach finds c.nc's raw connection and descriptor, if it has one.
func (c *conn) attach() {
	c.raw, c.fd = nil, -1
	if sc, ok := c.nc.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			c.raw = raw
			raw.Control(func(fd uintptr) { c.fd = int32(fd) })
		}
	}
}

// serve is the pool job: it serves requests until the connection
// closes or goes idle (then it is parked and this job returns).
func (c *conn) serve() {
	if c.nc == nil { // parked deep (deep_linux.go)
		if err := c.wake(); err != nil {
			c.srv.untrack(c)
			return
		}
	}
	c.acquire()
	if c.send != nil && !c.continueSend() {
		return
	}
	turn := 0
	for {
		err := c.readHead()
		switch {
		case err == nil:
		case err == errParked:
			return
		case err == errIdleClose:
			c.close()
			return
		case err == errTimeout:
			c.fail(&http1.Error{Status: 408, Reason: "request head not received in time"})
			return
		default:
			var pe *http1.Error
			if errors.As(err, &pe) {
				c.fail(pe)
			} else {
				c.close() // EOF or a read error mid-head: nothing to answer
			}
			return
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
			return
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
				return
			}
			if c.srv.pool.TryGo(c.serveFn) == nil {
				return // the conn, with its work, now belongs to that job
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

// work is what a connection needs only while a worker serves it: its
// buffers and the state of the request under way. A parked connection
// gives its work back to workPool, so that an idle connection costs a
// few hundred bytes instead of the 16 KB of buffers.
type work struct {
	werr    error  // sticky write error: the connection is broken
	rbuf    []byte // read buffer
	r0, r1  int    // unread bytes are rbuf[r0:r1]
	wbuf    []byte // response bytes not yet written
	bbuf    []byte // current response's body until its head is written
	head    http1.Head
	headLen int // bytes of the parsed head at rbuf[r0:]
	chunk   http1.ChunkedDecoder
	vec     net.Buffers
	vecArr  [3][]byte
	// respFields backs the response header of the request under way.
	respFields []Field
	// x is the exchange reused for RequestReleaser handlers.
	x exchange
	// intern shares the strings that repeat from request to request.
	// Strings are immutable, so sharing them across the connections
	// that use this work in turn is safe.
	intern interner
}

var workPool = sync.Pool{New: func() any {
	return &work{
		rbuf:       make([]byte, readBufSize),
		wbuf:       make([]byte, 0, writeBufSize),
		bbuf:       make([]byte, 0, bodyBufSize),
		respFields: make([]Field, 0, 8),
	}
}}

// acquire gives the conn its work (after accept or when unparked),
// with the partial head it kept while parked.
func (c *conn) acquire() {
	if c.work != nil {
		return
	}
	c.work = workPool.Get().(*work)
	if len(c.pending) > len(c.rbuf) {
		c.rbuf = make([]byte, len(c.pending)+readBufSize)
	}
	c.r0, c.r1 = 0, copy(c.rbuf, c.pending)
	c.pending = ""
}

// release gives the work back, keeping a copy of unread bytes (a
// partial head) in c.pending.
func (c *conn) release() {
	w := c.work
	if w == nil {
		return
	}
	c.work = nil
	if w.r1 > w.r0 {
		c.pending = string(w.rbuf[w.r0:w.r1])
	}
	w.r0, w.r1 = 0, 0
	w.werr = nil
	if len(w.rbuf) != readBufSize {
		w.rbuf = make([]byte, readBufSize) // drop a grown buffer
	}
	if cap(w.wbuf) != writeBufSize {
		w.wbuf = make([]byte, 0, writeBufSize)
	}
	w.wbuf = w.wbuf[:0]
	if cap(w.bbuf) != bodyBufSize {
		w.bbuf = make([]byte, 0, bodyBufSize)
	}
	w.bbuf = w.bbuf[:0]
	w.vec = nil
	w.vecArr = [3][]byte{}
	clear(w.respFields[:cap(w.respFields)])
	workPool.Put(w)
}

// readHead makes sure a complete request head is at rbuf[r0:], parsed
// into c.head. It returns nil, errParked (the conn now belongs to the
// parker), errIdleClose, errTimeout, an *http1.Error, or a read error.
//
// A small body (up to maxParkedBody, framed by Content-Length, without
// "Expect: 100-continue") is read with its head: the handler runs only
// once it is all in rbuf, so a client that trickles its body is parked
// like one that trickles its head, holding no worker, and head and
// body together must arrive within ReadHeaderTimeout + ReadTimeout.
func (c *conn) readHead() error {
	s := c.srv
	for {
		waitBody := false
		if c.r1 > c.r0 {
			n, err := http1.ParseHead(c.rbuf[c.r0:c.r1], &s.cfg.limits, &c.head)
			if err != http1.ErrNeedMore {
				c.headLen = n
				if err != nil || !c.bodyToCome() {
					return err
				}
				waitBody = true
			}
		}
		// Before waiting for the client, send what pipelined answers
		// are buffered: the client may be waiting for them.
		if err := c.flush(); err != nil {
			return errIdleClose
		}
		idle := c.r1 == c.r0
		if idle && s.closing.Load() {
			return errIdleClose
		}
		if !c.makeRoom(waitBody) {
			return &http1.Error{Status: 431, Reason: "request header fields too large"}
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
		grace := parkGrace
		if s.pool.Queued() > 0 {
			// Others wait for a worker: do not hold this one for a
			// client that has not sent its next request yet.
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
			if n > 0 {
				if idle {
					// The head's clock starts when the read began: at
					// most parkGrace early, and it saves a clock read
					// per request.
					c.headStart = now
					c.idleSince = 0
				}
				c.r1 += n
				continue
			}
			if !isTimeout(err) {
				return errIdleClose // EOF or reset: the client went away
			}
		}
		if hard != 0 && monoNow() >= hard {
			if idle {
				return errIdleClose
			}
			return errTimeout
		}
		// Look without waiting: with no grace, once; after a timeout,
		// once more without the runtime's deadline check (it may have
		// fired while this goroutine waited for the CPU with the bytes
		// already there).
		if n := c.readNow(c.rbuf[c.r1:]); n > 0 {
			if idle {
				c.headStart = now
				c.idleSince = 0
			}
			c.r1 += n
			continue
		}
		if c.canPark() {
			c.release()
			s.parker.park(c, hard.time(), !idle, grace == parkGrace)
			return errParked
		}
		// No way to wait without a worker (no file descriptor): keep
		// blocking until the hard deadline.
		c.setReadDeadline(hard)
	}
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

func (c *conn) canPark() bool { return c.raw != nil }

// readNow reads what the socket holds now, without waiting and without
// the runtime poller's deadline check. It returns 0 when nothing is
// there (or the connection has no descriptor).
func (c *conn) readNow(p []byte) int {
	if c.raw == nil || len(p) == 0 {
		return 0
	}
	n := 0
	c.raw.Control(func(fd uintptr) { n = readFD(fd, p) })
	return n
}

// setReadDeadline sets nc's read deadline (0: none) unless it is set.
func (c *conn) setReadDeadline(m mono) {
	if m != c.rdl {
		c.rdl = m
		c.nc.SetReadDeadline(m.time())
	}
}

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
		c.nc.SetWriteDeadline(c.wdl.time())
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

// flush writes c.wbuf to the client.
func (c *conn) flush() error {
	if c.werr != nil {
		return c.werr
	}
	if len(c.wbuf) == 0 {
		return nil
	}
	c.setWriteDeadline()
	_, err := c.nc.Write(c.wbuf)
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
	n := 1 + copy(c.vecArr[1:], p)
	c.vec = c.vecArr[:n]
	c.setWriteDeadline()
	_, err := c.vec.WriteTo(c.nc)
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
	c.pending = ""
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
	c.pending = ""
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
func (c *conn) fail(pe *http1.Error) {
	c.wbuf = appendErrorResponse(c.wbuf, pe.Status, pe.Reason)
	c.closeLinger()
}

// appendErrorResponse appends a complete plain-text answer that closes
// the connection. reason is fixed text from the server, never peer
// input.
func appendErrorResponse(dst []byte, status int, reason string) []byte {
	text := http1.StatusText(status)
	dst = http1.AppendStatusLine(dst, 1, status)
	dst = append(dst, "Date: "...)
	dst = appendDate(dst)
	dst = append(dst, "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: "...)
	n := 3 + 1 + len(text) + 1
	if reason != "" {
		n += 2 + len(reason)
	}
	dst = appendInt(dst, int64(n))
	dst = append(dst, "\r\n\r\n"...)
	dst = appendInt(dst, int64(status))
	dst = append(dst, ' ')
	dst = append(dst, text...)
	if reason != "" {
		dst = append(dst, ": "...)
		dst = append(dst, reason...)
	}
	return append(dst, '\n')
}

// overloadResponse is the prebuilt 503 sent when the server is full.
func overloadResponse(retry time.Duration) []byte {
	secs := int64((retry + time.Second - 1) / time.Second)
	body := "503 Service Unavailable: the server is busy; retry later\n"
	b := http1.AppendStatusLine(nil, 1, 503)
	b = append(b, "Retry-After: "...)
	b = appendInt(b, secs)
	b = append(b, "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: "...)
	b = appendInt(b, int64(len(body)))
	b = append(b, "\r\n\r\n"...)
	return append(b, body...)
}

// timeoutResponse is sent to a parked connection whose head did not
// arrive in time.
var timeoutResponse = appendErrorResponse(nil, 408, "request head not received in time")

func appendInt(dst []byte, v int64) []byte {
	var b [20]byte
	i := len(b)
	if v == 0 {
		return append(dst, '0')
	}
	neg := v < 0
	if neg {
		v = -v
	}
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return append(dst, b[i:]...)
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
	c.setReadDeadline(toMono(deadline))
	n, err := c.nc.Read(p)
	if err != nil && isTimeout(err) {
		err = errBodyTimeout
	}
	return n, err
}

// fillBody reads more body bytes into rbuf (for the chunked decoder).
func (c *conn) fillBody(deadline time.Time) error {
	if err := c.flush(); err != nil {
		return err
	}
	if !c.makeRoom(false) {
		return &http1.Error{Status: 400, Reason: "chunk framing too long"}
	}
	c.setReadDeadline(toMono(deadline))
	n, err := c.nc.Read(c.rbuf[c.r1:])
	c.r1 += n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	if isTimeout(err) {
		err = errBodyTimeout
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

var errBodyTimeout = errors.New("wharf: request body not received in time")
