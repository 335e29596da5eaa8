package metrics

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// A histogram counts durations in buckets with two atomic adds per
// observation and no lock: client_golang's Histogram costs about twice
// as much (a float sum kept with a compare-and-swap loop, a hot/cold
// swap for consistent scrapes), on a path that runs once per answer.
//
// The price is that a scrape may see an observation in its bucket but
// not yet in the sum (or the reverse): a scrape races the answers in
// flight by at most their number, which rate() over any window does
// not notice.
type histogram struct {
	desc   *prometheus.Desc // immutable
	bounds []float64        // upper bounds in seconds, increasing; immutable
	limits []time.Duration  // bounds as Durations, for observe; immutable

	counts []atomic.Uint64 // counts[i]: observations in (bounds[i-1], bounds[i]]; the last, above every bound
	sumUS  atomic.Uint64   // the observations' sum in microseconds (584,000 years of them fit)
}

func newHistogram(name, help string, bounds []float64) *histogram {
	h := &histogram{
		desc:   prometheus.NewDesc(name, help, nil, nil),
		bounds: bounds,
		limits: make([]time.Duration, len(bounds)),
		counts: make([]atomic.Uint64, len(bounds)+1),
	}
	for i, b := range bounds {
		h.limits[i] = time.Duration(b * float64(time.Second))
	}
	return h
}

// observe counts d (a negative d as 0).
func (h *histogram) observe(d time.Duration) {
	d = max(d, 0)
	// A linear search: the buckets are few, and most answers fall in
	// the first ones.
	i := 0
	for i < len(h.limits) && d > h.limits[i] {
		i++
	}
	h.counts[i].Add(1)
	h.sumUS.Add(uint64(d / time.Microsecond))
}

// metric returns h's current values as a constant histogram.
func (h *histogram) metric() prometheus.Metric {
	buckets := make(map[float64]uint64, len(h.bounds))
	var count uint64
	for i, b := range h.bounds {
		count += h.counts[i].Load()
		buckets[b] = count
	}
	count += h.counts[len(h.bounds)].Load()
	sum := float64(h.sumUS.Load()) / 1e6
	return prometheus.MustNewConstHistogram(h.desc, count, sum, buckets)
}
