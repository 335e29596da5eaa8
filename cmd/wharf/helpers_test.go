package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	// os/signal starts its watcher goroutine on first use and keeps it;
	// start it now so that the goroutine-leak checks do not count it.
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt)
	signal.Stop(c)
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

func makeTempDir() (string, error) { return os.MkdirTemp("", "wharf-test-bin-") }

// A syncBuffer is a bytes.Buffer safe for concurrent use: run writes
// log records to it while the test reads them.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A running is a call of run in a goroutine.
type running struct {
	t       *testing.T
	addr    string
	stderr  *syncBuffer
	cancel  context.CancelFunc
	done    chan struct{} // closed when run has returned
	err     error         // run's result, set before done is closed
	baseGor int
}

var (
	textAddrRE = regexp.MustCompile(`msg="wharf listening" addr=(\S+)`)
	jsonAddrRE = regexp.MustCompile(`"msg":"wharf listening","addr":"([^"]+)"`)
)

// startRun calls run(args) in a goroutine and waits (up to 5 s) for its
// startup log line. The run is stopped when the test ends.
func startRun(t *testing.T, args ...string) *running {
	t.Helper()
	r := &running{
		t:       t,
		stderr:  new(syncBuffer),
		done:    make(chan struct{}),
		baseGor: runtime.NumGoroutine(),
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() {
		r.err = run(ctx, args, strings.NewReader(""), io.Discard, r.stderr)
		close(r.done)
	}()
	t.Cleanup(func() { r.stop() })

	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		log := r.stderr.String()
		for _, re := range []*regexp.Regexp{textAddrRE, jsonAddrRE} {
			if m := re.FindStringSubmatch(log); m != nil {
				r.addr = m[1]
				return r
			}
		}
		select {
		case <-r.done:
			t.Fatalf("run returned before listening: %v\nlog:\n%s", r.err, log)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("no startup line within 5s; log:\n%s", r.stderr.String())
	return nil
}

// stop cancels run's context and waits (up to 10 s) for it to return,
// and returns its result.
func (r *running) stop() error {
	r.cancel()
	select {
	case <-r.done:
		return r.err
	case <-time.After(10 * time.Second):
		r.t.Errorf("run did not return within 10s of cancel; log:\n%s", r.stderr.String())
		return nil
	}
}

// wait waits up to d for run to return by itself.
func (r *running) wait(d time.Duration) (err error, returned bool) {
	select {
	case <-r.done:
		return r.err, true
	case <-time.After(d):
		return nil, false
	}
}

// url returns the URL of path on the server.
func (r *running) url(path string) string { return "http://" + r.addr + path }

// checkGoroutines fails the test if goroutines started since the run
// began are still alive (polling up to 3 s for them to exit).
func (r *running) checkGoroutines() {
	r.t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if runtime.NumGoroutine() <= r.baseGor {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	r.t.Errorf("goroutines leaked: %d now, %d before run\n%s", runtime.NumGoroutine(), r.baseGor, buf)
}

// logRecords returns the JSON log records written so far.
func (r *running) logRecords() []map[string]any {
	var recs []map[string]any
	for _, line := range strings.Split(r.stderr.String(), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			r.t.Errorf("log line is not JSON: %q", line)
			continue
		}
		recs = append(recs, m)
	}
	return recs
}

// newClient returns an HTTP client that does not follow redirects and
// keeps no idle connections (so that no goroutine outlives a test).
func newClient() *http.Client {
	return &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

type result struct {
	status int
	header http.Header
	body   string
}

// do makes one request and reads the whole answer.
func do(t *testing.T, c *http.Client, method, url string) result {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return result{resp.StatusCode, resp.Header, string(body)}
}

// get is do for GET, for use off the test's goroutine.
func get(c *http.Client, url string) (result, error) {
	resp, err := c.Get(url)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, string(body)}, err
}

// rawRequest sends raw bytes on a new connection and returns all that
// the server sends until it closes (or 5 s pass).
func rawRequest(t *testing.T, addr, raw string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil && !isReset(err) {
		t.Fatalf("reading answer to %q: %v (got %q)", raw, err, got)
	}
	return string(got)
}

func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}
