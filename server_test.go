package wharf

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testHandler is the handler of the server tests.
func testHandler() Handler {
	return HandlerFunc(func(w ResponseWriter, r *Request) {
		switch r.Path {
		case "/":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteString("hello\n")
		case "/echo":
			b, err := io.ReadAll(r.Body)
			if err != nil {
				if errors.Is(err, ErrBodyTooLarge) {
					return // the server answers 413
				}
				w.WriteHeader(400)
				return
			}
			w.Write(b)
		case "/info":
			fmt.Fprintf(w, "method=%s target=%s path=%s query=%s host=%s proto=%s close=%v cl=%d\n",
				r.Method, r.Target, r.Path, r.RawQuery, r.Host, r.Proto(), r.Close, r.ContentLength)
		case "/big":
			chunk := strings.Repeat("x", 1000)
			for i := 0; i < 100; i++ {
				w.WriteString(chunk)
			}
		case "/declared":
			w.Header().Set("Content-Length", "5")
			w.WriteString("12345")
		case "/short":
			w.Header().Set("Content-Length", "10")
			w.WriteString("12345")
		case "/nocontent":
			w.WriteHeader(204)
		case "/panic":
			panic("test panic")
		case "/status":
			w.WriteHeader(418)
			w.WriteString("teapot\n")
		case "/split":
			w.Header().Set("X-Bad", "a\r\nSet-Cookie: evil=1")
			w.WriteString("ok")
		default:
			w.WriteHeader(404)
			w.WriteString("not found\n")
		}
	})
}

// leakChecked holds the tests whose goroutine check is registered.
var leakChecked sync.Map // *testing.T -> struct{}

// checkLeaks snapshots the goroutines running now, before the test
// starts its server, and checks at the end of the test that no other
// goroutine is left. The check is registered once per test, by its
// first call, so it runs after every cleanup registered later (servers
// shut down, clients closed). A snapshot taken at the end instead
// (goleak.IgnoreCurrent() as VerifyNone's argument) would ignore the
// very goroutines the test leaked.
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

// serveOn starts s on ln after checkLeaks; s is started (s.pool and
// s.parked set) when it returns. The cleanup closes s (Close is a no-op
// after Shutdown or Close) and waits for Serve to return. wait returns
// Serve's error, once it returned; it may be called more than once.
func serveOn(t *testing.T, s *Server, ln net.Listener) (wait func() error) {
	t.Helper()
	return serveWith(t, s, ln, s.Serve)
}

// serveWith is serveOn with the serving method to call (Serve, or a
// ServeTLS).
func serveWith(t *testing.T, s *Server, ln net.Listener, serveFn func(net.Listener) error) (wait func() error) {
	t.Helper()
	checkLeaks(t)
	if s.Handler == nil {
		s.Handler = testHandler()
	}
	if err := s.start(); err != nil {
		ln.Close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- serveFn(ln) }()
	wait = sync.OnceValue(func() error { return <-done })
	t.Cleanup(func() {
		s.Close()
		wait()
	})
	return wait
}

// serve starts s on a loopback port for a test that stops it itself,
// and returns its address.
func serve(t *testing.T, s *Server) (addr string, wait func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln.Addr().String(), serveOn(t, s, ln)
}

// startServer starts s on a loopback port and returns its address. The
// cleanup shuts it down gracefully, checks that Serve returned
// ErrServerClosed, and then (checkLeaks) that no goroutine the test
// started is left.
func startServer(t *testing.T, s *Server) string {
	t.Helper()
	addr, wait := serve(t, s)
	shutdownAtEnd(t, s, wait)
	return addr
}

// shutdownAtEnd shuts s down gracefully when the test ends and checks
// that its Serve returned ErrServerClosed.
func shutdownAtEnd(t *testing.T, s *Server, wait func() error) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
			s.Close()
		}
		if err := wait(); !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
}

// waitFor polls cond until it holds, and fails the test if it does not
// within 5 s. It is how tests wait for the server to reach a state
// (accepted, queued, parked, closed) instead of sleeping for a guess.
// Call it from the test's goroutine.
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

// parkedConns returns how many connections are parked.
func parkedConns(s *Server) int {
	return s.parked.Len()
}

// openConns returns how many connections s tracks.
func openConns(s *Server) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns.len()
}

