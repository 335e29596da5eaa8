package pool

import (
	"context"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"
)

// stackBytes is the memory the runtime holds for goroutine stacks, after
// two collections (a stack freed during one is released at the next).
func stackBytes() int64 {
	runtime.GC()
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/stacks:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// grow makes the calling goroutine's stack about depth KB deep.
//
//go:noinline
func grow(depth int) byte {
	var pad [1024]byte
	if depth == 0 {
		return pad[0]
	}
	pad[depth%len(pad)] = byte(depth)
	return grow(depth-1) + pad[(depth+1)%len(pad)]
}

// A worker whose stack a job grew to 4 KB keeps it through any number
// of collections (an idle worker uses more than a quarter of 2 KB);
// Renew replaces the workers, and the memory goes.
//
// The race detector's runtime sizes stacks otherwise (their growth does
// not show here), so under it this test skips;
// TestRenewReplacesWorkers checks the replacement itself in both.
func TestRenewFreesGrownStacks(t *testing.T) {
	if raceEnabled {
		t.Skip("stack sizes differ under the race detector; see TestRenewReplacesWorkers")
	}
	const workers = 256
	p := mustNew(t, workers, 0)
	base := stackBytes()

	// One job on each worker, all at once so that no worker runs two,
	// each growing its stack to 8 KB.
	var started sync.WaitGroup
	started.Add(workers)
	release := make(chan struct{})
	for range workers {
		if err := p.Go(context.Background(), func() {
			grow(6)
			started.Done()
			<-release
		}); err != nil {
			t.Fatal(err)
		}
	}
	started.Wait()
	close(release)
	waitUntil(t, "the workers to be idle", func() bool { return p.Idle() == workers })
	stackBytes()
	grown := stackBytes()             // collections shrink nothing more
	if grown-base < workers*(1<<10) { // 2 KB each expected
		t.Fatalf("stacks grew by %d bytes only (%d workers); the test cannot tell", grown-base, workers)
	}

	if n := p.Renew(); n != workers {
		t.Fatalf("Renew handed %d renewals, want %d", n, workers)
	}
	waitUntil(t, "the renewals", func() bool { return p.renew.Load() == 0 && p.Idle() == workers })
	after := stackBytes()
	if after-base > (grown-base)/2 {
		t.Errorf("stacks: %d bytes before the jobs, %d after, %d after Renew; want the grown stacks freed", base, grown, after)
	}
}

// goid returns the calling goroutine's id, from its stack trace's
// first line ("goroutine 18 [running]:").
func goid() string {
	var b [64]byte
	f := strings.Fields(string(b[:runtime.Stack(b[:], false)]))
	return f[1]
}

// workerIDs runs one job on each of p's workers at once and returns
// the ids of the goroutines that ran them.
func workerIDs(t *testing.T, p *Pool) map[string]bool {
	t.Helper()
	ids := make(chan string, p.Workers())
	release := make(chan struct{})
	for range p.Workers() {
		if err := p.Go(context.Background(), func() {
			ids <- goid()
			<-release
		}); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]bool{}
	for range p.Workers() {
		got[<-ids] = true
	}
	close(release)
	waitUntil(t, "the workers to be idle", func() bool { return p.Idle() == p.Workers() })
	return got
}

// After Renew, every worker is a new goroutine (whose stack starts at
// the minimum).
func TestRenewReplacesWorkers(t *testing.T) {
	const workers = 8
	p := mustNew(t, workers, 0)
	before := workerIDs(t, p)
	if len(before) != workers {
		t.Fatalf("%d workers ran %d jobs at once", len(before), workers)
	}
	if n := p.Renew(); n != workers {
		t.Fatalf("Renew handed %d renewals, want %d", n, workers)
	}
	waitUntil(t, "the renewals", func() bool { return p.renew.Load() == 0 && p.Idle() == workers })
	after := workerIDs(t, p)
	for id := range after {
		if before[id] {
			t.Errorf("goroutine %s worked before Renew and after", id)
		}
	}
	if len(after) != workers {
		t.Errorf("%d goroutines ran %d jobs at once after Renew", len(after), workers)
	}
}

// Renew keeps the pool's size: the jobs after it run on as many
// workers, and Shutdown joins them all.
func TestRenewKeepsSize(t *testing.T) {
	const workers = 3
	p, err := New(workers, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		p.Renew()
	}
	waitUntil(t, "the renewals", func() bool { return p.renew.Load() == 0 })
	if p.Workers() != workers || p.alive.Load() != workers {
		t.Fatalf("Workers %d, alive %d after Renew, want %d", p.Workers(), p.alive.Load(), workers)
	}
	// All the workers still take jobs at once.
	started := make(chan struct{})
	release := make(chan struct{})
	for range workers {
		if err := p.Go(context.Background(), blocker(started, release)); err != nil {
			t.Fatal(err)
		}
	}
	for range workers {
		<-started
	}
	if err := p.TryGo(noop); err != ErrFull {
		t.Fatalf("TryGo with every worker busy: %v, want ErrFull", err)
	}
	close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown after Renew: %v", err)
	}
}
