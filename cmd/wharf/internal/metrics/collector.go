package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/wharfhttp/wharf"
)

// collector exports, at scrape time, what Answered counts in atomics
// and what Config.Stats and Config.LogDropped return. It is Metrics
// itself, under the prometheus.Collector methods.
type collector Metrics

// The descriptions of the series collector exports.
var (
	descRequests = prometheus.NewDesc("wharf_http_requests_total",
		"Answers sent, by status code and method (NONE: the server's answer before a request was read).",
		[]string{"code", "method"}, nil)
	descBytes = prometheus.NewDesc("wharf_http_response_bytes_total",
		"Bytes of answers handed to the kernel, heads and bodies.", nil, nil)
	descInFlight = gauge("wharf_http_requests_in_flight", "Handlers running.")
	descOpen     = gauge("wharf_connections_open", "Connections open (hijacked ones excluded).")
	descParked   = gauge("wharf_connections_parked", "Connections parked without a worker: idle, or waiting for a slow client.")
	descAccepted = prometheus.NewDesc("wharf_connections_accepted_total", "Connections accepted.", nil, nil)
	descWorkers  = gauge("wharf_pool_workers", "The worker pool's size.")
	descBusy     = gauge("wharf_pool_workers_busy", "Workers running a job.")
	descQueued   = gauge("wharf_pool_queue_length", "Ready connections waiting for a worker.")
	descQueueCap = gauge("wharf_pool_queue_capacity", "How many connections may wait for a worker.")
	descRejected = prometheus.NewDesc("wharf_rejected_total",
		"Connections answered 503 and closed: every worker busy and the queue full (overload), MaxConns reached (max-conns), MaxConnsPerIP reached (max-conns-per-ip).",
		[]string{"reason"}, nil)
	descTimeouts = prometheus.NewDesc("wharf_timeouts_total",
		"Timeouts: a request head not received in time (head, answered 408), a body not received within ReadTimeout (body), a client that stopped reading (slow-reader).",
		[]string{"kind"}, nil)
	descBad        = prometheus.NewDesc("wharf_bad_requests_total", "Requests refused by the server before a handler (4xx, 5xx).", nil, nil)
	descTLSFailure = prometheus.NewDesc("wharf_tls_handshake_failures_total", "TLS handshakes that failed.", nil, nil)
	descTaken      = prometheus.NewDesc("wharf_connections_taken_total",
		"Ready connections a worker took from the parked set itself, without a hand-off through the queue (busy servers).", nil, nil)
	descReleases = prometheus.NewDesc("wharf_memory_releases_total",
		"Times the server returned memory to the operating system after a burst of connections (Server.KeepMemory off).", nil, nil)
	descDropped = prometheus.NewDesc("wharf_access_log_dropped_total",
		"Access log lines lost: the log's queue was full (the disk slower than the traffic) or a write failed.", nil, nil)
)

func gauge(name, help string) *prometheus.Desc { return prometheus.NewDesc(name, help, nil, nil) }

// Describe sends the descriptions of the series c exports.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descRequests
	ch <- descBytes
	ch <- c.duration.desc
	ch <- c.queueWait.desc
	if c.cfg.Stats != nil {
		for _, d := range []*prometheus.Desc{descInFlight, descOpen, descParked, descAccepted, descWorkers,
			descBusy, descQueued, descQueueCap, descRejected, descTimeouts, descBad, descTLSFailure,
			descTaken, descReleases} {
			ch <- d
		}
	}
	if c.cfg.LogDropped != nil {
		ch <- descDropped
	}
}

// Collect sends the current values: the answers' counters (a series
// per code and method seen), then those of one Stats snapshot.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	for mi := range c.requests {
		for code := range c.requests[mi] {
			if n := c.requests[mi][code].Load(); n > 0 {
				ch <- counter(descRequests, n, codeLabel(code), methods[mi])
			}
		}
	}
	ch <- counter(descBytes, c.bytes.Load())
	ch <- c.duration.metric()
	ch <- c.queueWait.metric()
	if c.cfg.Stats != nil {
		collectStats(ch, c.cfg.Stats())
	}
	if c.cfg.LogDropped != nil {
		ch <- counter(descDropped, c.cfg.LogDropped())
	}
}

// collectStats sends the series read from st.
func collectStats(ch chan<- prometheus.Metric, st wharf.Stats) {
	for _, g := range []struct {
		d *prometheus.Desc
		v int
	}{
		{descInFlight, st.HandlersBusy}, {descOpen, st.OpenConns}, {descParked, st.ParkedConns},
		{descWorkers, st.Workers}, {descBusy, st.Busy}, {descQueued, st.Queued}, {descQueueCap, st.QueueCap},
	} {
		ch <- prometheus.MustNewConstMetric(g.d, prometheus.GaugeValue, float64(g.v))
	}
	ch <- counter(descAccepted, st.Accepted)
	ch <- counter(descRejected, st.Overload, "overload")
	ch <- counter(descRejected, st.MaxConns, "max-conns")
	ch <- counter(descRejected, st.MaxConnsIP, "max-conns-per-ip")
	ch <- counter(descTimeouts, st.HeadTimeouts, "head")
	ch <- counter(descTimeouts, st.BodyTimeouts, "body")
	ch <- counter(descTimeouts, st.SlowReaders, "slow-reader")
	ch <- counter(descBad, st.BadRequests)
	ch <- counter(descTLSFailure, st.TLSFailures)
	ch <- counter(descTaken, st.Taken)
	ch <- counter(descReleases, st.Releases)
}

// counter returns the counter d with value n and labels.
func counter(d *prometheus.Desc, n uint64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(n), labels...)
}
