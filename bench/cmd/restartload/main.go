// Command restartload is the load generator of bench/run's restart
// scenario: it drives a server at full, closed-loop load (-conns
// keep-alive connections, each sending its next request as soon as the
// last answer is read, like wrk) while the harness restarts the server,
// and counts every request that did not get its whole, right answer.
//
// With -close N, N more clients send "Connection: close" and so dial a
// new connection for every request: they exercise the hand-over of the
// listening socket's accept queue and of connections accepted just
// before it. With -close-delay D they wait a random time below D between
// connecting and sending, as a client across a network or one doing a
// TLS handshake does: a server must not take a connection that has not
// sent its request yet for an idle one.
//
// A request fails when: the connection cannot be made (refused,
// reset); it is written on a new connection and no answer comes (the
// connection is closed or reset, or -timeout passes); the answer is cut
// short (part of it came, then the connection ended); its status is not
// 2xx; or its body is not the file given by -expect, byte for byte.
//
// A request written on a kept-alive connection that turns out closed
// before any byte of the answer arrives is sent again, once, on a new
// connection: a server may close an idle keep-alive connection at any
// moment (RFC 9112, 9.6), and HTTP clients retry an idempotent request
// then (RFC 9112, 9.3.1; Go's Transport, curl and browsers do). Those
// are counted apart (retried); if the second attempt fails too, the
// request is a failure.
//
// It runs until SIGINT or SIGTERM (or -d), lets the requests in flight
// finish, and prints one JSON object:
//
//	{"requests":N,"failed":0,"retried":N,"failures":{},"conns_dialed":N,
//	 "closed_by_server":N,"duration_us":N,"rps":N}
//
// requests counts the requests answered right (completed), failed the
// others (by kind in failures, with the first few errors in
// failure_samples).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wharfhttp/wharf/bench/internal/resphead"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "server address")
	path := flag.String("path", "/small.html", "request path")
	expect := flag.String("expect", "", "file the body of every answer must equal (empty: any body of Content-Length bytes)")
	conns := flag.Int("conns", 64, "keep-alive connections (each with one request at a time)")
	closers := flag.Int("close", 0, "clients besides -conns that send Connection: close, so dial a new connection for every request")
	closeDelay := flag.Duration("close-delay", 0, "the -close clients wait a random time below this between connecting and sending the request")
	dur := flag.Duration("d", 10*time.Minute, "longest run; SIGINT or SIGTERM ends it earlier")
	timeout := flag.Duration("timeout", 10*time.Second, "per-request timeout")
	flag.Parse()

	var want []byte
	if *expect != "" {
		b, err := os.ReadFile(*expect)
		if err != nil {
			fmt.Fprintln(os.Stderr, "restartload:", err)
			os.Exit(2)
		}
		want = b
	}
	head := "GET " + *path + " HTTP/1.1\r\nHost: " + *addr + "\r\nUser-Agent: restartload\r\n"
	ld := &loader{
		addr:     *addr,
		req:      []byte(head + "\r\n"),
		closeReq: []byte(head + "Connection: close\r\n\r\n"),
		delay:    *closeDelay,
		want:     want,
		timeout:  *timeout,
		kinds:    map[string]int64{},
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	start := time.Now()
	var wg sync.WaitGroup
	for range *conns {
		wg.Go(func() { ld.loop(ld.req) })
	}
	for range *closers {
		wg.Go(func() { ld.loop(ld.closeReq) })
	}
	// Ready: the harness waits for this line before it restarts anything.
	fmt.Fprintln(os.Stderr, "restartload: running")
	t := time.NewTimer(*dur)
	select {
	case <-sigs:
	case <-t.C:
	}
	ld.stop.Store(true)
	wg.Wait()
	elapsed := time.Since(start)

	ld.mu.Lock()
	defer ld.mu.Unlock()
	out := map[string]any{
		"requests":         ld.ok.Load(),
		"failed":           ld.failed,
		"failures":         ld.kinds,
		"retried":          ld.retried.Load(),
		"conns_dialed":     ld.dialed.Load(),
		"closed_by_server": ld.closedByServer.Load(),
		"duration_us":      elapsed.Microseconds(),
		"rps":              float64(ld.ok.Load()) / elapsed.Seconds(),
	}
	if len(ld.samples) > 0 {
		out["failure_samples"] = ld.samples
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

type loader struct {
	addr     string
	req      []byte        // keep-alive
	closeReq []byte        // with Connection: close
	delay    time.Duration // -close-delay
	want     []byte        // nil: any body of the announced length
	timeout  time.Duration
	stop     atomic.Bool

	ok, retried, dialed, closedByServer atomic.Int64

	mu      sync.Mutex
	failed  int64
	kinds   map[string]int64
	samples []string
}

// fail counts a failed request of kind, keeping the first errors.
func (ld *loader) fail(kind string, err error) {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	ld.failed++
	ld.kinds[kind]++
	if len(ld.samples) < 10 {
		ld.samples = append(ld.samples, fmt.Sprintf("%s at %s: %v", kind, time.Now().Format("15:04:05.000"), err))
	}
}

type bconn struct {
	net.Conn
	br *bufio.Reader
}

// loop sends requests one after the other until stop, on one
// connection at a time.
func (ld *loader) loop(req []byte) {
	var c *bconn
	body := make([]byte, 0, 4096)
	for !ld.stop.Load() {
		var err error
		c, body, err = ld.request(c, req, body)
		if err != nil && c != nil {
			c.Close()
			c = nil
		}
	}
	if c != nil {
		c.Close()
	}
}

// request sends one request on c (a new connection when nil) and reads
// its answer, retrying once on a new connection if a kept-alive c turns
// out closed. It returns the connection to use next (nil: dial) and
// counts the outcome.
func (ld *loader) request(c *bconn, req, body []byte) (*bconn, []byte, error) {
	for attempt := 0; ; attempt++ {
		reused := c != nil
		if c == nil {
			nc, err := net.DialTimeout("tcp", ld.addr, ld.timeout)
			if err != nil {
				ld.fail("connect", err)
				return nil, body, err
			}
			ld.dialed.Add(1)
			c = &bconn{Conn: nc, br: bufio.NewReaderSize(nc, 4096)}
			if ld.delay > 0 && &req[0] == &ld.closeReq[0] {
				time.Sleep(rand.N(ld.delay))
			}
		}
		var (
			got, keep bool
			err       error
		)
		body, got, keep, err = ld.exchange(c, req, body)
		if err == nil {
			ld.ok.Add(1)
			if !keep {
				ld.closedByServer.Add(1)
				c.Close()
				return nil, body, nil
			}
			return c, body, nil
		}
		c.Close()
		c = nil
		if !got && reused && attempt == 0 && !isTimeout(err) {
			ld.retried.Add(1)
			continue
		}
		kind := "reset"
		switch {
		case isTimeout(err):
			kind = "timeout"
		case errors.Is(err, errStatus):
			kind = "status"
		case errors.Is(err, errBody):
			kind = "body"
		case got:
			kind = "short"
		}
		ld.fail(kind, err)
		return nil, body, err
	}
}

var (
	errStatus = errors.New("status not 2xx")
	errBody   = errors.New("body differs from the expected file")
)

// exchange writes the request on c and reads the whole answer into
// body. got reports whether any byte of the answer came; keep whether
// the connection may be used again.
func (ld *loader) exchange(c *bconn, req, body []byte) (_ []byte, got, keep bool, err error) {
	c.SetDeadline(time.Now().Add(ld.timeout))
	if _, err = c.Write(req); err != nil {
		return body, false, false, fmt.Errorf("write: %w", err)
	}
	h, got, err := resphead.Read(c.br)
	if err != nil {
		return body, got, false, err
	}
	if h.Length < 0 || h.Chunked {
		return body, true, false, fmt.Errorf("%w: no Content-Length (status %d)", errBody, h.Status)
	}
	if int64(cap(body)) < h.Length {
		body = make([]byte, h.Length)
	}
	body = body[:h.Length]
	if _, err = io.ReadFull(c.br, body); err != nil {
		return body, true, false, fmt.Errorf("body (%d bytes announced): %w", h.Length, err)
	}
	if h.Status < 200 || h.Status > 299 {
		return body, true, false, fmt.Errorf("%w: %d", errStatus, h.Status)
	}
	if ld.want != nil && !bytes.Equal(body, ld.want) {
		return body, true, false, fmt.Errorf("%w (%d bytes)", errBody, len(body))
	}
	return body, true, h.Keep, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
