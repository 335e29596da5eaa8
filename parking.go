package wharf

import (
	"errors"
	"math"
	"net"
	"runtime"
	"runtime/metrics"
	"time"

	"github.com/wharfhttp/wharf/internal/http1"
	"github.com/wharfhttp/wharf/internal/park"
)

// Parking policy. The mechanism (internal/park) holds idle connections
// without a worker and without buffers (DESIGN.md "Idle connections")
// and says when one is ready or past its deadline; what follows is
// decided here: a ready connection goes to the pool, or is answered 503
// when the pool is full; an idle keep-alive connection past IdleTimeout
// is closed, a partial head past ReadHeaderTimeout is answered 408, a
// client that stopped reading its answer past WriteTimeout is reset; a
// connection idle for a whole sweep, or at once when many are parked,
// is parked deep (deep.go). Shutdown drains the set (shutdown.go).

// newParking makes s's set of parked connections.
func (s *Server) newParking() *park.Set[*conn] {
	return park.New(park.Events[*conn]{
		Ready:   s.unpark,
		Expired: s.parkExpired,
		Age:     s.ageable,
		Aged:    s.parkDeep,
		Room:    s.parkRoom,
		Swept:   s.releaseWhenQuiet,
	}, s.cfg.log, s.testWaiter)
}

// parkRoom is how many ready connections the set's goroutine hands the
// pool at once (park.Events.Room): as many as there are idle workers.
// When none is idle, it depends on what holds the workers:
//
//   - slow handlers (the overload of DESIGN.md): every ready connection
//     is handed to the pool, whose queue takes what it can; the rest
//     are answered 503 (unpark), so overload is answered at once, never
//     queued without bound;
//   - the engine's own work (reading, parsing, writing, for many busy
//     clients on few CPUs), or fast handlers: none. The server is
//     keeping up with its clients at the rate its CPUs allow, and the
//     ready connections wait in the set, in the order they became
//     ready, for the workers that take them (takeReady) or the next
//     idle one. Handing them all to the pool would fill its queue in a
//     burst and answer 503 to clients served at their rate (10,000
//     busy keep-alive clients on one core: 69,000 503s in 5 s, 0.43x
//     fasthttp's req/s).
//
// Handlers hold the workers when at least half the workers are in
// one, fewer handlers than that have returned in the last
// slowHandlers, and they are not on a CPU (onCPU): a sample of the
// running count alone would take a moment when fast handlers happen
// to fill a small pool for overload, and a millisecond without
// turnover happens to fast handlers whose threads the operating system
// set aside (a unit test with 2 workers, fast handlers and 200 busy
// clients got 111-195 503s in 6-10 runs of 30 while other test
// packages ran). Called by the set's goroutine only, which owns s.slow.
func (s *Server) parkRoom() int {
	if n := s.pool.Idle(); n > 0 {
		return n
	}
	busy := s.count.handlersBusy()
	if 2*busy < int64(s.pool.Workers()) {
		s.slow.since = 0
		return 0
	}
	now, out := monoNow(), s.count.handlersOut.Load()
	if s.slow.since == 0 || out-s.slow.out >= uint64(busy) {
		// Handlers turned over since the last mark: a new mark.
		s.slow.since, s.slow.out = now, out
		return 0
	}
	if now-s.slow.since < mono(slowHandlers) || s.slow.onCPU(busy) {
		return 0
	}
	return math.MaxInt
}

// onCPU reports whether at least half the busy handlers could be on a
// CPU: that many goroutines besides the caller are running or waiting
// to run (runtime/metrics, read under the scheduler's lock: 77 ns and
// no allocation in a benchmark, asked only when the server is about
// to count as overloaded). Handlers that hold the workers in an
// overload wait (for a backend, a disk, a timer); handlers that
// compute, or are descheduled, are the server keeping up at its CPUs'
// rate, and their clients wait in the set rather than get 503. The
// count is the process's: in a program whose other goroutines keep
// the CPUs busy, 503s for handlers that wait come only once the run
// queue drains.
func (m *slowMark) onCPU(busy int64) bool {
	if m.sched[0].Name == "" {
		m.sched[0].Name = "/sched/goroutines/running:goroutines"
		m.sched[1].Name = "/sched/goroutines/runnable:goroutines"
	}
	metrics.Read(m.sched[:])
	others := int64(m.sched[0].Value.Uint64()+m.sched[1].Value.Uint64()) - 1
	return others >= max(1, busy/2)
}

