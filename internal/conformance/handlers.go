package conformance

import (
	"io"
	"net/http"

	"github.com/wharfhttp/wharf"
)

// The replay's servers all run the same handler: read the whole request
// body, then answer 200 "ok". Reading the body is what makes a body
// framing error (a bad chunk, a missing last-chunk) visible as an
// answer; a handler that ignored the body would answer 200 before the
// server looked at it. When reading fails, the handler answers 400, as
// a real handler would (wharf answers its own status for a protocol
// error the handler met, 400 or 413, whatever the handler writes).

// WharfHandler is the replay handler for wharf.
func WharfHandler() wharf.Handler {
	return wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			w.WriteHeader(400)
			return
		}
		io.WriteString(w, "ok\n")
	})
}

// NetHTTPHandler is the replay handler for net/http.
func NetHTTPHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			w.WriteHeader(400)
			return
		}
		io.WriteString(w, "ok\n")
	})
}
