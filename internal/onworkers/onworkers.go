// Package onworkers runs the handlers of protocols served beside
// wharf's HTTP/1.1 engine (HTTP/2 in package wharf/h2, HTTP/3 in
// package wharf/h3) on the server's own workers, and gives those
// protocols the server's settings with wharf's defaults applied, so
// that every protocol counts against one bounded pool and answers
// overload alike.
package onworkers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/nethttp"
)

// Handler returns the http.Handler a stream of another protocol is
// served with: wh (nil: 404 for everything), reached through
// nethttp.ToHTTP, run on one of s's workers (wharf.Server.Go) while
// the stream's own goroutine waits for it. When every worker is busy
// and the queue is full, or s has shut its pool down, the stream is
// answered 503 with Retry-After (s.RetryAfter rounded up to whole
// seconds), as an HTTP/1.1 request would be. A panic in wh is raised
// again on the stream's goroutine, where the protocol's server handles
// it (http.ErrAbortHandler silently), not on the worker.
func Handler(s *wharf.Server, wh wharf.Handler) http.Handler {
	if wh == nil {
		wh = wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) { w.WriteHeader(404) })
	}
	h := nethttp.ToHTTP(wh)
	retry := strconv.FormatInt(int64((orDuration(s.RetryAfter, wharf.DefaultRetryAfter)+time.Second-1)/time.Second), 10)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The server's Observer (its access log, its metrics) is told
		// of every stream's answer, as of HTTP/1.1's.
		obs := s.Observer
		var cw *countingWriter
		var queued, hstart, hend time.Time
		if obs != nil {
			cw = &countingWriter{ResponseWriter: w}
			w = cw
			queued = time.Now()
		}
		done := make(chan struct{})
		var panicked any
		err := s.Go(func() {
			defer close(done)
			defer func() { panicked = recover() }()
			if obs != nil {
				hstart = time.Now()
				defer func() { hend = time.Now() }()
			}
			h.ServeHTTP(w, r)
		})
		if err != nil {
			w.Header().Set("Retry-After", retry)
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("503 Service Unavailable: the server is busy; retry later\n"))
			if obs != nil {
				answer(obs, r, cw, queued, time.Time{}, time.Time{}, "overload", nil)
			}
			return
		}
		<-done
		if obs != nil {
			var perr error
			if panicked != nil {
				perr = errStreamPanic
			}
			answer(obs, r, cw, queued, hstart, hend, "", perr)
		}
		if panicked != nil {
			// On the stream's goroutine, where the protocol's server
			// handles it: the stream is reset (and logged unless
			// ErrAbortHandler).
			panic(panicked)
		}
	})
}

// errStreamPanic is the Answer.Err of a stream whose handler panicked.
var errStreamPanic = errors.New("wharf: handler panicked")

// IdleTimeout is s.IdleTimeout with wharf's default for 0; a negative
// value (no limit) is 0, net/http's and quic-go's "no limit".
func IdleTimeout(s *wharf.Server) time.Duration {
	return orDuration(s.IdleTimeout, wharf.DefaultIdleTimeout)
}

// MaxHeaderBytes is s.MaxHeaderBytes with wharf's default for 0.
func MaxHeaderBytes(s *wharf.Server) int {
	if s.MaxHeaderBytes == 0 {
		return wharf.DefaultMaxHeaderBytes
	}
	return s.MaxHeaderBytes
}

func orDuration(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	if d < 0 {
		return 0
	}
	return d
}