// slowHandlers is how long the running handlers must hold the workers
// without turning over before the server counts as overloaded
// (parkRoom). The set's goroutine looks again every millisecond while
// ready connections wait for room, so a 503 is due a few milliseconds
// after overload begins.
const slowHandlers = time.Millisecond

// slowMark is where parkRoom last saw the handlers turn over.
type slowMark struct {
	since mono   // when; 0: handlers do not hold the workers
	out   uint64 // counters.handlersOut then
	// sched holds onCPU's samples (made once).
	sched [2]metrics.Sample
}

// park gives c to the set until it is readable or deadline passes.
// timeout reports whether the deadline is a read-header one; idle,
// that the client has been quiet for a whole parkGrace (rather than
// parked early because others wait for a worker).
//
// When many connections are parked already, an idle one is parked
// deep at once (deep.go): memory per connection is what matters then,
// more than the CPU a deep connection costs when it wakes. With fewer,
// while workers take ready connections from the set (park.Set.Busy),
// or for a client that has sent busyClient requests, it stays shallow
// until it has been parked for a deadline sweep: under load, a client
// quiet for a grace period is most likely one whose turn comes late
// (1,000 busy clients on a machine that starved the server: 1,500-4,500
// deep wake-ups a second, 23 system calls each), and the sweep's peek
// tells (ageable).
func (s *Server) park(c *conn, deadline time.Time, timeout, idle bool) {
	c.parkWrite, c.parkTimeout = false, timeout
	if c.raw == nil {
		s.parkReader(c, deadline)
		return
	}
	if idle && s.parked.Ages() && c.canDeepen() && s.parked.Len() >= deepAbove && c.requests < busyClient && !s.parked.Busy() {
		c.deepen() // on error it stays shallow
	}
	s.parkAdd(c, park.Read, deadline)
}

// deepAbove is the number of parked connections past which idle ones
// are parked deep at once. 256 shallow ones cost about 0.4 MB.
const deepAbove = 256

// busyClient is how many requests make a client busy: one that has sent
// that many is not parked deep at once after a quiet grace period (it
// is most likely waiting for its turn on a loaded server), only after
// a whole sweep.
const busyClient = 8

// parkReader parks c, which has no descriptor a poller could watch
// (TLS: decrypted bytes may wait in crypto/tls's buffers, where epoll
// does not see them; or a listener's own net.Conn type), on a goroutine
// of its own that waits in a read of up to readerParkBytes: net/http's
// way, at the cost of a goroutine and that buffer per idle connection.
// What it reads is kept as the connection's pending bytes (setPending) for the worker.
func (s *Server) parkReader(c *conn, deadline time.Time) {
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		c.closeParked()
		return
	}
	c.reading = true
	s.mu.Unlock()
	s.readers.Add(1)
	s.parkWG.Add(1)
	go func() {
		defer s.parkWG.Done()
		c.nc.SetReadDeadline(deadline)
		buf := make([]byte, readerParkBytes)
		n, err := c.nc.Read(buf)
		s.mu.Lock()
		c.reading = false
		closing := s.closing.Load()
		s.mu.Unlock()
		s.readers.Add(-1)
		c.rdl = 0
		switch {
		case n > 0:
			// Shutdown may have begun: the request is served all the
			// same, answered with "Connection: close".
			c.setPending(c.pending() + string(buf[:n]))
			s.unpark(c)
		case closing:
			c.closeParked() // woken by Shutdown (wakeReaders)
		case isTimeout(err):
			s.parkExpired(c)
		default:
			c.closeParked() // EOF or reset: the client went away
		}
	}()
}

// readerParkBytes is the read of a reader-parked connection: a request
// head's start; the rest stays in the connection's own buffers.
const readerParkBytes = 1 << 10

// wakeReaders ends the wait of reader-parked connections and of TLS
// handshakes, which hold no request, for Shutdown: a reader wakes at
// once and closes (or serves a request that had just arrived); a
// handshake fails. Called with s.mu held.
func (s *Server) wakeReaders(andNew bool) {
	for c := range s.conns.all() {
		switch {
		case c.reading && (andNew || c.answered):
			c.nc.SetReadDeadline(time.Unix(1, 0))
		case c.handshaking:
			c.nc.Close()
		}
	}
}

// parkWrite gives c, which is sending a file body, to the set until it
// is writable or deadline passes. Shutdown lets it finish.
func (s *Server) parkWrite(c *conn, deadline time.Time) {
	c.parkWrite, c.parkTimeout = true, false
	s.parkAdd(c, park.Write, deadline)
}

