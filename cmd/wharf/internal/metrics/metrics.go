// Package metrics exports the wharf command's numbers to Prometheus:
// an Observer that counts every answer, a Collector that reads the
// server's Stats at scrape time, and the /metrics Handler the command
// serves on its admin listener.
//
// Only the command imports client_golang; the library exposes its
// numbers through wharf.Observer and Server.Stats and imports no
// metrics library.
//
// The series (all with the prefix wharf_):
//
//	http_requests_total{code,method}     counter    answers sent, by status code and method
//	http_request_duration_seconds        histogram  first byte of the request to last byte sent
//	http_queue_wait_seconds              histogram  time a request waited for a worker
//	http_response_bytes_total            counter    bytes sent, heads and bodies
//	http_requests_in_flight              gauge      handlers running
//	connections_open                     gauge      connections open
//	connections_parked                   gauge      connections parked (idle, or waiting on a slow client)
//	connections_accepted_total           counter    connections accepted
//	pool_workers                         gauge      the worker pool's size
//	pool_workers_busy                    gauge      workers running a job
//	pool_queue_length                    gauge      ready connections waiting for a worker
//	pool_queue_capacity                  gauge      the queue's capacity
//	rejected_total{reason}               counter    connections refused with a 503: overload,
//	                                                max-conns, max-conns-per-ip
//	timeouts_total{kind}                 counter    head (408s), body (ReadTimeout),
//	                                                slow-reader (WriteTimeout)
//	bad_requests_total                   counter    requests refused before a handler (4xx/5xx)
//	tls_handshake_failures_total         counter    TLS handshakes that failed
//	access_log_dropped_total             counter    access log lines lost (only with a log)
//
// plus Go's runtime (go_*) and the process's (process_*) series.
//
// http_requests_total and the two histograms count every answer the
// Observer is told of, the server's own included: a 408 or 503 sent
// before any request was read has the method "NONE". Methods outside
// GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE and PATCH are
// "OTHER", and codes are three digits ("000" for an answer with no
// status, such as a hijacked connection), so the label values are
// bounded whatever clients send. http_queue_wait_seconds counts
// answers to requests (a worker already serving the connection waited
// 0).
package metrics

import (
	"net/http"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/wharfhttp/wharf"
)

// Config says where the Metrics read the numbers they do not count
// themselves. Its zero value exports the answers' counts only.
type Config struct {
	// Stats returns the server's gauges and counters (Server.Stats).
	// It is called once per scrape. If nil, the series read from it
	// are not exported.
	Stats func() wharf.Stats

	// LogDropped returns how many access log lines were lost
	// (accesslog.Log.Dropped); if nil, access_log_dropped_total is not
	// exported.
	LogDropped func() uint64
}

// Metrics is a wharf.Observer that counts the server's answers, and
// the registry they and the server's Stats are exported from. Answered
// takes no lock and allocates nothing: a few atomic adds. It is safe
// for concurrent use.
type Metrics struct {
	cfg     Config // immutable
	reg     *prometheus.Registry
	handler http.Handler

	// Counted by Answered; read at scrape time.
	requests  [numMethods][numCodes]atomic.Uint64
	bytes     atomic.Uint64
	duration  *histogram
	queueWait *histogram
}

// durationBuckets are the upper bounds of http_request_duration_seconds:
// from a cached file's 100 µs to a slow client's minute.
var durationBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// queueBuckets are the upper bounds of http_queue_wait_seconds: a
// healthy server's queue wait is microseconds; seconds mean overload.
var queueBuckets = []float64{.00001, .000025, .00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

// New returns Metrics reading cfg, with a registry of their own (not
// Prometheus's global one) that also holds the Go runtime's and the
// process's collectors.
func New(cfg Config) *Metrics {
	m := &Metrics{
		cfg: cfg,
		reg: prometheus.NewRegistry(),
		duration: newHistogram("wharf_http_request_duration_seconds",
			"Time from the first byte of a request to the last byte of its answer, the server's own answers included.",
			durationBuckets),
		queueWait: newHistogram("wharf_http_queue_wait_seconds",
			"Time a request, once readable, waited for a worker.",
			queueBuckets),
	}
	m.reg.MustRegister(
		(*collector)(m),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

// Answered counts a (wharf.Observer).
func (m *Metrics) Answered(a *wharf.Answer) {
	method := methodNone
	if a.Request != nil {
		method = methodIndex(a.Request.Method)
		m.queueWait.observe(a.Queued)
	}
	m.requests[method][codeIndex(a.Status)].Add(1)
	m.bytes.Add(uint64(max(a.Bytes, 0)))
	m.duration.observe(a.Duration)
}

// Handler returns the handler of /metrics: the registry in
// Prometheus's exposition formats (text, or what the scraper
// negotiates). It is a net/http handler; nethttp.Wrap makes it a
// wharf.Handler.
func (m *Metrics) Handler() http.Handler { return m.handler }

// Registry returns the registry the metrics are in, for the command to
// add its own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }
