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
// arm it. The watch exists on Linux (park.Set.Watch, in the epoll set
// of the parked connections); elsewhere only a failed write and the
// server's closing cancel the context.
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
	tok      uint64        // the watch's token (park.Set.Watch); 0 when none
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
		x.tok = c.srv.parked.Watch(c.fd, x)
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

// Gone implements park.Watcher: the connection's watch fired. The
// client reset the connection (reset), or closed its side, with unread
// bytes still in the socket (pending) or not. A FIN with bytes still
// unread, in the socket or in the server's buffer, is not "gone" (see
// reqCtx).
func (x *reqCtx) Gone(reset, pending bool) {
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
		c.srv.parked.Unwatch(tok, c.fd)
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
		c.srv.parked.Unwatch(tok, c.fd)
	}
}