func (s *Server) parkAdd(c *conn, mode park.Mode, deadline time.Time) {
	if c.readFull {
		c.parkReg = 0 // re-armed: it reports what the socket holds
	}
	src := park.Source{FD: c.fd, Reg: &c.parkReg}
	if c.nc != nil {
		src.Raw, src.Conn = c.raw, c.nc
	}
	err := s.parked.Add(c, src, mode, deadline)
	switch {
	case err == park.ErrDraining && !c.answered:
		// Shutdown began after its worker looked (readHead): a new
		// connection still gets newConnGrace for its first request,
		// waited for on a worker.
		s.unpark(c)
	case err == park.ErrDraining:
		c.closeParked() // Shutdown began: an idle connection closes
	case err != nil:
		s.cfg.log.Warn("cannot park connection; closing it", "err", err)
		c.closeParked()
	}
}

// unpark hands a ready connection back to the pool. When the pool is
// full, the connection is answered 503 and closed: its next request
// cannot be served now, and holding it would queue without bound.
func (s *Server) unpark(c *conn) {
	c.unparked()
	err := s.pool.TryGo(c.serveFn)
	if err != nil && c.parkWrite {
		// A response is under way: it must not be cut short by a 503.
		// Wait for a worker on a goroutine of its own (overload only).
		s.parkWG.Add(1)
		go func() {
			defer s.parkWG.Done()
			if s.pool.Go(s.ctx, c.serveFn) != nil {
				c.closeParked()
			}
		}()
		return
	}
	if err != nil {
		if c.nc == nil && c.wake() != nil {
			s.untrack(c)
			return
		}
		s.reject(c.nc, "overload")
		s.untrack(c)
	}
}

// unparked readies c, just out of the set, to be served.
func (c *conn) unparked() {
	c.rdl = 0             // the waiter may have set a deadline of its own
	if c.serveFn == nil { // parked deep
		c.serveFn = c.serve
	}
	c.markReady()
}

// othersWait reports whether other connections wait for a worker, so
// that a worker should not wait for its own client (readHead): queued
// jobs, ready connections held in the set for want of an idle worker
// (park.Set.Waiting, parkRoom), or connections parked shallow to read
// while workers are busy taking ready ones (park.Set.Busy). Connections parked to write (slow
// readers of a file) do not count: a new client's first request would
// otherwise wait behind a thousand of their sendfile turns (measured:
// 0.3-0.7 s in internal/attacktest's slow-read scenario, where it must
// stay under 0.5 s). Parked deep, connections are idle
// clients; parked shallow while no one takes, most likely too: a
// server with many idle clients and a few busy ones keeps waiting for
// the busy ones (and parks the idle ones after their grace, deep when
// many are parked, which is what keeps them cheap). Never during
// Shutdown (the set drains), nor without a set that Polls.
func (s *Server) othersWait() bool {
	if !s.parked.Polls() || s.closing.Load() {
		return false
	}
	return s.pool.Queued() > 0 || s.parked.Waiting() > 0 ||
		s.parked.Len() > s.parked.Bare()+s.parked.Writing() && s.parked.Busy()
}

// parkNew parks a new connection that found the pool full, to be
// served when its first request comes, as nginx takes a new connection
// into its event loop: 10,000 clients connecting at once would
// otherwise get 503s while the server keeps up with them. If the
// server is overloaded, the connection is answered 503 when it is
// ready and the pool is still full (unpark), which costs no more than
// answering it now. It reports false when c cannot be parked (no
// descriptor the set can watch, or Shutdown began): the caller answers
// 503.
func (s *Server) parkNew(c *conn) bool {
	if c.raw == nil || !s.parked.Polls() || s.closing.Load() {
		return false
	}
	now := monoNow()
	c.idleSince = now
	var dl time.Time
	if t := s.cfg.idleTimeout; t > 0 {
		dl = (now + mono(t)).Time()
	}
	s.park(c, dl, false, false)
	return true
}

// takeReady takes out of the set a parked connection that is ready
// now, for a worker that would otherwise wait for its own client's
// next bytes (readHead): the worker serves it, and parks its own.
//
// This is how readiness reaches the workers under load. A ready
// connection that goes through the set's goroutine and the pool's
// queue waits for the Go scheduler twice: on a busy server (GOMAXPROCS
// workers always runnable) the runtime polls the network, and so wakes
// the set's goroutine, only when its run queue empties or every 10 ms
// (sysmon), and then the connection waits behind the whole queue.
// Taken here, it goes from the kernel's ready list (in the order it
// became ready) to a worker that is running anyway: one epoll_wait(2)
// per request, the way nginx's workers take their events. Jobs queued
// in the pool are older and go first: with any queued, nothing is
// taken. The caller checks othersWait first.
func (s *Server) takeReady(j *job) *conn {
	if !j.taker {
		if s.takers.Add(1) > s.maxTakers {
			s.takers.Add(-1)
			return nil
		}
		j.taker = true
	}
	// The job runs on without blocking: let runnable goroutines (jobs
	// just handed to workers, the accept loop) have the CPU first.
	runtime.Gosched()
	c, ok := s.parked.Poll()
	if !ok {
		return nil
	}
	s.count.taken.Add(1)
	c.unparked()
	return c
}

