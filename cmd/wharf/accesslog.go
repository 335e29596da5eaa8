package main

import (
	"io"
	"log/slog"
	"time"

	"github.com/wharfhttp/wharf"
)

// accessLog wraps next so that every request is logged, at info level,
// once its handler has returned: method, path, status, body bytes
// written, duration and the client's address. The path is a slog
// attribute, so the text handler quotes it when it needs quoting, and
// the peer's bytes never reach the log unescaped.
func accessLog(next wharf.Handler, log *slog.Logger) wharf.Handler {
	return wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		start := time.Now()
		rec := &recorder{w: w}
		completed := false
		// Deferred so that a handler that panics is still logged (the
		// server recovers the panic, answers 500 if it can and closes).
		defer func() {
			status := rec.status
			if status == 0 {
				status = 200 // the server sends 200 when the handler writes nothing
				if !completed {
					status = 500
				}
			}
			attrs := []slog.Attr{
				slog.String("method", r.Method),
				slog.String("path", r.Path),
				slog.Int("status", status),
				slog.Int64("bytes", rec.bytes),
				slog.Duration("duration", time.Since(start)),
				slog.String("remote", r.RemoteAddr),
			}
			if !completed {
				attrs = append(attrs, slog.Bool("panic", true))
			}
			log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
		}()
		next.ServeHTTP(rec, r)
		completed = true
	})
}

// A recorder is a ResponseWriter that passes everything to w and
// records the status sent and the number of body bytes written.
type recorder struct {
	w      wharf.ResponseWriter
	status int   // 0 until the head is sent
	bytes  int64 // body bytes accepted by w
}

// recorder forwards io.ReaderFrom, so that io.Copy from a file still
// reaches the server's sendfile path through the wrapper.
var (
	_ wharf.ResponseWriter = (*recorder)(nil)
	_ io.ReaderFrom        = (*recorder)(nil)
)

func (rec *recorder) Header() *wharf.Header { return rec.w.Header() }

func (rec *recorder) WriteHeader(code int) {
	// Mirror the server's rule: only the first valid call counts, and
	// informational codes other than 101 are ignored.
	if rec.status == 0 && code >= 100 && code <= 999 && (code >= 200 || code == 101) {
		rec.status = code
	}
	rec.w.WriteHeader(code)
}

func (rec *recorder) wrote() {
	if rec.status == 0 {
		rec.status = 200
	}
}

func (rec *recorder) Write(p []byte) (int, error) {
	rec.wrote()
	n, err := rec.w.Write(p)
	rec.bytes += int64(n)
	return n, err
}

func (rec *recorder) WriteString(s string) (int, error) {
	rec.wrote()
	n, err := rec.w.WriteString(s)
	rec.bytes += int64(n)
	return n, err
}

func (rec *recorder) Flush() error {
	rec.wrote()
	return rec.w.Flush()
}

// ReadFrom copies src to the response, through w's own ReadFrom
// (sendfile for a file) when w has one.
func (rec *recorder) ReadFrom(src io.Reader) (int64, error) {
	rec.wrote()
	var n int64
	var err error
	if rf, ok := rec.w.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		// writerOnly hides rec's ReadFrom so io.Copy does not recurse.
		n, err = io.Copy(writerOnly{rec.w}, src)
	}
	rec.bytes += n
	return n, err
}

type writerOnly struct{ io.Writer }
