package wharf

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wharfhttp/wharf/internal/park"
)

// deepParked counts the parked connections that are parked deep.
func deepParked(s *Server) (deep, all int) {
	s.parked.Each(func(c *conn, _ park.Mode) {
		all++
		if c.nc == nil {
			deep++
		}
	})
	return deep, all
}

// waitDeep waits until want connections are parked deep.
func waitDeep(t *testing.T, s *Server, want int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d connections parked deep", want), func() bool {
		deep, _ := deepParked(s)
		return deep >= want
	})
}

// waitSweeps waits until the set has made n more deadline sweeps
// (each may park connections deep): for checks that something does not
// happen, without sleeping for a guess of the sweep interval.
func waitSweeps(t *testing.T, s *Server, n int) {
	t.Helper()
	sweeps := s.parked.Sweeps
	want := sweeps() + n
	waitFor(t, fmt.Sprintf("%d deadline sweeps", n), func() bool { return sweeps() >= want })
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(ents)
}

// remoteHandler answers with the client's address as the server sees it.
var remoteHandler = HandlerFunc(func(w ResponseWriter, r *Request) {
	io.WriteString(w, r.RemoteAddr)
})

func getOn(t *testing.T, c net.Conn, br *bufio.Reader) string {
	t.Helper()
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, body %q, err %v", resp.StatusCode, b, err)
	}
	return string(b)
}

// dialGet connects to addr and makes one request; the caller closes
// the connection.
func dialGet(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	getOn(t, c, br)
	return c, br
}

// A keep-alive connection parked for a deadline sweep becomes a bare
// descriptor, and serves its next request as before: same connection,
// same remote address, no descriptor leaked.
func TestDeepParkedConnectionServesNextRequest(t *testing.T) {
	fds := openFDs(t)
	s := &Server{Handler: remoteHandler}
	addr := startServer(t, s)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	if got := getOn(t, c, br); got != c.LocalAddr().String() {
		t.Errorf("RemoteAddr %q, want %q", got, c.LocalAddr())
	}
	waitDeep(t, s, 1)
	for i := 0; i < 3; i++ { // wake, serve, park again (shallow, then deep)
		if got := getOn(t, c, br); got != c.LocalAddr().String() {
			t.Errorf("after parking deep: RemoteAddr %q, want %q", got, c.LocalAddr())
		}
		waitDeep(t, s, 1)
	}
	c.Close()
	waitFor(t, "the server to close the connection", func() bool { return openConns(s) == 0 })
	// The server's: the listener and the epoll set. A deep-parked
	// connection's descriptor must be gone with it.
	if n := openFDs(t); n > fds+2 {
		t.Errorf("%d descriptors open after the client left, %d before the server started", n, fds)
	}
}

// Past deepAbove parked connections, a connection whose client stayed
// quiet for a whole parkGrace is parked deep at once (with the sweep's
// deepening off, exactly those): connections that each send one request
// and go quiet are idle clients, not a run queue of busy ones (nothing
// is taken from the set: park.Set.Busy is false). All of them still
// work, one at a time parked deep at once again.
func TestManyParkedConnectionsGoDeep(t *testing.T) {
	s := &Server{Handler: remoteHandler}
	addr := startServer(t, s)
	setSweep := func(on bool) { s.testNoDeep.Store(!on) }
	setSweep(false)
	n := deepAbove + 64
	conns := make([]net.Conn, n)
	readers := make([]*bufio.Reader, n)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i], readers[i] = c, bufio.NewReader(c)
		getOn(t, c, readers[i])
	}
	waitDeep(t, s, n-deepAbove)
	waitFor(t, "every connection to park", func() bool { _, all := deepParked(s); return all == n })
	waitSweeps(t, s, 2) // sweeps that would deepen the others were they on
	if deep, all := deepParked(s); deep != n-deepAbove || all != n {
		t.Errorf("%d parked, %d deep; want %d parked, the %d past %d deep", all, deep, n, n-deepAbove, deepAbove)
	}
	setSweep(true)
	waitDeep(t, s, n)
	// Every connection parked deep: one at a time (nothing else queued
	// or parked shallow), each now parks after a grace, and deep at
	// once. The sweep's deepening off, so that only that path can park
	// them deep.
	setSweep(false)
	for i, c := range conns {
		if got := getOn(t, c, readers[i]); got != c.LocalAddr().String() {
			t.Fatalf("conn %d: RemoteAddr %q, want %q", i, got, c.LocalAddr())
		}
		waitFor(t, "the connection to park again", func() bool { _, all := deepParked(s); return all == n })
		if deep, _ := deepParked(s); deep != n {
			t.Fatalf("conn %d parked shallow after a grace, with %d parked", i, n)
		}
	}
}

