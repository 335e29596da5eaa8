// Command h2loadjson turns the text that h2load (nghttp2's HTTP/2 load
// generator) prints into the one-line JSON that bench/run records for a
// wrk run (lua/report.lua's WRKJSON line), so that cmd/report tables
// both alike. It reads h2load's standard output (and error) on stdin.
//
//	h2load -D 5 -c 4 -m 64 URL 2>&1 | h2loadjson -duration 5 -protocol h2
//
// The fields and where they come from:
//
//	requests      "succeeded" plus "failed" less "errored": the answers
//	              received, whatever their status, as wrk counts them
//	              (h2load's "errored" is the part of "failed" that got
//	              no answer: a reset stream, a lost connection)
//	duration_us   -duration when given (h2load -D: h2load's req/s is
//	              per main duration), else "finished in"
//	bytes         traffic total: every byte received, frames included
//	data_bytes    traffic data: the bodies
//	err_connect   lines saying a client could not connect
//	err_read      "errored": streams or connections that failed
//	err_status    "failed" less "errored": answers not 2xx or 3xx
//	err_timeout   "timeout" (h2load counts these in "errored" too)
//	lat_mean_us,  "time for request" mean and max. h2load prints no
//	lat_max_us    percentiles (its --log-file would give them, at one
//	              write(2) per request in the load generator, which
//	              would change what is measured), so lat_p50_us and
//	              lat_p99_us are 0: unknown
//	protocol,     "Application protocol", "TLS Protocol", "Cipher",
//	tls, cipher,  "Server Temp Key" (the key exchange)
//	temp_key
//
// With -protocol, an output whose application protocol is another (a
// server that fell back to HTTP/1.1) is an error. Any error exits 1
// with a message and prints no JSON.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wharfhttp/wharf/bench/internal/loadresult"
)

// result is the JSON line.
type result = loadresult.Result

func main() {
	secs := flag.Float64("duration", 0, "the main duration given to h2load -D, in seconds (0: take \"finished in\")")
	proto := flag.String("protocol", "", "if set, the application protocol h2load must have negotiated (h2)")
	flag.Parse()
	r, err := parse(os.Stdin, time.Duration(*secs*float64(time.Second)), *proto)
	if err != nil {
		fmt.Fprintln(os.Stderr, "h2loadjson:", err)
		os.Exit(1)
	}
	b, _ := json.Marshal(r)
	fmt.Printf("%s\n", b)
}

var (
	finishedRE = regexp.MustCompile(`^finished in ([0-9.]+)(us|ms|s|m|h),`)
	requestsRE = regexp.MustCompile(`^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout`)
	// "2.51MB (2636550) total" since nghttp2 1.4x, "2636550 bytes
	// total" before.
	trafficRE = regexp.MustCompile(`(?:\S+ \((\d+)\)|(\d+) bytes) (total|data)\b`)
	reqTimeRE = regexp.MustCompile(`^time for request:\s+(\S+)\s+(\S+)\s+(\S+)\s`)
)

// parse reads h2load's output. d, when not 0, is the main duration
// (h2load -D); want, when not empty, the protocol it must have used.
func parse(in io.Reader, d time.Duration, want string) (*result, error) {
	r := &result{}
	var finished, counted bool
	var mean, maxLat string
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		field := func(prefix string, dst *string) {
			if v, ok := strings.CutPrefix(line, prefix); ok && *dst == "" {
				*dst = strings.TrimSpace(v)
			}
		}
		field("Application protocol:", &r.Protocol)
		field("TLS Protocol:", &r.TLS)
		field("Cipher:", &r.Cipher)
		field("Server Temp Key:", &r.TempKey)
		if strings.Contains(line, "could not connect") {
			r.ErrConnect++
		}
		if m := finishedRE.FindStringSubmatch(line); m != nil {
			took, err := time.ParseDuration(m[1] + m[2])
			if err != nil {
				return nil, fmt.Errorf("finished in %s%s: %v", m[1], m[2], err)
			}
			if d == 0 {
				d = took
			}
			finished = true
		}
		if m := requestsRE.FindStringSubmatch(line); m != nil {
			n := make([]int64, len(m)-1)
			for i, s := range m[1:] {
				n[i], _ = strconv.ParseInt(s, 10, 64)
			}
			succeeded, failed, errored, timeout := n[3], n[4], n[5], n[6]
			r.ErrRead, r.ErrTimeout = errored, timeout
			r.ErrStatus = max(0, failed-errored)
			r.Requests = succeeded + r.ErrStatus
			counted = true
		}
		if strings.HasPrefix(line, "traffic:") {
			for _, m := range trafficRE.FindAllStringSubmatch(line, -1) {
				n, _ := strconv.ParseInt(m[1]+m[2], 10, 64)
				if m[3] == "total" {
					r.Bytes = n
				} else {
					r.DataBytes = n
				}
			}
		}
		if m := reqTimeRE.FindStringSubmatch(line); m != nil {
			maxLat, mean = m[2], m[3]
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if !finished || !counted {
		return nil, errors.New("no \"finished in\" and \"requests:\" lines: h2load did not finish")
	}
	if want != "" && r.Protocol != want {
		return nil, fmt.Errorf("application protocol %q, not %q", r.Protocol, want)
	}
	r.DurationUS = d.Microseconds()
	var err error
	if r.MeanUS, err = micros(mean); err != nil {
		return nil, fmt.Errorf("time for request, mean: %v", err)
	}
	if r.MaxUS, err = micros(maxLat); err != nil {
		return nil, fmt.Errorf("time for request, max: %v", err)
	}
	return r, nil
}

// micros reads one of h2load's durations ("492us", "21.51ms", "1.20s";
// empty when no request finished) as whole microseconds.
func micros(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	return int64(math.Round(float64(d) / float64(time.Microsecond))), nil
}
