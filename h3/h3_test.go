package h3

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"go.uber.org/goleak"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/h2"
	"github.com/wharfhttp/wharf/internal/onworkers/workertest"
	"github.com/wharfhttp/wharf/tlsconfig"
	"github.com/wharfhttp/wharf/wharftest"
)

// A served is a wharf server with HTTP/3 (and HTTP/2) on loopback, and
// clients for it.
type served struct {
	s       *wharf.Server
	h3      *Server
	tcp     string       // https://127.0.0.1:PORT of the TLS listener
	udp     string       // https://127.0.0.1:PORT of HTTP/3
	port    int          // HTTP/3's UDP port
	h3c     *http.Client // quic-go's client
	tlsConf *tls.Config  // trusts the server's certificate
	tcpDone chan error   // ServeTLS's result
	h3Done  chan error   // Serve's result
}

// serveH3 starts s with HTTP/3 on a loopback UDP port and TLS (HTTP/2
// and HTTP/1.1) on a loopback TCP port. The cleanup shuts s down
// gracefully (unless the test already did), checks that both serve
// calls returned wharf.ErrServerClosed, and that no goroutine leaked;
// the leak snapshot is taken before anything starts.
func serveH3(t *testing.T, s *wharf.Server) *served {
	t.Helper()
	before := goleak.IgnoreCurrent()
	s.TLSConfig = selfSigned(t)
	pc := udpSocket(t)
	h, err := New(s, pc, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := h2.Configure(s, nil); err != nil {
		t.Fatal(err)
	}
	sv := &served{
		s: s, h3: h,
		tcp:     "https://" + ln.Addr().String(),
		udp:     "https://" + pc.LocalAddr().String(),
		port:    pc.LocalAddr().(*net.UDPAddr).Port,
		tcpDone: make(chan error, 1),
		h3Done:  make(chan error, 1),
	}
	go func() { sv.tcpDone <- s.ServeTLS(ln, "", "") }()
	go func() { sv.h3Done <- h.Serve() }()

	roots := x509.NewCertPool()
	roots.AddCert(s.TLSConfig.Certificates[0].Leaf)
	sv.tlsConf = &tls.Config{RootCAs: roots}
	// The client's UDP socket is on loopback too.
	uc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	qt := &quic.Transport{Conn: uc}
	tr := &http3.Transport{
		TLSClientConfig: sv.tlsConf,
		Dial: func(ctx context.Context, addr string, tlsConf *tls.Config, conf *quic.Config) (*quic.Conn, error) {
			ua, err := net.ResolveUDPAddr("udp", addr)
			if err != nil {
				return nil, err
			}
			return qt.DialEarly(ctx, ua, tlsConf, conf)
		},
	}
	sv.h3c = &http.Client{Transport: tr, Timeout: 10 * time.Second}

	t.Cleanup(func() {
		tr.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
			s.Close()
			h.Close()
		}
		if err := <-sv.tcpDone; !errors.Is(err, wharf.ErrServerClosed) {
			t.Errorf("ServeTLS returned %v", err)
		}
		select {
		case err := <-sv.h3Done:
			if !errors.Is(err, wharf.ErrServerClosed) {
				t.Errorf("h3 Serve returned %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("h3 Serve did not return after Shutdown")
			h.Close()
			<-sv.h3Done
		}
		qt.Close()
		uc.Close()
		goleak.VerifyNone(t, before)
	})
	return sv
}

func TestGet(t *testing.T) {
	sv := serveH3(t, &wharf.Server{Handler: workertest.ProtoHandler})
	resp, body := workertest.Get(t, sv.h3c, sv.udp+"/a?x=1")
	if resp.ProtoMajor != 3 || resp.StatusCode != 200 || body != "GET /a h3 HTTP/3.0\n" {
		t.Fatalf("HTTP/3 GET: %s %d %q", resp.Proto, resp.StatusCode, body)
	}
	if v := resp.Header.Get("Alt-Svc"); v != "" {
		t.Errorf("HTTP/3 answer advertises itself: Alt-Svc %q", v)
	}
}

func TestPostBody(t *testing.T) {
	sv := serveH3(t, &wharf.Server{Handler: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(500)
			return
		}
		w.WriteString(r.Method + " " + strconv.Itoa(len(b)) + " " + string(b[:min(len(b), 16)]))
	})})
	payload := strings.Repeat("0123456789abcdef", 10000) // 160 000 bytes: several frames
	resp, err := sv.h3c.Post(sv.udp+"/upload", "text/plain", strings.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if want := "POST 160000 0123456789abcdef"; resp.ProtoMajor != 3 || string(b) != want {
		t.Fatalf("HTTP/3 POST: %s %q, want %q", resp.Proto, b, want)
	}
}

