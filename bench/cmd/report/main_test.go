package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// raw is what bench/run writes for one round of plaintext (wharf,
// wharf-nethttp, nethttp: wrk) and h2small (wharf, nethttp: h2load).
const raw = `{"scenario":"plaintext","server":"wharf","round":1,"cpu_s":1,"wall_s":1,"wrk":{"requests":4000,"duration_us":1000000,"lat_p99_us":2000}}
{"scenario":"plaintext","server":"wharf-nethttp","round":1,"cpu_s":1,"wall_s":1,"wrk":{"requests":3000,"duration_us":1000000,"lat_p99_us":3000}}
{"scenario":"plaintext","server":"nethttp","round":1,"cpu_s":1,"wall_s":1,"wrk":{"requests":1000,"duration_us":1000000,"lat_p99_us":9000}}
{"scenario":"h2small","server":"wharf","round":1,"cpu_s":1,"wall_s":1,"h2load":{"requests":2000,"duration_us":1000000,"err_status":3,"err_read":2,"lat_mean_us":1500,"protocol":"h2"}}
{"scenario":"h2small","server":"nethttp","round":1,"cpu_s":1,"wall_s":1,"h2load":{"requests":1000,"duration_us":1000000,"lat_mean_us":4000,"protocol":"h2"}}
`

func records(t *testing.T) []record {
	t.Helper()
	var recs []record
	for _, line := range strings.Split(strings.TrimSpace(raw), "\n") {
		var r record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	return recs
}

// TestH2loadRecords: h2load's records count as wrk's do, with the mean
// latency shown where wrk's p99 is.
func TestH2loadRecords(t *testing.T) {
	res := summarize(records(t))
	w, n := find(res["h2small"], "wharf"), find(res["h2small"], "nethttp")
	if w == nil || n == nil {
		t.Fatalf("h2small: %+v", res["h2small"])
	}
	if w.Median != 2000 || w.MeanMs != 1.5 || w.Non2xx != 3 || w.Errors != 2 || n.WharfRatio != 2 {
		t.Errorf("wharf %+v, nethttp %+v", *w, *n)
	}
	tables := renderTables(res, "", nil, nil, "", nil)
	if !strings.Contains(tables, "| mean latency |") || !strings.Contains(tables, "| 1.50 ms |") || !strings.Contains(tables, "h2load CPU") {
		t.Errorf("the h2small table shows no mean latency or h2load CPU:\n%s", tables)
	}
	targets := renderTargets(res, nil)
	if !strings.Contains(targets, "| 198 B file over HTTP/2, 64 streams, req/s | >= 1.00x nethttp | 2.00x | yes |") {
		t.Errorf("targets lack h2small against nethttp:\n%s", targets)
	}
}

// TestWrap: the ratio of wharf-nethttp to nethttp is a target and has
// its own table, with the allocations nethttp's test logged.
func TestWrap(t *testing.T) {
	res := summarize(records(t))
	targets := renderTargets(res, nil)
	if !strings.Contains(targets, "(wharf-nethttp ÷ nethttp), req/s | >= 2.00x nethttp | 3.00x | yes |") {
		t.Errorf("targets lack wharf-nethttp against nethttp:\n%s", targets)
	}
	logged := "=== RUN   TestAllocsPerRequest/wrk\n    alloc_test.go:101: wrk: 6.0 allocations per request in the adapter\n" +
		"    alloc_test.go:101: browser: 7.0 allocations per request in the adapter\n"
	wrap := renderWrap(res, logged)
	for _, want := range []string{"| plaintext | 3,000 | 3.00x | 0.75x | 3.00x |", "6.0 for wrk's request, 7.0 for browser's request."} {
		if !strings.Contains(wrap, want) {
			t.Errorf("wrap section lacks %q:\n%s", want, wrap)
		}
	}
	if !strings.Contains(renderWrap(res, ""), "not measured in this run") {
		t.Error("without the test's output the wrap section does not say the allocations were not measured")
	}
	delete(res, "plaintext")
	if w := renderWrap(res, logged); w != "" {
		t.Errorf("wrap section without wharf-nethttp:\n%s", w)
	}
}
