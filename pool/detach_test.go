package pool

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// waitUntil polls cond for up to 5 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond) // polling interval
	}
}

// A detached job lets another run on a one-worker pool; attaching again
// waits for a worker, so at most one job runs attached at a time; the
// pool is back to its size afterwards.
func TestLeaseDetachAttach(t *testing.T) {
	p, err := New(1, 4)
	if err != nil {
		t.Fatal(err)
	}
	var attached, most atomic.Int32
	enter := func() {
		n := attached.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
	}
	slow := make(chan struct{}) // what the detached job waits for
	bDone := make(chan struct{})
	aDone := make(chan struct{})
	if err := p.TryGo(func() {
		defer close(aDone)
		l := p.Lease()
		defer l.Done()
		enter()
		attached.Add(-1)
		l.Detach()
		<-slow
		if err := l.Attach(context.Background()); err != nil {
			t.Error(err)
		}
		enter()
		attached.Add(-1)
	}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "A to detach", func() bool { return p.Running() == 0 })
	release := make(chan struct{})
	if err := p.TryGo(func() {
		defer close(bDone)
		enter()
		<-release
		attached.Add(-1)
	}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "B to run while A is detached", func() bool { return p.Running() == 1 })
	close(slow) // A wants its worker back: it must wait for B
	waitUntil(t, "A's stand-in to queue", func() bool { return p.Queued() == 1 })
	close(release)
	<-bDone
	<-aDone
	if m := most.Load(); m != 1 {
		t.Errorf("%d jobs ran attached at once on one worker", m)
	}
	waitUntil(t, "the pool to be back to one worker", func() bool { return p.alive.Load() == 1 && p.Running() == 0 })
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Many jobs detach and attach concurrently: Running never exceeds the
// pool's size, every job finishes, and the pool ends at its size.
func TestLeaseManyDetached(t *testing.T) {
	const workers = 3
	p, err := New(workers, 64)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var over atomic.Bool
	var attached atomic.Int32 // jobs holding a worker, counted by the jobs
	for i := 0; i < 50; i++ {
		wg.Add(1)
		if err := p.Go(context.Background(), func() {
			defer wg.Done()
			l := p.Lease()
			defer l.Done()
			for j := 0; j < 3; j++ {
				if attached.Add(1) > workers {
					over.Store(true)
				}
				attached.Add(-1)
				l.Detach()
				time.Sleep(time.Millisecond) // a slow client
				if err := l.Attach(context.Background()); err != nil {
					t.Error(err)
				}
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if over.Load() {
		t.Error("more jobs than workers ran attached at once")
	}
	waitUntil(t, "the pool to shrink back", func() bool { return p.alive.Load() == workers && p.Running() == 0 })
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}
