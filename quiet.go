package wharf

import (
	"runtime/debug"
	"time"
)

// Memory after a burst. Serving a burst of new connections leaves the
// process holding memory it no longer uses: the buffers of every
// worker that served at once (16 KB each, kept in a sync.Pool until two
// garbage collections pass), and heap spans freed but not yet given
// back to the operating system. An idle server allocates nothing, so
// no collection comes, and the Go runtime's background scavenger
// returns only what exceeds the heap's goal. Measured on a fresh
// server holding 10,000 idle keep-alive clients (bench/run idle10k):
// 1,093-1,150 bytes of resident memory a connection, 561-586 once such
// leftovers were given back.
//
// So when the server has been quiet for quietFor (no connection
// accepted, no handler returned) after accepting at least quietAfter
// connections since the last time, it collects garbage twice and
// returns the free memory to the operating system
// (debug.FreeOSMemory), having first replaced its idle workers
// (pool.Renew: a worker's stack, grown to 4 KB by one request, never
// shrinks back; 512 workers held 1 MB more after the burst than
// before). On a quiet server that costs a few
// milliseconds of one CPU; it happens at most once per burst, and never
// with Server.KeepMemory (the collections are the whole process's).

const (
	// quietFor is how long the server must have been quiet.
	quietFor = time.Second
	// quietAfter is how many connections must have been accepted
	// since the last release: a burst worth returning memory for.
	quietAfter = 1000
)

// quietMark is what releaseWhenQuiet last saw. Owned by the parked
// set's goroutine.
type quietMark struct {
	out, accepted uint64 // handlers returned and connections accepted
	since         mono   // when they last changed
	released      uint64 // connections accepted at the last release
}

// releaseWhenQuiet returns unused memory to the operating system after
// a burst, once the server is quiet (see above). It is called after
// each deadline sweep of the parked set, on its goroutine.
func (s *Server) releaseWhenQuiet() {
	if s.cfg.keepMemory || !s.quiet.due(s.count.handlersOut.Load(), s.count.accepted.Load(), monoNow()) {
		return
	}
	s.count.releases.Add(1)
	// Workers whose stacks the burst grew keep them (pool.Renew):
	// replaced now, their stacks are freed by the collections below.
	s.pool.Renew()
	// Two collections: the first moves the sync.Pools' contents to
	// their victim caches, the second frees them.
	debug.FreeOSMemory()
	debug.FreeOSMemory()
}

// due reports whether memory is to be released now, given the handlers
// returned and the connections accepted so far, and records it.
func (q *quietMark) due(out, accepted uint64, now mono) bool {
	if out != q.out || accepted != q.accepted || q.since == 0 {
		q.out, q.accepted, q.since = out, accepted, now
		return false
	}
	if accepted-q.released < quietAfter || now-q.since < mono(quietFor) {
		return false
	}
	q.released = accepted
	return true
}
