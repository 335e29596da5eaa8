package wharf

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharfhttp/wharf/tlsconfig"
)

// startTLSServer serves s over TLS with a self-signed certificate for
// 127.0.0.1 and returns its address and a client configuration that
// trusts it. The cleanup shuts s down as startServer's does.
func startTLSServer(t *testing.T, s *Server) (string, *tls.Config) {
	t.Helper()
	cert, err := tlsconfig.SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	if s.TLSConfig == nil {
		s.TLSConfig = &tls.Config{}
	}
	s.TLSConfig.Certificates = []tls.Certificate{cert}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	wait := serveWith(t, s, ln, func(ln net.Listener) error { return s.ServeTLS(ln, "", "") })
	shutdownAtEnd(t, s, wait)
	roots := x509.NewCertPool()
	roots.AddCert(cert.Leaf)
	return ln.Addr().String(), &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", NextProtos: []string{"http/1.1"}}
}

// tlsHandler answers the negotiated TLS version and ALPN protocol.
var tlsHandler = HandlerFunc(func(w ResponseWriter, r *Request) {
	if r.TLS == nil {
		w.WriteString("plain\n")
		return
	}
	w.WriteString(tls.VersionName(r.TLS.Version) + " " + r.TLS.NegotiatedProtocol + " " + r.Path + "\n")
})

// Requests over TLS, on one keep-alive connection that parks between
// them (on a reader goroutine: see parkReader), with Request.TLS set.
func TestTLSKeepAlive(t *testing.T) {
	s := &Server{Handler: tlsHandler}
	addr, cfg := startTLSServer(t, s)
	tr := &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: false}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	for i := 0; i < 3; i++ {
		resp, err := client.Get("https://" + addr + "/n")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "TLS 1.3 http/1.1 /n\n" {
			t.Fatalf("request %d: %q", i, body)
		}
		if i == 0 && resp.TLS == nil {
			t.Fatal("the client saw no TLS")
		}
		// Let the connection park before the next request.
		waitFor(t, "the connection to park on a reader", func() bool { return readerParked(s) == 1 })
	}
}

func readerParked(s *Server) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c := range s.conns.all() {
		if c.reading {
			n++
		}
	}
	return n
}

// Pipelined requests over TLS are all answered, in order.
func TestTLSPipelining(t *testing.T) {
	s := &Server{Handler: tlsHandler}
	addr, cfg := startTLSServer(t, s)
	c, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	for i := 1; i <= 3; i++ {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if want := "TLS 1.3 http/1.1 /" + string(rune('0'+i)) + "\n"; string(body) != want {
			t.Fatalf("answer %d: %q, want %q", i, body, want)
		}
	}
}