// exchangeRaw sends raw bytes on a new connection and returns what the
// server sent until it closed the connection (or 3 s passed).
func exchangeRaw(t *testing.T, addr, raw string) string {
	t.Helper()
	// t.Error, not t.Fatal: tests call this from goroutines too.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return ""
	}
	defer c.Close()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Error(err)
		return ""
	}
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	b, _ := io.ReadAll(c)
	return string(b)
}

func TestRawRequests(t *testing.T) {
	addr := startServer(t, &Server{MaxBodyBytes: 100})
	tests := []struct {
		name string
		req  string
		want []string // substrings of the answer, in order
		not  []string
	}{
		{"simple GET", "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			[]string{"HTTP/1.1 200 OK\r\n", "Date: ", "Content-Length: 6\r\n", "Connection: close\r\n", "Content-Type: text/plain; charset=utf-8\r\n\r\nhello\n"}, nil},
		{"HEAD has length, no body", "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			[]string{"HTTP/1.1 200 OK\r\n", "Content-Length: 6\r\n"}, []string{"hello"}},
		{"HTTP/1.0 closes", "GET /info HTTP/1.0\r\n\r\n",
			[]string{"HTTP/1.1 200 OK\r\n", "Connection: close\r\n", "proto=HTTP/1.0 close=true"}, nil},
		{"absolute-form host wins", "GET http://a.example:8080/info?q=1 HTTP/1.1\r\nHost: b.example\r\nConnection: close\r\n\r\n",
			[]string{"path=/info query=q=1 host=a.example:8080"}, nil},
		{"echo body", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nabcde",
			[]string{"HTTP/1.1 200 OK\r\n", "Content-Length: 5\r\n", "\r\n\r\nabcde"}, nil},
		{"chunked body", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n",
			[]string{"HTTP/1.1 200 OK\r\n", "Content-Length: 5\r\n", "\r\n\r\nabcde"}, nil},
		{"body too large by length", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n",
			[]string{"HTTP/1.1 413 Content Too Large\r\n", "Connection: close\r\n"}, nil},
		{"body too large chunked", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n" + strings.Repeat("a", 101) + "\r\n0\r\n\r\n",
			[]string{"HTTP/1.1 413 Content Too Large\r\n", "Connection: close\r\n"}, nil},
		{"bad chunk", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
			[]string{"HTTP/1.1 400 Bad Request\r\n", "Connection: close\r\n"}, nil},
		{"large body is chunked", "GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			[]string{"Transfer-Encoding: chunked\r\n", "\r\n0\r\n\r\n"}, []string{"Content-Length"}},
		{"large body to HTTP/1.0 is close-delimited", "GET /big HTTP/1.0\r\n\r\n",
			[]string{"HTTP/1.1 200 OK\r\n", "Connection: close\r\n"}, []string{"Transfer-Encoding", "Content-Length"}},
		{"declared length", "GET /declared HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			[]string{"Content-Length: 5\r\n", "\r\n\r\n12345"}, nil},
		{"204 has no framing", "GET /nocontent HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			[]string{"HTTP/1.1 204 No Content\r\n"}, []string{"Content-Length", "Transfer-Encoding"}},
		{"panic answers 500", "GET /panic HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"HTTP/1.1 500 Internal Server Error\r\n", "Connection: close\r\n"}, nil},
		{"response splitting is refused", "GET /split HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			[]string{"HTTP/1.1 200 OK\r\n", "\r\n\r\nok"}, []string{"Set-Cookie", "X-Bad"}},
		{"missing host", "GET / HTTP/1.1\r\n\r\n",
			[]string{"HTTP/1.1 400 Bad Request\r\n", "Connection: close\r\n"}, nil},
		{"CL and TE", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
			[]string{"HTTP/1.1 400 Bad Request\r\n", "Connection: close\r\n"}, nil},
		{"CONNECT", "CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n",
			[]string{"HTTP/1.1 501 Not Implemented\r\n"}, nil},
		{"HTTP/2 preface-ish version", "GET / HTTP/2.0\r\nHost: x\r\n\r\n",
			[]string{"HTTP/1.1 505 HTTP Version Not Supported\r\n"}, nil},
		{"long request line", "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"HTTP/1.1 414 URI Too Long\r\n"}, nil},
		{"too many header bytes", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 17000) + "\r\n\r\n",
			[]string{"HTTP/1.1 431 Request Header Fields Too Large\r\n"}, nil},
		{"leading empty line", "\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			[]string{"HTTP/1.1 200 OK\r\n"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := exchangeRaw(t, addr, tt.req)
			rest := got
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("answer lacks %q (in order); got:\n%s", w, got)
				}
				rest = rest[i+len(w):]
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("answer contains %q; got:\n%s", n, got)
				}
			}
		})
	}
}

func TestPipelining(t *testing.T) {
	addr := startServer(t, &Server{})
	req := "GET /info?n=1 HTTP/1.1\r\nHost: x\r\n\r\n" +
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" +
		"GET /info?n=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	got := exchangeRaw(t, addr, req)
	br := bufio.NewReader(strings.NewReader(got))
	var bodies []string
	for i := 0; i < 3; i++ {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d: %v\nall:\n%s", i, err, got)
		}
		b, _ := io.ReadAll(resp.Body)
		bodies = append(bodies, string(b))
	}
	if !strings.Contains(bodies[0], "query=n=1") || bodies[1] != "abc" || !strings.Contains(bodies[2], "query=n=3 ") {
		t.Errorf("answers out of order or wrong: %q", bodies)
	}
}

func TestKeepAliveWithNetHTTPClient(t *testing.T) {
	var mu sync.Mutex
	remotes := map[string]int{}
	s := &Server{Handler: HandlerFunc(func(w ResponseWriter, r *Request) {
		mu.Lock()
		remotes[r.RemoteAddr]++
		mu.Unlock()
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	})}
	addr := startServer(t, s)
	tr := &http.Transport{MaxIdleConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	for i := 0; i < 20; i++ {
		// Before some requests, the connection is parked (the client
		// was quiet past the park grace) and must be resumed.
		if i%5 == 4 {
			waitFor(t, "the keep-alive connection to park", func() bool { return parkedConns(s) == 1 })
		}
		req, _ := http.NewRequest("POST", "http://"+addr+"/echo", strings.NewReader(fmt.Sprint("body", i)))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != fmt.Sprint("body", i) {
			t.Fatalf("request %d: got %q", i, b)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(remotes) != 1 {
		t.Errorf("20 requests came over %d connections, want 1 (keep-alive, parked and resumed): %v", len(remotes), remotes)
	}
}

func TestExpectContinue(t *testing.T) {
	addr := startServer(t, &Server{})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	br.ReadString('\n') // the empty line
	io.WriteString(c, "ping")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != "ping" {
		t.Fatalf("got %d %q", resp.StatusCode, b)
	}
}

func TestOverloadAnswers503(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 2)
	// One worker and one queue slot: a third connection finds both busy.
	s := &Server{Workers: 1, Queue: 1, RetryAfter: 1500 * time.Millisecond,
		Handler: HandlerFunc(func(w ResponseWriter, r *Request) {
			started <- struct{}{}
			<-release
			w.WriteString("done")
		})}
	addr := startServer(t, s)
	var wg sync.WaitGroup
	defer wg.Wait()
	unblock := sync.OnceFunc(func() { close(release) })
	defer unblock() // before wg.Wait, should the test stop early
	results := make(chan string, 2)
	wg.Go(func() {
		results <- exchangeRaw(t, addr, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	})
	<-started // the worker is busy
	queued, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer queued.Close()
	// The queued connection holds the only queue slot once accepted.
	waitFor(t, "the second connection to be queued", func() bool { return s.pool.Queued() == 1 })
	start := time.Now()
	got := exchangeRaw(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if !strings.HasPrefix(got, "HTTP/1.1 503 Service Unavailable\r\n") || !strings.Contains(got, "Retry-After: 2\r\n") {
		t.Errorf("overloaded answer:\n%s", got)
	}
	t.Logf("503 answered and closed in %v", time.Since(start))
	wg.Go(func() {
		io.WriteString(queued, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		queued.SetReadDeadline(time.Now().Add(3 * time.Second))
		b, _ := io.ReadAll(queued)
		results <- string(b)
	})
	unblock()
	for i := 0; i < 2; i++ {
		if got := <-results; !strings.HasSuffix(got, "done") {
			t.Errorf("accepted request %d: %q", i, got)
		}
	}
}

func TestShutdownFinishesInFlight(t *testing.T) {
	started := make(chan struct{})
	proceed := make(chan struct{})
	s := &Server{Handler: HandlerFunc(func(w ResponseWriter, r *Request) {
		close(started)
		<-proceed // until Shutdown has begun
		w.WriteString("slow done")
	})}
	addr, served := serve(t, s)
	var wg sync.WaitGroup
	defer wg.Wait()
	unblock := sync.OnceFunc(func() { close(proceed) })
	defer unblock()

	// A connection that has not sent a request yet, which Shutdown
	// closes after newConnGrace.
	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	waitFor(t, "the idle connection to park", func() bool { return parkedConns(s) == 1 })

	result := make(chan string, 1)
	wg.Go(func() {
		result <- exchangeRaw(t, addr, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	})
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), newConnGrace+8*time.Second)
	defer cancel()
	shutdown := make(chan error, 1)
	wg.Go(func() { shutdown <- s.Shutdown(ctx) })
	waitFor(t, "Shutdown to begin", s.closing.Load)

	// While the request is in flight: the idle connection is closed,
	// the listener too, and Shutdown waits.
	idle.SetReadDeadline(time.Now().Add(newConnGrace + 3*time.Second))
	if n, err := idle.Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Errorf("idle connection still open during Shutdown (read %d, %v)", n, err)
	}
	if err := served(); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve: %v", err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("listener still accepting after Shutdown began")
	}
	select {
	case err := <-shutdown:
		t.Fatalf("Shutdown returned %v with a request in flight", err)
	default:
	}

	unblock()
	if err := <-shutdown; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	got := <-result
	if !strings.HasPrefix(got, "HTTP/1.1 200 OK\r\n") || !strings.Contains(got, "Connection: close\r\n") || !strings.HasSuffix(got, "slow done") {
		t.Errorf("in-flight request during shutdown:\n%s", got)
	}
}

func TestShutdownDeadline(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	s := &Server{Handler: HandlerFunc(func(w ResponseWriter, r *Request) {
		close(started)
		<-release
	})}
	addr, _ := serve(t, s)
	var wg sync.WaitGroup
	defer wg.Wait()
	unblock := sync.OnceFunc(func() { close(release) })
	defer unblock()
	wg.Go(func() { exchangeRaw(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") })
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want DeadlineExceeded", err)
	}
	unblock()
	s.Close()
}

func TestIdleTimeoutClosesParkedConnection(t *testing.T) {
	addr := startServer(t, &Server{IdleTimeout: 300 * time.Millisecond})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("read after idle: %v, want EOF", err)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("closed after %v, before the idle timeout", d)
	}
}

func TestReadHeaderTimeout408(t *testing.T) {
	addr := startServer(t, &Server{ReadHeaderTimeout: 300 * time.Millisecond})
	got := exchangeRaw(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n")
	if !strings.HasPrefix(got, "HTTP/1.1 408 Request Timeout\r\n") {
		t.Errorf("partial head answer:\n%q", got)
	}
}

func TestSlowHeadIsParkedNotHoldingWorker(t *testing.T) {
	// One worker: a client that dribbles its head must not stop another
	// client from being served.
	s := &Server{Workers: 1, Queue: 8}
	addr := startServer(t, s)
	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	io.WriteString(slow, "GET / HTTP/1.1\r\nHo")
	waitFor(t, "the partial head to park", func() bool { return parkedConns(s) == 1 })
	got := exchangeRaw(t, addr, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(got, "HTTP/1.1 200 OK") {
		t.Fatalf("second client:\n%s", got)
	}
	io.WriteString(slow, "st: x\r\nConnection: close\r\n\r\n")
	slow.SetReadDeadline(time.Now().Add(3 * time.Second))
	b, _ := io.ReadAll(slow)
	if !strings.HasPrefix(string(b), "HTTP/1.1 200 OK") || !strings.HasSuffix(string(b), "hello\n") {
		t.Fatalf("slow client:\n%s", b)
	}
}

func TestMaxConnsPerIP(t *testing.T) {
	s := &Server{MaxConnsPerIP: 1}
	addr := startServer(t, s)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	waitFor(t, "the first connection to be accepted", func() bool { return openConns(s) == 1 })
	got := exchangeRaw(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if !strings.HasPrefix(got, "HTTP/1.1 503 ") {
		t.Errorf("second connection from the same IP:\n%s", got)
	}
}

func TestCloseStopsEverything(t *testing.T) {
	started := make(chan struct{})
	s := &Server{Handler: HandlerFunc(func(w ResponseWriter, r *Request) {
		close(started)
		<-r.Context().Done()
	})}
	addr, served := serve(t, s)
	res := make(chan string, 1)
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			res <- err.Error()
			return
		}
		defer c.Close()
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, _ := io.ReadAll(c)
		res <- string(b)
	})
	<-started // a request in flight, its handler waiting on the context
	s.Close()
	// Whether the handler's empty answer left before the connection
	// closed is a race Close does not decide; the connection closes.
	t.Logf("the request in flight at Close got %q", <-res)
	if err := served(); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve after Close = %v", err)
	}
	if err := s.ListenAndServe(); !errors.Is(err, ErrServerClosed) {
		t.Errorf("ListenAndServe after Close = %v", err)
	}
}

func TestWriteAfterHandlerReturns(t *testing.T) {
	kept := make(chan ResponseWriter, 1)
	// The observer is told once the exchange is over: the late write
	// comes after it (the client's having the answer is no
	// synchronisation with the server's goroutine).
	rec := new(recorder)
	addr := startServer(t, &Server{Observer: rec, Handler: HandlerFunc(func(w ResponseWriter, r *Request) {
		w.WriteString("x")
		kept <- w
	})})
	exchangeRaw(t, addr, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	waitAnswers(t, rec, 1)
	w := <-kept
	if _, err := w.WriteString("late"); !errors.Is(err, ErrHandlerDone) {
		t.Errorf("late write: %v", err)
	}
}

// orderServer serves one worker and records the order in which requests
// reach the handler (by query). The handler of "first" waits for gate,
// so that a test can queue another connection behind it; /slow takes
// longer than turnSlice.
func orderServer(t *testing.T, gate chan struct{}) (addr string, s *Server, order func() []string, started chan struct{}) {
	var mu sync.Mutex
	var seen []string
	started = make(chan struct{})
	s = &Server{Workers: 1, Queue: 4, Handler: HandlerFunc(func(w ResponseWriter, r *Request) {
		mu.Lock()
		seen = append(seen, r.RawQuery)
		mu.Unlock()
		if r.RawQuery == "first" {
			close(started)
			<-gate
		}
		if r.Path == "/slow" {
			// The behaviour under test: a request that takes longer
			// than turnSlice.
			time.Sleep(3 * turnSlice)
		}
		io.WriteString(w, r.RawQuery)
	})}
	addr = startServer(t, s)
	return addr, s, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}, started
}

// queueBehind connects a second client whose request waits in the
// pool's queue, and returns it once it is queued.
func queueBehind(t *testing.T, s *Server, addr, raw string) net.Conn {
	t.Helper()
	queued := s.pool.Queued()
	b, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(b, raw)
	waitFor(t, "the connection to be queued", func() bool { return s.pool.Queued() > queued })
	return b
}

func readAnswers(t *testing.T, c net.Conn, n int) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	for i := 0; i < n; i++ {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
		io.ReadAll(resp.Body)
	}
}

// After a request that took longer than turnSlice, a connection whose
// next request is already there goes behind the connections waiting in
// the queue instead of keeping the worker.
func TestSlowRequestYieldsToQueuedConnections(t *testing.T) {
	gate := make(chan struct{})
	addr, s, order, started := orderServer(t, gate)
	a, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	io.WriteString(a, "GET /slow?first HTTP/1.1\r\nHost: x\r\n\r\nGET /slow?a2 HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started
	b := queueBehind(t, s, addr, "GET /slow?b1 HTTP/1.1\r\nHost: x\r\n\r\n")
	defer b.Close()
	close(gate)
	readAnswers(t, a, 2)
	readAnswers(t, b, 1)
	if got, want := strings.Join(order(), ","), "first,b1,a2"; got != want {
		t.Errorf("handler order %s, want %s", got, want)
	}
}

// A connection with fast requests always ready keeps its worker for
// turnRequests requests at most while another waits in the queue.
func TestTurnLimitYieldsToQueuedConnections(t *testing.T) {
	gate := make(chan struct{})
	addr, s, order, started := orderServer(t, gate)
	// c holds the only worker while a and then b queue behind it.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /fast?first HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started
	var reqs strings.Builder
	n := turnRequests + 4
	for i := 0; i < n; i++ {
		fmt.Fprintf(&reqs, "GET /fast?a%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
	}
	a := queueBehind(t, s, addr, reqs.String())
	defer a.Close()
	b := queueBehind(t, s, addr, "GET /fast?b HTTP/1.1\r\nHost: x\r\n\r\n")
	defer b.Close()
	close(gate)
	readAnswers(t, c, 1)
	readAnswers(t, a, n)
	readAnswers(t, b, 1)
	got := order()
	if len(got) != n+2 || got[1+turnRequests] != "b" {
		t.Errorf("handler order %v: want b after the first %d of a", got, turnRequests)
	}
}
