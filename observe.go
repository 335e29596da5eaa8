package wharf

import (
	"errors"
	"slices"
	"sync/atomic"
	"time"

	"github.com/wharfhttp/wharf/internal/http1"
)

// An Observer learns of every answer the server completes: its
// handlers' and its own (400, 408, 413, 431, 501, 503...). It is what an
// access log or a metrics exporter is built on (the command's are), and
// it is how the library exposes per-request numbers without importing a
// metrics library; Server.Stats has the gauges and counters.
//
// Answered is called once per answer, when its last byte was handed to
// the kernel, or when sending it failed or was cut short: for a file
// sent with sendfile(2) after its handler returned, that is when the
// file is sent, not when the handler returned. It runs on the goroutine
// that finished the answer (a worker, or for a 503 the accept loop), so
// it must be quick and must not block: count, or copy into a bounded
// buffer, and return. a and what it points to are valid only during the
// call: copy what you keep (the strings of a.Request may be kept).
type Observer interface {
	Answered(a *Answer)
}

// An Answer describes one completed answer (see Observer).
type Answer struct {
	// Request is the request answered. It is nil for an answer the
	// server sent without a request: a 503 to a new or ready
	// connection (overload, MaxConns, MaxConnsPerIP), a 408 for a head
	// that did not arrive in time, a 400 or 431 for one that did not
	// parse.
	Request *Request

	// RemoteAddr is the client's address ("ip:port").
	RemoteAddr string

	// Status is the status code sent.
	Status int

	// Bytes is what was handed to the kernel for this answer: head and
	// body, chunk framing included (nginx's $bytes_sent). BodyBytes is
	// Bytes without the head (nginx's $body_bytes_sent, framing
	// included). An answer cut short counts what went out.
	Bytes, BodyBytes int64

	// Start is when the request's head began to arrive (for a 503 to a
	// new connection: when it was accepted). Queued is how long the
	// request, once readable, waited for a worker (0 when the worker
	// was already serving its connection). Handler is how long the
	// handler ran. Duration is from Start to the last byte.
	Start    time.Time
	Queued   time.Duration
	Handler  time.Duration
	Duration time.Duration

	// Reason says why the server answered itself ("overload",
	// "max-conns", "max-conns-per-ip", "head-timeout", "bad-request",
	// "body-too-large"...), "" for a handler's answer.
	Reason string

	// Err is why the answer was cut short (the client went away, a
	// write timed out, the handler panicked or aborted), nil when it
	// went out whole.
	Err error
}

// Stats is a snapshot of a Server's gauges and counters (Server.Stats).
// Counters count from the server's start.
type Stats struct {
	// Gauges.
	OpenConns    int // connections open (not hijacked ones)
	ParkedConns  int // connections parked: idle, or waiting for a slow client
	Busy         int // workers running a job
	Queued       int // ready connections waiting for a worker
	Workers      int // the pool's size
	QueueCap     int // the queue's capacity
	HandlersBusy int // handlers running (HTTP/1.1)

	// Counters.
	Accepted     uint64 // connections accepted
	Overload     uint64 // 503s because every worker was busy and the queue full
	MaxConns     uint64 // connections refused at MaxConns
	MaxConnsIP   uint64 // connections refused at MaxConnsPerIP
	HeadTimeouts uint64 // 408s: a request head (or small body) not received in time
	BodyTimeouts uint64 // request bodies not received within ReadTimeout
	SlowReaders  uint64 // connections reset because the client stopped reading (WriteTimeout)
	BadRequests  uint64 // requests refused before a handler (4xx/5xx by the server)
	TLSFailures  uint64 // TLS handshakes that failed
	Taken        uint64 // ready connections a worker took from the parked set itself (doc.go, "Readiness")
	Releases     uint64 // times memory was returned to the OS after a burst (quiet.go, Server.KeepMemory)
}

// counters are the Server's Stats counters; atomic, written on the
// paths they count (all but the handlers' are rare paths).
type counters struct {
	accepted, overload, maxConns, maxConnsIP     atomic.Uint64
	headTimeouts, bodyTimeouts, slowReaders, bad atomic.Uint64
	tlsFailures, taken, releases                 atomic.Uint64
	// handlersIn and handlersOut count handlers started and returned
	// (HTTP/1.1): their difference is the handlers running, and
	// handlersOut's pace tells slow handlers from fast ones (parkRoom).
	handlersIn, handlersOut atomic.Uint64
}

// handlersBusy reports how many handlers run now.
func (c *counters) handlersBusy() int64 {
	out := c.handlersOut.Load() // first: never more out than in
	return int64(c.handlersIn.Load() - out)
}

// Stats returns a snapshot of the server's gauges and counters. It
// takes the server's lock briefly: call it at a scrape's pace, not per
// request.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	started := s.started
	st := Stats{OpenConns: s.conns.len()}
	s.mu.Unlock()
	if !started {
		return Stats{}
	}
	st.ParkedConns = s.parked.Len() + int(s.readers.Load())
	st.Busy = s.pool.Running()
	st.Queued = s.pool.Queued()
	st.Workers = s.pool.Workers()
	st.QueueCap = s.pool.QueueCap()
	st.HandlersBusy = int(s.count.handlersBusy())
	st.Accepted = s.count.accepted.Load()
	st.Overload = s.count.overload.Load()
	st.MaxConns = s.count.maxConns.Load()
	st.MaxConnsIP = s.count.maxConnsIP.Load()
	st.HeadTimeouts = s.count.headTimeouts.Load()
	st.BodyTimeouts = s.count.bodyTimeouts.Load()
	st.SlowReaders = s.count.slowReaders.Load()
	st.BadRequests = s.count.bad.Load()
	st.TLSFailures = s.count.tlsFailures.Load()
	st.Taken = s.count.taken.Load()
	st.Releases = s.count.releases.Load()
	return st
}

