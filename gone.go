package wharf

import (
	"context"
	"sync"
	"time"
)

// A reqCtx is a request's context (Request.Context): the server's base
// context, cancelled also when the client goes away while the handler
// runs, and when the handler returns (as net/http's request context).
//
// What counts as "gone":
//
//   - the connection is reset, or the client closes it (it sent FIN)
//     with nothing left unread: no pipelined request and no body bytes
//     in the socket or in the server's buffer;
//   - a write of the answer fails.
//
// A client that half-closes after sending a complete request (as
// `curl -T`, `nc -N` or a shell pipe do) therefore sees its handler's
// context cancelled, but the server still writes the answer: whether
// to stop early is the handler's choice. A client that sent more
// (pipelined requests, or a body not yet read) and then closed is not
// seen as gone until a write fails.
//
// Watching costs two epoll_ctl(2) calls, so it is armed only when the
// handler (or code it calls) first asks for Done: a handler that never
// waits on its context pays nothing, and Value, Deadline and Err do not
// arm it. The watch exists on Linux (the parker's epoll set); elsewhere
// only a failed write and the server's closing cancel the context.
//
// The zero value is unusable; the exchange initializes it per request.
type reqCtx struct {
	parent context.Context // the server's base context; immutable
	c      *conn           // the connection; nil once the handler returned

	// buffered reports whether the request had unread bytes after its
	// head (body or pipelined requests) in the server's buffer when
	// the handler started; immutable. A client FIN then is not "gone".
	buffered bool

	mu       sync.Mutex
	done     chan struct{} // made by the first Done; closed on cancel
	err      error         // context.Canceled once cancelled
	tok      uint64        // the parker's watch token; 0 when none
	stopWake func() bool   // stops the AfterFunc on parent
	finished bool          // the handler returned
}

// closedChan is the Done channel of a context cancelled before anyone
// asked for Done.
var closedChan = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

func (x *reqCtx) init(parent context.Context, c *conn, buffered bool) {
	x.parent, x.c, x.buffered = parent, c, buffered
}

// Deadline is the parent's.
func (x *reqCtx) Deadline() (time.Time, bool) { return x.parent.Deadline() }

// Value is the parent's.
func (x *reqCtx) Value(key any) any { return x.parent.Value(key) }

// Err reports context.Canceled once the client went away or the
// handler returned, else the parent's error.
func (x *reqCtx) Err() error {
	x.mu.Lock()
	err := x.err
	x.mu.Unlock()
	if err != nil {
		return err
	}
	return x.parent.Err()
}

// Done returns a channel closed when the context is cancelled. The
// first call arms the watch for the client's going away.
func (x *reqCtx) Done() <-chan struct{} {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.done != nil {
		return x.done
	}
	if x.err != nil {
		return closedChan
	}
	x.done = make(chan struct{})
	if x.parent.Done() != nil {
		x.stopWake = context.AfterFunc(x.parent, func() { x.cancel(x.parent.Err()) })
	}
	if c := x.c; c != nil && !x.finished {
		x.tok = c.srv.parker.watchGone(c, x)
	}
	return x.done
}

// String names the context for debugging, as the context package's own
// types do.
func (x *reqCtx) String() string { return "wharf.Request.Context" }

// cancel ends the context with err (context.Canceled if nil), once. It
// may be called from any goroutine.
func (x *reqCtx) cancel(err error) {
	if err == nil {
		err = context.Canceled
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.err != nil {
		return
	}
	x.err = err
	if x.done != nil {
		close(x.done)
	}
}

// clientGone is called by the parker when the connection's watch
// fires: the client reset the connection (reset), or closed its side,
// with unread bytes still in the socket (pending) or not. A FIN with
// bytes still unread, in the socket or in the server's buffer, is not
// "gone" (see reqCtx).
func (x *reqCtx) clientGone(reset, pending bool) {
	if !reset && (pending || x.buffered) {
		return
	}
	x.cancel(context.Canceled)
}

// finish is called by the worker when the handler returned: it
// cancels the context and stops the watch. A request whose handler
// never asked for Done costs one uncontended lock here.
func (x *reqCtx) finish() {
	x.mu.Lock()
	x.finished = true
	if x.err == nil {
		x.err = context.Canceled
		if x.done != nil {
			close(x.done)
		}
	}
	tok, c, stop := x.tok, x.c, x.stopWake
	x.tok, x.c, x.stopWake = 0, nil, nil
	x.mu.Unlock()
	if tok != 0 {
		c.srv.parker.unwatchGone(c, tok)
	}
	if stop != nil {
		stop()
	}
}

// stopWatch ends the watch, if one is armed, without cancelling: the
// connection is being handed over to the handler (Hijack).
func (x *reqCtx) stopWatch() {
	x.mu.Lock()
	tok, c := x.tok, x.c
	x.tok, x.c = 0, nil
	x.mu.Unlock()
	if tok != 0 {
		c.srv.parker.unwatchGone(c, tok)
	}
}

// A goneWatcher is a poller that can watch a connection being served
// for its client going away (reset, or FIN).
type goneWatcher interface {
	// watchGone starts the watch of c under tok.
	watchGone(c *conn, tok uint64) error
	// pending reports whether the descriptor fd has bytes to read.
	pending(fd int32) bool
}

// A goneWatch is a connection watched for its client going away.
type goneWatch struct {
	x  *reqCtx
	fd int32
}

// watchBit marks the tokens of gone-watches, so the poller's loop can
// tell them from parked connections.
const watchBit = 1 << 63

// watchGone starts watching c for its client going away and returns
// the watch's token, or 0 if the poller cannot watch (then only a
// failed write or the server closing cancels x).
func (p *parker) watchGone(c *conn, x *reqCtx) uint64 {
	gw, ok := p.poll.(goneWatcher)
	if !ok || c.fd < 0 {
		return 0
	}
	p.mu.Lock()
	p.next++
	tok := p.next | watchBit
	if p.watches == nil {
		p.watches = make(map[uint64]goneWatch)
	}
	p.watches[tok] = goneWatch{x, c.fd}
	err := gw.watchGone(c, tok)
	if err != nil {
		delete(p.watches, tok)
		tok = 0
	}
	p.mu.Unlock()
	return tok
}

// unwatchGone ends the watch tok of c. The worker calls it before the
// connection can be parked (which adds its descriptor to the same
// set).
func (p *parker) unwatchGone(c *conn, tok uint64) {
	p.mu.Lock()
	delete(p.watches, tok)
	p.mu.Unlock()
	p.poll.remove(c)
}

// fireGone delivers a watch's event: reset is true for an error or
// hang-up, false for the client's FIN alone. It looks at the socket
// under p.mu, so the worker cannot end the watch and close the
// descriptor meanwhile.
func (p *parker) fireGone(tok uint64, reset bool) {
	p.mu.Lock()
	w, ok := p.watches[tok]
	delete(p.watches, tok)
	pending := ok && !reset && p.poll.(goneWatcher).pending(w.fd)
	p.mu.Unlock()
	if ok {
		w.x.clientGone(reset, pending)
	}
}
