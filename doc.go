// Package wharf is a multithreaded HTTP/1.1 server: its own strict
// HTTP/1.1 engine on raw TCP, a bounded pool of workers, idle and slow
// connections parked without a worker or a buffer, overload answered at
// once with 503, and a graceful shutdown that answers every accepted
// request.
//
// A Server's zero value is ready to use; every zero field takes the
// documented default. Handlers implement Handler (ServeHTTP with a
// ResponseWriter and a *Request). The Request and every string it holds
// stay valid and unchanged after the handler returns; the ResponseWriter
// does not.
//
// # The data path
//
// Bytes flow one way: socket -> request head -> handler -> response ->
// socket.
//
//  1. An accept loop (Serve) takes a connection, counts it against
//     MaxConns and MaxConnsPerIP, and submits it to the worker pool
//     (package wharf/pool) with TryGo. When every worker is busy and
//     the queue is full it answers 503 with Retry-After and closes:
//     overload is visible and cheap, never an unbounded queue.
//  2. A worker serves the connection while it has work: it reads into a
//     pooled buffer, parses the head with internal/http1 (re-runnable:
//     "need more" is a result, not a blocking read), reads a small body
//     along with it, runs the handler, and writes the answer, for as
//     many keep-alive and pipelined requests as arrive within a short
//     grace period, bounded by fair turns when others wait.
//  3. When no bytes come within the grace period, the worker parks the
//     connection: its buffers go back to the pool, and the set of parked
//     connections (internal/park: an epoll set on Linux, a buffer-less
//     waiter goroutine each elsewhere) waits for it. Readiness submits
//     it to the pool again (503 if the pool is full); past IdleTimeout
//     it is closed, past ReadHeaderTimeout answered 408. A connection
//     idle for long is parked deep: a descriptor and a small record, no
//     net.Conn.
//  4. A file body (io.Copy from an *os.File with a Content-Length) is
//     sent with sendfile(2) after the handler returns, by a worker that
//     parks the connection whenever the client is slow to read.
//
// # Who owns what
//
// Every goroutine has one owner that starts it and waits for it:
//
//	goroutine                    started by        joined by
//	accept loop (Serve)          the caller        Shutdown/Close (serveWG)
//	pool workers                 pool.New          pool.Shutdown, from Shutdown/Close
//	epoll loop (Linux)           park.New (start)  park.Set.Stop, from Shutdown/Close
//	waiter goroutines (no epoll) park.Set.Add      park.Set.Stop (after Drain)
//	writer waiting for a worker  unpark, overload  Shutdown/Close (parkWG)
//	lingering closes             a worker          Shutdown/Close (lingerWG)
//	Date-header timer            the first Server  the last Server's stop (date.go)
//
// A connection (conn) is owned by exactly one of these at a time, and
// only its owner touches its state:
//
//	state               owner                         leaves it by
//	queued job          the pool's queue              a worker taking it
//	served              a worker                      parking, closing, or a hijack
//	parked (shallow)    the park.Set                  readiness, a deadline, Shutdown
//	parked deep         the park.Set (a descriptor)   readiness (a net.Conn again), a deadline
//	parked for writing  the park.Set                  writability, WriteTimeout
//	lingering close     a linger goroutine            the client's EOF or a short timeout
//	hijacked            the handler that hijacked it  never: the server forgets it
//
// While a handler runs, its Request.Context may also be watched by the
// set for the client going away (gone.go); the watch ends before the
// worker can park the connection.
//
// # Layers
//
// The root package is the policy: admission, timeouts and the answers
// they get, fair turns, deep parking, shutdown order. Below it,
// internal/http1 is the wire format (parsing, framing, status lines and
// the canned answers), and internal/park the readiness mechanism (the
// set of parked descriptors, sendfile, bare descriptors); neither knows
// the other or the server. Files: server.go (Server, accept, admission),
// shutdown.go, conn.go (the serve loop), readhead.go (reading a head
// and a small body, parking), connio.go (writes, deadlines, closing),
// work.go (buffers), exchange.go (one request), response.go, body.go,
// sendfile.go (file bodies), parking.go (what parked connections get),
// deep.go, gone.go (Request.Context), hijack.go.
//
// # Shutdown
//
// Shutdown stops accepting, closes parked idle connections, lets every
// request in flight finish (answered with "Connection: close"), then
// shuts the pool down and waits for every worker. Close is the hard
// stop. Neither waits for hijacked connections.
package wharf
