package nethttp

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"slices"

	"github.com/wharfhttp/wharf"
)

// ToHTTP returns an http.Handler that serves each request with the
// wharf handler h: the opposite of Wrap, so that wharf handlers (such
// as fileserver.Handler) run behind net/http's server, in a net/http
// middleware chain, or under golang.org/x/net/http2.
//
// h gets a *wharf.Request made from the *http.Request:
//
//   - Target is RequestURI (URL.RequestURI() when it is empty, as in a
//     request made for a client); Path is URL.EscapedPath() ("" for
//     "*" and CONNECT), RawQuery URL.RawQuery, so a prefix stripped by
//     http.StripPrefix is stripped for h too;
//   - Header lists Host first, then the map's fields, keys sorted;
//   - ProtoMajor is the request's; ProtoMinor is the request's for
//     HTTP/1.x, and 1 for HTTP/2 and later (see wharf.Request);
//   - Body is the request's; Server.MaxBodyBytes does not apply (use
//     http.MaxBytesReader in front);
//   - TLS, RemoteAddr, Close and Context() are the request's;
//   - Pattern and the path values of its wildcards are those of the
//     http.ServeMux that routed it, if one did;
//
// and a wharf.ResponseWriter over the http.ResponseWriter, with
// wharf's rules: the header is copied to net/http's map when the
// status is set; no Content-Type is sniffed for h (the map entry is
// set to nil when h set none); WriteHeader takes codes out of range as
// 500 instead of panicking; Flush returns an error, Hijack and ReadFrom
// reach the http.ResponseWriter's (through http.ResponseController's
// Unwrap chain for Flush and Hijack). Errors come back as wharf's
// (wharf.ErrBodyNotAllowed, wharf.ErrContentLength, wharf.ErrHijacked).
// A panic with wharf.ErrAbortHandler is re-raised as
// http.ErrAbortHandler; others propagate.
//
// ToHTTP of a handler made by Wrap returns the http.Handler it was made
// from. The handler returned is safe for concurrent use if h is.
func ToHTTP(h wharf.Handler) http.Handler {
	if w, ok := h.(*wharfHandler); ok {
		return w.h
	}
	return &httpHandler{h: h}
}

// An httpHandler is the http.Handler ToHTTP returns.
type httpHandler struct {
	h wharf.Handler // immutable
}

// ServeHTTP implements http.Handler.
func (h *httpHandler) ServeHTTP(hw http.ResponseWriter, r *http.Request) {
	w := &wharfWriter{hw: hw}
	wr := toWharfRequest(r)
	defer func() {
		if v := recover(); v != nil {
			w.done = true
			if v == wharf.ErrAbortHandler {
				panic(http.ErrAbortHandler)
			}
			panic(v)
		}
	}()
	h.h.ServeHTTP(w, wr)
	w.finish()
}