// parkExpired handles a parked connection whose deadline passed.
func (s *Server) parkExpired(c *conn) {
	switch {
	case c.parkWrite:
		// The client stopped reading its answer (WriteTimeout): drop
		// what the kernel still holds for it rather than linger.
		s.count.slowReaders.Add(1)
		if tc, ok := c.nc.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		c.endSend(errWriteTimeout)
	case c.parkTimeout:
		s.count.headTimeouts.Add(1)
		now := time.Now()
		n := len(timeoutResponse)
		if c.nc == nil {
			park.SendNow(c.fd, timeoutResponse)
		} else {
			c.nc.SetWriteDeadline(now.Add(100 * time.Millisecond))
			n, _ = c.nc.Write(timeoutResponse)
		}
		if o := s.cfg.observer; o != nil {
			start := now
			if c.headStart != 0 {
				start = c.headStart.Time()
			}
			o.Answered(&Answer{RemoteAddr: c.remoteAddr(), Status: 408, Bytes: int64(n),
				Start: start, Duration: time.Since(start), Reason: "head-timeout"})
		}
	}
	c.closeParked()
}

// errWriteTimeout cuts an answer short whose client stopped reading.
var errWriteTimeout = errors.New("wharf: client stopped reading (WriteTimeout)")

// timeoutResponse is sent to a parked connection whose head did not
// arrive in time.
var timeoutResponse = http1.AppendErrorResponse(nil, 408, "request head not received in time", nil)

// ageable reports whether a connection parked for a whole sweep should
// be parked deep (called under the set's lock).
func (s *Server) ageable(c *conn) bool {
	// A connection parked for a whole sweep with bytes waiting is not
	// idle: it is waiting for its turn among thousands of busy ones
	// (10,000 clients: a turn every few hundred milliseconds), and
	// parking it deep would cost it 23 system calls a request. One
	// look (a peek) tells; idle ones go deep even while the workers
	// are busy, so that a burst of new clients that then stay idle is
	// not held shallow, with its runtime socket objects, until the
	// burst ends.
	//
	// A client that has sent more than one request must also have
	// been quiet for busyQuiet: under 10,000 busy clients a load
	// generator at its limit answers late, and an empty socket after
	// a sweep means little (parked deep, each such client costs 23
	// system calls on its next request; in one run thousands a second
	// went deep, and it served 8,300 req/s against 45,000 in the
	// next). A client that sent
	// one request and no other, the commonest idle keep-alive
	// connection, goes deep after a sweep.
	if c.requests > 1 && c.idleSince != 0 && monoNow()-c.idleSince < mono(busyQuiet) {
		return false
	}
	return !s.testNoDeep.Load() && c.canDeepen() && !park.Pending(c.fd)
}

// busyQuiet is how long a client that has sent more than one request
// must have been quiet before a sweep parks it deep.
const busyQuiet = 2 * time.Second

// parkDeep parks deep a connection that was parked for a whole sweep,
// keeping its deadline.
func (s *Server) parkDeep(c *conn, deadline time.Time) {
	if err := c.deepen(); err != nil {
		s.cfg.log.Debug("cannot park connection deep", "err", err)
	}
	s.parkAdd(c, park.Read, deadline)
}

// forgetParking ends c's registration with the set of parked
// connections, for a connection handed over to another protocol's code
// (Hijack, h2c): a registration kept armed between parks
// (park.Source.Reg) would otherwise report every byte that code
// receives.
func (c *conn) forgetParking() {
	if c.fd >= 0 && c.parkReg != 0 {
		c.srv.parked.Forget(c.fd)
		c.parkReg = 0
	}
}

// closeParked closes a connection that holds no buffers.
func (c *conn) closeParked() {
	if c.send != nil {
		c.endSend(ErrServerClosed)
		c.send.close()
		c.send = nil
	}
	if c.nc == nil {
		c.closeDeep()
	} else {
		c.nc.Close()
	}
	c.setPending("")
	c.srv.untrack(c)
}
