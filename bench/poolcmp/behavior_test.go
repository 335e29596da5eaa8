package poolcmp

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panjf2000/ants/v2"
	concpool "github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"

	"github.com/wharfhttp/wharf/pool"
)

var tableFile = flag.String("table", "", "write the observed behaviour table (Markdown) to this file")

// A probe exercises one behaviour of one library and returns what it
// saw in a few words. It runs in a child process (see runProbe), so it
// may panic or hang: the parent reports that instead.
type probe func() string

var libs = []string{"wharf/pool", "errgroup", "ants", "conc"}

// questions are the table's rows; probes[row][lib] answers each.
var questions = []struct {
	title  string
	probes map[string]probe
	// want is what the docs claim, checked against what the probe
	// observed. A change of library version that changes a claim
	// fails the test instead of leaving the docs wrong.
	want map[string]string
}{
	{
		title: "a job panics",
		probes: map[string]probe{
			"wharf/pool": func() string {
				p, _ := pool.New(1, 1)
				var hook atomic.Bool
				p.SetPanicHandler(func(any, []byte) { hook.Store(true) })
				p.Go(context.Background(), func() { panic("boom") })
				ran := make(chan struct{})
				p.Go(context.Background(), func() { close(ran) })
				<-ran
				p.Shutdown(context.Background())
				return fmt.Sprintf("recovered, reported to hook=%v; worker lives on", hook.Load())
			},
			"errgroup": func() string {
				var g errgroup.Group
				g.SetLimit(1)
				g.Go(func() error { panic("boom") })
				g.Wait()
				return "recovered"
			},
			"ants": func() string {
				var hook atomic.Bool
				p, _ := ants.NewPool(1, ants.WithPanicHandler(func(any) { hook.Store(true) }))
				p.Submit(func() { panic("boom") })
				ran := make(chan struct{})
				p.Submit(func() { close(ran) })
				<-ran
				p.Release()
				return fmt.Sprintf("recovered, reported to hook=%v; worker lives on", hook.Load())
			},
			"conc": func() string {
				p := concpool.New().WithMaxGoroutines(1)
				p.Go(func() { panic("boom") })
				ran := make(chan struct{})
				p.Go(func() { close(ran) })
				<-ran
				var v any
				func() {
					defer func() { v = recover() }()
					p.Wait()
				}()
				if v != nil {
					return "recovered; re-panicked by Wait in the caller"
				}
				return "recovered silently"
			},
		},
		want: map[string]string{
			"wharf/pool": "recovered, reported to hook=true; worker lives on",
			"errgroup":   "crashes the process",
			"ants":       "recovered, reported to hook=true; worker lives on",
			"conc":       "recovered; re-panicked by Wait in the caller",
		},
	},
	{
		title: "shutdown / wait: do queued and running jobs finish first?",
		probes: map[string]probe{
			"wharf/pool": func() string {
				p, _ := pool.New(1, 4)
				var done atomic.Int64
				for range 3 {
					p.Go(context.Background(), func() { time.Sleep(20 * time.Millisecond); done.Add(1) })
				}
				err := p.Shutdown(context.Background())
				return fmt.Sprintf("Shutdown(ctx) returned %v with %d/3 done", err, done.Load())
			},
			"errgroup": func() string {
				var g errgroup.Group
				g.SetLimit(1)
				var done atomic.Int64
				start := time.Now()
				for range 3 {
					g.Go(func() error { time.Sleep(20 * time.Millisecond); done.Add(1); return nil })
				}
				blocked := time.Since(start) >= 30*time.Millisecond
				g.Wait()
				return fmt.Sprintf("Wait returned with %d/3 done; no queue: Go blocked the submitter=%v; no deadline", done.Load(), blocked)
			},
			"ants": func() string {
				p, _ := ants.NewPool(1)
				var done atomic.Int64
				go func() {
					for range 3 {
						p.Submit(func() { time.Sleep(20 * time.Millisecond); done.Add(1) })
					}
				}()
				time.Sleep(5 * time.Millisecond)
				p.Release()
				n := done.Load()
				p2, _ := ants.NewPool(1)
				var done2 atomic.Int64
				for range 1 {
					p2.Submit(func() { time.Sleep(20 * time.Millisecond); done2.Add(1) })
				}
				err := p2.ReleaseTimeout(time.Second)
				return fmt.Sprintf("Release returns at once (%d/3 done); ReleaseTimeout waits for running workers (err=%v, %d/1 done)", n, err, done2.Load())
			},
			"conc": func() string {
				p := concpool.New().WithMaxGoroutines(1)
				var done atomic.Int64
				for range 3 {
					p.Go(func() { time.Sleep(20 * time.Millisecond); done.Add(1) })
				}
				p.Wait()
				return fmt.Sprintf("Wait returned with %d/3 done; no deadline", done.Load())
			},
		},
		want: map[string]string{
			"wharf/pool": "Shutdown(ctx) returned <nil> with 3/3 done",
			"errgroup":   "Wait returned with 3/3 done; no queue: Go blocked the submitter=true; no deadline",
			"ants":       "Release returns at once (0/3 done); ReleaseTimeout waits for running workers (err=<nil>, 1/1 done)",
			"conc":       "Wait returned with 3/3 done; no deadline",
		},
	},
	{
		title: "submit after shutdown / wait",
		probes: map[string]probe{
			"wharf/pool": func() string {
				p, _ := pool.New(1, 1)
				p.Shutdown(context.Background())
				err := p.Go(context.Background(), func() {})
				err2 := p.TryGo(func() {})
				return fmt.Sprintf("Go: ErrClosed=%v, TryGo: ErrClosed=%v", errors.Is(err, pool.ErrClosed), errors.Is(err2, pool.ErrClosed))
			},
			"errgroup": func() string {
				var g errgroup.Group
				g.Wait()
				var ran atomic.Bool
				g.Go(func() error { ran.Store(true); return nil })
				g.Wait()
				return fmt.Sprintf("no close: the group is reusable, job ran=%v", ran.Load())
			},
			"ants": func() string {
				p, _ := ants.NewPool(1)
				p.Release()
				err := p.Submit(func() {})
				return fmt.Sprintf("Submit: ErrPoolClosed=%v", errors.Is(err, ants.ErrPoolClosed))
			},
			"conc": func() string {
				p := concpool.New().WithMaxGoroutines(1)
				p.Go(func() {})
				p.Wait()
				var ran atomic.Bool
				p.Go(func() { ran.Store(true) })
				p.Wait()
				return fmt.Sprintf("accepted, job ran=%v (documented as not reusable)", ran.Load())
			},
		},
		want: map[string]string{
			"wharf/pool": "Go: ErrClosed=true, TryGo: ErrClosed=true",
			"errgroup":   "no close: the group is reusable, job ran=true",
			"ants":       "Submit: ErrPoolClosed=true",
			"conc":       "panics: send on closed channel",
		},
	},
	{
		title: "size 0",
		probes: map[string]probe{
			"wharf/pool": func() string {
				_, err := pool.New(0, 0)
				var se *pool.SizeError
				return fmt.Sprintf("New returns *SizeError=%v", errors.As(err, &se))
			},
			"errgroup": func() string {
				var g errgroup.Group
				g.SetLimit(0)
				ok := g.TryGo(func() error { return nil })
				g.Go(func() error { return nil })
				return fmt.Sprintf("SetLimit(0) accepted; TryGo=%v; Go returned", ok)
			},
			"ants": func() string {
				p, err := ants.NewPool(0)
				if err != nil {
					return "NewPool error: " + err.Error()
				}
				return fmt.Sprintf("NewPool(0) = unbounded pool (Cap=%d)", p.Cap())
			},
			"conc": func() string {
				concpool.New().WithMaxGoroutines(0)
				return "accepted"
			},
		},
		want: map[string]string{
			"wharf/pool": "New returns *SizeError=true",
			"errgroup":   "hangs (Go blocks forever)",
			"ants":       "NewPool(0) = unbounded pool (Cap=-1)",
			"conc":       "panics: max goroutines in a pool must be greater than zero",
		},
	},
	{
		title: "non-blocking submit when full",
		probes: map[string]probe{
			"wharf/pool": func() string {
				p, _ := pool.New(1, 0)
				block := make(chan struct{})
				p.Go(context.Background(), func() { <-block })
				err := p.TryGo(func() {})
				close(block)
				p.Shutdown(context.Background())
				return fmt.Sprintf("TryGo: ErrFull=%v", errors.Is(err, pool.ErrFull))
			},
			"errgroup": func() string {
				var g errgroup.Group
				g.SetLimit(1)
				block := make(chan struct{})
				g.Go(func() error { <-block; return nil })
				ok := g.TryGo(func() error { return nil })
				close(block)
				g.Wait()
				return fmt.Sprintf("TryGo returned %v", ok)
			},
			"ants": func() string {
				p, _ := ants.NewPool(1, ants.WithNonblocking(true))
				block := make(chan struct{})
				p.Submit(func() { <-block })
				err := p.Submit(func() {})
				close(block)
				p.Release()
				return fmt.Sprintf("WithNonblocking: ErrPoolOverload=%v", errors.Is(err, ants.ErrPoolOverload))
			},
			"conc": func() string {
				return "none: Go always waits for a slot"
			},
		},
		want: map[string]string{
			"wharf/pool": "TryGo: ErrFull=true",
			"errgroup":   "TryGo returned false",
			"ants":       "WithNonblocking: ErrPoolOverload=true",
			"conc":       "none: Go always waits for a slot",
		},
	},
	{
		title: "wait with a deadline",
		probes: map[string]probe{
			"wharf/pool": func() string {
				p, _ := pool.New(1, 0)
				block := make(chan struct{})
				p.Go(context.Background(), func() { <-block })
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
				defer cancel()
				err := p.Shutdown(ctx)
				close(block)
				return fmt.Sprintf("Shutdown(ctx) returns ctx.Err()=%v", errors.Is(err, context.DeadlineExceeded))
			},
			"errgroup": func() string { return "none (Wait has no deadline)" },
			"ants": func() string {
				p, _ := ants.NewPool(1)
				block := make(chan struct{})
				p.Submit(func() { <-block })
				err := p.ReleaseTimeout(10 * time.Millisecond)
				close(block)
				return fmt.Sprintf("ReleaseTimeout returns ErrTimeout=%v", errors.Is(err, ants.ErrTimeout))
			},
			"conc": func() string { return "none (Wait has no deadline)" },
		},
		want: map[string]string{
			"wharf/pool": "Shutdown(ctx) returns ctx.Err()=true",
			"errgroup":   "none (Wait has no deadline)",
			"ants":       "ReleaseTimeout returns ErrTimeout=true",
			"conc":       "none (Wait has no deadline)",
		},
	},
}

