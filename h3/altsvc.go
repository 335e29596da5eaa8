package h3

import (
	"strconv"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/middleware"
)

// AltSvcMaxAge is the ma parameter of the Alt-Svc field New adds: how
// long, in seconds, a client may remember that HTTP/3 is there (RFC
// 7838 3.1). A day, as Caddy advertises.
const AltSvcMaxAge = 86400

// AltSvc returns a handler that adds the Alt-Svc field advertising
// HTTP/3 on UDP port port (h3=":PORT"; ma=86400) to every answer of
// next (nil: 404 for everything), before next runs: next may replace
// or remove it. New installs it on the server; it is exported for
// handlers of other servers that front the same host.
func AltSvc(next wharf.Handler, port int) wharf.Handler {
	if next == nil {
		next = wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) { w.WriteHeader(404) })
	}
	v := `h3=":` + strconv.Itoa(port) + `"; ma=` + strconv.Itoa(AltSvcMaxAge)
	return middleware.Headers(next, []wharf.Field{{Name: "Alt-Svc", Value: v}})
}
