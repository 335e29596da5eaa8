package wharf

import (
	"net"
	"testing"
	"time"
)

// loopConn is an in-memory net.Conn that returns the same request on
// every Read and discards what is written: the request path without a
// network, for allocation counts and benchmarks.
type loopConn struct {
	req     []byte
	written int
}

func (c *loopConn) Read(p []byte) (int, error)  { return copy(p, c.req), nil }
func (c *loopConn) Write(p []byte) (int, error) { c.written += len(p); return len(p), nil }
func (c *loopConn) Close() error                { return nil }
func (c *loopConn) LocalAddr() net.Addr         { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 7878} }
func (c *loopConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
}
func (c *loopConn) SetDeadline(t time.Time) error      { return nil }
func (c *loopConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *loopConn) SetWriteDeadline(t time.Time) error { return nil }

// newLoopConn returns a conn of a started server s reading req forever.
func newLoopConn(t testing.TB, s *Server, req string) (*conn, *loopConn) {
	if tt, ok := t.(*testing.T); ok {
		checkLeaks(tt) // the caller closes s
	}
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
	lc := &loopConn{req: []byte(req)}
	c := newConn(s, lc, "")
	c.acquire()
	return c, lc
}

// serveOne reads and answers one request on c.
func serveOne(t testing.TB, c *conn) {
	if _, err := c.readHead(&job{}); err != nil {
		t.Fatal(err)
	}
	if !c.handle() {
		t.Fatal("connection closed")
	}
}

var helloBody = []byte("Hello, World!")

func helloHandler() Handler {
	return HandlerFunc(func(w ResponseWriter, r *Request) {
		h := w.Header()
		h.Set("Content-Type", "text/plain")
		w.Write(helloBody)
	})
}

const wrkRequest = "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:7878\r\n\r\n"

const browserRequest = "GET /index.html?x=1 HTTP/1.1\r\n" +
	"Host: localhost:7878\r\n" +
	"Connection: keep-alive\r\n" +
	"Cache-Control: max-age=0\r\n" +
	"Upgrade-Insecure-Requests: 1\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36\r\n" +
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n" +
	"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
	"Accept-Language: en-US,en;q=0.9\r\n" +
	"If-Modified-Since: Wed, 25 Nov 2026 10:00:00 GMT\r\n\r\n"

// The hot path allocates at most one object per request (DESIGN.md):
// the request's exchange.
func TestAllocsPerRequest(t *testing.T) {
	for _, tc := range []struct{ name, req string }{
		{"wrk", wrkRequest},
		{"browser", browserRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Server{Handler: helloHandler()}
			defer s.Close()
			c, lc := newLoopConn(t, s, tc.req)
			serveOne(t, c) // warm the interner and the pools
			allocs := testing.AllocsPerRun(1000, func() { serveOne(t, c) })
			if allocs > 1 {
				t.Errorf("%.1f allocations per request, want at most 1", allocs)
			}
			if lc.written == 0 {
				t.Fatal("nothing written")
			}
		})
	}
}

type releasingHandler struct{ Handler }

func (releasingHandler) ReleasesRequest() {}

// A RequestReleaser handler costs no allocation per request.
func TestAllocsPerRequestReleaser(t *testing.T) {
	s := &Server{Handler: releasingHandler{helloHandler()}}
	defer s.Close()
	c, _ := newLoopConn(t, s, browserRequest)
	serveOne(t, c)
	if allocs := testing.AllocsPerRun(1000, func() { serveOne(t, c) }); allocs != 0 {
		t.Errorf("%.1f allocations per request, want 0", allocs)
	}
}

func TestRequestFieldsSurviveNextRequest(t *testing.T) {
	var kept []*Request
	s := &Server{Handler: HandlerFunc(func(w ResponseWriter, r *Request) {
		kept = append(kept, r)
	})}
	defer s.Close()
	c, lc := newLoopConn(t, s, "GET /a?x=1 HTTP/1.1\r\nHost: one\r\nX-N: 1\r\n\r\n")
	serveOne(t, c)
	lc.req = []byte("GET /bb?y=2 HTTP/1.1\r\nHost: two\r\nX-N: 2\r\n\r\n")
	serveOne(t, c)
	a, b := kept[0], kept[1]
	if a.Target != "/a?x=1" || a.Path != "/a" || a.RawQuery != "x=1" || a.Host != "one" || a.Header.Get("x-n") != "1" {
		t.Errorf("first request changed: %+v", a)
	}
	if b.Target != "/bb?y=2" || b.Path != "/bb" || b.Host != "two" || b.Header.Get("X-N") != "2" {
		t.Errorf("second request wrong: %+v", b)
	}
}

func BenchmarkServeRequest(b *testing.B) {
	for _, tc := range []struct {
		name, req string
		obs       Observer
	}{
		{"wrk", wrkRequest, nil},
		{"browser", browserRequest, nil},
		{"browser-observed", browserRequest, new(countingObserver)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := &Server{Handler: helloHandler(), Observer: tc.obs}
			defer s.Close()
			c, _ := newLoopConn(b, s, tc.req)
			b.ReportAllocs()
			b.SetBytes(int64(len(tc.req)))
			for b.Loop() {
				serveOne(b, c)
				if len(c.wbuf) > writeBufSize/2 {
					c.wbuf = c.wbuf[:0]
				}
			}
		})
	}
}

var _ net.Conn = (*loopConn)(nil)
