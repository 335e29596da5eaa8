package wharf

import (
	"crypto/tls"
	"errors"
	"net"
	"time"

	"github.com/wharfhttp/wharf/pool"
)

// TLS. A TLS connection is served like any other once its handshake is
// done, with three differences: the handshake runs on a goroutine of
// its own, never on a worker, so that clients that connect and stay
// silent hold no worker (they are bounded by MaxConns and by
// ReadHeaderTimeout, which covers the handshake); an idle TLS
// connection is parked on a goroutine that waits in a read (decrypted
// bytes may wait in crypto/tls's buffers, where no poller sees them;
// see parkReader); and file bodies are copied through the encryption
// instead of sendfile(2). The disconnect watch of Request.Context needs
// a descriptor: on TLS only a failed write and the server's closing
// cancel it.

// ServeTLS accepts connections on ln and serves them over TLS, as
// Serve does for plain TCP. The configuration is s.TLSConfig (cloned;
// nil means TLS 1.2 at least and crypto/tls's own cipher choice), with
// the certificate pair in certFile and keyFile added when they are not
// empty; it must then have a certificate (Certificates,
// GetCertificate or GetConfigForClient). NextProtos defaults to
// "http/1.1". A client that speaks plain HTTP to it is answered 400 in
// plain HTTP, as net/http does, and closed.
func (s *Server) ServeTLS(ln net.Listener, certFile, keyFile string) error {
	cfg, err := s.tlsConfig(certFile, keyFile)
	if err != nil {
		ln.Close()
		return err
	}
	return s.serve(ln, cfg)
}

// ListenAndServeTLS listens on s.Addr and calls ServeTLS.
func (s *Server) ListenAndServeTLS(certFile, keyFile string) error {
	if s.closing.Load() {
		return ErrServerClosed
	}
	cfg, err := s.tlsConfig(certFile, keyFile)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.addr())
	if err != nil {
		return err
	}
	return s.serve(ln, cfg)
}

// tlsConfig makes the configuration a TLS listener serves with.
func (s *Server) tlsConfig(certFile, keyFile string) (*tls.Config, error) {
	var cfg *tls.Config
	if s.TLSConfig != nil {
		cfg = s.TLSConfig.Clone()
	} else {
		cfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if certFile != "" || keyFile != "" {
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = append(cfg.Certificates, pair)
	}
	if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil {
		return nil, errors.New("wharf: TLS needs a certificate: certFile and keyFile, or TLSConfig.Certificates or GetCertificate")
	}
	if len(cfg.NextProtos) == 0 {
		cfg.NextProtos = []string{"http/1.1"}
	}
	return cfg, nil
}

// handshake runs the TLS handshake of c, tracked and counted but held
// by no worker, then parks c until its first request arrives. It runs
// on a goroutine of its own (protoWG).
func (s *Server) handshake(c *conn, cfg *tls.Config) {
	defer s.protoWG.Done()
	raw := c.nc
	tc := tls.Server(raw, cfg)
	if t := s.cfg.readHeaderTimeout; t > 0 {
		tc.SetDeadline(time.Now().Add(t))
	}
	err := tc.HandshakeContext(s.ctx)
	tc.SetDeadline(time.Time{})
	if err != nil {
		s.count.tlsFailures.Add(1)
		var rh tls.RecordHeaderError
		if errors.As(err, &rh) && rh.Conn != nil && looksLikeHTTP(rh.RecordHeader) {
			rh.Conn.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
			rh.Conn.Write(plainHTTPToTLS)
		} else if !errors.Is(err, net.ErrClosed) {
			s.cfg.log.Debug("TLS handshake failed", "remote", raw.RemoteAddr().String(), "err", err)
		}
		s.endHandshake(c, nil)
		raw.Close()
		s.untrack(c)
		return
	}
	state := tc.ConnectionState()
	if !s.endHandshake(c, tc) {
		tc.Close()
		s.untrack(c)
		return
	}
	if next := s.TLSNextProto[state.NegotiatedProtocol]; next != nil && state.NegotiatedProtocol != "" {
		next(s, tc)
		tc.Close()
		s.untrack(c)
		return
	}
	if c.extra == nil {
		c.extra = &connExtra{}
	}
	c.extra.tls = &state
	c.attach()
	// Wait for the first request without a worker, as for every idle
	// TLS connection: a client that completes its handshake and then
	// stays silent holds none, and a 503 goes only to a request.
	var idle time.Time
	if t := s.cfg.idleTimeout; t > 0 {
		idle = time.Now().Add(t)
	}
	c.parkWrite, c.parkTimeout = false, false
	s.parkReader(c, idle)
}

// endHandshake marks c's handshake done and, when tc is not nil, makes
// tc its connection; it reports false if the server began closing
// meanwhile (the connection then has no request and just closes).
func (s *Server) endHandshake(c *conn, tc *tls.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.handshaking = false
	if tc == nil || s.closing.Load() {
		return false
	}
	c.nc = tc
	return true
}

// looksLikeHTTP reports whether the first bytes of a TLS record header
// are the start of a plain HTTP request, as net/http checks.
func looksLikeHTTP(hdr [5]byte) bool {
	switch string(hdr[:]) {
	case "GET /", "HEAD ", "POST ", "PUT /", "OPTIO":
		return true
	}
	return false
}

// plainHTTPToTLS is net/http's answer to plain HTTP on a TLS port.
var plainHTTPToTLS = []byte("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")

// ErrOverloaded is returned by Go when every worker is busy and the
// queue is full: the caller answers 503, as the server does.
var ErrOverloaded = errors.New("wharf: every worker busy and the queue full")

// Go runs f on one of the server's workers, as the server runs its
// HTTP/1.1 handlers, for protocols served beside HTTP/1.1 (HTTP/2
// streams, package wharf/h2), so that their handlers count against the
// same pool. When every worker is busy f waits in the queue; when the
// queue is full too Go returns ErrOverloaded at once, and
// ErrServerClosed once the pool shut down. A panic in f is f's to
// recover: the pool logs it and the worker lives on.
func (s *Server) Go(f func()) error {
	if err := s.start(); err != nil {
		return err
	}
	switch err := s.pool.TryGo(f); {
	case err == nil:
		return nil
	case errors.Is(err, pool.ErrFull):
		return ErrOverloaded
	default:
		return ErrServerClosed
	}
}
