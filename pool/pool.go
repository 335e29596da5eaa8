package pool

import (
	"context"
	"log"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// Intake state layout: bit 0 is set once Shutdown has begun; the remaining
// bits count submitters (Go/TryGo calls) currently between enter and leave,
// in units of submitter.
const (
	closedBit = 1
	submitter = 2
)

// Pool is a fixed set of worker goroutines fed by a bounded queue of jobs.
//
// All methods are safe for concurrent use. The zero Pool is not usable:
// create pools with [New].
type Pool struct {
	workers int
	jobs    chan func() // never closed while a submitter may send on it

	// state is closedBit | (active submitters * submitter). The jobs
	// channel is closed exactly once, by whoever observes state ==
	// closedBit (intake closed and no submitter in flight), so a send on
	// a closed channel cannot happen.
	state     atomic.Int64
	closeJobs sync.Once
	quit      chan struct{} // closed when Shutdown begins; wakes blocked Go calls
	closing   sync.Once

	running atomic.Int64
	// pending counts jobs accepted and not yet started: queued, or
	// handed to a worker that has not run them yet (Idle).
	pending atomic.Int64
	// surplus counts workers above the pool's size: started in place
	// of detached jobs that have since finished (detach.go). A worker
	// that finishes a job while it is positive leaves.
	surplus atomic.Int64
	// renew counts workers Renew asked to be replaced (renew.go).
	renew atomic.Int64
	alive atomic.Int64  // worker goroutines not yet exited
	done  chan struct{} // closed when the last worker exits

	panicHandler atomic.Pointer[func(v any, stack []byte)]
}

// New starts workers goroutines fed by a queue that holds up to queue jobs
// waiting for a worker. With queue == 0 the queue is an unbuffered hand-off:
// a job is accepted only when a worker is idle and waiting for one.
//
// queue is taken as given: 0 means no queue, not a default. This differs
// from wharf.Server.Queue, where 0 means the default (4 × Workers) and a
// negative value means no queue; the Server translates its field before
// calling New (a negative Server.Queue becomes New(workers, 0)).
//
// If workers < 1 or queue < 0, New returns nil and a *[SizeError] naming the
// offending parameter. New never panics.
func New(workers, queue int) (*Pool, error) {
	if workers < 1 {
		return nil, &SizeError{Param: "workers", Value: workers}
	}
	if queue < 0 {
		return nil, &SizeError{Param: "queue", Value: queue}
	}
	p := &Pool{
		workers: workers,
		jobs:    make(chan func(), queue),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	p.alive.Store(int64(workers))
	for range workers {
		go p.worker()
	}
	return p, nil
}

// Go submits job, waiting until a worker or a queue slot takes it.
//
// It returns nil once the job is accepted; an accepted job runs exactly once,
// even if Shutdown begins right after. It returns [ErrClosed] if Shutdown has
// begun before or while Go waits, and ctx.Err() if ctx is done before the job
// is accepted (an already-done ctx is checked before trying to submit). On a
// non-nil error the job never runs. If room and shutdown (or ctx
// cancellation) become ready at the same moment, either outcome may be
// chosen, and the returned error tells which one happened.
//
// Go panics if job is nil (a programming error, reported at the call site).
func (p *Pool) Go(ctx context.Context, job func()) error {
	if job == nil {
		panic("pool: nil job")
	}
	if !p.enter() {
		return ErrClosed
	}
	defer p.leave()
	if err := ctx.Err(); err != nil {
		return err
	}
	p.pending.Add(1)
	select {
	case p.jobs <- job:
		return nil
	case <-p.quit:
		p.pending.Add(-1)
		return ErrClosed
	case <-ctx.Done():
		p.pending.Add(-1)
		return ctx.Err()
	}
}

// TryGo submits job if a worker is idle and waiting or a queue slot is free,
// and never waits. It returns nil if the job was accepted (it will run exactly
// once), [ErrFull] if there was no room, or [ErrClosed] if Shutdown has begun.
// On a non-nil error the job never runs.
//
// TryGo does not allocate and takes no lock: it is meant for hot paths such
// as a server's accept loop, where ErrFull should be turned into an immediate
// "overloaded" answer.
//
// TryGo panics if job is nil.
func (p *Pool) TryGo(job func()) error {
	if job == nil {
		panic("pool: nil job")
	}
	if !p.enter() {
		return ErrClosed
	}
	var err error
	p.pending.Add(1)
	select {
	case p.jobs <- job:
	default:
		p.pending.Add(-1)
		err = ErrFull
	}
	p.leave()
	return err
}

// enter registers a submitter. It reports false, having registered nothing,
// if Shutdown has begun.
func (p *Pool) enter() bool {
	if p.state.Add(submitter)&closedBit != 0 {
		p.leave()
		return false
	}
	return true
}

// leave unregisters a submitter; the last one out after Shutdown began
// closes the jobs channel so the workers drain it and exit.
func (p *Pool) leave() {
	if p.state.Add(-submitter) == closedBit {
		p.closeJobs.Do(func() { close(p.jobs) })
	}
}

// Workers returns the configured number of worker goroutines.
func (p *Pool) Workers() int { return p.workers }

// QueueCap returns the configured queue capacity (0 means direct hand-off).
func (p *Pool) QueueCap() int { return cap(p.jobs) }

// Queued returns the number of accepted jobs waiting for a worker. The value
// is a snapshot that may be stale by the time it is used; it is meant for
// metrics.
func (p *Pool) Queued() int { return len(p.jobs) }

// Running returns the number of jobs executing right now.
func (p *Pool) Running() int { return int(p.running.Load()) }

// Idle returns how many more jobs the pool would start at once: Workers
// minus the jobs running and those accepted but not started yet (queued,
// or handed to a worker that has not run them yet, which Running and
// Queued do not count). A job that gave its worker up (Lease.Detach)
// does not count. Like Queued, it is a snapshot; a submitter that
// hands the pool jobs in a burst, without letting them run, can use it
// to hand no more than the workers will take (never below 0).
func (p *Pool) Idle() int {
	return max(0, p.workers-int(p.running.Load())-int(p.pending.Load()))
}

// SetPanicHandler sets the function called when a job panics. It is called
// on the worker goroutine that ran the job, with the value passed to panic
// and the goroutine's stack trace at the point of the panic; after it
// returns, the worker goes on with the next job. A nil h restores the
// default, which logs "pool: job panicked: <v>\n<stack>" with the standard
// log package.
//
// Set the handler before submitting jobs. Calling it later is race-free, but
// a job that panics concurrently with the call may be reported to either
// handler. If the handler itself panics, the panic is not recovered and
// crashes the program.
func (p *Pool) SetPanicHandler(h func(v any, stack []byte)) {
	if h == nil {
		p.panicHandler.Store(nil)
		return
	}
	p.panicHandler.Store(&h)
}

func (p *Pool) worker() {
	clean, renewed := false, false
	defer func() {
		if renewed {
			return // replaced (renew.go): the alive count is handed over
		}
		if !clean {
			// A job called runtime.Goexit (for example t.FailNow):
			// the deferred recover in run saw nothing to recover and
			// this goroutine is ending. Replace it so the pool keeps
			// its size; the alive count is handed over unchanged.
			go p.worker()
			return
		}
		if p.alive.Add(-1) == 0 {
			close(p.done)
		}
	}()
	for job := range p.jobs {
		p.run(job)
		if p.leaveSurplus() {
			break
		}
		if p.takeRenewal() {
			renewed = true
			go p.worker()
			return
		}
	}
	clean = true
}

// leaveSurplus reports whether the calling worker should leave because
// the pool has more workers than its size (detach.go), and counts it
// out if so.
func (p *Pool) leaveSurplus() bool { return takeOne(&p.surplus) }

// takeOne decrements n if it is positive, and reports whether it did.
func takeOne(n *atomic.Int64) bool {
	for {
		v := n.Load()
		if v <= 0 {
			return false
		}
		if n.CompareAndSwap(v, v-1) {
			return true
		}
	}
}

func (p *Pool) run(job func()) {
	p.running.Add(1)
	p.pending.Add(-1)
	defer p.running.Add(-1)
	defer func() {
		// Since Go 1.21 panic(nil) recovers as *runtime.PanicNilError,
		// so a nil result here means no panic (or runtime.Goexit).
		if v := recover(); v != nil {
			stack := debug.Stack()
			if h := p.panicHandler.Load(); h != nil {
				(*h)(v, stack)
			} else {
				log.Printf("pool: job panicked: %v\n%s", v, stack)
			}
		}
	}()
	job()
}
