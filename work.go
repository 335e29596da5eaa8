package wharf

import (
	"net"
	"sync"

	"github.com/wharfhttp/wharf/internal/http1"
	"github.com/wharfhttp/wharf/internal/park"
)

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
	// ctx is the context of the request whose handler runs, nil
	// between handlers: a failed write cancels it (gone.go).
	ctx *reqCtx
	// ans is the Answer told to the Observer, reused; waited is how
	// long the connection waited for this worker, for the first
	// request it serves (observe.go).
	ans    Answer
	waited mono
	// meter is what the Observer is told of the answer under way,
	// gathered while it is made (set only with an Observer).
	meter answerMeter
	// out counts the bytes written to the connection with this work
	// (for Answer.Bytes); it restarts when the work is taken again.
	out int64

	// rio makes the connection's non-blocking reads and sends without
	// allocating (park.RawIO); it works on the conn that has this work.
	rio park.RawIO

	// intern shares the strings that repeat from request to request.
	// Strings are immutable, so sharing them across the connections
	// that use this work in turn is safe.
	intern interner
}

var workPool = sync.Pool{New: func() any {
	w := &work{
		rbuf:       make([]byte, readBufSize),
		wbuf:       make([]byte, 0, writeBufSize),
		bbuf:       make([]byte, 0, bodyBufSize),
		respFields: make([]Field, 0, 8),
	}
	w.rio.Init()
	return w
}}

// acquire gives the conn its work (after accept or when unparked),
// with the partial head it kept while parked.
func (c *conn) acquire() {
	if c.work != nil {
		return
	}
	c.work = workPool.Get().(*work)
	c.rio.Use(c.raw)
	if p := c.pending(); p != "" {
		if len(p) > len(c.rbuf) {
			c.rbuf = make([]byte, len(p)+readBufSize)
		}
		c.r0, c.r1 = 0, copy(c.rbuf, p)
		c.setPending("")
	} else {
		c.r0, c.r1 = 0, 0
	}
}

// release gives the work back, keeping a copy of unread bytes (a
// partial head) as its pending bytes (setPending).
func (c *conn) release() {
	w := c.work
	if w == nil {
		return
	}
	c.work = nil
	if w.r1 > w.r0 {
		c.setPending(string(w.rbuf[w.r0:w.r1]))
	}
	w.r0, w.r1 = 0, 0
	w.werr = nil
	w.out = 0
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
	w.rio.Use(nil)
	w.vecArr = [3][]byte{}
	clear(w.respFields[:cap(w.respFields)])
	workPool.Put(w)
}
