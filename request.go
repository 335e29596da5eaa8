package wharf

import (
	"context"
	"crypto/tls"
	"io"
)

// A Request is an HTTP request received by the server.
//
// Every field is set before the handler is called, and the server never
// changes a Request, or any string or slice reachable from it, after
// that: a handler may keep the Request (or hand it to another goroutine)
// after it returns. Only Body stops working when the handler returns.
type Request struct {
	// Method is the request method as sent ("GET", "POST", ...).
	Method string

	// Target is the request-target exactly as sent (RFC 9112 3.2):
	// "/path?query" (origin-form), "http://host/path" (absolute-form),
	// "host:port" (authority-form, CONNECT only) or "*" (OPTIONS only).
	Target string

	// Path is the path of the target, not percent-decoded, starting
	// with "/" ("" for authority- and asterisk-form). RawQuery is the
	// query without the '?' ("" if none).
	Path     string
	RawQuery string

	// Host is the host the request is for: the authority of an
	// absolute-form target, else the Host field (RFC 9112 3.2.2).
	Host string

	// ProtoMajor and ProtoMinor are the HTTP version. The server's own
	// engine sets 1.1 or 1.0; a request that reached a wharf handler
	// over HTTP/2 or HTTP/3 (packages h2, h3, nethttp.ToHTTP) has
	// ProtoMajor 2 or 3 and ProtoMinor 1, so that code testing for
	// HTTP/1.0 (ProtoMinor == 0) leaves it alone.
	ProtoMajor int
	ProtoMinor int

	// Header holds the request's header fields in the order sent.
	Header Header

	// ContentLength is the body length from Content-Length, 0 when the
	// request has no body, or -1 when the body is chunked.
	ContentLength int64

	// Body reads the request body; it is never nil, and reads io.EOF at
	// the end (at once when there is no body). Reading past
	// Server.MaxBodyBytes fails with ErrBodyTooLarge. Body may only be
	// read until the handler returns; the server discards (or, past a
	// bound, refuses) what the handler left unread.
	Body io.Reader

	// RemoteAddr is the peer's network address ("ip:port").
	RemoteAddr string

	// TLS is the state of the connection's TLS, shared by its requests;
	// nil on a plain connection.
	TLS *tls.ConnectionState

	// Close reports whether the connection will close after this
	// response: the client asked for it, it is HTTP/1.0 without
	// keep-alive, or the server is shutting down.
	Close bool

	// Pattern is the ServeMux pattern that matched the request, as it
	// was registered ("GET /items/{id}"); "" until a ServeMux routes
	// the request. The ServeMux sets it, with the path values, before
	// it calls the matched handler.
	Pattern string

	ctx context.Context

	// path holds the values of the matched pattern's wildcards and
	// those set by SetPathValue; written by ServeMux.ServeHTTP and
	// SetPathValue only (see mux_values.go).
	path pathValues
}

// Context returns the request's context. It is cancelled when the
// client goes away while the handler runs (the connection is reset, or
// closed with nothing left unread; or a write of the answer fails),
// when the handler returns, and when the server is closed (Close, or
// Shutdown's deadline); its values and deadline are those of
// Server.BaseContext. Watching for the client costs a little, so it
// starts when Done is first called: a handler that never waits on the
// context pays nothing. The watch needs Linux's epoll; elsewhere only a
// failed write and the server's closing are seen. A client that
// half-closes after sending its request counts as gone, but is still
// sent the answer.
func (r *Request) Context() context.Context {
	if r.ctx == nil {
		return context.Background()
	}
	return r.ctx
}

// WithContext returns a shallow copy of r with its context changed to
// ctx, as net/http's Request.WithContext: for middleware that adds
// values or a deadline, and for adapters (package wharf/nethttp) that
// carry another server's context. ctx must not be nil.
func (r *Request) WithContext(ctx context.Context) *Request {
	if ctx == nil {
		panic("wharf: nil context")
	}
	r2 := new(Request)
	*r2 = *r
	r2.ctx = ctx
	return r2
}

// Proto returns "HTTP/1.1", "HTTP/1.0", "HTTP/2.0" or "HTTP/3.0" (as
// net/http's Request.Proto).
func (r *Request) Proto() string {
	switch {
	case r.ProtoMajor == 2:
		return "HTTP/2.0"
	case r.ProtoMajor == 3:
		return "HTTP/3.0"
	case r.ProtoMinor == 0:
		return "HTTP/1.0"
	}
	return "HTTP/1.1"
}

// PathValue returns the value of the wildcard name in the ServeMux
// pattern that matched the request (percent-decoded), or the value set
// by SetPathValue; "" if there is neither.
//
// For "/b/{bucket}/o/{object...}" and the path "/b/photos/o/2024/a%20b.jpg",
// PathValue("bucket") is "photos" and PathValue("object") is
// "2024/a b.jpg".
func (r *Request) PathValue(name string) string { return r.path.get(name) }

// SetPathValue sets name to value, so that PathValue(name) returns
// value. Middleware and tests use it; a ServeMux that routes the
// request later replaces the values of its pattern's wildcards.
func (r *Request) SetPathValue(name, value string) { r.path.set(name, value) }
