package pool

import (
	"bytes"
	"context"
	"errors"
	"log"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func noop() {}

// mustNew is New for tests: it fails the test on error and shuts the pool
// down (waiting, bounded) when the test ends.
func mustNew(t testing.TB, workers, queue int) *Pool {
	t.Helper()
	p, err := New(workers, queue)
	if err != nil {
		t.Fatalf("New(%d, %d): %v", workers, queue, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := p.Shutdown(ctx); err != nil {
			t.Errorf("cleanup Shutdown: %v", err)
		}
	})
	return p
}

// blocker returns a job that signals started and then waits for release.
func blocker(started chan<- struct{}, release <-chan struct{}) func() {
	return func() {
		started <- struct{}{}
		<-release
	}
}

// occupy makes all n workers of p busy with jobs that block until the
// returned release function is called.
func occupy(t *testing.T, p *Pool, n int) (release func()) {
	t.Helper()
	started := make(chan struct{})
	rel := make(chan struct{})
	for range n {
		if err := p.Go(context.Background(), blocker(started, rel)); err != nil {
			t.Fatalf("Go(blocker): %v", err)
		}
	}
	for range n {
		<-started
	}
	var once sync.Once
	release = func() { once.Do(func() { close(rel) }) }
	t.Cleanup(release)
	return release
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		workers, queue int
		param          string
		value          int
		msg            string
	}{
		{0, 0, "workers", 0, "pool: workers must be at least 1, got 0"},
		{-1, 0, "workers", -1, "pool: workers must be at least 1, got -1"},
		{-1, -1, "workers", -1, "pool: workers must be at least 1, got -1"},
		{1, -1, "queue", -1, "pool: queue must be at least 0, got -1"},
	}
	for _, tt := range tests {
		p, err := New(tt.workers, tt.queue)
		if p != nil {
			t.Errorf("New(%d, %d) returned non-nil pool", tt.workers, tt.queue)
		}
		var se *SizeError
		if !errors.As(err, &se) {
			t.Fatalf("New(%d, %d) error = %v (%T), want *SizeError", tt.workers, tt.queue, err, err)
		}
		if se.Param != tt.param || se.Value != tt.value {
			t.Errorf("New(%d, %d) = %+v, want Param %q Value %d", tt.workers, tt.queue, *se, tt.param, tt.value)
		}
		if got := err.Error(); got != tt.msg {
			t.Errorf("New(%d, %d).Error() = %q, want %q", tt.workers, tt.queue, got, tt.msg)
		}
	}
}

func TestNewAccessors(t *testing.T) {
	for _, sz := range [][2]int{{1, 0}, {3, 7}} {
		p := mustNew(t, sz[0], sz[1])
		if p.Workers() != sz[0] || p.QueueCap() != sz[1] {
			t.Errorf("New(%d, %d): Workers()=%d QueueCap()=%d", sz[0], sz[1], p.Workers(), p.QueueCap())
		}
		if p.Queued() != 0 || p.Running() != 0 {
			t.Errorf("fresh pool: Queued()=%d Running()=%d, want 0 0", p.Queued(), p.Running())
		}
	}
}

