package h3

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/internal/onworkers"
)

// Config holds HTTP/3's own settings. A nil *Config, like the zero
// value, takes every default.
type Config struct {
	// QUIC configures the QUIC transport (it is cloned). nil means
	// quic-go's defaults without 0-RTT: early data can be replayed by
	// an attacker, so a request never arrives in it unless the caller
	// sets Allow0RTT here.
	QUIC *quic.Config

	// AltSvcPort is the UDP port that the server's HTTP/1.1 and
	// HTTP/2 answers advertise in their Alt-Svc field: 0 means the
	// port of the socket HTTP/3 is served on; negative means no
	// Alt-Svc field (clients then find HTTP/3 only if told otherwise,
	// for example by a DNS HTTPS record). A port other than the
	// socket's is for a UDP port forwarded to it.
	AltSvcPort int
}

// A Server serves HTTP/3 for a wharf.Server, on a UDP socket beside
// that server's TLS listener, with quic-go's http3.Server. Make one
// with New; its methods are safe for concurrent use.
type Server struct {
	ws *wharf.Server  // immutable; never nil
	pc net.PacketConn // immutable; closed by Serve when it returns, and by Close
	hs *http3.Server  // immutable after New; safe for concurrent use

	serving  atomic.Bool   // Serve was called
	stopped  chan struct{} // closed once hs has stopped: after the Shutdown hook's or Close's call to hs returned
	stopOnce sync.Once     // closes stopped
}

// New prepares HTTP/3 for s on pc, a UDP socket (usually bound to the
// same address and port as s's TLS listener); Serve then serves it.
//
// HTTP/3 shares s's settings and lifetime:
//
//   - TLS: s.TLSConfig, which must be set and have a certificate
//     (Certificates, GetCertificate or GetConfigForClient), cloned by
//     http3.ConfigureTLSConfig with NextProtos "h3" (QUIC needs TLS
//     1.3, whatever MinVersion says).
//   - Handler: s.Handler as it is when New is called, each request run
//     on one of s's workers (wharf.Server.Go) while its stream waits,
//     so HTTP/3 requests count against the same pool as HTTP/1.1 and
//     HTTP/2 ones, and one that finds the pool and its queue full is
//     answered 503 with Retry-After. The handler is reached through
//     nethttp.ToHTTP, with its rules (s.MaxBodyBytes does not apply).
//   - Limits: s.IdleTimeout (an HTTP/3 connection without requests is
//     closed after it) and s.MaxHeaderBytes, with wharf's defaults.
//   - Logger: s.Logger gets quic-go's records (a handler's panic at
//     error level, failed connections at debug level); nil discards
//     them.
//   - Shutdown: s.Shutdown stops HTTP/3 from accepting, sends GOAWAY
//     and lets the requests in flight finish (see Serve).
//
// Unless conf.AltSvcPort is negative, New also replaces s.Handler with
// one that adds
//
//	Alt-Svc: h3=":PORT"; ma=86400
//
// to every answer s gives over TCP, HTTP/1.1 and HTTP/2, which is how
// browsers learn that HTTP/3 is there. The HTTP/3 answers themselves
// carry no Alt-Svc.
//
// Call New after s.Handler and s.TLSConfig are set, before s serves,
// and before h2.Configure: HTTP/2 takes s.Handler when it is
// configured, so New returns an error if "h2" is already in
// s.TLSNextProto. New does not start anything; if Serve is never
// called, Close releases pc.
func New(s *wharf.Server, pc net.PacketConn, conf *Config) (*Server, error) {
	if conf == nil {
		conf = new(Config)
	}
	cfg := s.TLSConfig
	if cfg == nil || len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil {
		return nil, errors.New("h3: HTTP/3 needs wharf.Server.TLSConfig with a certificate")
	}
	if s.TLSNextProto["h2"] != nil {
		return nil, errors.New("h3: New must come before h2.Configure, or HTTP/2 answers do not advertise HTTP/3")
	}
	port := conf.AltSvcPort
	if port == 0 {
		a, ok := pc.LocalAddr().(*net.UDPAddr)
		if !ok || a.Port == 0 {
			return nil, errors.New("h3: the socket has no UDP port to advertise; set Config.AltSvcPort")
		}
		port = a.Port
	}
	// quic-go logs to slog.Default without a logger: wharf logs only
	// through the one it is given.
	log := s.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	qc := &quic.Config{}
	if conf.QUIC != nil {
		qc = conf.QUIC.Clone()
	}
	h := &Server{
		ws: s,
		pc: pc,
		hs: &http3.Server{
			TLSConfig:      http3.ConfigureTLSConfig(cfg),
			QUICConfig:     qc,
			Handler:        onworkers.Handler(s, s.Handler),
			IdleTimeout:    onworkers.IdleTimeout(s),
			MaxHeaderBytes: onworkers.MaxHeaderBytes(s),
			Logger:         log,
		},
		stopped: make(chan struct{}),
	}
	if port > 0 {
		s.Handler = AltSvc(s.Handler, port)
	}
	s.RegisterOnShutdown(h.shutdown)
	s.RegisterOnClose(func() { h.Close() })
	return h, nil
}

// Addr returns the local address HTTP/3 is served on (pc's).
func (h *Server) Addr() net.Addr { return h.pc.LocalAddr() }

// Serve serves HTTP/3 on the socket given to New until the wharf
// server shuts down, or until Close. It starts the wharf server's pool
// if no listener has yet, so that the wharf server's Shutdown reaches
// it.
//
// Serve returns wharf.ErrServerClosed after the wharf server's
// Shutdown, only once HTTP/3 has stopped accepting, sent GOAWAY, and
// every HTTP/3 request in flight has been answered and its connection
// closed (clients close after GOAWAY once their requests are done; one
// that does not is closed after IdleTimeout, or at once by Close). So
// a caller that waits for Serve after Shutdown knows every HTTP/3
// answer was sent. It returns wharf.ErrServerClosed after Close too,
// and at once if the wharf server already shut down. Any other error
// is the socket's or QUIC's (HTTP/3 is then closed). Serve closes the
// socket when it returns. It may be called once.
func (h *Server) Serve() error {
	if !h.serving.CompareAndSwap(false, true) {
		return errors.New("h3: Serve called twice")
	}
	defer h.pc.Close()
	// A wharf server that never started skips its Shutdown hooks: make
	// sure it has started (a no-op job on its pool starts it).
	if err := h.ws.Go(func() {}); errors.Is(err, wharf.ErrServerClosed) {
		h.Close()
		return wharf.ErrServerClosed
	}
	err := h.hs.Serve(h.pc)
	if !errors.Is(err, http.ErrServerClosed) {
		h.Close()
		return err
	}
	<-h.stopped
	return wharf.ErrServerClosed
}

// shutdown is the wharf server's Shutdown hook: quic-go's graceful
// shutdown (stop accepting, GOAWAY, wait for the requests in flight
// and for clients to close), without a deadline of its own; Close
// ends it.
func (h *Server) shutdown() {
	h.hs.Shutdown(context.Background())
	h.stop()
}

// Close stops HTTP/3 at once: it closes the QUIC listener and every
// HTTP/3 connection, which aborts their requests (a handler sees its
// writes fail; it is still waited for), and the socket. Serve then
// returns wharf.ErrServerClosed. wharf.Server.Close calls it
// (RegisterOnClose); calling it again does no harm.
func (h *Server) Close() error {
	err := h.hs.Close()
	h.pc.Close()
	h.stop()
	return err
}

func (h *Server) stop() { h.stopOnce.Do(func() { close(h.stopped) }) }
