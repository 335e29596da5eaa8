package conformance

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
	"time"
)

// Options tune a replay. The zero value uses the defaults.
type Options struct {
	// Timeout bounds each case: connecting, sending and reading
	// (default 2 s). A server still silent and connected then is
	// "waiting".
	Timeout time.Duration

	// Quiet is how long the replay keeps reading once it has the
	// answers it needs for a verdict (see Case.Good), to see whether
	// the server closes the connection or answers more (default 250 ms).
	Quiet time.Duration

	// Parallel is how many cases are replayed at once (default 16).
	Parallel int
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.Quiet <= 0 {
		o.Quiet = 250 * time.Millisecond
	}
	if o.Parallel <= 0 {
		o.Parallel = 16
	}
	return o
}

// A Result is what a server did with one case's bytes.
type Result struct {
	Statuses []int  `json:"statuses"`          // final answers (1xx left out), in order; 0 is an HTTP/0.9 answer (no status line)
	Interim  int    `json:"interim,omitempty"` // 1xx answers seen
	Closed   bool   `json:"closed"`            // the server closed the connection (EOF or reset) at an answer boundary
	Reset    bool   `json:"reset,omitempty"`   // ... with a reset
	Err      string `json:"err,omitempty"`     // the bytes received were not well-formed answers, or the connection failed
}

// String is a compact form: "400 close", "200 200 open", "- close".
func (r Result) String() string {
	s := ""
	for _, st := range r.Statuses {
		if st == 0 {
			s += "0.9 " // an HTTP/0.9 answer: no status line
		} else {
			s += fmt.Sprintf("%d ", st)
		}
	}
	if s == "" {
		s = "- "
	}
	switch {
	case r.Err != "":
		s += "error(" + r.Err + ")"
	case r.Reset:
		s += "reset"
	case r.Closed:
		s += "close"
	default:
		s += "open"
	}
	return s
}

// needed is the number of answers after which a verdict can be given.
func needed(c Case) int {
	switch c.Verdict {
	case "invalid", "lenient-only", "incomplete":
		return c.Good + 1
	default: // valid, upgrade, finish
		return max(c.Good, 1)
	}
}

// Replay sends c.Raw to addr on a new TCP connection and reads what
// comes back: answers until the server closes the connection, until
// opt.Timeout passes, or until opt.Quiet passes with no more bytes once
// the answers needed for a verdict are in. The request bytes are
// written once, without half-closing the connection (a half-close would
// tell the server that nothing more comes, which changes what a server
// does with an incomplete request).
func Replay(ctx context.Context, addr string, c Case, opt Options) Result {
	opt = opt.withDefaults()
	var r Result
	d := net.Dialer{Timeout: opt.Timeout}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		r.Err = "dial: " + err.Error()
		return r
	}
	start := time.Now()
	deadline := start.Add(opt.Timeout)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		nc.SetWriteDeadline(deadline)
		nc.Write(c.Raw) // a failure is the server closing early, which the reader sees
	}()
	defer func() {
		nc.Close()
		wg.Wait()
	}()

	br := bufio.NewReader(nc)
	nc.SetReadDeadline(deadline)
	for len(r.Statuses)+r.Interim < 64 {
		if len(r.Statuses) >= needed(c) {
			if q := time.Now().Add(opt.Quiet); q.Before(deadline) {
				nc.SetReadDeadline(q)
			}
		}
		// Peek first: http.ReadResponse reports a clean EOF as
		// io.ErrUnexpectedEOF, which would hide the close.
		if _, err := br.Peek(1); err != nil {
			switch {
			case errors.Is(err, io.EOF):
				r.Closed = true
			case errors.Is(err, syscall.ECONNRESET):
				r.Closed, r.Reset = true, true
			case !isTimeout(err):
				r.Err = err.Error()
			}
			return r
		}
		if b, _ := br.Peek(5); !bytes.HasPrefix([]byte("HTTP/"), b) {
			// No status line: an HTTP/0.9 answer (the body alone, ended
			// by the close), which is how nginx serves a request line
			// without a version. Status 0 records it.
			_, err := io.Copy(io.Discard, io.LimitReader(br, 1<<20))
			r.Statuses = append(r.Statuses, 0)
			r.Closed = err == nil
			if err != nil && !isTimeout(err) {
				r.Err = err.Error()
			}
			return r
		}
		var req *http.Request
		if c.Head && len(r.Statuses) == 0 {
			req = &http.Request{Method: "HEAD"}
		}
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			r.Err = "bad answer: " + err.Error()
			return r
		}
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode < 200 {
			r.Interim++
		} else {
			r.Statuses = append(r.Statuses, resp.StatusCode)
		}
		if err != nil {
			switch {
			case errors.Is(err, syscall.ECONNRESET):
				r.Closed, r.Reset = true, true
			case isTimeout(err):
			default:
				r.Err = "bad answer body: " + err.Error()
			}
			return r
		}
	}
	r.Err = "too many answers"
	return r
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

// ReplayAll replays every case against addr, opt.Parallel at a time,
// and returns the results in the order of cases.
func ReplayAll(ctx context.Context, addr string, cases []Case, opt Options) []Result {
	opt = opt.withDefaults()
	results := make([]Result, len(cases))
	sem := make(chan struct{}, opt.Parallel)
	var wg sync.WaitGroup
	for i := range cases {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i] = Replay(ctx, addr, cases[i], opt)
		}()
	}
	wg.Wait()
	return results
}
