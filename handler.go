package wharf

// A Handler responds to an HTTP request.
//
// ServeHTTP is called on a pool worker. It should write the response
// header and body to w and then return; returning signals that the
// response is complete. The server may reuse w's buffers for the next
// request on the connection, so w must not be used after ServeHTTP
// returns (its methods then report ErrHandlerDone). r and every string
// reachable from it stay valid and unchanged after ServeHTTP returns.
//
// A handler may read r.Body while it writes the response. A panic in
// ServeHTTP is recovered: the server logs it, answers 500 if nothing was
// written yet, and closes the connection.
type Handler interface {
	ServeHTTP(w ResponseWriter, r *Request)
}

// HandlerFunc adapts an ordinary function to a Handler.
type HandlerFunc func(w ResponseWriter, r *Request)

// ServeHTTP calls f(w, r).
func (f HandlerFunc) ServeHTTP(w ResponseWriter, r *Request) { f(w, r) }

// A RequestReleaser is a Handler that promises not to use the *Request
// it is given (nor its Header slice or Body) or the ResponseWriter after
// ServeHTTP returns. Strings taken from the Request may be kept: they
// are never modified. For such a handler the server reuses the memory
// of one request for the next, so a request costs no allocation at all.
//
// Implement it only when every path through ServeHTTP keeps that
// promise (wrappers: only if what they wrap does too). A handler that
// breaks it sees a later request's values: the bug class wharf otherwise
// rules out. fileserver.Handler implements it.
type RequestReleaser interface {
	Handler
	ReleasesRequest()
}