func TestJobsRun(t *testing.T) {
	p := mustNew(t, 4, 8)
	const n = 1000
	var count atomic.Int64
	for range n {
		if err := p.Go(context.Background(), func() { count.Add(1) }); err != nil {
			t.Fatalf("Go: %v", err)
		}
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if got := count.Load(); got != n {
		t.Errorf("ran %d jobs, want %d", got, n)
	}
}

func TestShutdownWaitsForRunningAndQueued(t *testing.T) {
	p := mustNew(t, 1, 2)
	release := occupy(t, p, 1)
	var ran atomic.Int64
	for range 2 {
		if err := p.TryGo(func() { ran.Add(1) }); err != nil {
			t.Fatalf("TryGo into free queue slot: %v", err)
		}
	}
	if p.Running() != 1 || p.Queued() != 2 {
		t.Errorf("Running()=%d Queued()=%d, want 1 2", p.Running(), p.Queued())
	}

	result := make(chan error, 1)
	go func() { result <- p.Shutdown(context.Background()) }()

	// Wait until intake is closed, i.e. Shutdown has begun. With the
	// worker blocked and the queue full, TryGo cannot be accepted.
	for {
		err := p.TryGo(noop)
		if errors.Is(err, ErrClosed) {
			break
		}
		if !errors.Is(err, ErrFull) {
			t.Fatalf("TryGo while full = %v, want ErrFull or ErrClosed", err)
		}
		runtime.Gosched()
	}
	select {
	case err := <-result:
		t.Fatalf("Shutdown returned %v while a job was still running", err)
	default:
	}
	if n := ran.Load(); n != 0 {
		t.Fatalf("%d queued jobs ran while the only worker was blocked", n)
	}

	release()
	if err := <-result; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if n := ran.Load(); n != 2 {
		t.Errorf("after Shutdown, %d queued jobs ran, want 2", n)
	}
	if n := p.alive.Load(); n != 0 {
		t.Errorf("after Shutdown, %d workers alive, want 0", n)
	}
	if p.Running() != 0 || p.Queued() != 0 {
		t.Errorf("after Shutdown: Running()=%d Queued()=%d, want 0 0", p.Running(), p.Queued())
	}
}

func TestShutdownDeadlineThenRetry(t *testing.T) {
	p := mustNew(t, 2, 4)
	release := occupy(t, p, 2)
	var ran atomic.Int64
	for range 3 {
		if err := p.TryGo(func() { ran.Add(1) }); err != nil {
			t.Fatalf("TryGo: %v", err)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := p.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with expiring ctx = %v, want DeadlineExceeded", err)
	}
	if err := p.TryGo(noop); !errors.Is(err, ErrClosed) {
		t.Errorf("TryGo after timed-out Shutdown = %v, want ErrClosed", err)
	}
	// The "don't wait" form: an already-cancelled ctx.
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if err := p.Shutdown(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown with cancelled ctx while busy = %v, want Canceled", err)
	}

	release()
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	if n := ran.Load(); n != 3 {
		t.Errorf("queued jobs ran %d times, want 3", n)
	}
	if n := p.alive.Load(); n != 0 {
		t.Errorf("%d workers alive after Shutdown, want 0", n)
	}
	// Once drained, even a cancelled ctx reports success.
	if err := p.Shutdown(cctx); err != nil {
		t.Errorf("Shutdown(cancelled) after drain = %v, want nil", err)
	}
}

func TestShutdownConcurrentCalls(t *testing.T) {
	p := mustNew(t, 2, 2)
	release := occupy(t, p, 2)
	const n = 8
	errs := make(chan error, n)
	for range n {
		go func() { errs <- p.Shutdown(context.Background()) }()
	}
	release()
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("concurrent Shutdown: %v", err)
		}
	}
}

func TestGoBlocksWhenFull(t *testing.T) {
	p := mustNew(t, 1, 1)
	release := occupy(t, p, 1)
	if err := p.Go(context.Background(), noop); err != nil {
		t.Fatalf("Go into free slot: %v", err)
	}

	// Cancelled while waiting.
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Bool
	result := make(chan error, 1)
	go func() { result <- p.Go(ctx, func() { ran.Store(true) }) }()
	select {
	case err := <-result:
		t.Fatalf("Go on a full pool returned %v without waiting", err)
	case <-time.After(10 * time.Millisecond):
	}
	cancel()
	if err := <-result; !errors.Is(err, context.Canceled) {
		t.Fatalf("Go after cancel = %v, want context.Canceled", err)
	}

	// Deadline while waiting.
	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer dcancel()
	if err := p.Go(dctx, func() { ran.Store(true) }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Go with deadline on full pool = %v, want DeadlineExceeded", err)
	}

	// An already-cancelled ctx returns at once.
	if err := p.Go(ctx, noop); !errors.Is(err, context.Canceled) {
		t.Fatalf("Go with cancelled ctx = %v, want context.Canceled", err)
	}

	// Room appears: a waiting Go is accepted.
	accepted := make(chan struct{})
	go func() { result <- p.Go(context.Background(), func() { close(accepted) }) }()
	release()
	if err := <-result; err != nil {
		t.Fatalf("Go after room freed: %v", err)
	}
	<-accepted
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ran.Load() {
		t.Error("a job whose Go returned an error ran")
	}
}

