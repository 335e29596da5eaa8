// Package nethttp runs net/http handlers on wharf, and wharf handlers
// on net/http.
//
// Wrap turns an http.Handler into a wharf.Handler, so that what is
// written for net/http (routers such as chi, middleware, promhttp,
// net/http/pprof, http.FileServer, WebSocket libraries) is served by
// wharf's engine:
//
//	srv := &wharf.Server{Handler: nethttp.Wrap(mux)}
//
// ToHTTP is the other direction: a wharf.Handler (fileserver.Handler,
// say) behind net/http's server, inside a net/http middleware chain, or
// on HTTP/2 streams (package wharf/h2 serves them through it). Its
// mapping is in its documentation. Wrap(ToHTTP(h)) is h, and
// ToHTTP(Wrap(h)) is h.
//
// # The request
//
// The *http.Request a wrapped handler gets is what net/http's server
// would make of the same bytes:
//
//	Method, RequestURI     as sent (RequestURI is wharf's Target)
//	URL                    url.ParseRequestURI(RequestURI): origin-form,
//	                       absolute-form ("http://host/p", Host and
//	                       Scheme set) and "*"; a target it cannot parse
//	                       is answered 400 without calling the handler
//	Proto, ProtoMajor/Minor  "HTTP/1.1" or "HTTP/1.0", 1, 1 or 0
//	Header                 canonical keys (http.CanonicalHeaderKey), one
//	                       value per field line; without Host and
//	                       Transfer-Encoding; "Pragma: no-cache" adds
//	                       "Cache-Control: no-cache" as in net/http
//	Host                   the absolute-form authority, else the Host field
//	Body, ContentLength    http.NoBody and 0 without a body; -1 and
//	                       TransferEncoding ["chunked"] for a chunked one
//	RemoteAddr, Close      the engine's ("ip:port"; Close also when the
//	                       server is shutting down)
//	Context()              the wharf request's context: cancelled when
//	                       the client goes away (watched from the first
//	                       Done call), when the handler returns and when
//	                       the server closes
//	TLS                    the connection's state (wharf.Request.TLS);
//	                       nil on a plain connection
//	Pattern, PathValue     when a wharf.ServeMux routed the request: its
//	                       pattern and the values of its wildcards
//	Trailer                nil: the engine drops request trailers
//
// "OPTIONS *" is answered by Wrap itself (200, empty), as net/http's
// server answers it without calling the handler. Reading past
// Server.MaxBodyBytes fails with wharf.ErrBodyTooLarge, and the engine
// answers 413 unless the handler's answer has already gone out;
// http.MaxBytesReader works as usual (*http.MaxBytesError, and the
// handler's 413).
//
// The request context carries no http.ServerContextKey or
// http.LocalAddrContextKey value: there is no *http.Server, and
// wharf.Request does not say which local address it came in on.
//
// # The response
//
// The http.ResponseWriter follows net/http's rules where the engine's
// differ. The header map is copied into the engine's header when the
// status is decided (WriteHeader, or the first Write or Flush), keys
// sorted, CR and LF in values replaced by spaces and values trimmed as
// net/http writes them, invalid names dropped; later changes to the map
// have no effect. Without a Content-Type (and without Content-Encoding
// or Transfer-Encoding), the first 512 body bytes are held back and the
// type sniffed from them with http.DetectContentType; a nil map entry
// suppresses that. A 304 loses its Content-Type. A write past a
// declared Content-Length fails whole with http.ErrContentLength; a
// write for a status without a body fails with http.ErrBodyNotAllowed;
// after Hijack, with http.ErrHijacked. WriteHeader panics for a code
// outside 100-999, as net/http's.
//
// The engine owns the framing, as for any wharf handler: it adds Date
// (a Date the handler set is replaced), sends Content-Length when the
// body is declared or fits its 4 KB buffer and chunked coding
// otherwise (net/http buffers 2 KB), and writes Connection itself (a
// handler's "Connection: close" closes the connection).
//
// The ResponseWriter also implements:
//
//   - http.Flusher, and FlushError for http.ResponseController;
//   - http.Hijacker, through the engine's wharf.Hijacker: the
//     connection is the handler's, and the server no longer counts,
//     times out or closes it. A head already decided is sent first. A
//     101 Switching Protocols head is written by the adapter itself on
//     the taken-over connection, because the engine writes its own
//     Connection field and an upgrade needs "Connection: Upgrade":
//     gorilla/websocket (which writes its own 101 after Hijack) and
//     coder/websocket (WriteHeader(101), then Hijack) both work;
//   - io.ReaderFrom: io.Copy and io.CopyN into the writer
//     (http.ServeContent, http.FileServer) reach the engine's ReadFrom,
//     which sends a file with sendfile(2) when the length is declared;
//   - io.StringWriter;
//   - EnableFullDuplex (http.ResponseController): returns nil, because
//     the engine always lets a handler read the body after it began
//     its answer; reading and writing must still be done by one
//     goroutine at a time;
//   - SetReadDeadline and SetWriteDeadline (http.ResponseController):
//     return an error wrapping http.ErrNotSupported, because the engine
//     has no per-request deadlines (Server.ReadTimeout bounds the body,
//     Server.WriteTimeout each write).
//
// It has no Unwrap method: it wraps no http.ResponseWriter, and every
// method http.ResponseController looks for is its own.
//
// Not supported by the engine, and so not by the adapter: informational
// answers other than 101 (WriteHeader(103) is dropped, Early Hints are
// not sent; "100 Continue" is sent by the engine when the handler first
// reads a body the client waits to send); response trailers (the
// "Trailer" field and http.TrailerPrefix keys are left out, and no
// trailer is sent); request trailers.
//
// # Panics
//
// A panic in the wrapped handler reaches the engine, which logs it,
// answers 500 if nothing was sent yet, and closes the connection (net/http
// closes without an answer). A panic with http.ErrAbortHandler is
// re-raised as wharf.ErrAbortHandler: the answer is abandoned and the
// connection closed, and nothing is logged. ToHTTP maps
// wharf.ErrAbortHandler back to http.ErrAbortHandler.
//
// # Cost
//
// A wrapped request costs the engine's one allocation (the request's
// exchange: Wrap's handler is not a wharf.RequestReleaser unless the
// net/http handler promises to be one, see below, because a net/http
// handler may keep its request, and with it the request's context,
// whose values the engine's reused exchange could not keep answering)
// and, in the adapter, for a handler that sets one header and writes
// its body (TestAllocsPerRequest, BenchmarkWrapPlaintext):
//
//	the adapter's exchange: the *http.Request, its URL, its body,
//	  room for 9 header values, the ResponseWriter (768 B)               1
//	the request's header map: the map, and its group once it has a name  1-2
//	each value the handler sets (the []string of Header().Set)           1 each
//
// that is 3 for the benchmark's /plaintext handler and wrk's request
// (4 for a browser's request with 9 fields), and 4 per request with
// the engine's.
//
// Why each one is there: the *http.Request (and so everything it
// points to: URL, Header, Body, the values) may be kept by the
// handler after it returns, a goroutine reading r.Context() for
// instance, which net/http allows, so it is never reused; it is built
// in one allocation, with the context set by copying what
// http.Request.WithContext returns rather than keeping its copy. The
// request's header map has to be a new map for the same reason (and a
// handler may write to it). The []string is allocated by http.Header's
// Set itself.
//
// What is reused: the response's header map and the 512-byte buffer
// that holds a body's first bytes to sniff its Content-Type come from
// pools, and go back to them, emptied, when the handler returns.
// net/http's Handler contract forbids using the ResponseWriter (and so
// the map its Header method returned) after ServeHTTP returns; a
// handler that calls a method of its ResponseWriter after returning
// still gets wharf.ErrHandlerDone (and from Header a new map), because
// the ResponseWriter itself is not reused, but one that writes to the
// map it kept from Header after returning would write to another
// request's header. A map that grew past 32 names is not kept.
//
// Beyond that: a target whose path has percent-encoding or characters
// url.URL escapes is parsed by url.ParseRequestURI (one more); a
// request routed by a wharf.ServeMux has its path values copied with
// http.Request.SetPathValue (a map: two more); a request with more
// than 9 header names has its values in a slice of their own (one
// more).
//
// A handler with a ReleasesRequest method promises, as a
// wharf.RequestReleaser does, to keep nothing of the request or the
// ResponseWriter after it returns (see Wrap). For it the adapter's
// exchanges come from a pool, each with the request header map it
// keeps (emptied, and every other field zeroed, between requests), and
// Wrap's handler is a wharf.RequestReleaser, so the engine reuses its
// own exchange: the /plaintext handler costs one allocation per
// request in all, the []string of its Header().Set
// (TestAllocsReleasing). A handler that breaks the promise sees a
// later request's values in what it kept.
package nethttp
