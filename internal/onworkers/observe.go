package onworkers

import (
	"net/http"
	"sort"
	"time"

	"github.com/wharfhttp/wharf"
)

// A countingWriter notes the status and body bytes of a stream's
// answer, for the server's Observer.
type countingWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *countingWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *countingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Flush and Unwrap keep http.Flusher and http.ResponseController
// working through the wrapper.
func (w *countingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// answer tells o of a stream's answer as the HTTP/1.1 engine tells of
// its own (wharf.Answer): the request as a wharf.Request, the status
// and body bytes the handler wrote (the protocol's framing is not
// counted: Bytes is BodyBytes), and the times. queued is when the
// stream asked for a worker, hstart and hend the handler's run (zero
// when it did not run: reason says why).
func answer(o wharf.Observer, r *http.Request, w *countingWriter, queued, hstart, hend time.Time, reason string, err error) {
	end := time.Now()
	a := wharf.Answer{
		Request:    toWharf(r),
		RemoteAddr: r.RemoteAddr,
		Status:     w.status,
		Bytes:      w.bytes,
		BodyBytes:  w.bytes,
		Start:      queued,
		Duration:   end.Sub(queued),
		Reason:     reason,
		Err:        err,
	}
	if a.Status == 0 {
		a.Status = 200 // nothing written: the protocol answers 200
	}
	if !hstart.IsZero() {
		a.Queued = hstart.Sub(queued)
		a.Handler = hend.Sub(hstart)
	}
	o.Answered(&a)
}

// toWharf is the wharf.Request an Observer sees for r.
func toWharf(r *http.Request) *wharf.Request {
	keys := make([]string, 0, len(r.Header))
	n := 1
	for k, vs := range r.Header {
		keys = append(keys, k)
		n += len(vs)
	}
	sort.Strings(keys)
	h := make(wharf.Header, 0, n)
	h = append(h, wharf.Field{Name: "Host", Value: r.Host})
	for _, k := range keys {
		for _, v := range r.Header[k] {
			h = append(h, wharf.Field{Name: k, Value: v})
		}
	}
	target := r.RequestURI
	if target == "" {
		target = r.URL.RequestURI()
	}
	return &wharf.Request{
		Method:        r.Method,
		Target:        target,
		Path:          r.URL.EscapedPath(),
		RawQuery:      r.URL.RawQuery,
		Host:          r.Host,
		ProtoMajor:    r.ProtoMajor,
		ProtoMinor:    1,
		Header:        h,
		ContentLength: r.ContentLength,
		RemoteAddr:    r.RemoteAddr,
		TLS:           r.TLS,
	}
}