// HTTP/3 requests count against the pool: with two workers, four
// concurrent requests run two at a time, and all are answered.
func TestRequestsShareThePool(t *testing.T) {
	workertest.SharesThePool(t, 3, serveOnly)
}

// A request that finds every worker busy and no room in the queue is
// answered 503 with Retry-After, as an HTTP/1.1 request is.
func TestOverload503(t *testing.T) {
	workertest.Overload503(t, 3, serveOnly)
}

// serveOnly is serveH3 for workertest: the HTTP/3 address and client.
func serveOnly(t *testing.T, s *wharf.Server) (string, *http.Client) {
	sv := serveH3(t, s)
	return sv.udp, sv.h3c
}

// HTTP/1.1 and HTTP/2 answers on the TLS listener advertise HTTP/3.
func TestAltSvcOnTCP(t *testing.T) {
	sv := serveH3(t, &wharf.Server{Handler: workertest.ProtoHandler})
	want := `h3=":` + strconv.Itoa(sv.port) + `"; ma=86400`

	h1 := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: sv.tlsConf.RootCAs, NextProtos: []string{"http/1.1"}},
		TLSNextProto:    map[string]func(string, *tls.Conn) http.RoundTripper{},
	}, Timeout: 10 * time.Second}
	defer h1.CloseIdleConnections()
	resp, body := workertest.Get(t, h1, sv.tcp+"/one")
	if resp.ProtoMajor != 1 || body != "GET /one http/1.1 HTTP/1.1\n" || resp.Header.Get("Alt-Svc") != want {
		t.Errorf("HTTP/1.1: %s %q Alt-Svc %q, want %q", resp.Proto, body, resp.Header.Get("Alt-Svc"), want)
	}

	tr2 := &http.Transport{TLSClientConfig: sv.tlsConf.Clone(), ForceAttemptHTTP2: true}
	defer tr2.CloseIdleConnections()
	resp, body = workertest.Get(t, &http.Client{Transport: tr2, Timeout: 10 * time.Second}, sv.tcp+"/two")
	if resp.ProtoMajor != 2 || body != "GET /two h2 HTTP/2.0\n" || resp.Header.Get("Alt-Svc") != want {
		t.Errorf("HTTP/2: %s %q Alt-Svc %q, want %q", resp.Proto, body, resp.Header.Get("Alt-Svc"), want)
	}
}

// Shutdown stops HTTP/3 gracefully: the request in flight is answered
// in full, Serve returns ErrServerClosed only after that, and Shutdown
// returns nil.
func TestShutdownFinishesRequest(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	openRelease := sync.OnceFunc(func() { close(release) })
	s := &wharf.Server{Handler: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		if r.Path == "/slow" {
			close(started)
			<-release
		}
		w.WriteString("finished\n")
	})}
	sv := serveH3(t, s)
	// Opened before the server's cleanup too, if the test stops early.
	t.Cleanup(openRelease)
	workertest.Get(t, sv.h3c, sv.udp+"/warm") // the connection exists
	got := make(chan string, 1)
	go func() {
		resp, err := sv.h3c.Get(sv.udp + "/slow")
		if err != nil {
			got <- err.Error()
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			got <- err.Error()
			return
		}
		got <- resp.Proto + " " + string(b)
	}()
	<-started
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- s.Shutdown(ctx)
	}()
	// Neither Shutdown nor Serve returns while the request runs.
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a request in flight", err)
	case err := <-sv.h3Done:
		sv.h3Done <- err // for the cleanup's check
		t.Fatalf("h3 Serve returned %v with a request in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	openRelease()
	if g := <-got; g != "HTTP/3.0 finished\n" {
		t.Fatalf("request in flight at Shutdown: %q", g)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	// The cleanup checks that Serve returned ErrServerClosed.
}

// Close aborts HTTP/3 at once: the request in flight fails, and Serve
// returns ErrServerClosed.
func TestClose(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	openRelease := sync.OnceFunc(func() { close(release) })
	s := &wharf.Server{Handler: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		close(started)
		<-release
		w.WriteString("too late\n")
	})}
	sv := serveH3(t, s)
	// Opened before the server's cleanup too, if the test stops early.
	t.Cleanup(openRelease)
	failed := make(chan error, 1)
	go func() {
		resp, err := sv.h3c.Get(sv.udp + "/slow")
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		failed <- err
	}()
	<-started
	closed := make(chan error, 1)
	go func() { closed <- sv.h3.Close() }()
	if err := <-failed; err == nil {
		t.Error("a request in flight at Close was answered")
	}
	openRelease() // Close waits for the handler, as wharf's does
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
	err := <-sv.h3Done
	sv.h3Done <- err // for the cleanup's check
	if !errors.Is(err, wharf.ErrServerClosed) {
		t.Errorf("h3 Serve after Close: %v", err)
	}
}

