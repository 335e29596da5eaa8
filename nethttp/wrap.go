package nethttp

import (
	"net/http"
	"net/url"
	"sync"

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
// If h has a ReleasesRequest method (the marker of wharf.RequestReleaser),
// it promises what a wharf.RequestReleaser promises: that neither h nor
// anything it starts uses the *http.Request (its URL, Header, Body,
// context, path values) or the ResponseWriter after ServeHTTP returns
// (strings taken from them may be kept). The handler Wrap returns is
// then a wharf.RequestReleaser too: the engine reuses one request's
// memory for the next, and so does the adapter (see Cost in the
// package documentation). Without that method, nothing reachable from
// the *http.Request is reused, as net/http lets a handler keep it.
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
	if _, ok := h.(releaser); ok {
		return &releasingHandler{h: h}
	}
	return &wharfHandler{h: h}
}

// releaser is the marker method of wharf.RequestReleaser, on an
// http.Handler.
type releaser interface{ ReleasesRequest() }

// A wharfHandler is the wharf.Handler Wrap returns.
type wharfHandler struct {
	h http.Handler // immutable
}

// A releasingHandler is the wharf.Handler Wrap returns for an h that
// promises to keep nothing of a request after it returns: a
// wharf.RequestReleaser, whose exchanges are pooled.
type releasingHandler struct {
	h http.Handler // immutable
}

// ReleasesRequest implements wharf.RequestReleaser.
func (h *releasingHandler) ReleasesRequest() {}

var _ wharf.RequestReleaser = (*releasingHandler)(nil)

// exchange is the adapter's one allocation per request: the
// *http.Request the handler gets, its URL, its body, room for the
// values of the usual number of header fields, and the ResponseWriter.
// For a wharfHandler it is never reused: a handler may keep the
// *http.Request (a goroutine reading r.Context(), r.URL or r.Header
// after ServeHTTP returned is legal in net/http), so nothing reachable
// from it is ever handed to another request. Only what net/http
// forbids using after ServeHTTP returns is reused: the
// ResponseWriter's header map and its sniffing buffer (see
// responseWriter.finish). A releasingHandler's handler promised to
// keep nothing: its exchanges, request header map included, come from
// exchangePool.
type exchange struct {
	req  http.Request
	url  url.URL
	w    responseWriter
	body requestBody
	te   [1]string
	vals [9]string
	hdr  http.Header // a pooled exchange's request header map, emptied; else nil

	// With the 8-byte header the allocator adds to objects of more
	// than 512 bytes that hold pointers, an exchange is 768 bytes, a
	// size class of its own: one more value would make it 896.
}

// exchangePool holds the exchanges of releasingHandlers, reset.
var exchangePool sync.Pool // of *exchange

// ServeHTTP implements wharf.Handler.
func (h *wharfHandler) ServeHTTP(ww wharf.ResponseWriter, r *wharf.Request) {
	if optionsStar(ww, r) {
		return
	}
	serve(h.h, ww, r, new(exchange), false)
}

// ServeHTTP implements wharf.Handler.
func (h *releasingHandler) ServeHTTP(ww wharf.ResponseWriter, r *wharf.Request) {
	if optionsStar(ww, r) {
		return
	}
	x, _ := exchangePool.Get().(*exchange)
	if x == nil {
		x = new(exchange)
	}
	serve(h.h, ww, r, x, true)
	// Not reached when h panics: that exchange is dropped.
	x.reset()
	exchangePool.Put(x)
}

// optionsStar answers "OPTIONS *" as net/http's server does, without
// calling the handler (its globalOptionsHandler), and reports whether
// r was that.
func optionsStar(ww wharf.ResponseWriter, r *wharf.Request) bool {
	if r.Target == "*" && r.Method == http.MethodOptions {
		ww.Header().Set("Content-Length", "0")
		return true
	}
	return false
}

// reset empties a pooled exchange for the next request: every field
// zero (nothing of the last request stays reachable) but the request
// header map, emptied, unless it grew big.
func (x *exchange) reset() {
	hdr := x.hdr
	if len(hdr) > maxPooledHeader {
		hdr = nil
	}
	clear(hdr)
	*x = exchange{hdr: hdr}
}

// serve serves r with h in x: a new exchange, or a reset one from
// exchangePool (pooled), which keeps its request header map.
func serve(h http.Handler, ww wharf.ResponseWriter, r *wharf.Request, x *exchange, pooled bool) {
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
	hdr := x.hdr
	if hdr == nil {
		hdr = make(http.Header, n)
		if pooled {
			x.hdr = hdr
		}
	}
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
	h.ServeHTTP(&x.w, hr)
	x.w.finish()
}

func badRequest(ww wharf.ResponseWriter) {
	ww.Header().Set("Content-Type", "text/plain; charset=utf-8")
	ww.Header().Set("Connection", "close")
	ww.WriteHeader(http.StatusBadRequest)
	ww.WriteString("400 Bad Request")
}
