// Command openloop is an open-loop (constant-rate) HTTP/1.1 load
// generator for the overload scenario. Request i is due at
// start + i/rate whatever happened to the earlier ones, so a slow server
// cannot slow the load down (no coordinated omission); latency is
// measured from the due time. Each request takes an idle keep-alive
// connection or dials a new one, and the connection goes back to the
// idle set if the answer lets it.
//
// It prints one JSON object: counts and shares of 200s, 503s, other
// statuses and errors, with latency percentiles (milliseconds) for the
// 200s and the 503s. Requests due during -warmup are sent but not
// counted.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wharfhttp/wharf/bench/internal/resphead"
)

type result struct {
	status  int // 0: error
	latency time.Duration
	err     string
	reused  bool          // sent on a kept-alive connection
	dial    time.Duration // time to connect (0 when reused)
	start   time.Duration // from due time to the start of the attempt
}

type client struct {
	addr    string
	req     []byte
	timeout time.Duration
	idle    chan *bconn
	dialed  atomic.Int64
}

type bconn struct {
	net.Conn
	br *bufio.Reader
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "server address")
	path := flag.String("path", "/sleep", "request path")
	rate := flag.Float64("rate", 1000, "requests per second")
	dur := flag.Duration("d", 5*time.Second, "measured duration")
	warmup := flag.Duration("warmup", time.Second, "duration before the measured part (sent, not counted)")
	maxConns := flag.Int("conns", 4096, "most idle keep-alive connections kept")
	maxInflight := flag.Int("inflight", 8000, "most requests in flight; a due request past it is counted as client_dropped")
	timeout := flag.Duration("timeout", 10*time.Second, "per-request timeout")
	keepAlive := flag.Bool("keepalive", true, "reuse connections; false sends Connection: close and dials for every request")
	slow := flag.Duration("slow", 0, "if >0, print every counted request slower than this to stderr (diagnosis)")
	flag.Parse()

	cl := &client{
		addr:    *addr,
		req:     []byte("GET " + *path + " HTTP/1.1\r\nHost: " + *addr + "\r\n" + map[bool]string{true: "", false: "Connection: close\r\n"}[*keepAlive] + "\r\n"),
		timeout: *timeout,
		idle:    make(chan *bconn, *maxConns),
	}
	interval := time.Duration(float64(time.Second) / *rate)
	total := int((*warmup + *dur) / interval)
	warm := int(*warmup / interval)

	results := make([]result, total)
	var inflight atomic.Int64
	var dropped atomic.Int64
	var wg sync.WaitGroup
	start := time.Now().Add(10 * time.Millisecond)
	for i := range total {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		if inflight.Load() >= int64(*maxInflight) {
			if i >= warm {
				dropped.Add(1)
			}
			results[i].status = -1
			continue
		}
		inflight.Add(1)
		wg.Go(func() {
			defer inflight.Add(-1)
			results[i] = cl.do(due)
		})
	}
	lateBy := time.Since(start.Add(time.Duration(total-1) * interval))
	wg.Wait()

	var ok, rej, okReused, okNew []time.Duration
	other := map[int]int{}
	errs := 0
	firstErr := ""
	for _, r := range results[warm:] {
		switch {
		case r.status == 200:
			ok = append(ok, r.latency)
			if r.reused {
				okReused = append(okReused, r.latency)
			} else {
				okNew = append(okNew, r.latency)
			}
		case r.status == 503:
			rej = append(rej, r.latency)
		case r.status > 0:
			other[r.status]++
		case r.status == 0:
			errs++
			if firstErr == "" {
				firstErr = r.err
			}
		}
	}
	n := total - warm
	if *slow > 0 {
		for i, r := range results[warm:] {
			if r.status >= 0 && r.latency >= *slow {
				fmt.Fprintf(os.Stderr, "slow: #%d status=%d latency=%v reused=%v dial=%v started_after=%v err=%q\n", i, r.status, r.latency, r.reused, r.dial, r.start, r.err)
			}
		}
	}
	out := map[string]any{
		"offered_rps":    *rate,
		"measured_s":     dur.Seconds(),
		"due":            n,
		"ok":             summary(ok, n),
		"rejected_503":   summary(rej, n),
		"ok_on_reused":   summary(okReused, n),
		"ok_on_new_conn": summary(okNew, n),
		"other_status":   other,
		"errors":         errs,
		"client_dropped": dropped.Load(),
		"conns_dialed":   cl.dialed.Load(),
		"ok_rps":         float64(len(ok)) / dur.Seconds(),
		"sender_late_ms": ms(lateBy),
	}
	if firstErr != "" {
		out["first_error"] = firstErr
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

func summary(l []time.Duration, n int) map[string]any {
	m := map[string]any{"count": len(l), "share": 0.0}
	if n > 0 {
		m["share"] = float64(len(l)) / float64(n)
	}
	if len(l) == 0 {
		return m
	}
	slices.Sort(l)
	pct := func(p float64) float64 {
		i := int(p * float64(len(l)-1))
		return ms(l[i])
	}
	m["p50_ms"] = pct(0.50)
	m["p90_ms"] = pct(0.90)
	m["p99_ms"] = pct(0.99)
	m["max_ms"] = ms(l[len(l)-1])
	return m
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// do sends one request due at due and reads its answer. A reused
// connection that turns out closed before any answer byte is retried
// once on a new connection (the server may have timed it out).
func (cl *client) do(due time.Time) result {
	for attempt := 0; ; attempt++ {
		t0 := time.Now()
		c, reused, err := cl.get()
		if err != nil {
			return result{err: "dial: " + err.Error(), latency: time.Since(due)}
		}
		dial := time.Duration(0)
		if !reused {
			dial = time.Since(t0)
		}
		status, keep, got, err := cl.exchange(c)
		if err != nil {
			c.Close()
			if reused && !got && attempt == 0 {
				continue
			}
			return result{err: err.Error(), latency: time.Since(due), reused: reused, dial: dial, start: t0.Sub(due)}
		}
		lat := time.Since(due)
		if keep {
			select {
			case cl.idle <- c:
			default:
				c.Close()
			}
		} else {
			// The answer is complete; reset instead of closing so
			// that neither side keeps a TIME_WAIT entry. Thousands of
			// connections a second from one address would otherwise
			// reuse ports whose 4-tuple is still in TIME_WAIT on the
			// server side, and some connects would wait for a SYN
			// retransmission (1 s), which is a test artifact.
			c.Conn.(*net.TCPConn).SetLinger(0)
			c.Close()
		}
		return result{status: status, latency: lat, reused: reused, dial: dial, start: t0.Sub(due)}
	}
}

func (cl *client) get() (*bconn, bool, error) {
	select {
	case c := <-cl.idle:
		return c, true, nil
	default:
	}
	nc, err := net.DialTimeout("tcp", cl.addr, cl.timeout)
	if err != nil {
		return nil, false, err
	}
	cl.dialed.Add(1)
	return &bconn{Conn: nc, br: bufio.NewReaderSize(nc, 4096)}, false, nil
}

// exchange writes the request and reads the answer. got reports
// whether any byte of an answer arrived.
func (cl *client) exchange(c *bconn) (status int, keep, got bool, err error) {
	c.SetDeadline(time.Now().Add(cl.timeout))
	if _, err := c.Write(cl.req); err != nil {
		return 0, false, false, err
	}
	h, got, err := resphead.Read(c.br)
	if err != nil {
		return 0, false, got, err
	}
	if h.Chunked {
		return 0, false, got, errors.New("chunked answers are not supported")
	}
	status, keep = h.Status, h.Keep
	length := h.Length
	if length < 0 {
		// Delimited by close.
		_, err = io.Copy(io.Discard, c.br)
		return status, false, got, err
	}
	if _, err := io.CopyN(io.Discard, c.br, int64(length)); err != nil {
		return 0, false, got, fmt.Errorf("body: %w", err)
	}
	return status, keep, got, nil
}
