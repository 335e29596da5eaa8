package pool

import "context"

// A Lease is a running job's hold on its worker, which the job can give
// up while it waits for something slow (a client that trickles a request
// body) and take back before it works again: while detached, the job
// counts against nothing, and the pool runs Workers other jobs. A job
// gets its Lease from Pool.Lease, on the goroutine running it; a Lease
// is used by that job only, and its methods are not safe for concurrent
// use.
//
// The pool stays bounded: at most Workers jobs run attached at once.
// Detached jobs are bounded by whatever bounds their waits (for a
// server, its connections).
type Lease struct {
	p        *Pool
	detached bool
	replaced bool // a worker was started in this job's place
	// stand is the stand-in job holding a worker for this job after
	// Attach: a worker blocked until stand is closed.
	stand chan struct{}
}

// Lease returns a Lease for the job running on the calling goroutine,
// which must be a job of p (a job given to Go or TryGo, while it runs).
func (p *Pool) Lease() *Lease { return &Lease{p: p} }

// Detach gives the job's worker up: the pool starts a worker in its
// place at once (the first time), so a queued job need not wait for
// this one. The caller
// goes on running on its own goroutine. Detach on a detached Lease does
// nothing.
func (l *Lease) Detach() {
	if l.detached {
		return
	}
	l.detached = true
	p := l.p
	if l.stand != nil {
		// The worker that stood in for this job goes back to work.
		close(l.stand)
		l.stand = nil
		return
	}
	p.running.Add(-1)
	if !l.replaced {
		l.replaced = true
		p.alive.Add(1)
		go p.worker()
	}
}

// Attach takes a worker back for a detached job: it waits, in the queue
// like any job submitted with Go (so a returning job does not jump ahead
// of others), for a worker, which then stands by, running nothing,
// until the job detaches again or calls Done. It returns ctx's error if
// ctx ends first, or ErrClosed once Shutdown began; the job then goes
// on detached. Attach on an attached Lease does nothing.
func (l *Lease) Attach(ctx context.Context) error {
	if !l.detached {
		return nil
	}
	stand := make(chan struct{})
	held := make(chan struct{})
	err := l.p.Go(ctx, func() {
		close(held)
		<-stand
	})
	if err != nil {
		return err
	}
	select {
	case <-held:
	case <-ctx.Done():
		// The stand-in is queued: let it go through at once when a
		// worker takes it.
		close(stand)
		return ctx.Err()
	}
	l.stand = stand
	l.detached = false
	return nil
}

// Done ends the Lease; the job calls it before it returns (defer it
// right after Lease). A stand-in worker is released. The job's own
// goroutine, which became surplus when it first detached, leaves the
// pool after the job (the pool keeps Workers workers).
func (l *Lease) Done() {
	counted := l.detached || l.stand != nil
	if l.stand != nil {
		// First the stand-in goes (Running drops), then this job is
		// counted again: never more than Workers, even for a moment.
		close(l.stand)
		l.stand = nil
	}
	if counted {
		// Detach took this job out of Running; run puts it back in
		// balance when the job returns.
		l.p.running.Add(1)
	}
	if l.replaced {
		// One worker too many from now on: the next to finish a job
		// (most likely this one, right after it returns) leaves.
		l.p.surplus.Add(1)
		l.replaced = false
	}
	l.detached = false
}