// Serve after the wharf server shut down returns at once.
func TestServeAfterShutdown(t *testing.T) {
	before := goleak.IgnoreCurrent()
	s := &wharf.Server{TLSConfig: selfSigned(t)}
	h, err := New(s, udpSocket(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := h.Serve(); !errors.Is(err, wharf.ErrServerClosed) {
		t.Fatalf("Serve after Shutdown: %v", err)
	}
	if err := h.Serve(); err == nil || errors.Is(err, wharf.ErrServerClosed) {
		t.Fatalf("second Serve: %v", err)
	}
	goleak.VerifyNone(t, before)
}

func TestNewErrors(t *testing.T) {
	pc := udpSocket(t)
	for _, tc := range []struct {
		name string
		s    *wharf.Server
		conf *Config
		h2   bool
	}{
		{name: "no TLSConfig", s: &wharf.Server{}},
		{name: "no certificate", s: &wharf.Server{TLSConfig: &tls.Config{}}},
		{name: "after h2.Configure", s: &wharf.Server{TLSConfig: selfSigned(t)}, h2: true},
	} {
		if tc.h2 {
			if err := h2.Configure(tc.s, nil); err != nil {
				t.Fatal(err)
			}
		}
		handler := tc.s.Handler
		if _, err := New(tc.s, pc, tc.conf); err == nil {
			t.Errorf("%s: New succeeded", tc.name)
		}
		if tc.s.Handler != handler {
			t.Errorf("%s: New changed the handler though it failed", tc.name)
		}
	}
}

// AltSvcPort chooses the port advertised, or turns Alt-Svc off.
func TestAltSvcPort(t *testing.T) {
	pc := udpSocket(t)
	for _, tc := range []struct {
		port int
		want string
	}{
		{port: 443, want: `h3=":443"; ma=86400`},
		{port: -1, want: ""},
	} {
		s := &wharf.Server{TLSConfig: selfSigned(t), Handler: workertest.ProtoHandler}
		if _, err := New(s, pc, &Config{AltSvcPort: tc.port}); err != nil {
			t.Fatal(err)
		}
		if got := altSvcOf(s.Handler); got != tc.want {
			t.Errorf("AltSvcPort %d: Alt-Svc %q, want %q", tc.port, got, tc.want)
		}
	}
}

// altSvcOf returns the Alt-Svc field h answers a GET with.
func altSvcOf(h wharf.Handler) string {
	w := wharftest.NewRecorder()
	h.ServeHTTP(w, wharftest.NewRequest("GET", "/"))
	return w.HeaderMap.Get("Alt-Svc")
}

// selfSigned returns a TLS configuration with a new self-signed
// certificate for localhost.
func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	cert, err := tlsconfig.SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}}
}

// udpSocket returns a UDP socket on a free loopback port; it is closed
// when the test ends, if nothing closed it before.
func udpSocket(t *testing.T) net.PacketConn {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc
}

// A handler's panic resets its stream only (quic-go recovers it on
// the stream's goroutine, where onworkers raises it again); the
// connection and the worker live on.
func TestHandlerPanic(t *testing.T) {
	sv := serveH3(t, &wharf.Server{Workers: 1, Handler: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		if r.Path == "/panic" {
			panic(wharf.ErrAbortHandler)
		}
		w.WriteString("alive\n")
	})})
	if resp, err := sv.h3c.Get(sv.udp + "/panic"); err == nil {
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil {
			t.Fatalf("a panicking handler was answered: %d %q", resp.StatusCode, b)
		}
	}
	if resp, body := workertest.Get(t, sv.h3c, sv.udp+"/after"); resp.StatusCode != 200 || body != "alive\n" {
		t.Fatalf("after a panic: %d %q", resp.StatusCode, body)
	}
}

// wharf.Server.Close closes HTTP/3 too: its Serve returns.
func TestWharfCloseStopsHTTP3(t *testing.T) {
	before := goleak.IgnoreCurrent()
	defer goleak.VerifyNone(t, before)
	cert, err := tlsconfig.SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	s := &wharf.Server{TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(s, pc, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- h.Serve() }()
	waitForServe := time.Now().Add(5 * time.Second)
	for s.Stats().Workers == 0 && time.Now().Before(waitForServe) {
		time.Sleep(time.Millisecond) // polling interval: Serve starts the server's pool
	}
	s.Close()
	select {
	case err := <-done:
		if !errors.Is(err, wharf.ErrServerClosed) {
			t.Errorf("Serve after wharf's Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("HTTP/3's Serve did not return after wharf.Server.Close")
	}
}