// A client speaking plain HTTP to the TLS port gets net/http's 400 in
// plain HTTP, and the connection closes.
func TestTLSPlainHTTPGets400(t *testing.T) {
	addr, _ := startTLSServer(t, &Server{Handler: tlsHandler})
	got := exchangeRaw(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if got != string(plainHTTPToTLS) {
		t.Fatalf("got %q", got)
	}
}

// Clients that connect and never send a ClientHello hold no worker:
// with two workers, 500 of them do not delay a real client, and
// Shutdown does not wait for them.
func TestTLSSilentClientsHoldNoWorker(t *testing.T) {
	s := &Server{Handler: tlsHandler, Workers: 2, Queue: -1, ReadHeaderTimeout: time.Minute}
	addr, cfg := startTLSServer(t, s)
	var silent []net.Conn
	defer func() {
		for _, c := range silent {
			c.Close()
		}
	}()
	for i := 0; i < 500; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		silent = append(silent, c)
	}
	waitFor(t, "500 connections in their handshake", func() bool { return openConns(s) >= 500 })
	for i := 0; i < 3; i++ {
		c, err := tls.Dial("tcp", addr, cfg)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, "GET /real HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, _ := io.ReadAll(c)
		c.Close()
		if !strings.HasPrefix(string(b), "HTTP/1.1 200 ") || !strings.HasSuffix(string(b), "/real\n") {
			t.Fatalf("real client %d while 500 are silent: %q", i, b)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with 500 silent handshakes: %v", err)
	}
}

// Shutdown closes TLS connections parked on a reader at once, and a
// request that had just arrived on one is still answered.
func TestTLSShutdownClosesParkedReaders(t *testing.T) {
	s := &Server{Handler: tlsHandler, IdleTimeout: time.Minute}
	addr, cfg := startTLSServer(t, s)
	var conns []*tls.Conn
	for i := 0; i < 4; i++ {
		c, err := tls.Dial("tcp", addr, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	waitFor(t, "4 connections parked on readers", func() bool { return readerParked(s) == 4 })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
			t.Errorf("conn %d after Shutdown: %d bytes, %v; want EOF", i, n, err)
		}
	}
}

// Concurrent TLS clients on a small pool: every request answered.
func TestTLSConcurrentClients(t *testing.T) {
	s := &Server{Handler: tlsHandler, Workers: 4}
	addr, cfg := startTLSServer(t, s)
	tr := &http.Transport{TLSClientConfig: cfg, MaxIdleConnsPerHost: 16}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	errs := make(chan error, 16*20)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				resp, err := client.Get("https://" + addr + "/c")
				if err != nil {
					errs <- err
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(body) != "TLS 1.3 http/1.1 /c\n" {
					errs <- fmt.Errorf("status %d, body %q", resp.StatusCode, body)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestServeTLSNeedsACertificate(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{}
	if err := s.ServeTLS(ln, "", ""); err == nil || !strings.Contains(err.Error(), "needs a certificate") {
		t.Fatalf("ServeTLS without a certificate: %v", err)
	}
	if err := s.ServeTLS(ln, "/nonexistent/cert.pem", "/nonexistent/key.pem"); err == nil {
		t.Fatal("ServeTLS with missing files: no error")
	}
}

// TLSNextProto takes over the connections that negotiated its
// protocol; their work runs on the pool (Server.Go, ErrOverloaded when
// it is full); Shutdown calls the RegisterOnShutdown hooks and waits
// for the connections.
func TestTLSNextProto(t *testing.T) {
	quit := make(chan struct{})
	hold := make(chan struct{})
	s := &Server{Handler: tlsHandler, Workers: 1, Queue: -1, TLSConfig: &tls.Config{NextProtos: []string{"line/1", "http/1.1"}}}
	s.TLSNextProto = map[string]func(*Server, *tls.Conn){
		"line/1": func(s *Server, c *tls.Conn) {
			br := bufio.NewReader(c)
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					return
				}
				if line == "hold\n" {
					// Keep the only worker busy until the test lets
					// go (it may not be waiting for work yet).
					for i := 0; s.Go(func() { <-hold }) != nil && i < 1000; i++ {
						time.Sleep(time.Millisecond) // polling interval
					}
					io.WriteString(c, "holding\n")
					continue
				}
				done := make(chan struct{})
				if err := s.Go(func() { io.WriteString(c, "on a worker: "+line); close(done) }); err != nil {
					io.WriteString(c, err.Error()+"\n")
					continue
				}
				<-done
			}
		},
	}
	s.RegisterOnShutdown(func() { close(quit) })
	s.TLSNextProto["line/1"] = wrapQuit(s.TLSNextProto["line/1"], quit)
	addr, cfg := startTLSServer(t, s)
	cfg.NextProtos = []string{"line/1"}
	c, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	say := func(line, want string) {
		t.Helper()
		io.WriteString(c, line)
		if got, err := br.ReadString('\n'); got != want {
			t.Fatalf("sent %q: got %q (%v), want %q", line, got, err, want)
		}
	}
	say("one\n", "on a worker: one\n")
	say("hold\n", "holding\n")
	say("two\n", ErrOverloaded.Error()+"\n")
	close(hold)
	waitFor(t, "the worker to be free", func() bool { return s.Go(func() {}) == nil })
	// The worker that ran the probe may not be waiting again yet.
	for i := 0; ; i++ {
		io.WriteString(c, "three\n")
		got, _ := br.ReadString('\n')
		if got == "on a worker: three\n" {
			break
		}
		if got != ErrOverloaded.Error()+"\n" || i == 1000 {
			t.Fatalf("sent three: got %q", got)
		}
		time.Sleep(time.Millisecond) // polling interval
	}

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- s.Shutdown(ctx)
	}()
	if got, err := br.ReadString('\n'); got != "bye\n" {
		t.Fatalf("at Shutdown: got %q (%v), want bye", got, err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// wrapQuit makes a TLSNextProto function say bye and return when quit
// closes, as an HTTP/2 server sends GOAWAY.
func wrapQuit(f func(*Server, *tls.Conn), quit chan struct{}) func(*Server, *tls.Conn) {
	return func(s *Server, c *tls.Conn) {
		ended := make(chan struct{})
		go func() {
			defer close(ended)
			f(s, c)
		}()
		select {
		case <-quit:
			io.WriteString(c, "bye\n")
			c.Close()
			<-ended
		case <-ended:
		}
	}
}
