package metrics

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/wharfhttp/wharf"
	"go.uber.org/goleak"
)

// waitFor polls cond until it holds, failing the test after 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// scrape returns the metric families m's Handler serves, parsed from
// the text format.
func scrape(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("scrape: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("exposition does not parse: %v", err)
	}
	return mfs
}

// value returns the value of the series name{labels} ("k=v,k=v"), or
// -1 if there is no such series. A histogram's value is its count.
func value(mfs map[string]*dto.MetricFamily, name, labels string) float64 {
	mf := mfs[name]
	if mf == nil {
		return -1
	}
	for _, m := range mf.GetMetric() {
		var ls []string
		for _, l := range m.GetLabel() {
			ls = append(ls, l.GetName()+"="+l.GetValue())
		}
		sort.Strings(ls)
		if strings.Join(ls, ",") != labels {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

// A series is the expected value of name{labels} (as value takes them).
type series struct {
	name, labels string
	want         float64
}

// checkSeries checks that mfs has each of want.
func checkSeries(t *testing.T, when string, mfs map[string]*dto.MetricFamily, want []series) {
	t.Helper()
	for _, c := range want {
		if got := value(mfs, c.name, c.labels); got != c.want {
			t.Errorf("%s: %s{%s} = %v, want %v", when, c.name, c.labels, got, c.want)
		}
	}
}

// exchange sends raw on a new connection to addr and returns all the
// server sent back until it closed.
func exchange(t *testing.T, addr, raw string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, _ := io.ReadAll(c)
	return string(b)
}

// counting is an Observer that counts answers.
type counting struct{ n atomic.Int64 }

func (c *counting) Answered(*wharf.Answer) { c.n.Add(1) }

// After a real server's requests, an overload 503 and a 408, the
// exposition has the right series and values.
func TestServerMetrics(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	hold := make(chan struct{})
	handler := wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		if r.Path == "/hold" {
			<-hold
		}
		w.WriteString("ok")
	})
	s := &wharf.Server{Handler: handler, Workers: 1, Queue: 1, ReadHeaderTimeout: 300 * time.Millisecond}
	m := New(Config{Stats: s.Stats, LogDropped: func() uint64 { return 42 }})
	var told counting
	s.Observer = Tee(m, nil, &told)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	addr := ln.Addr().String()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, wharf.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	}()

	var sent int // bytes the clients received
	for _, raw := range []string{
		"GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"GET /b?q=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi",
		"BREW /pot HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", // 501 from the server
	} {
		out := exchange(t, addr, raw)
		if !strings.HasPrefix(out, "HTTP/1.1 200 ") && !strings.HasPrefix(out, "HTTP/1.1 501 ") {
			t.Fatalf("%q: %q", raw, out)
		}
		sent += len(out)
	}
	// 408: a head that never ends.
	out := exchange(t, addr, "GET / HTTP/1.1\r\n")
	if !strings.HasPrefix(out, "HTTP/1.1 408 ") {
		t.Fatalf("408: %q", out)
	}
	sent += len(out)

	// Overload: the only worker holds a request, the one queue slot
	// another; the next connection gets 503.
	var wg sync.WaitGroup
	held := make([]string, 2)
	for i, busy := range []func() bool{
		func() bool { return s.Stats().HandlersBusy == 1 },
		func() bool { return s.Stats().Queued == 1 },
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			io.WriteString(c, "GET /hold HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			b, _ := io.ReadAll(c)
			held[i] = string(b)
		}()
		waitFor(t, "a held request to be served or queued", busy)
	}
	out = exchange(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if !strings.HasPrefix(out, "HTTP/1.1 503 ") {
		t.Fatalf("503: %q", out)
	}
	sent += len(out)
	waitFor(t, "the 503 to be observed", func() bool { return told.n.Load() == 6 })

	checkSeries(t, "while held", scrape(t, m), []series{
		{"wharf_http_requests_in_flight", "", 1},
		{"wharf_pool_workers_busy", "", 1},
		{"wharf_pool_queue_length", "", 1},
		{"wharf_pool_workers", "", 1},
		{"wharf_pool_queue_capacity", "", 1},
		{"wharf_connections_open", "", 2},
		{"wharf_rejected_total", "reason=overload", 1},
	})

	close(hold)
	wg.Wait()
	for _, h := range held {
		if !strings.HasPrefix(h, "HTTP/1.1 200 ") {
			t.Fatalf("held request: %q", h)
		}
		sent += len(h)
	}
	waitFor(t, "every answer to be observed", func() bool { return told.n.Load() == 8 })
	mfs := scrape(t, m)
	checkSeries(t, "at the end", mfs, []series{
		{"wharf_http_requests_total", "code=200,method=GET", 4},
		{"wharf_http_requests_total", "code=200,method=POST", 1},
		{"wharf_http_requests_total", "code=501,method=OTHER", 1}, // BREW, told with its request
		{"wharf_http_requests_total", "code=408,method=NONE", 1},
		{"wharf_http_requests_total", "code=503,method=NONE", 1},
		{"wharf_http_request_duration_seconds", "", 8},
		{"wharf_http_queue_wait_seconds", "", 6},
		{"wharf_http_response_bytes_total", "", float64(sent)},
		{"wharf_http_requests_in_flight", "", 0},
		{"wharf_pool_queue_length", "", 0},
		{"wharf_connections_accepted_total", "", 8},
		{"wharf_rejected_total", "reason=overload", 1},
		{"wharf_rejected_total", "reason=max-conns", 0},
		{"wharf_rejected_total", "reason=max-conns-per-ip", 0},
		{"wharf_timeouts_total", "kind=head", 1},
		{"wharf_timeouts_total", "kind=body", 0},
		{"wharf_timeouts_total", "kind=slow-reader", 0},
		{"wharf_bad_requests_total", "", 1},
		{"wharf_connections_taken_total", "", 0},
		{"wharf_memory_releases_total", "", 0},
		{"wharf_tls_handshake_failures_total", "", 0},
		{"wharf_access_log_dropped_total", "", 42},
	})
	if n := len(mfs["wharf_http_requests_total"].GetMetric()); n != 5 {
		t.Errorf("%d series of wharf_http_requests_total, want 5", n)
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if mfs[name] == nil {
			t.Errorf("no %s", name)
		}
	}
}

// Without Stats and LogDropped, only the answers' series are exported.
func TestZeroConfig(t *testing.T) {
	m := New(Config{})
	m.Answered(&wharf.Answer{Request: &wharf.Request{Method: "get"}, Status: 1200, Bytes: -1})
	mfs := scrape(t, m)
	if got := value(mfs, "wharf_http_requests_total", "code=000,method=OTHER"); got != 1 {
		t.Errorf("lower-case method, status out of range: %v", got)
	}
	for _, name := range []string{"wharf_connections_open", "wharf_rejected_total", "wharf_access_log_dropped_total"} {
		if mfs[name] != nil {
			t.Errorf("%s exported without a source", name)
		}
	}
	if got := value(mfs, "wharf_http_response_bytes_total", ""); got != 0 {
		t.Errorf("bytes: %v", got)
	}
}

func TestTee(t *testing.T) {
	var a, b counting
	if Tee() != nil || Tee(nil, nil) != nil {
		t.Error("Tee of nothing is not nil")
	}
	if o := Tee(nil, &a); o != &a {
		t.Errorf("Tee of one: %T", o)
	}
	Tee(&a, nil, &b).Answered(&wharf.Answer{})
	if a.n.Load() != 1 || b.n.Load() != 1 {
		t.Errorf("told %d and %d", a.n.Load(), b.n.Load())
	}
}

// answer is a handler's answer, as the benchmark and the allocation
// check give it.
func answer() *wharf.Answer {
	return &wharf.Answer{
		Request: &wharf.Request{Method: "GET", Target: "/", Path: "/", ProtoMinor: 1},
		Status:  200, Bytes: 180, BodyBytes: 13,
		Duration: 230 * time.Microsecond, Queued: 5 * time.Microsecond, Handler: 150 * time.Microsecond,
	}
}

// Answered allocates nothing.
func TestAnsweredAllocs(t *testing.T) {
	m := New(Config{})
	a := answer()
	if n := testing.AllocsPerRun(1000, func() { m.Answered(a) }); n != 0 {
		t.Errorf("%v allocations per Answered", n)
	}
	if got := m.requests[0][200].Load(); got != 1001 {
		t.Errorf("counted %d", got)
	}
}

func BenchmarkAnswered(b *testing.B) {
	m := New(Config{})
	a := answer()
	b.ReportAllocs()
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			m.Answered(a)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m.Answered(a)
			}
		})
	})
}

