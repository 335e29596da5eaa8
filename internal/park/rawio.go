package park

import "syscall"

// A RawIO makes the non-blocking reads and sends of a connection
// through its syscall.RawConn (so that a concurrent Close waits for
// the call, and the descriptor cannot be reused under it) without
// allocating: RawConn.Control takes a func, and a func literal that
// captures the buffer and the results escapes to the heap at each call
// (one allocation for each read, send and epoll_ctl of a park: with
// 1,000 busy clients, runtime.mallocgc was 3.3% of the server's CPU in
// perf, 0.6% with RawIO). A RawIO's callbacks are made once, by Init, and
// take their arguments from its fields. A RawIO serves one connection
// at a time (Use), on one goroutine at a time.
//
// The calls are raw system calls, which the scheduler is not told of
// (see rawIO for why). Where they are not available, they read and
// send nothing, and the owner waits and writes the ordinary way.
type RawIO struct {
	raw  syscall.RawConn
	p    []byte
	n    int
	gone bool
	// read and send are the callbacks, made once (Init).
	read, send func(fd uintptr)
}

// Init makes r's callbacks; call it once, before the first Use.
func (r *RawIO) Init() {
	r.read = r.doRead
	r.send = r.doSend
}

// Use makes r work on raw (nil: none, and every call does nothing).
func (r *RawIO) Use(raw syscall.RawConn) { r.raw = raw }

// ReadNow reads what the socket holds now, without waiting and without
// the runtime poller's deadline check: the bytes read, or 0 when there
// are none (or at EOF or on an error, which the next ordinary read
// reports).
func (r *RawIO) ReadNow(p []byte) int {
	n, _ := r.ReadNowGone(p)
	return n
}

// ReadNowGone is ReadNow that also reports, when it read nothing,
// whether the peer is gone: the socket is at EOF or has an error (the
// next ordinary read reports which), rather than empty.
func (r *RawIO) ReadNowGone(p []byte) (n int, gone bool) {
	if r.raw == nil || len(p) == 0 {
		return 0, false
	}
	r.p, r.n, r.gone = p, 0, false
	r.raw.Control(r.read)
	r.p = nil
	return r.n, r.gone
}

// WriteNow sends what of p the socket takes now, without waiting, and
// returns how much it took: 0 when none (the buffer is full, or on an
// error, which the next ordinary write reports).
func (r *RawIO) WriteNow(p []byte) int {
	if r.raw == nil || len(p) == 0 {
		return 0
	}
	r.p, r.n = p, 0
	r.raw.Control(r.send)
	r.p = nil
	return r.n
}

func (r *RawIO) doRead(fd uintptr) { r.n, r.gone = readNowFD(fd, r.p) }
func (r *RawIO) doSend(fd uintptr) { r.n = sendNowFD(fd, r.p) }
