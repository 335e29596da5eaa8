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

// startServer starts s on a loopback port and returns its address. The
// cleanup shuts it down and checks that no goroutine is left.
func startServer(t *testing.T, s *Server) string {
	t.Helper()
	if s.Handler == nil {
		s.Handler = testHandler()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
			s.Close()
		}
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
		goleak.VerifyNone(t, goleak.IgnoreCurrent())
	})
	return ln.Addr().String()
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
	addr := startServer(t, &Server{Handler: HandlerFunc(func(w ResponseWriter, r *Request) {
		mu.Lock()
		remotes[r.RemoteAddr]++
		mu.Unlock()
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	})})
	tr := &http.Transport{MaxIdleConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	for i := 0; i < 20; i++ {
		// A pause past the park grace between some requests: the
		// connection is parked and must be resumed.
		if i%5 == 4 {
			time.Sleep(3 * parkGrace)
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
	results := make(chan string, 2)
	go func() {
		results <- exchangeRaw(t, addr, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	}()
	<-started // the worker is busy
	queued, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer queued.Close()
	// The queued connection holds the only queue slot once accepted.
	deadline := time.Now().Add(2 * time.Second)
	for s.pool.Queued() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	got := exchangeRaw(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if !strings.HasPrefix(got, "HTTP/1.1 503 Service Unavailable\r\n") || !strings.Contains(got, "Retry-After: 2\r\n") {
		t.Errorf("overloaded answer:\n%s", got)
	}
	t.Logf("503 answered and closed in %v", time.Since(start))
	go func() {
		io.WriteString(queued, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		queued.SetReadDeadline(time.Now().Add(3 * time.Second))
		b, _ := io.ReadAll(queued)
		results <- string(b)
	}()
	close(release)
	for i := 0; i < 2; i++ {
		if got := <-results; !strings.HasSuffix(got, "done") {
			t.Errorf("accepted request %d: %q", i, got)
		}
	}
}

func TestShutdownFinishesInFlight(t *testing.T) {
	started := make(chan struct{})
	s := &Server{Handler: HandlerFunc(func(w ResponseWriter, r *Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		w.WriteString("slow done")
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()

	// An idle keep-alive connection, which Shutdown must close.
	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()

	result := make(chan string, 1)
	go func() {
		result <- exchangeRaw(t, addr, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	}()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	got := <-result
	if !strings.HasPrefix(got, "HTTP/1.1 200 OK\r\n") || !strings.Contains(got, "Connection: close\r\n") || !strings.HasSuffix(got, "slow done") {
		t.Errorf("in-flight request during shutdown:\n%s", got)
	}
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve: %v", err)
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("listener still accepting after Shutdown")
	}
	idle.SetReadDeadline(time.Now().Add(2 * time.Second))
	if n, err := idle.Read(make([]byte, 1)); err == nil {
		t.Errorf("idle connection still open after Shutdown (read %d)", n)
	}
	goleak.VerifyNone(t, goleak.IgnoreCurrent())
}

func TestShutdownDeadline(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	s := &Server{Handler: HandlerFunc(func(w ResponseWriter, r *Request) {
		close(started)
		<-release
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	go exchangeRaw(t, ln.Addr().String(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want DeadlineExceeded", err)
	}
	close(release)
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
	addr := startServer(t, &Server{Workers: 1, Queue: 8})
	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	io.WriteString(slow, "GET / HTTP/1.1\r\nHo")
	time.Sleep(50 * time.Millisecond)
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
	addr := startServer(t, &Server{MaxConnsPerIP: 1})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.Sleep(20 * time.Millisecond) // let the server accept it
	got := exchangeRaw(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if !strings.HasPrefix(got, "HTTP/1.1 503 ") {
		t.Errorf("second connection from the same IP:\n%s", got)
	}
}

func TestCloseStopsEverything(t *testing.T) {
	s := &Server{Handler: HandlerFunc(func(w ResponseWriter, r *Request) {
		<-r.Context().Done()
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	res := make(chan string, 1)
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			res <- err.Error()
			return
		}
		defer c.Close()
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		b, _ := io.ReadAll(c)
		res <- string(b)
	}()
	time.Sleep(50 * time.Millisecond)
	s.Close()
	<-res
	if err := s.ListenAndServe(); !errors.Is(err, ErrServerClosed) {
		t.Errorf("ListenAndServe after Close = %v", err)
	}
	goleak.VerifyNone(t, goleak.IgnoreCurrent())
}

func TestWriteAfterHandlerReturns(t *testing.T) {
	kept := make(chan ResponseWriter, 1)
	addr := startServer(t, &Server{Handler: HandlerFunc(func(w ResponseWriter, r *Request) {
		w.WriteString("x")
		kept <- w
	})})
	exchangeRaw(t, addr, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
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
	for i := 0; s.pool.Queued() == queued; i++ {
		if i == 500 {
			t.Fatal("second connection never queued")
		}
		time.Sleep(10 * time.Millisecond)
	}
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
