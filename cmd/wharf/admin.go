package main

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/cmd/wharf/internal/metrics"
	"github.com/wharfhttp/wharf/nethttp"
)

// The admin listener (--admin-addr) answers the questions of a load
// balancer, an orchestrator and (issue 9, item 2) a metrics scraper,
// on an address of its own: never on the public one, so that a client
// of the site cannot reach it and a firewall can keep it internal.
//
// It is served by a second, small wharf.Server rather than by
// net/http: the same engine, limits and graceful shutdown as the
// public server, but its own pool, so that a public pool saturated
// with slow clients never delays a probe (a probe that times out would
// take a busy but healthy instance out of the load balancer). A
// net/http handler such as promhttp's plugs in through nethttp.Wrap.

// A health is the state the admin listener reports. Its zero value is
// a process that serves and accepts. It is safe for concurrent use.
type health struct {
	stopping atomic.Bool // set once, when a shutdown or a hand-over begins
}

// setStopping makes /readyz fail from now on. It is called the moment
// a shutdown begins (before --shutdown-delay), and when the listeners
// are handed to a new process.
func (h *health) setStopping() { h.stopping.Store(true) }

// ready reports whether the process still accepts connections for
// good: false from the moment a shutdown begins.
func (h *health) ready() bool { return !h.stopping.Load() }

// registerAdmin registers the admin listener's paths on mux; any other
// path is answered 404 by mux.
//
//	/healthz   200 "ok" while the process serves (liveness)
//	/readyz    200 "ready" while it accepts connections for good, 503
//	           "stopping" from the moment a shutdown begins (readiness)
//	/metrics   the Prometheus text format (cmd/wharf/internal/metrics)
func registerAdmin(mux *wharf.ServeMux, h *health, met *metrics.Metrics) {
	if met != nil {
		mux.Handle("GET /metrics", nethttp.Wrap(met.Handler()))
	}
	mux.HandleFunc("GET /healthz", func(w wharf.ResponseWriter, r *wharf.Request) {
		probeAnswer(w, 200, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w wharf.ResponseWriter, r *wharf.Request) {
		if h.ready() {
			probeAnswer(w, 200, "ready\n")
			return
		}
		probeAnswer(w, 503, "stopping\n")
	})
}

// probeAnswer writes a short plain-text answer that no cache keeps:
// a probe must see the state of now.
func probeAnswer(w wharf.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.WriteString(body)
}

// adminServer returns the Server of the admin listener. It is small:
// a handful of workers for probes and scrapes, tight limits on what a
// request may hold.
func adminServer(h *health, met *metrics.Metrics, log *slog.Logger) *wharf.Server {
	mux := wharf.NewServeMux()
	registerAdmin(mux, h, met)
	return &wharf.Server{
		Handler:           mux,
		Workers:           4,
		Queue:             64,
		MaxConns:          256,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       5 * time.Second,
		WriteTimeout:      30 * time.Second, // a large /metrics on a slow link
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    8 << 10,
		MaxBodyBytes:      4 << 10,
		Logger:            log.With("listener", "admin"),
	}
}
