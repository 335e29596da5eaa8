// Package pool provides a fixed-size worker pool with a bounded job queue.
//
// A [Pool] is created with [New] and owns a fixed number of worker goroutines
// fed by a queue of fixed capacity. Jobs are plain func() values submitted
// with [Pool.Go] (waits for room, honouring a context) or [Pool.TryGo] (never
// waits). [Pool.Shutdown] stops intake, lets every accepted job finish and
// waits for the workers to exit. The package has no knowledge of HTTP or of
// any other protocol and is usable on its own for any CPU- or I/O-bound work.
//
// # Why the queue is bounded
//
// An unbounded queue hides overload: when work arrives faster than it is
// done, the backlog (and its memory, and every client's latency) grows
// without limit until something falls over. With a bounded queue, overload
// is visible at the moment of submission: [Pool.TryGo] returns [ErrFull] when
// no worker is idle and no queue slot is free, so a server can answer
// "503 Service Unavailable" at once instead of accepting work it cannot do in
// time. A queue capacity of 0 is allowed: then a job is accepted only when a
// worker is idle and waiting for it (a direct hand-off).
//
// The queue size given to [New] is used as it is: 0 is the direct hand-off,
// never a default. wharf.Server.Queue, by contrast, follows the rule that a
// Server's zero fields take defaults: there 0 means 4 × Workers and a
// negative value means no queue (pool.New(workers, 0)).
//
// # Compared with errgroup.SetLimit
//
// golang.org/x/sync/errgroup with SetLimit(n) also bounds concurrency, but it
// starts one new goroutine per job and makes the submitter wait (Go) or fail
// (TryGo) while n jobs are running; there is no queue. A Pool keeps a fixed
// set of long-lived workers, so submitting a job costs a channel send and no
// allocation, it adds a bounded queue in front of the workers to absorb short
// bursts, and it recovers panicking jobs instead of crashing the process.
// errgroup additionally collects the first error and cancels a shared
// context, which a Pool does not do: jobs report their own results.
//
// # Long-lived workers and their stacks
//
// A goroutine's stack grows with the deepest call it makes and rarely
// shrinks back (never below four times what it uses idle), so each
// worker keeps the stack its deepest job needed. [Pool.Renew] replaces
// the idle workers with new goroutines, whose stacks start at the
// minimum: a server calls it when a burst is over (wharf's Server does,
// with the rest of its memory release after a burst).
//
// # Concurrency
//
// All methods of a Pool are safe for concurrent use by multiple goroutines,
// including calls to Go and TryGo that race with Shutdown: a submission
// either is accepted (nil error), and then the job runs exactly once, or is
// refused with an error, and then the job never runs. The zero Pool is not
// usable; create pools with [New].
package pool