// The histograms' buckets are cumulative, inclusive of their bound
// (le), and their sum is in seconds.
func TestHistogram(t *testing.T) {
	m := New(Config{})
	for _, d := range []time.Duration{-time.Second, 50 * time.Microsecond, time.Millisecond, 2 * time.Second, 100 * time.Second} {
		m.Answered(&wharf.Answer{Status: 503, Duration: d})
	}
	h := scrape(t, m)["wharf_http_request_duration_seconds"].GetMetric()[0].GetHistogram()
	want := map[float64]uint64{.0001: 2, .00025: 2, .001: 3, .5: 3, 1: 3, 2.5: 4, 60: 4}
	for _, b := range h.GetBucket() {
		if w, ok := want[b.GetUpperBound()]; ok && b.GetCumulativeCount() != w {
			t.Errorf("le=%v: %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), w)
		}
	}
	if len(h.GetBucket()) != len(durationBuckets)+1 || // +Inf included
		h.GetSampleCount() != 5 || h.GetSampleSum() != 102.00105 {
		t.Errorf("%d buckets, count %d, sum %v", len(h.GetBucket()), h.GetSampleCount(), h.GetSampleSum())
	}
	if q := scrape(t, m)["wharf_http_queue_wait_seconds"].GetMetric()[0].GetHistogram(); q.GetSampleCount() != 0 {
		t.Errorf("queue wait counted answers without a request: %d", q.GetSampleCount())
	}
}
