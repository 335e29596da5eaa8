package pool

// Renewing workers. A goroutine's stack grows with the deepest call it
// has made and shrinks, at a garbage collection, only while less than
// a quarter of it is in use; an idle worker's frames and the runtime's
// reserve take about 1.2 KB, so a worker whose stack grew to 4 KB
// serving one request keeps 4 KB for good. With hundreds of workers
// that is most of a megabyte an idle server holds for nothing (bench
// idle10k, 512 workers: stacks 1.4 MB before the burst, 2.5 MB after,
// through any number of collections). A goroutine that exits gives its
// stack back; a new one starts with the minimum.

// Renew asks the idle workers to leave, each replaced at once by a new
// goroutine, so that the stacks earlier jobs grew are freed (at the
// next garbage collections). It hands the pool one empty job per idle
// worker, without waiting (as TryGo), and returns how many it handed;
// a worker that finishes one of them, or any job while renewals are
// outstanding, starts its replacement and exits. The pool's size and
// Shutdown are unchanged by it; until it ends, a renewal counts in
// Running, Queued and Idle like any job.
func (p *Pool) Renew() int {
	n := 0
	for range p.Idle() {
		p.renew.Add(1)
		if p.TryGo(noJob) != nil {
			p.renew.Add(-1)
			break
		}
		n++
	}
	return n
}

// noJob is what Renew hands the workers.
func noJob() {}

// takeRenewal reports whether the calling worker, which has just run a
// job, should be replaced (Renew), and counts the renewal done if so.
func (p *Pool) takeRenewal() bool { return takeOne(&p.renew) }
