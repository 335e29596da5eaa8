package middleware

import "github.com/wharfhttp/wharf"

// releaser marks a middleware as a wharf.RequestReleaser. Every
// middleware of this package keeps nothing of a request after its
// ServeHTTP returns, so it keeps the promise exactly when what it
// wraps does.
type releaser struct{ wharf.Handler }

func (releaser) ReleasesRequest() {}

// promise returns h, marked as a wharf.RequestReleaser when next is
// one.
func promise(h, next wharf.Handler) wharf.Handler {
	if _, ok := next.(wharf.RequestReleaser); ok {
		return releaser{h}
	}
	return h
}
