package h2

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/internal/onworkers/workertest"
	"github.com/wharfhttp/wharf/tlsconfig"
)

// serveH2 starts s with HTTP/2 over TLS on a loopback port and returns
// a client for it; the cleanup shuts s down and checks for leaks.
func serveH2(t *testing.T, s *wharf.Server) (base string, client *http.Client) {
	t.Helper()
	before := goleak.IgnoreCurrent()
	cert, err := tlsconfig.SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	if err := Configure(s, nil); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.ServeTLS(ln, "", "") }()
	roots := x509.NewCertPool()
	roots.AddCert(cert.Leaf)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
			s.Close()
		}
		if err := <-done; !errors.Is(err, wharf.ErrServerClosed) {
			t.Errorf("ServeTLS returned %v", err)
		}
		goleak.VerifyNone(t, before)
	})
	return "https://" + ln.Addr().String(), &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

var protoHandler = wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteString(r.Method + " " + r.Path + " " + r.TLS.NegotiatedProtocol + " " + r.Proto() + "\n")
})

func TestHTTP2AndHTTP11(t *testing.T) {
	base, client := serveH2(t, &wharf.Server{Handler: protoHandler})
	resp, body := workertest.Get(t, client, base+"/a")
	if resp.ProtoMajor != 2 || body != "GET /a h2 HTTP/2.0\n" {
		t.Fatalf("HTTP/2: proto %s, body %q", resp.Proto, body)
	}
	// A client without h2 gets wharf's HTTP/1.1 engine.
	cfg := client.Transport.(*http.Transport).TLSClientConfig.Clone()
	cfg.NextProtos = []string{"http/1.1"}
	h1 := &http.Client{Transport: &http.Transport{
		TLSClientConfig: cfg,
		TLSNextProto:    map[string]func(string, *tls.Conn) http.RoundTripper{},
	}}
	defer h1.CloseIdleConnections()
	resp, body = workertest.Get(t, h1, base+"/b")
	if resp.ProtoMajor != 1 || body != "GET /b http/1.1 HTTP/1.1\n" {
		t.Fatalf("HTTP/1.1: proto %s, body %q", resp.Proto, body)
	}
}

// Streams count against the pool (two workers: four slow streams run
// two at a time), and one that finds the pool full is answered 503.
func TestStreamsShareThePool(t *testing.T) { workertest.SharesThePool(t, 2, serveH2) }

func TestStreamOverload503(t *testing.T) { workertest.Overload503(t, 2, serveH2) }

// Shutdown sends GOAWAY and lets the stream in flight finish.
func TestShutdownFinishesStreams(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	s := &wharf.Server{Handler: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		if r.Path == "/slow" {
			close(started)
			<-release
		}
		w.WriteString("finished\n")
	})}
	base, client := serveH2(t, s)
	workertest.Get(t, client, base+"/warm") // the connection exists
	got := make(chan string, 1)
	go func() {
		resp, err := client.Get(base + "/slow")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- resp.Proto + " " + string(b)
	}()
	<-started
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		shut <- s.Shutdown(ctx)
	}()
	// Shutdown waits for the stream: it has not returned yet.
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a stream in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if g := <-got; g != "HTTP/2.0 finished\n" {
		t.Fatalf("stream in flight at Shutdown: %q", g)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// Cleartext HTTP/2 with prior knowledge beside HTTP/1.1 on one port.
func TestH2C(t *testing.T) {
	before := goleak.IgnoreCurrent()
	s := &wharf.Server{Handler: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		w.WriteString(r.Method + " " + r.Path + "\n")
	})}
	if err := ConfigureH2C(s, nil); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	base := "http://" + ln.Addr().String()

	h2c := &http.Client{Transport: &http.Transport{Protocols: new(http.Protocols)}}
	h2c.Transport.(*http.Transport).Protocols.SetUnencryptedHTTP2(true)
	resp, body := workertest.Get(t, h2c, base+"/two")
	if resp.ProtoMajor != 2 || body != "GET /two\n" {
		t.Errorf("h2c: %s %q", resp.Proto, body)
	}
	resp, body = workertest.Get(t, http.DefaultClient, base+"/one")
	if resp.ProtoMajor != 1 || body != "GET /one\n" {
		t.Errorf("HTTP/1.1 beside it: %s %q", resp.Proto, body)
	}
	h2c.CloseIdleConnections()
	http.DefaultClient.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	<-done
	goleak.VerifyNone(t, before)
}

// Without ConfigureH2C the preface is what it is to HTTP/1.1: 505.
func TestNoH2CIs505(t *testing.T) {
	s := &wharf.Server{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	defer s.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, _ := io.ReadAll(c)
	if !strings.HasPrefix(string(b), "HTTP/1.1 505 ") {
		t.Fatalf("got %q", b)
	}
}

// The server's Observer is told of HTTP/2 answers too (the access log
// and metrics of the command are Observers).
func TestObserverSeesStreams(t *testing.T) {
	rec := &streamRecorder{}
	s := &wharf.Server{Handler: protoHandler, Observer: rec}
	base, client := serveH2(t, s)
	workertest.Get(t, client, base+"/seen?x=1")
	// The stream's goroutine tells the Observer right after the
	// answer, maybe after the client read it.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		rec.mu.Lock()
		n := len(rec.got)
		rec.mu.Unlock()
		if n > 0 {
			break
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.got) != 1 {
		t.Fatalf("observed %d answers, want 1", len(rec.got))
	}
	a := rec.got[0]
	if a.Status != 200 || a.Request == nil || a.Request.Target != "/seen?x=1" || a.Request.Proto() != "HTTP/2.0" ||
		a.BodyBytes != int64(len("GET /seen h2 HTTP/2.0\n")) || a.Request.Header.Get("User-Agent") == "" {
		t.Errorf("answer: %+v, request %+v", a, a.Request)
	}
}

type streamRecorder struct {
	mu  sync.Mutex
	got []wharf.Answer
}

func (r *streamRecorder) Answered(a *wharf.Answer) {
	r.mu.Lock()
	r.got = append(r.got, *a)
	r.mu.Unlock()
}
