// Package park is the readiness mechanism under wharf's engine: a set of
// descriptors that wait, without a goroutine or a buffer each, for bytes
// to read or room to write, with a deadline each, and the system calls
// that go with them (a look at a socket without reading it, sendfile(2)
// and TCP_CORK, reducing a socket to a bare descriptor and back).
//
// The package knows nothing of HTTP, of the server's pool or of its
// policy. A parked value travels through a Set as an opaque T (the
// engine's connection), the way the runtime's netpoll only sees a
// pollDesc: the Set calls back with it when its descriptor is ready or
// its deadline passed, and what then happens to the connection (a
// worker, a 503, a 408, parking deep) is the caller's decision.
//
// # Mechanisms
//
// On Linux a Set is one epoll(7) set, drained by one goroutine that the
// runtime's own poller wakes (the epoll descriptor is itself registered
// with it, so no thread blocks in epoll_wait). A descriptor parked to
// read with a Source.Reg stays registered, edge-triggered, between its
// parks, so that parking it again costs no system call (regs.go);
// others are registered one-shot, and re-armed by each Add. Every
// sweepEvery it checks deadlines. Elsewhere, or when
// epoll cannot be had, each parked value has a small waiter goroutine
// that waits for readability through syscall.RawConn without a buffer,
// and deadlines are the runtime's read deadlines; a waiter Set cannot
// wait for writability, watch for hang-ups, or age values (see
// Set.WaitsWritable, Set.Watch, Events.Aged).
//
// # Goroutines
//
//	goroutine                   started by   ends
//	epoll loop (Linux)          New          Stop
//	waiter, one per value       Add          ready, expired, or Drain/Stop
//
// Callbacks (Events) run on these goroutines, never with the Set's lock
// held, except the Age filter, which runs under it and must be cheap.
package park
