package pool

import "context"

// Shutdown stops intake and waits for the pool to drain.
//
// Once Shutdown has begun, Go and TryGo return [ErrClosed] and Go calls that
// are waiting for room return ErrClosed too. Every job accepted before that
// (queued or running) still runs to completion. Shutdown returns nil when all
// of those jobs have finished and every worker goroutine has exited.
//
// If ctx is done first, Shutdown returns ctx.Err(); the workers keep
// draining the queue in the background, and a later Shutdown call with a
// fresh ctx waits again. In particular, Shutdown with an already-cancelled
// ctx is the "stop intake now, don't wait" form: it returns nil if the pool
// has already drained, and ctx.Err() otherwise.
//
// Shutdown does not interrupt running jobs; jobs that must stop early need
// their own cancellation signal (for example a context they watch). Shutdown
// is safe to call more than once and from several goroutines at once.
func (p *Pool) Shutdown(ctx context.Context) error {
	p.closing.Do(func() {
		close(p.quit)
		if p.state.Add(closedBit) == closedBit {
			// No submitter in flight; otherwise the last one
			// to leave closes the channel.
			p.closeJobs.Do(func() { close(p.jobs) })
		}
	})
	select {
	case <-p.done:
		return nil
	default:
	}
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
