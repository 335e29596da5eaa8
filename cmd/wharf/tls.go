package main

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/h2"
	"github.com/wharfhttp/wharf/h3"
	"github.com/wharfhttp/wharf/tlsconfig"
)

// validateTLS checks the TLS flags' combinations: each mistake is a
// usage error (exit status 2).
func (o *options) validateTLS() error {
	switch {
	case o.tlsCert != "" && o.tlsKey == "":
		return usagef("wharf: --tls-cert needs --tls-key (the certificate's private key)")
	case o.tlsKey != "" && o.tlsCert == "":
		return usagef("wharf: --tls-key needs --tls-cert")
	case o.tlsSelfSigned && o.tlsCert != "":
		return usagef("wharf: --tls-self-signed and --tls-cert exclude each other")
	case o.http3 && !o.tls():
		return usagef("wharf: --http3 needs TLS (--tls-cert and --tls-key, or --tls-self-signed)")
	}
	return nil
}

// tls reports whether the command serves HTTPS.
func (o *options) tls() bool { return o.tlsCert != "" || o.tlsSelfSigned }

// configureTLS sets srv up for the TLS, HTTP/2 and HTTP/3 flags, and
// returns the HTTP/3 server on pc (nil without pc). A certificate pair
// that does not load is an error (one line naming the file); an
// expired one is served with a warning, logged by the reloader.
func (o *options) configureTLS(srv *wharf.Server, pc net.PacketConn, log *slog.Logger) (*h3.Server, error) {
	var h3srv *h3.Server
	if o.tls() {
		cfg := tlsconfig.Default()
		if o.tlsSelfSigned {
			cert, err := tlsconfig.SelfSigned()
			if err != nil {
				return nil, fmt.Errorf("wharf: --tls-self-signed: %w", err)
			}
			cfg.Certificates = []tls.Certificate{cert}
			log.Info("TLS with a self-signed certificate (development only)",
				"fingerprint", tlsconfig.Fingerprint(cert.Leaf), "not_after", cert.Leaf.NotAfter)
		} else {
			r, err := tlsconfig.NewReloader(o.tlsCert, o.tlsKey, tlsconfig.WithLogger(log))
			if err != nil {
				return nil, fmt.Errorf("wharf: %w", err)
			}
			// GetCertificate, not Certificates: Go would only ask it
			// for clients that send a server name.
			cfg.GetCertificate = r.GetCertificate
			cert := r.Certificate()
			log.Info("TLS certificate", "file", o.tlsCert, "subject", cert.Leaf.Subject.String(),
				"not_after", cert.Leaf.NotAfter, "fingerprint", tlsconfig.Fingerprint(cert.Leaf))
		}
		srv.TLSConfig = cfg
		if pc != nil {
			// Before h2.Configure, so that HTTP/2 answers carry
			// Alt-Svc too.
			var err error
			if h3srv, err = h3.New(srv, pc, nil); err != nil {
				return nil, fmt.Errorf("wharf: --http3: %w", err)
			}
		}
		if o.http2 {
			if err := h2.Configure(srv, nil); err != nil {
				return nil, fmt.Errorf("wharf: HTTP/2: %w", err)
			}
		}
	}
	if o.h2c {
		if err := h2.ConfigureH2C(srv, nil); err != nil {
			return nil, fmt.Errorf("wharf: --h2c: %w", err)
		}
	}
	return h3srv, nil
}