const (
	envQ   = "POOLCMP_PROBE_Q"
	envLib = "POOLCMP_PROBE_LIB"
	marker = "PROBE-RESULT: "
)

// TestProbeChild is the child side of runProbe; it does nothing in a
// normal test run.
func TestProbeChild(t *testing.T) {
	q, lib := os.Getenv(envQ), os.Getenv(envLib)
	if q == "" {
		t.Skip("only run as a probe child")
	}
	for _, qq := range questions {
		if qq.title == q {
			fmt.Println(marker + qq.probes[lib]())
			return
		}
	}
	t.Fatalf("no probe %q", q)
}

// runProbe runs one probe in a child process and describes the
// outcome: the probe's own words, or a crash, or a hang.
func runProbe(t *testing.T, q, lib string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestProbeChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envQ+"="+q, envLib+"="+lib)
	out, err := cmd.CombinedOutput()
	s := string(out)
	// Check the exit first: a job's panic may crash the child just
	// after the probe printed its result (errgroup's deferred done lets
	// Wait return while the panic is still unwinding).
	switch {
	case ctx.Err() != nil:
		if q == "size 0" {
			return "hangs (Go blocks forever)"
		}
		return "hangs"
	case err != nil && strings.Contains(s, "panic:") && q == "a job panics":
		return "crashes the process"
	case err != nil && strings.Contains(s, "panic:"):
		msg := strings.SplitN(s[strings.Index(s, "panic:")+len("panic:"):], "\n", 2)[0]
		msg, _, _ = strings.Cut(msg, " [recovered")
		return "panics: " + strings.Trim(strings.TrimSpace(msg), `"`)
	case err == nil:
		if i := strings.Index(s, marker); i >= 0 {
			return strings.TrimSpace(strings.SplitN(s[i+len(marker):], "\n", 2)[0])
		}
	}
	t.Logf("%s/%s: err %v, output:\n%s", q, lib, err, s)
	return "failed: " + fmt.Sprint(err)
}

func TestBehavior(t *testing.T) {
	if os.Getenv(envQ) != "" {
		t.Skip("probe child")
	}
	var md strings.Builder
	md.WriteString("| | " + strings.Join(libs, " | ") + " |\n|---|" + strings.Repeat("---|", len(libs)) + "\n")
	for _, q := range questions {
		row := []string{q.title}
		for _, lib := range libs {
			got := runProbe(t, q.title, lib)
			if want := q.want[lib]; got != want {
				t.Errorf("%s / %s:\n got: %s\nwant: %s", q.title, lib, got, want)
			}
			row = append(row, got)
		}
		md.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	if *tableFile != "" {
		if err := os.WriteFile(*tableFile, []byte(md.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Log("\n" + md.String())
}
