package wharf

import "errors"

var (
	// ErrServerClosed is returned by Serve and ListenAndServe after
	// Shutdown or Close.
	ErrServerClosed = errors.New("wharf: server closed")

	// ErrHandlerDone is returned by ResponseWriter methods called after
	// the handler returned.
	ErrHandlerDone = errors.New("wharf: response used after handler returned")

	// ErrBodyTooLarge is returned by Request.Body when the body is larger
	// than Server.MaxBodyBytes. The server answers 413 if the handler
	// has written nothing, and closes the connection.
	ErrBodyTooLarge = errors.New("wharf: request body too large")

	// ErrContentLength is returned by Write when a handler writes more
	// than the Content-Length it declared.
	ErrContentLength = errors.New("wharf: wrote more than the declared Content-Length")

	// ErrBodyNotAllowed is returned by Write for a response that has no
	// body: HEAD requests and 1xx, 204 and 304 statuses. For HEAD the
	// byte count is still used as Content-Length if the handler declared
	// none.
	ErrBodyNotAllowed = errors.New("wharf: response status or method does not allow a body")

	// ErrHijacked is returned by ResponseWriter methods called after
	// the handler took the connection over with Hijack, and by a
	// second Hijack.
	ErrHijacked = errors.New("wharf: connection has been hijacked")

	// ErrAbortHandler is a sentinel panic value to abort a handler, as
	// net/http's ErrAbortHandler is: the server logs nothing, sends
	// what the handler had already sent (and the answers of earlier
	// pipelined requests), and closes the connection without
	// completing the answer. A client that got the head sees a
	// truncated body; one that got nothing sees the connection close.
	ErrAbortHandler = errors.New("wharf: abort Handler")
)