func TestGoWaitingReturnsErrClosedOnShutdown(t *testing.T) {
	p := mustNew(t, 1, 0)
	release := occupy(t, p, 1)
	var ran atomic.Bool
	result := make(chan error, 1)
	go func() { result <- p.Go(context.Background(), func() { ran.Store(true) }) }()

	shut := make(chan error, 1)
	go func() { shut <- p.Shutdown(context.Background()) }()
	if err := <-result; !errors.Is(err, ErrClosed) {
		t.Fatalf("waiting Go during Shutdown = %v, want ErrClosed", err)
	}
	release()
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if ran.Load() {
		t.Error("refused job ran")
	}
}

func TestSubmitAfterShutdown(t *testing.T) {
	p := mustNew(t, 2, 2)
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.Go(context.Background(), noop); !errors.Is(err, ErrClosed) {
		t.Errorf("Go after Shutdown = %v, want ErrClosed", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Go(ctx, noop); !errors.Is(err, ErrClosed) {
		t.Errorf("Go(cancelled ctx) after Shutdown = %v, want ErrClosed", err)
	}
	if err := p.TryGo(noop); !errors.Is(err, ErrClosed) {
		t.Errorf("TryGo after Shutdown = %v, want ErrClosed", err)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Errorf("repeated Shutdown = %v, want nil", err)
	}
}

func TestTryGoFull(t *testing.T) {
	p := mustNew(t, 2, 3)
	release := occupy(t, p, 2)
	for i := range 3 {
		if err := p.TryGo(noop); err != nil {
			t.Fatalf("TryGo #%d into free slot: %v", i, err)
		}
	}
	if err := p.TryGo(noop); !errors.Is(err, ErrFull) {
		t.Fatalf("TryGo on full pool = %v, want ErrFull", err)
	}
	if p.Running() != 2 || p.Queued() != 3 {
		t.Errorf("Running()=%d Queued()=%d, want 2 3", p.Running(), p.Queued())
	}
	release()
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p.Running() != 0 || p.Queued() != 0 {
		t.Errorf("after Shutdown Running()=%d Queued()=%d, want 0 0", p.Running(), p.Queued())
	}
}

func TestTryGoZeroQueue(t *testing.T) {
	p := mustNew(t, 1, 0)
	// The worker may not be waiting yet: ErrFull until it is.
	started := make(chan struct{})
	rel := make(chan struct{})
	defer close(rel)
	for {
		err := p.TryGo(blocker(started, rel))
		if err == nil {
			break
		}
		if !errors.Is(err, ErrFull) {
			t.Fatalf("TryGo = %v, want nil or ErrFull", err)
		}
		runtime.Gosched()
	}
	<-started
	if err := p.TryGo(noop); !errors.Is(err, ErrFull) {
		t.Fatalf("TryGo with busy worker and no queue = %v, want ErrFull", err)
	}
	if p.Queued() != 0 {
		t.Errorf("Queued() = %d with queue 0", p.Queued())
	}
}

func TestPanicRecovery(t *testing.T) {
	p := mustNew(t, 1, 2)
	type report struct {
		v     any
		stack []byte
	}
	reports := make(chan report, 1)
	p.SetPanicHandler(func(v any, stack []byte) { reports <- report{v, stack} })
	second := make(chan struct{})
	if err := p.Go(context.Background(), func() { panic("boom") }); err != nil {
		t.Fatal(err)
	}
	if err := p.Go(context.Background(), func() { close(second) }); err != nil {
		t.Fatal(err)
	}
	<-second // the single worker survived the panic
	r := <-reports
	if r.v != "boom" {
		t.Errorf("handler got %v, want \"boom\"", r.v)
	}
	if len(r.stack) == 0 || !bytes.Contains(r.stack, []byte("TestPanicRecovery")) {
		t.Errorf("handler stack does not show the panicking job:\n%s", r.stack)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p.Running() != 0 {
		t.Errorf("Running() = %d after panic and Shutdown", p.Running())
	}
}

func TestPanicNil(t *testing.T) {
	p := mustNew(t, 1, 1)
	got := make(chan any, 1)
	p.SetPanicHandler(func(v any, _ []byte) { got <- v })
	if err := p.Go(context.Background(), func() { panic(nil) }); err != nil {
		t.Fatal(err)
	}
	var pe *runtime.PanicNilError
	if v := <-got; !errors.As(v.(error), &pe) {
		t.Errorf("panic(nil) reported as %T, want *runtime.PanicNilError", v)
	}
}

func TestDefaultPanicHandlerLogs(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	old, flags := log.Writer(), log.Flags()
	log.SetOutput(writerFunc(func(b []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(b)
	}))
	log.SetFlags(0)
	defer func() { log.SetOutput(old); log.SetFlags(flags) }()

	p := mustNew(t, 1, 1)
	p.SetPanicHandler(func(any, []byte) { t.Error("replaced handler called") })
	p.SetPanicHandler(nil) // back to the default
	if err := p.Go(context.Background(), func() { panic("kaboom") }); err != nil {
		t.Fatal(err)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	if !strings.HasPrefix(out, "pool: job panicked: kaboom\n") || !strings.Contains(out, "goroutine ") {
		t.Errorf("default handler logged %q", out)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

func TestGoexitReplacesWorker(t *testing.T) {
	p := mustNew(t, 1, 2)
	second := make(chan struct{})
	if err := p.Go(context.Background(), runtime.Goexit); err != nil {
		t.Fatal(err)
	}
	if err := p.Go(context.Background(), func() { close(second) }); err != nil {
		t.Fatal(err)
	}
	<-second
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := p.alive.Load(); n != 0 {
		t.Errorf("%d workers alive after Shutdown", n)
	}
}

func TestNilJobPanics(t *testing.T) {
	p := mustNew(t, 1, 1)
	for name, submit := range map[string]func(){
		"Go":    func() { _ = p.Go(context.Background(), nil) },
		"TryGo": func() { _ = p.TryGo(nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s(nil) did not panic", name)
				}
			}()
			submit()
		}()
	}
}

// TestSubmitRacingShutdown hammers Go and TryGo from many goroutines while
// Shutdown runs, and checks that every accepted job ran exactly once and no
// refused job ran.
func TestSubmitRacingShutdown(t *testing.T) {
	const (
		submitters = 16
		perSub     = 2000
	)
	for _, sz := range [][2]int{{4, 0}, {4, 16}} {
		p := mustNew(t, sz[0], sz[1])
		var (
			ranCount [submitters * perSub]atomic.Int32
			accepted [submitters * perSub]bool // each index written by one goroutine
			total    atomic.Int64
			wg       sync.WaitGroup
		)
		someAccepted := make(chan struct{})
		var once sync.Once
		for s := range submitters {
			wg.Go(func() {
				for i := range perSub {
					id := s*perSub + i
					job := func() { ranCount[id].Add(1) }
					var err error
					if i%2 == 0 {
						err = p.TryGo(job)
					} else {
						err = p.Go(context.Background(), job)
					}
					switch {
					case err == nil:
						accepted[id] = true
						if total.Add(1) >= 200 {
							once.Do(func() { close(someAccepted) })
						}
					case errors.Is(err, ErrClosed):
						return
					case errors.Is(err, ErrFull):
					default:
						t.Errorf("submit: unexpected error %v", err)
						return
					}
				}
			})
		}
		select {
		case <-someAccepted:
		case <-time.After(2 * time.Second):
			t.Fatal("no jobs accepted")
		}
		errs := make(chan error, 2)
		for range 2 {
			go func() { errs <- p.Shutdown(context.Background()) }()
		}
		wg.Wait()
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
		}
		var acc int
		for id := range accepted {
			n := ranCount[id].Load()
			if accepted[id] {
				acc++
				if n != 1 {
					t.Fatalf("accepted job %d ran %d times, want 1", id, n)
				}
			} else if n != 0 {
				t.Fatalf("refused job %d ran %d times, want 0", id, n)
			}
		}
		if acc == 0 || int64(acc) != total.Load() {
			t.Fatalf("accepted %d jobs, counter says %d", acc, total.Load())
		}
		t.Logf("workers=%d queue=%d: %d of %d submissions accepted", sz[0], sz[1], acc, submitters*perSub)
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	base := runtime.NumGoroutine()
	p, err := New(8, 8)
	if err != nil {
		t.Fatal(err)
	}
	if n := runtime.NumGoroutine(); n < base+8 {
		t.Errorf("NumGoroutine = %d after New(8, 8), want at least %d", n, base+8)
	}
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		if err := p.Go(context.Background(), wg.Done); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= base {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("NumGoroutine = %d after Shutdown, baseline %d", n, base)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestTryGoAllocs(t *testing.T) {
	job := noop
	check := func(name string, p *Pool, want error) {
		t.Helper()
		var bad error
		allocs := testing.AllocsPerRun(100, func() {
			if err := p.TryGo(job); err != want && bad == nil {
				bad = err
			}
		})
		if bad != nil {
			t.Errorf("%s: TryGo = %v, want %v", name, bad, want)
		}
		if allocs != 0 {
			t.Errorf("%s: TryGo allocates %v times per call, want 0", name, allocs)
		}
	}

	accepting := mustNew(t, 1, 1000) // room for every call
	check("accepted", accepting, nil)

	full := mustNew(t, 1, 0)
	occupy(t, full, 1)
	check("full", full, ErrFull)

	closed := mustNew(t, 1, 0)
	if err := closed.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	check("closed", closed, ErrClosed)
}

func BenchmarkTryGo(b *testing.B) {
	p := mustNew(b, runtime.GOMAXPROCS(0), 1024)
	job := noop
	b.ReportAllocs()
	for b.Loop() {
		for p.TryGo(job) == ErrFull {
			runtime.Gosched()
		}
	}
}

func BenchmarkTryGoParallel(b *testing.B) {
	p := mustNew(b, runtime.GOMAXPROCS(0), 1024)
	job := noop
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			for p.TryGo(job) == ErrFull {
				runtime.Gosched()
			}
		}
	})
}

func BenchmarkGo(b *testing.B) {
	p := mustNew(b, runtime.GOMAXPROCS(0), 1024)
	job := noop
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Go(ctx, job); err != nil {
			b.Fatal(err)
		}
	}
}

// Idle counts jobs handed over but not started: a submitter that hands
// jobs in a burst sees the room shrink at once, before any worker runs.
func TestIdle(t *testing.T) {
	p := mustNew(t, 3, 4) // room for the burst whether or not workers wait yet
	if got := p.Idle(); got != 3 {
		t.Fatalf("Idle() of a fresh pool = %d, want 3", got)
	}
	release := make(chan struct{})
	started := make(chan struct{}, 5)
	for i := range 3 {
		if err := p.TryGo(blocker(started, release)); err != nil {
			t.Fatalf("TryGo #%d: %v", i, err)
		}
		// Counted from the hand-over, whether or not it runs yet.
		if got, want := p.Idle(), 2-i; got != want {
			t.Fatalf("Idle() after %d jobs = %d, want %d", i+1, got, want)
		}
	}
	for range 3 {
		<-started
	}
	if err := p.TryGo(noop); err != nil { // queued
		t.Fatal(err)
	}
	if got := p.Idle(); got != 0 {
		t.Errorf("Idle() with every worker busy and a job queued = %d, want 0", got)
	}
	close(release)
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := p.Idle(); got != 3 {
		t.Errorf("Idle() after every job ended = %d, want 3", got)
	}
}
