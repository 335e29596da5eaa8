package wharf

import (
	"sync"
	"time"
)

// A parker holds idle connections without a worker and without
// buffers (DESIGN.md "Idle connections"), and hands each back to the
// pool when it becomes readable. It enforces their deadlines: an idle
// keep-alive connection past IdleTimeout is closed, a partial head past
// ReadHeaderTimeout is answered 408.
//
// On Linux the waiting is done by one epoll set (parker_linux.go); a
// parked connection then costs its conn struct and its kernel socket.
// Elsewhere, or if epoll is unavailable, each parked connection has a
// small waiter goroutine that waits for readability without a buffer.
type parker struct {
	s  *Server
	mu sync.Mutex
	// conns holds every parked connection by token; the parker owns
	// them until they are taken out of it.
	conns map[uint64]*conn
	next  uint64
	// deepMark is next as of the previous deadline sweep: connections
	// with tokens up to it have been parked for a whole sweep interval.
	deepMark uint64
	// noSweepDeep stops the sweep from parking connections deep, and
	// sweeps counts the deadline sweeps done: test hooks (of the
	// at-once rule, and for waiting on a sweep instead of sleeping).
	noSweepDeep bool
	sweeps      int
	// watches holds the connections being served whose handler waits
	// on its context, by token (gone.go).
	watches map[uint64]goneWatch
	closed  bool // Shutdown began: park closes instead
	poll    poller
	wg      sync.WaitGroup // the event loop and waiter goroutines
}

// A poller is the readiness mechanism of a parker.
type poller interface {
	// add starts watching c (token tok) for readability.
	add(c *conn, tok uint64) error
	// remove stops watching c.
	remove(c *conn)
	// close releases the mechanism after its loop stopped.
	stop()
	// deepens reports whether connections can be parked deep.
	deepens() bool
}

func newParker(s *Server) *parker {
	p := &parker{s: s, conns: make(map[uint64]*conn)}
	p.poll = newPoller(p)
	return p
}

// park takes ownership of c until it is readable or its deadline
// passes. timeout reports whether the deadline is a read-header one;
// idle, that the client has been quiet for a whole parkGrace (rather
// than parked early because others wait for a worker).
//
// When many connections are parked already, an idle one is parked
// deep at once (deep_linux.go): memory per connection is what matters
// then, more than the CPU a deep connection costs when it wakes. With
// fewer, it stays shallow until it has been parked for a deadline
// sweep interval.
func (p *parker) park(c *conn, deadline time.Time, timeout, idle bool) {
	c.parkWrite = false
	if idle && p.poll.deepens() && c.canDeepen() {
		p.mu.Lock()
		n := len(p.conns)
		p.mu.Unlock()
		if n >= deepAbove {
			c.deepen() // on error it stays shallow
		}
	}
	p.add(c, deadline, timeout)
}

// deepAbove is the number of parked connections past which idle ones
// are parked deep at once. 256 shallow ones cost about 0.4 MB.
const deepAbove = 256

// parkWrite takes ownership of c, which is sending a file body, until
// it is writable or deadline passes. Shutdown lets it finish.
func (p *parker) parkWrite(c *conn, deadline time.Time) {
	c.parkWrite = true
	p.add(c, deadline, false)
}

func (p *parker) add(c *conn, deadline time.Time, timeout bool) {
	p.mu.Lock()
	if p.closed && !c.parkWrite {
		p.mu.Unlock()
		c.closeParked()
		return
	}
	p.next++
	tok := p.next
	c.parkTok, c.parkDeadline, c.parkTimeout = tok, toMono(deadline), timeout
	p.conns[tok] = c
	err := p.poll.add(c, tok)
	if err != nil {
		delete(p.conns, tok)
	}
	p.mu.Unlock()
	if err != nil {
		p.s.cfg.log.Warn("cannot park connection; closing it", "err", err)
		c.closeParked()
	}
}

// take removes the connection with token tok, returning nil if it is
// no longer parked.
func (p *parker) take(tok uint64) *conn {
	p.mu.Lock()
	c := p.conns[tok]
	delete(p.conns, tok)
	p.mu.Unlock()
	if c != nil {
		p.poll.remove(c)
	}
	return c
}

// ready hands a readable connection back to the pool. When the pool is
// full, the connection is answered 503 and closed: its next request
// cannot be served now, and holding it would queue without bound.
func (p *parker) ready(c *conn) {
	if c.serveFn == nil { // parked deep
		c.serveFn = c.serve
	}
	err := p.s.pool.TryGo(c.serveFn)
	if err != nil && c.parkWrite {
		// A response is under way: it must not be cut short by a 503.
		// Wait for a worker on a goroutine of its own (overload only).
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			if p.s.pool.Go(p.s.ctx, c.serveFn) != nil {
				c.closeParked()
			}
		}()
		return
	}
	if err != nil {
		if c.nc == nil && c.wake() != nil {
			c.srv.untrack(c)
			return
		}
		c.srv.reject(c.nc)
		c.srv.untrack(c)
	}
}

// expire closes every parked connection whose deadline has passed.
// With deep set it also takes out of the parker, and returns, up to
// maxDeepen connections parked for reading since before the previous
// call, for the poller to park them deep (deep_linux.go).
func (p *parker) expire(now time.Time, deep bool) []*conn {
	var due, deeper []*conn
	p.mu.Lock()
	p.sweeps++
	mark := p.deepMark
	p.deepMark = p.next
	for tok, c := range p.conns {
		switch {
		case c.parkDeadline != 0 && !now.Before(c.parkDeadline.time()):
			delete(p.conns, tok)
			due = append(due, c)
		case deep && !p.noSweepDeep && tok <= mark && c.canDeepen() && !c.parkWrite && len(deeper) < maxDeepen:
			delete(p.conns, tok)
			deeper = append(deeper, c)
		}
	}
	p.mu.Unlock()
	for _, c := range due {
		p.poll.remove(c)
		p.expireOne(c)
	}
	return deeper
}

// maxDeepen bounds the connections parked deep per sweep (each takes a
// few system calls), so that a sweep after a burst of new connections
// does not delay the wake-up of ready ones.
const maxDeepen = 1024

// closeAll closes every parked connection and makes later park calls
// close theirs: they have no request in flight (Shutdown).
//
// Connections parked while sending a response are closed only when
// force is set (Close); Shutdown lets them finish.
func (p *parker) closeAll(force bool) {
	p.mu.Lock()
	p.closed = true
	all := make([]*conn, 0, len(p.conns))
	for tok, c := range p.conns {
		if c.parkWrite && !force {
			continue
		}
		delete(p.conns, tok)
		all = append(all, c)
	}
	p.mu.Unlock()
	for _, c := range all {
		p.poll.remove(c)
		c.closeParked()
	}
}

// stop ends the parker's goroutines. Call after closeAll.
func (p *parker) stop() {
	p.poll.stop()
	p.wg.Wait()
}

// closeParked closes a connection that holds no buffers.
func (c *conn) closeParked() {
	if c.send != nil {
		c.send.close()
		c.send = nil
	}
	if c.nc == nil {
		c.closeDeep()
	} else {
		c.nc.Close()
	}
	c.pending = ""
	c.srv.untrack(c)
}
