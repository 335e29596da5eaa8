// Package workertest checks, through a real client, what package
// onworkers promises for a protocol served beside wharf's HTTP/1.1
// engine: its requests share the server's pool of workers, and one
// that finds the pool and its queue full is answered 503 with
// Retry-After. The tests of a protocol's package (wharf/h2, wharf/h3)
// run these checks with their own server and client.
package workertest

import (
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wharfhttp/wharf"
)

// Serve starts s with the protocol under test on loopback and returns
// the base URL of it ("https://127.0.0.1:PORT") and a client that
// speaks it; the cleanups it registers on t shut s down.
type Serve func(t *testing.T, s *wharf.Server) (base string, c *http.Client)

// Get asks c for url and returns the answer with its body read.
func Get(t testing.TB, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// ProtoHandler answers with the method, the path, the protocol
// negotiated by ALPN ("no-TLS-state" without TLS) and the version the
// request says (Request.Proto).
var ProtoHandler = wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
	w.Header().Set("Content-Type", "text/plain")
	proto := "no-TLS-state"
	if r.TLS != nil {
		proto = r.TLS.NegotiatedProtocol
	}
	w.WriteString(r.Method + " " + r.Path + " " + proto + " " + r.Proto() + "\n")
})

// SharesThePool checks that with two workers, four concurrent slow
// requests run at most two at a time, and that all four are answered
// 200 in the protocol of major version major.
func SharesThePool(t *testing.T, major int, serve Serve) {
	var active, most atomic.Int32
	release := make(chan struct{})
	openRelease := sync.OnceFunc(func() { close(release) })
	s := &wharf.Server{Workers: 2, Handler: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		n := active.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		<-release
		active.Add(-1)
		w.WriteString("done\n")
	})}
	base, c := serve(t, s)
	// Opened before the server's cleanup too, if the test stops early.
	t.Cleanup(openRelease)
	var wg sync.WaitGroup
	answers := make(chan string, 4)
	for range 4 {
		wg.Go(func() {
			resp, err := c.Get(base + "/slow")
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			answers <- strconv.Itoa(resp.ProtoMajor) + " " + strconv.Itoa(resp.StatusCode) + " " + string(b)
		})
	}
	deadline := time.Now().Add(5 * time.Second)
	for active.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond) // polling interval
	}
	openRelease()
	wg.Wait()
	close(answers)
	n := 0
	want := strconv.Itoa(major) + " 200 done\n"
	for a := range answers {
		n++
		if a != want {
			t.Errorf("answer %q, want %q", a, want)
		}
	}
	if n != 4 {
		t.Errorf("%d answers, want 4", n)
	}
	if m := most.Load(); m != 2 {
		t.Errorf("%d requests ran at once on two workers, want 2", m)
	}
}

// Overload503 checks that, with one worker busy and no queue, a
// request is answered 503 with Retry-After (s.RetryAfter in seconds)
// in the protocol of major version major, and that the request holding
// the worker is answered 200 after it.
func Overload503(t *testing.T, major int, serve Serve) {
	hold := make(chan struct{})
	openHold := sync.OnceFunc(func() { close(hold) })
	started := make(chan struct{}, 1)
	s := &wharf.Server{Workers: 1, Queue: -1, RetryAfter: 3 * time.Second, Handler: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		if r.Path == "/hold" {
			started <- struct{}{}
			<-hold
		}
		w.WriteString("ok\n")
	})}
	base, c := serve(t, s)
	// Opened before the server's cleanup too, if the test stops early.
	t.Cleanup(openHold)
	var wg sync.WaitGroup
	held := make(chan int, 1)
	wg.Go(func() {
		resp, err := c.Get(base + "/hold")
		if err != nil {
			t.Error(err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		held <- resp.StatusCode
	})
	<-started
	resp, body := Get(t, c, base+"/other")
	openHold()
	wg.Wait()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "3" || resp.ProtoMajor != major {
		t.Fatalf("while the only worker is busy: %s %d Retry-After=%q %q", resp.Proto, resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	select {
	case code := <-held:
		if code != 200 {
			t.Errorf("the held request: %d", code)
		}
	default:
		t.Error("the held request got no answer")
	}
}