// toWharfRequest makes the wharf.Request ToHTTP's handler sees.
func toWharfRequest(r *http.Request) *wharf.Request {
	target := r.RequestURI
	if target == "" {
		target = r.URL.RequestURI()
	}
	path := r.URL.EscapedPath()
	switch {
	case path == "*":
		path = ""
	case path == "" && r.Method != http.MethodConnect:
		path = "/"
	}
	minor := r.ProtoMinor
	if r.ProtoMajor != 1 {
		minor = 1
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	var body io.Reader = http.NoBody
	if r.Body != nil {
		body = r.Body
	}
	wr := wharf.Request{
		Method:        r.Method,
		Target:        target,
		Path:          path,
		RawQuery:      r.URL.RawQuery,
		Host:          host,
		ProtoMajor:    max(r.ProtoMajor, 1),
		ProtoMinor:    minor,
		Header:        toWharfHeader(host, r.Header),
		ContentLength: r.ContentLength,
		Body:          body,
		RemoteAddr:    r.RemoteAddr,
		TLS:           r.TLS,
		Close:         r.Close,
	}
	// WithContext copies wr to the heap; the literal stays on the stack.
	w := wr.WithContext(r.Context())
	if r.Pattern != "" {
		w.Pattern = r.Pattern
		copyPathValues(w, r, r.Pattern)
	}
	return w
}

// toWharfHeader lists Host, then h's fields with keys sorted, each
// value of a key in order.
func toWharfHeader(host string, h http.Header) wharf.Header {
	n := 1
	var kbuf [32]string
	keys := kbuf[:0]
	for k, vs := range h {
		keys = append(keys, k)
		n += len(vs)
	}
	slices.Sort(keys)
	fields := make(wharf.Header, 0, n)
	if host != "" {
		fields = append(fields, wharf.Field{Name: "Host", Value: host})
	}
	for _, k := range keys {
		for _, v := range h[k] {
			fields = append(fields, wharf.Field{Name: k, Value: v})
		}
	}
	return fields
}

// A wharfWriter is the wharf.ResponseWriter ToHTTP's handler gets. Its
// fields are owned by the goroutine running the handler.
type wharfWriter struct {
	hw       http.ResponseWriter // immutable
	header   wharf.Header
	status   int  // set by WriteHeader (or the first Write); 0 before
	headSent bool // the header is in hw's map and hw.WriteHeader was called
	hijacked bool
	done     bool // the handler returned
}

// Header implements wharf.ResponseWriter.
func (w *wharfWriter) Header() *wharf.Header { return &w.header }

// WriteHeader implements wharf.ResponseWriter: only the first call
// counts, a code outside 100-999 is sent as 500, informational codes
// other than 101 are ignored.
func (w *wharfWriter) WriteHeader(code int) {
	if w.done || w.hijacked || w.status != 0 {
		return
	}
	if code < 100 || code > 999 {
		code = http.StatusInternalServerError
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		return
	}
	w.status = code
	w.sendHead()
}

// sendHead copies the header into hw's map and writes the status.
func (w *wharfWriter) sendHead() {
	w.headSent = true
	hh := w.hw.Header()
	for _, f := range w.header {
		hh.Add(f.Name, f.Value)
	}
	if _, ok := hh["Content-Type"]; !ok {
		hh["Content-Type"] = nil // wharf sniffs no type; neither may net/http
	}
	w.hw.WriteHeader(w.status)
}

func (w *wharfWriter) before() error {
	switch {
	case w.done:
		return wharf.ErrHandlerDone
	case w.hijacked:
		return wharf.ErrHijacked
	}
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return nil
}

// Write implements wharf.ResponseWriter.
func (w *wharfWriter) Write(p []byte) (int, error) {
	if err := w.before(); err != nil {
		return 0, err
	}
	n, err := w.hw.Write(p)
	return n, toWharfError(err)
}

// WriteString implements wharf.ResponseWriter.
func (w *wharfWriter) WriteString(s string) (int, error) {
	if err := w.before(); err != nil {
		return 0, err
	}
	n, err := io.WriteString(w.hw, s)
	return n, toWharfError(err)
}

// Flush implements wharf.ResponseWriter.
func (w *wharfWriter) Flush() error {
	if err := w.before(); err != nil {
		return err
	}
	// An error wrapping http.ErrNotSupported when hw cannot flush.
	return toWharfError(http.NewResponseController(w.hw).Flush())
}

// Hijack implements wharf.Hijacker through http.ResponseController.
func (w *wharfWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	switch {
	case w.done:
		return nil, nil, wharf.ErrHandlerDone
	case w.hijacked:
		return nil, nil, wharf.ErrHijacked
	}
	c, rw, err := http.NewResponseController(w.hw).Hijack()
	if err != nil {
		return nil, nil, toWharfError(err)
	}
	w.hijacked = true
	return c, rw, nil
}

// ReadFrom implements io.ReaderFrom with hw's, if it has one (net/http's
// uses sendfile(2) for files).
func (w *wharfWriter) ReadFrom(src io.Reader) (int64, error) {
	if err := w.before(); err != nil {
		return 0, err
	}
	if rf, ok := w.hw.(io.ReaderFrom); ok {
		n, err := rf.ReadFrom(src)
		return n, toWharfError(err)
	}
	n, err := io.Copy(writerOnly{w.hw}, src)
	return n, toWharfError(err)
}

// finish sends the head of a handler that wrote nothing.
func (w *wharfWriter) finish() {
	if !w.done && !w.hijacked && w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	w.done = true
}

var (
	_ wharf.ResponseWriter = (*wharfWriter)(nil)
	_ wharf.Hijacker       = (*wharfWriter)(nil)
	_ io.ReaderFrom        = (*wharfWriter)(nil)
)
