// Package h2 serves HTTP/2 on a wharf.Server with the Go team's
// implementation, golang.org/x/net/http2, never a home-made one.
//
// Configure registers "h2" for TLS clients that offer it by ALPN (it is
// offered before "http/1.1"); HTTP/1.1 clients keep wharf's own engine.
// An HTTP/2 connection is served by http2.Server.ServeConn on the
// connection's goroutine, and each stream's handler runs on one of the
// server's workers (wharf.Server.Go), so streams count against the same
// bounded pool as HTTP/1.1 requests: with two workers, four concurrent
// slow streams take two waves, and a stream that finds the pool and its
// queue full is answered 503 with Retry-After, as an HTTP/1.1 request
// would be. The handler is the server's own (wharf.Server.Handler),
// reached through nethttp.ToHTTP.
//
// Graceful shutdown: wharf.Server.Shutdown makes every HTTP/2
// connection send GOAWAY and finish its open streams; the server waits
// for them as for HTTP/1.1 requests in flight. Close closes them.
//
// Cleartext HTTP/2 (h2c, behind a proxy that speaks it) is
// ConfigureH2C's.
package h2

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"slices"

	"golang.org/x/net/http2"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/internal/onworkers"
)

// Configure makes s serve HTTP/2 over TLS (ServeTLS, ListenAndServeTLS)
// to clients that negotiate "h2". conf sets HTTP/2's own limits (nil:
// x/net/http2's defaults: 250 concurrent streams per connection, 1 MiB
// upload buffer per connection...); its IdleTimeout defaults to s's.
// Call Configure before s serves, and after s.Handler is set.
func Configure(s *wharf.Server, conf *http2.Server) error {
	if conf == nil {
		conf = new(http2.Server)
	}
	base, err := baseConfig(s, conf)
	if err != nil {
		return err
	}

	if s.TLSConfig == nil {
		s.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	protos := slices.DeleteFunc(slices.Clone(s.TLSConfig.NextProtos), func(p string) bool { return p == "h2" })
	if !slices.Contains(protos, "http/1.1") {
		protos = append(protos, "http/1.1")
	}
	s.TLSConfig.NextProtos = append([]string{"h2"}, protos...)

	h := onworkers.Handler(s, s.Handler)
	if s.TLSNextProto == nil {
		s.TLSNextProto = make(map[string]func(*wharf.Server, *tls.Conn))
	}
	s.TLSNextProto["h2"] = func(s *wharf.Server, c *tls.Conn) {
		conf.ServeConn(c, &http2.ServeConnOpts{BaseConfig: base, Handler: h})
	}
	return nil
}

// baseConfig makes the net/http.Server that x/net/http2 takes its
// timeouts, limits and error log from, and registers conf's graceful
// shutdown (GOAWAY, then the open streams finish) on s's Shutdown.
func baseConfig(s *wharf.Server, conf *http2.Server) (*http.Server, error) {
	base := &http.Server{
		IdleTimeout:    onworkers.IdleTimeout(s),
		MaxHeaderBytes: onworkers.MaxHeaderBytes(s),
		// Protocol errors of clients are x/net/http2's to log: at
		// debug level in the server's log (nowhere without one).
		ErrorLog: log.New(io.Discard, "", 0),
	}
	if s.Logger != nil {
		base.ErrorLog = slog.NewLogLogger(s.Logger.Handler(), slog.LevelDebug)
	}
	// ConfigureServer registers conf's graceful shutdown on base: base
	// is never started, and its Shutdown only runs that hook.
	if err := http2.ConfigureServer(base, conf); err != nil {
		return nil, err
	}
	s.RegisterOnShutdown(func() { base.Shutdown(context.Background()) })
	return base, nil
}

// ConfigureH2C makes s serve cleartext HTTP/2 with prior knowledge
// (h2c, RFC 9113 3.3) on its plain-TCP listeners, beside HTTP/1.1: a
// connection that opens with HTTP/2's preface is served by x/net/http2,
// its streams on s's workers as Configure's are. It is for a server
// behind a proxy that speaks HTTP/2 to its backends; browsers speak
// HTTP/2 over TLS only. conf is as for Configure; calling both shares
// nothing but s's pool.
func ConfigureH2C(s *wharf.Server, conf *http2.Server) error {
	if conf == nil {
		conf = new(http2.Server)
	}
	base, err := baseConfig(s, conf)
	if err != nil {
		return err
	}
	h := onworkers.Handler(s, s.Handler)
	s.UnencryptedHTTP2 = func(s *wharf.Server, c net.Conn) {
		conf.ServeConn(c, &http2.ServeConnOpts{BaseConfig: base, Handler: h})
	}
	return nil
}