// overloadBodyLen is the length of the 503's body, for BodyBytes.
const overloadBodyLen = len(http1.OverloadBody)

// markReady notes when c became ready for a worker, for Answer.Queued.
func (c *conn) markReady() {
	if c.srv.cfg.observer != nil {
		c.readyAt = monoNow()
	}
}

// reasonOf names the server's own answer of status.
func reasonOf(status int) string {
	switch status {
	case 408:
		return "head-timeout"
	case 413:
		return "body-too-large"
	case 414:
		return "uri-too-long"
	case 431:
		return "head-too-large"
	case 501:
		return "not-implemented"
	case 505:
		return "version-not-supported"
	}
	return "bad-request"
}

// errHandlerPanic is Answer.Err for an answer whose handler panicked.
var errHandlerPanic = errors.New("wharf: handler panicked")

// An answerMeter gathers, while one answer is made, what the Observer
// is told of it. It lives in the connection's work (one answer is under
// way at a time), not in each request's exchange.
type answerMeter struct {
	start, queued mono   // the head's first byte; the wait for a worker
	hstart, hend  mono   // the handler's run
	base          int64  // work.out + len(wbuf) before this answer
	head          int64  // length of the head written (set by commit)
	reason        string // the server's answer in the handler's place
	err           error  // why the answer is cut short
}

// answer fills the Answer of w, complete but for its bytes, duration
// and error (see sent).
func (w *response) answer(a *Answer) {
	m := &w.c.meter
	*a = Answer{
		Request:    w.req,
		RemoteAddr: w.req.RemoteAddr,
		Status:     w.status,
		Start:      m.start.Time(),
		Queued:     time.Duration(m.queued),
		Handler:    time.Duration(m.hend - m.hstart),
		Reason:     m.reason,
		Err:        m.err,
	}
	if w.hijacked || w.aborted && !w.committed {
		a.Status = 0 // nothing of an answer was sent
	}
	if w.aborted {
		a.Err = ErrAbortHandler
	}
}

// sent completes a with what went out since base (head bytes of them
// head), the time since start, and err if the answer was cut short. c
// has its work.
func (c *conn) sent(a *Answer, base, head int64, start mono, err error) {
	a.Bytes = max(c.out+int64(len(c.wbuf))-base, 0)
	a.BodyBytes = max(a.Bytes-head, 0)
	a.Duration = time.Duration(monoNow() - start)
	if a.Err == nil {
		a.Err = err
	}
	if a.Err == nil {
		a.Err = c.werr
	}
}

// observe tells the Observer of w's answer, which is complete: its
// bytes are written, or buffered for the next flush, or sending them
// failed. A file body still to be sent (c.send) is told of when it is
// sent (endSend).
func (w *response) observe() {
	c := w.c
	if c.send != nil {
		// Bytes so far (the head, and what else the handler wrote);
		// the file's go on from here, perhaps after the work changed.
		m := &c.meter
		pa := &pendingAnswer{before: max(c.out+int64(len(c.wbuf))-m.base, 0), head: m.head, start: m.start}
		c.send.total = c.send.remaining
		w.answer(&pa.a)
		if c.srv.cfg.reuse {
			// The request's memory is reused once the connection
			// moves on; the strings are immutable, the header is not.
			r := *w.req
			r.Header = slices.Clone(r.Header)
			pa.a.Request = &r
		}
		c.send.ans = pa
		return
	}
	a := &c.work.ans
	w.answer(a)
	c.sent(a, c.meter.base, c.meter.head, c.meter.start, nil)
	c.srv.cfg.observer.Answered(a)
	*a = Answer{}
}

// A pendingAnswer is the Answer of a file body sent after its handler
// returned, told of when the body is sent (fileSend.ans).
type pendingAnswer struct {
	a      Answer // all but Bytes, BodyBytes, Duration
	before int64  // bytes of the answer before the file's (head included)
	head   int64
	start  mono
}

// endSend tells the Observer, if any, that c's file body is sent (err
// nil) or cut short; it is called once per send, before the send is
// dropped.
func (c *conn) endSend(err error) {
	fs := c.send
	if fs == nil || fs.ans == nil {
		return
	}
	pa := fs.ans
	fs.ans = nil
	if err == nil && fs.remaining > 0 {
		err = ErrServerClosed
	}
	a := &pa.a
	a.Bytes = pa.before + fs.total - fs.remaining
	a.BodyBytes = max(a.Bytes-pa.head, 0)
	a.Duration = time.Duration(monoNow() - pa.start)
	if a.Err == nil {
		a.Err = err
	}
	c.srv.cfg.observer.Answered(a)
}

// observeFail tells the Observer of an answer the server wrote itself
// into c.wbuf from offset at (its head ending at headEnd), for request r
// (nil when none was parsed), once it is flushed.
func (c *conn) observeFail(status int, r *Request, start mono, base int64, head int64) {
	o := c.srv.cfg.observer
	if o == nil {
		return
	}
	a := Answer{Request: r, RemoteAddr: c.remoteAddr(), Status: status, Reason: reasonOf(status)}
	if start == 0 {
		start = monoNow()
	}
	a.Start = start.Time()
	c.sent(&a, base, head, start, nil)
	o.Answered(&a)
}
