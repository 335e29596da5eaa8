package nethttp

import (
	"net/http"
	"net/url"

	"github.com/wharfhttp/wharf"
)

// Wrap returns a wharf.Handler that serves each request with h, as
// net/http's server would: h gets an *http.Request made from the
// wharf.Request and an http.ResponseWriter over the engine's
// wharf.ResponseWriter (see the package documentation for the mapping
// and its limits).
//
// A nil h means http.DefaultServeMux, as for http.Server. As net/http's
// server does, Wrap answers "OPTIONS *" itself (200, empty) without
// calling h. Wrap of a
// handler made by ToHTTP returns the wharf.Handler it was made from.
//
// A panic in h propagates to the engine, which logs it, answers 500 if
// nothing was sent yet, and closes the connection; a panic with
// http.ErrAbortHandler is re-raised as wharf.ErrAbortHandler, which
// aborts the answer silently, as net/http does.
//
// The handler returned is safe for concurrent use if h is.
func Wrap(h http.Handler) wharf.Handler {
	if h == nil {
		h = http.DefaultServeMux
	}
	if t, ok := h.(*httpHandler); ok {
		return t.h
	}
	return &wharfHandler{h: h}
}

// A wharfHandler is the wharf.Handler Wrap returns.
type wharfHandler struct {
	h http.Handler // immutable
}

// exchange is the adapter's one allocation per request: the
// *http.Request the handler gets, its URL, its body, room for the
// values of the usual number of header fields, and the ResponseWriter.
// It is never reused: a handler may keep the *http.Request (a
// goroutine reading r.Context(), r.URL or r.Header after ServeHTTP
// returned is legal in net/http), so nothing reachable from it is
// ever handed to another request. Only what net/http forbids using
// after ServeHTTP returns is reused: the ResponseWriter's header map
// and its sniffing buffer (see responseWriter.finish).
type exchange struct {
	req  http.Request
	url  url.URL
	w    responseWriter
	body requestBody
	te   [1]string
	vals [10]string
}

// ServeHTTP implements wharf.Handler.
func (h *wharfHandler) ServeHTTP(ww wharf.ResponseWriter, r *wharf.Request) {
	if r.Target == "*" && r.Method == http.MethodOptions {
		// net/http's server answers "OPTIONS *" itself, without
		// calling the handler (its globalOptionsHandler).
		ww.Header().Set("Content-Length", "0")
		return
	}
	x := new(exchange)
	if !fillURL(&x.url, r) {
		// net/http answers a target it cannot parse so, and closes.
		badRequest(ww)
		return
	}
	vals := x.vals[:]
	n := countNames(r.Header)
	if n > len(vals) {
		vals = make([]string, n)
	}
	hdr := make(http.Header, n)
	fillHeader(hdr, r.Header, vals)
	req := http.Request{
		Method:        r.Method,
		URL:           &x.url,
		Proto:         r.Proto(),
		ProtoMajor:    max(r.ProtoMajor, 1),
		ProtoMinor:    r.ProtoMinor,
		Header:        hdr,
		Body:          http.NoBody,
		ContentLength: r.ContentLength,
		Host:          r.Host,
		RemoteAddr:    r.RemoteAddr,
		RequestURI:    r.Target,
		Close:         r.Close,
		TLS:           r.TLS,
	}
	if r.ContentLength != 0 {
		x.body.r = r.Body
		req.Body = &x.body
		if r.ContentLength < 0 {
			x.te[0] = "chunked"
			req.TransferEncoding = x.te[:]
		}
	}
	// http.Request's context can only be set by WithContext (or
	// Clone), which returns a new Request. WithContext is inlined and
	// its copy does not escape, so it stays on the stack and is copied
	// into the exchange: the Request costs no allocation of its own.
	x.req = *req.WithContext(r.Context())
	hr := &x.req
	x.w.init(ww)
	defer func() {
		if v := recover(); v != nil {
			x.w.dropUpgrade()
			x.w.done = true
			if v == http.ErrAbortHandler {
				panic(wharf.ErrAbortHandler)
			}
			panic(v)
		}
	}()
	if r.Pattern != "" {
		// Routed by a wharf.ServeMux: its pattern and path values.
		hr.Pattern = r.Pattern
		copyPathValues(hr, r, r.Pattern)
	}
	h.h.ServeHTTP(&x.w, hr)
	x.w.finish()
}

func badRequest(ww wharf.ResponseWriter) {
	ww.Header().Set("Content-Type", "text/plain; charset=utf-8")
	ww.Header().Set("Connection", "close")
	ww.WriteHeader(http.StatusBadRequest)
	ww.WriteString("400 Bad Request")
}