// Timeouts hold for deep-parked connections: the idle timeout closes
// one, the read-header timeout answers a partial head 408.
func TestDeepParkedTimeouts(t *testing.T) {
	s := &Server{IdleTimeout: 1500 * time.Millisecond, ReadHeaderTimeout: 1500 * time.Millisecond}
	addr := startServer(t, s)

	idle, br := dialGet(t, addr)
	defer idle.Close()

	partial, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer partial.Close()
	io.WriteString(partial, "GET / HTTP/1.1\r\n")

	waitDeep(t, s, 2)
	idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("idle deep connection: read %v, want EOF", err)
	}
	partial.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, _ := io.ReadAll(partial)
	if !strings.HasPrefix(string(got), "HTTP/1.1 408 ") {
		t.Errorf("partial head parked deep: got %q, want a 408", got)
	}
}

// A head that was partly sent before the connection was parked deep is
// completed after it wakes.
func TestDeepParkedPartialHeadCompletes(t *testing.T) {
	s := &Server{}
	addr := startServer(t, s)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /info?a=1 HTTP/1.1\r\nHo")
	waitDeep(t, s, 1)
	io.WriteString(c, "st: example\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if want := "target=/info?a=1 path=/info query=a=1 host=example"; !strings.Contains(string(b), want) {
		t.Errorf("got %q, want it to contain %q", b, want)
	}
}

// Shutdown and Close close deep-parked connections at once.
func TestDeepParkedClosedByShutdownAndClose(t *testing.T) {
	for _, hard := range []bool{false, true} {
		t.Run(fmt.Sprintf("hard=%v", hard), func(t *testing.T) {
			s := &Server{Handler: remoteHandler}
			addr, served := serve(t, s)
			c, br := dialGet(t, addr)
			defer c.Close()
			waitDeep(t, s, 1)
			start := time.Now()
			if hard {
				s.Close()
			} else if err := s.Shutdown(t.Context()); err != nil {
				t.Fatal(err)
			}
			served()
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := br.ReadByte(); err != io.EOF {
				t.Errorf("read after stop: %v, want EOF", err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("stop took %v", d)
			}
		})
	}
}

// wrapListener hands out connections of a type of its own (as a TLS or
// PROXY-protocol listener would), which must never be parked deep:
// net.FileConn would replace them with a plain *net.TCPConn.
type wrapListener struct{ net.Listener }

type wrappedConn struct{ *net.TCPConn }

func (l wrapListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return wrappedConn{c.(*net.TCPConn)}, nil
}

func TestWrappedConnectionsAreNotParkedDeep(t *testing.T) {
	s := &Server{Handler: remoteHandler}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveOn(t, s, wrapListener{ln})
	c, br := dialGet(t, ln.Addr().String())
	defer c.Close()
	waitFor(t, "the connection to park", func() bool { return parkedConns(s) == 1 })
	waitSweeps(t, s, 2) // past the sweep that would park it deep
	deep, all := deepParked(s)
	if all != 1 || deep != 0 {
		t.Errorf("%d parked, %d of them deep; want 1 parked, shallow", all, deep)
	}
	getOn(t, c, br)
}

// A deep-parked connection that wakes while every worker is busy and the
// queue is full is answered 503 like a new one.
func TestDeepParkedWakesToOverload(t *testing.T) {
	gate := make(chan struct{})
	busy := make(chan struct{})
	s := &Server{Workers: 1, Queue: 1, Handler: HandlerFunc(func(w ResponseWriter, r *Request) {
		if r.Path == "/block" {
			close(busy)
			<-gate
		}
		io.WriteString(w, "ok")
	})}
	addr := startServer(t, s)
	defer close(gate)
	a, br := dialGet(t, addr)
	defer a.Close()
	waitDeep(t, s, 1)
	b, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	io.WriteString(b, "GET /block HTTP/1.1\r\nHost: x\r\n\r\n")
	<-busy
	c := queueBehind(t, s, addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") // fills the queue
	defer c.Close()
	io.WriteString(a, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	a.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("status %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// A client that has sent more than one request is parked deep by a
// sweep only once it has been quiet for busyQuiet: an empty socket
// after one sweep is what a busy client whose load generator answers
// late looks like too. The policy is checked where the sweep calls it
// (under the set's lock, through Each), with the client's quiet time
// moved back instead of waited for.
func TestBusyClientAgesAfterBusyQuiet(t *testing.T) {
	s := &Server{Handler: remoteHandler}
	addr := startServer(t, s)
	c, br := dialGet(t, addr)
	defer c.Close()
	getOn(t, c, br) // a second request
	waitFor(t, "the connection to be parked", func() bool {
		_, all := deepParked(s)
		return all == 1
	})
	checked := false
	s.parked.Each(func(pc *conn, _ park.Mode) {
		if pc.nc == nil {
			t.Fatal("parked deep before busyQuiet")
		}
		checked = true
		if quiet := monoNow() - pc.idleSince; quiet < mono(busyQuiet) {
			if s.ageable(pc) {
				t.Errorf("ageable after %v quiet, want not before %v", time.Duration(quiet), busyQuiet)
			}
		}
		pc.idleSince -= mono(busyQuiet)
		if !s.ageable(pc) {
			t.Errorf("not ageable after busyQuiet")
		}
	})
	if !checked {
		t.Fatal("the connection left the set")
	}
	waitDeep(t, s, 1) // and a sweep parks it deep
}
