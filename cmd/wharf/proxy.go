package main

import (
	"errors"
	"net"
	"strings"
	"sync/atomic"

	"github.com/pires/go-proxyproto"
	"github.com/prometheus/client_golang/prometheus"
)

// The PROXY protocol (v1 and v2, github.com/pires/go-proxyproto): with
// --proxy-protocol, a connection from an address in --trusted-proxies
// must open with a PROXY header, which sets the client's address
// (RemoteAddr: logs, --max-conns-per-ip); a connection from any other
// address is dropped at accept; a missing or malformed header closes
// the connection and is counted (wharf_proxy_header_errors_total).
//
// A proxied connection is no *net.TCPConn: the engine parks it on a
// reader goroutine rather than in its epoll set, never parks it deep,
// and copies file bodies instead of handing them to sendfile(2) after
// the handler returns.

// validateProxy checks --proxy-protocol and --trusted-proxies.
func (o *options) validateProxy() error {
	switch {
	case o.proxyProtocol && o.trustedProxies == "":
		return usagef("wharf: --proxy-protocol needs --trusted-proxies (the load balancers' addresses, CIDR,...): a PROXY header from anyone else would let a client choose its address")
	case !o.proxyProtocol && o.trustedProxies != "":
		return usagef("wharf: --trusted-proxies needs --proxy-protocol")
	case !o.proxyProtocol:
		return nil
	}
	var ranges []string
	for _, r := range strings.Split(o.trustedProxies, ",") {
		if r = strings.TrimSpace(r); r != "" {
			ranges = append(ranges, r)
		}
	}
	policy, err := proxyproto.TrustProxyHeaderFromRanges(ranges)
	if err != nil {
		return usagef("wharf: --trusted-proxies %q: %v", o.trustedProxies, err)
	}
	o.proxyPolicy = policy
	return nil
}

// proxyErrors counts connections closed for a missing or malformed
// PROXY header.
var proxyErrors atomic.Uint64

// proxyListener wraps ln for the PROXY protocol when the options ask
// for it; the header must arrive within readHeaderTimeout.
func (o *options) proxyListener(ln net.Listener) net.Listener {
	if o.proxyPolicy == nil {
		return ln
	}
	t := o.readHeaderTimeout
	if t <= 0 {
		t = -1 // no limit, as --read-header-timeout 0
	}
	return &proxyCounting{&proxyproto.Listener{Listener: ln, ConnPolicy: o.proxyPolicy, ReadHeaderTimeout: t}}
}

// proxyCounting counts the connections whose header fails.
type proxyCounting struct{ *proxyproto.Listener }

func (l *proxyCounting) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &proxyConn{Conn: c}, nil
}

// A proxyConn is a proxied connection that counts a failed header (the
// first read's error) once.
type proxyConn struct {
	net.Conn
	checked bool // owned by the connection's reader
}

func (c *proxyConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if !c.checked {
		c.checked = true
		if err != nil && isProxyHeaderError(err) {
			proxyErrors.Add(1)
		}
	}
	return n, err
}

func isProxyHeaderError(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false // the client's silence is the read-header timeout's to count
	}
	return errors.Is(err, proxyproto.ErrNoProxyProtocol) || strings.Contains(err.Error(), "proxyproto")
}

// registerProxyMetric exports proxyErrors on the metrics registry.
func registerProxyMetric(reg *prometheus.Registry) {
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "wharf_proxy_header_errors_total",
		Help: "Connections closed for a missing or malformed PROXY protocol header.",
	}, func() float64 { return float64(proxyErrors.Load()) }))
}
