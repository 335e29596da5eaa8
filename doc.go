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
//     the queue is full, a plain TCP connection is parked (step 3) to be
//     served when its first request comes, and answered 503 with
//     Retry-After then if the pool is still full; one that cannot be
//     parked is answered 503 at once. Overload is visible and cheap,
//     never an unbounded queue of jobs.
//  2. A worker serves the connection while it has work: it reads into a
//     pooled buffer, parses the head with internal/http1 (re-runnable:
//     "need more" is a result, not a blocking read), reads a small body
//     along with it, runs the handler, and writes the answer, for as
//     many keep-alive and pipelined requests as arrive, bounded by fair
//     turns when others wait.
//  3. When the client has not sent its next bytes, the worker parks the
//     connection: its buffers go back to the pool, and the set of parked
//     connections (internal/park: an epoll set on Linux, a buffer-less
//     waiter goroutine each elsewhere) waits for it. A lone connection
//     is first given a short grace period on its worker; while other
//     connections are parked or queued it is parked at once, and the
//     worker takes a ready one from the set instead (see "Readiness"
//     below). Readiness otherwise submits it to the pool again (503 if
//     the pool is full); past IdleTimeout it is closed, past
//     ReadHeaderTimeout answered 408. A connection idle for long is
//     parked deep: a descriptor and a small record, no net.Conn. After
//     a burst of new connections, a server quiet for a second returns
//     the memory the burst left behind to the operating system
//     (quiet.go; Server.KeepMemory turns it off): 10,000 idle
//     keep-alive clients cost a fresh server 400-450 bytes each in our
//     runs, against nginx's 527 (bench/NOTES.md).
//  4. A file body (io.Copy from an *os.File with a Content-Length) is
//     sent with sendfile(2) after the handler returns, by a worker that
//     parks the connection whenever the client is slow to read.
//
// # Readiness
//
// Under load, readiness reaches the workers directly: a worker whose
// client has not sent its next request parks that connection and takes
// the next ready one from the epoll set itself (park.Set.Poll: one
// epoll_wait(2) takes up to 16, kept in the order they became ready),
// the shape of nginx's event loop inside a bounded pool. Parking costs
// no system call: a connection's descriptor stays registered with the
// set, edge-triggered, between its parks (park.Source.Reg). Bytes that
// come while it is out cost an EPOLL_CTL_MOD that quiets the
// registration (else a connection served without parking would wake
// the set for each request) and one that re-arms it at the next park;
// a read that may have left bytes in the socket (noteRead), the
// re-arming one. Connections ready to write (a file's next turn for a
// slow reader) are not taken this way but handed to idle workers, so
// that new requests do not wait behind them. At most GOMAXPROCS jobs
// take at once, yielding to other goroutines between connections;
// while they take, the set's own goroutine leaves ready connections to
// them, and it takes over within a millisecond when they stop (a slow
// handler). Non-blocking reads, sends and epoll calls are raw system
// calls, which the Go scheduler is not told of (park.RawIO says why).
//
// The set's goroutine hands the pool only as many ready connections as
// there are idle workers (parkRoom). When none is idle and the workers
// are held by handlers that wait (slow ones: overload), every ready
// connection goes to the pool, whose queue takes what it can, and the
// rest are answered 503 at once. When the workers are busy with the
// engine's own work instead (many busy clients on few CPUs), or with
// handlers that compute or whose threads the operating system set
// aside (as many goroutines running or runnable as half the busy
// handlers), ready connections
// wait in the set, in the order they became ready (park.Set.Waiting
// counts them, and a worker that sees them parks its own connection
// and takes the next), for the takers or the next idle worker: the
// server keeps up with its clients at the rate its CPUs allow, as
// nginx and fasthttp do, rather than answer 503 to clients it serves
// at their pace.
//
// Measured with 1,000 busy keep-alive connections (wrk -c1000, server
// on one core; bench/NOTES.md, "Issue 11", has the runs): in A/B runs
// by hand, 60,600 req/s and a p99 of 24-25 ms, against fasthttp's
// 59,700 and 33 ms in the same minute, where the previous engine made
// 46,700 with a p99 of 66 ms. With 10,000: 47,000-49,000 req/s and a
// p99 of 250-300 ms, against fasthttp's 44,000-45,500 and 640-710 ms;
// before ready connections waited in the set for idle workers, the
// pool's queue overflowed into 503s (69,000 in 5 s, 0.43x fasthttp).
// Keeping registrations armed between parks (instead of one-shot ones
// re-armed by an EPOLL_CTL_MOD at each park, 15% of the server's CPU
// at 10,000 clients) took 1,000 connections from 62,600-62,800 to
// 67,800-72,400 req/s and p99 from 21-23 to 17-20 ms in interleaved
// runs (fasthttp: 59,600-61,100 and 37-39 ms), and 10,000 from 52,000
// to 52,200 (fasthttp 45,400). Rejected on the way, with their numbers
// from the same A/B runs:
//
//   - ready connections handed through the set's goroutine and a FIFO
//     job queue (the previous engine): the goroutine and the workers
//     wait for the Go scheduler, which on a busy GOMAXPROCS=1 server
//     polls the network only when its run queue empties or every 10 ms;
//     fair turns traded throughput for tail (0.77-0.80x fasthttp, p99
//     60-80 ms against 20-25 ms);
//   - parking at once whenever others wait, without taking: p99 48 ms
//     but 43k instead of 62k req/s (two epoll_ctl calls and a hand-off
//     per request);
//   - every worker taking ready connections: 24-28k req/s and a p99 of
//     0.6-0.9 s, since 256 workers that never block are all runnable,
//     each holding a connection while the others run (hence GOMAXPROCS
//     takers);
//   - a look at the socket (read until EAGAIN) before parking, and
//     epoll_ctl ADD and DEL per park: six system calls a request where
//     fasthttp makes three; 28k req/s;
//   - epoll, reads and sends as ordinary system calls: the scheduler's
//     monitor handed the P to another thread whenever one outlasted its
//     tick, 10,000-15,000 context switches in 3 s (fasthttp: under
//     1,000), 39-47k req/s;
//   - one event per epoll_wait: 0.6 calls a request, 52k req/s (16 per
//     call: 0.04, 60k);
//   - 10,000 clients, every ready connection handed to the pool (503
//     past its queue) unless a worker had taken one within 20 ms: the
//     takers pause for longer when 256 workers are runnable, 300-5,000
//     503s in 3 s; ready connections held back only while workers
//     take, without telling the workers they wait (Waiting): the 256
//     workers kept their own clients and 9,744 connections waited for
//     seconds.
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
//	served              a worker (its job)            parking, closing, or a hijack
//	ready, taken        the job that took it (Poll)   that job serving it next
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
// deep.go, quiet.go (memory after a burst), connset.go (the open
// connections), gone.go (Request.Context), hijack.go.
//
// # Shutdown
//
// Shutdown stops accepting, closes parked idle connections, lets every
// request in flight finish (answered with "Connection: close"), then
// shuts the pool down and waits for every worker. Close is the hard
// stop. Neither waits for hijacked connections.
package wharf
