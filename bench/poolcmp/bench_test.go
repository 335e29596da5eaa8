package poolcmp

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panjf2000/ants/v2"
	concpool "github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"

	"github.com/wharfhttp/wharf/pool"
)

// Each benchmark op is one job: b.N jobs are submitted from one
// goroutine to a pool of the given size, then the benchmark waits for
// all of them with the library's own wait (Shutdown, Wait, or a
// WaitGroup where the library has none). Setup and teardown are part of
// the measurement, amortised over b.N.

var sink atomic.Int64

// smallJob is a few nanoseconds of work.
func smallJob() { sink.Add(1) }

// blockingJob waits 1 ms, like a job that waits on I/O.
func blockingJob() { time.Sleep(time.Millisecond) }

type kind struct {
	name    string
	workers int
	job     func()
}

var kinds = []kind{
	{"small", 16, smallJob},
	{"blocking1ms", 64, blockingJob},
}

func BenchmarkPool(b *testing.B) {
	for _, k := range kinds {
		b.Run(k.name+"/wharf-Go", func(b *testing.B) { benchWharf(b, k, false) })
		b.Run(k.name+"/wharf-TryGo", func(b *testing.B) { benchWharf(b, k, true) })
		b.Run(k.name+"/errgroup", func(b *testing.B) { benchErrgroup(b, k) })
		b.Run(k.name+"/ants", func(b *testing.B) { benchAnts(b, k) })
		b.Run(k.name+"/conc", func(b *testing.B) { benchConc(b, k) })
	}
}

func benchWharf(b *testing.B, k kind, try bool) {
	b.ReportAllocs()
	ctx := context.Background()
	p, err := pool.New(k.workers, 4*k.workers)
	if err != nil {
		b.Fatal(err)
	}
	job := k.job
	for b.Loop() {
		if try {
			// The non-blocking form, as an accept loop uses it:
			// on ErrFull, fall back to waiting.
			if p.TryGo(job) == nil {
				continue
			}
		}
		if err := p.Go(ctx, job); err != nil {
			b.Fatal(err)
		}
	}
	if err := p.Shutdown(ctx); err != nil {
		b.Fatal(err)
	}
}

func benchErrgroup(b *testing.B, k kind) {
	b.ReportAllocs()
	var g errgroup.Group
	g.SetLimit(k.workers)
	job := func() error { k.job(); return nil }
	for b.Loop() {
		g.Go(job)
	}
	g.Wait()
}

func benchAnts(b *testing.B, k kind) {
	b.ReportAllocs()
	p, err := ants.NewPool(k.workers)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Release()
	// ants has no "wait for submitted tasks": count them.
	var wg sync.WaitGroup
	job := func() { k.job(); wg.Done() }
	for b.Loop() {
		wg.Add(1)
		if err := p.Submit(job); err != nil {
			b.Fatal(err)
		}
	}
	wg.Wait()
}

func benchConc(b *testing.B, k kind) {
	b.ReportAllocs()
	p := concpool.New().WithMaxGoroutines(k.workers)
	job := k.job
	for b.Loop() {
		p.Go(job)
	}
	p.Wait()
}
