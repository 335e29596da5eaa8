package nethttp

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wharfhttp/wharf"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// discardLog silences net/http's server in tests.
var discardLog = log.New(io.Discard, "", 0)

// leakChecked holds the tests whose goroutine check is registered.
var leakChecked sync.Map // *testing.T -> struct{}

// checkLeaks snapshots the goroutines running now, before the test
// starts a server, and checks when the test ends, after every cleanup
// registered later (servers shut down, clients closed), that no other
// goroutine is left.
func checkLeaks(t *testing.T) {
	t.Helper()
	if _, dup := leakChecked.LoadOrStore(t, struct{}{}); dup {
		return
	}
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() {
		leakChecked.Delete(t)
		goleak.VerifyNone(t, before)
	})
}

// listen returns a listener on a free loopback port.
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// startWharf serves Wrap(h) with a wharf.Server on a loopback port and
// returns its address. setup, if not nil, may set the server's fields.
// The cleanup shuts the server down and waits for Serve to return.
func startWharf(t *testing.T, h http.Handler, setup func(*wharf.Server)) string {
	t.Helper()
	return startWharfHandler(t, Wrap(h), setup)
}

// startWharfHandler is startWharf for a wharf.Handler. A server whose
// setup sets TLSConfig serves TLS.
func startWharfHandler(t *testing.T, h wharf.Handler, setup func(*wharf.Server)) string {
	t.Helper()
	checkLeaks(t)
	s := &wharf.Server{Handler: h, Workers: 8}
	if setup != nil {
		setup(s)
	}
	ln := listen(t)
	done := make(chan error, 1)
	go func() {
		if s.TLSConfig != nil {
			done <- s.ServeTLS(ln, "", "")
			return
		}
		done <- s.Serve(ln)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			s.Close()
		}
		if err := <-done; !errors.Is(err, wharf.ErrServerClosed) {
			t.Errorf("wharf Serve returned %v", err)
		}
	})
	return ln.Addr().String()
}

// startNetHTTP serves h with net/http's server on a loopback port and
// returns its address.
func startNetHTTP(t *testing.T, h http.Handler) string {
	t.Helper()
	checkLeaks(t)
	s := &http.Server{Handler: h, ErrorLog: discardLog}
	ln := listen(t)
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("net/http Serve returned %v", err)
		}
	})
	return ln.Addr().String()
}

// newClient returns an HTTP client of the test's own, whose idle
// connections are closed by the cleanup (before the leak check).
func newClient(t *testing.T) *http.Client {
	t.Helper()
	checkLeaks(t)
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{
		Transport: tr,
		Timeout:   10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// do sends a request (with the header lines of hdr, "Name: value"
// each) and returns the answer with its body read.
func do(t *testing.T, c *http.Client, method, url string, body io.Reader, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range hdr {
		k, v, _ := strings.Cut(line, ":")
		req.Header.Add(k, strings.TrimSpace(v))
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return res, string(b)
}

// send dials addr, sends raw and returns the connection (closed by
// the test's cleanup), with a deadline of 10 s for what follows.
func send(t *testing.T, addr, raw string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	return c
}

// rawExchange sends raw on a new connection and returns the first
// answer: the response head and body as read by http.ReadResponse (for
// the request method given).
func rawExchange(t *testing.T, addr, method, raw string) (*http.Response, string) {
	t.Helper()
	c := send(t, addr, raw)
	defer c.Close()
	res, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("reading the answer to %q: %v", raw, err)
	}
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading the body of the answer to %q: %v", raw, err)
	}
	return res, string(b)
}

// rawAll sends raw on a new connection and returns every byte the
// server sent until it closed the connection (or 10 s passed).
func rawAll(t *testing.T, addr, raw string) string {
	t.Helper()
	c := send(t, addr, raw)
	defer c.Close()
	b, _ := io.ReadAll(c)
	return string(b)
}

// waitFor polls cond until it holds, failing the test after 5 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after 5 s waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond) // the polling interval
	}
}
