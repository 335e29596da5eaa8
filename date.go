package wharf

import (
	"sync/atomic"
	"time"

	"wharf/internal/http1"
)

// The Date field (RFC 9110 6.6.1) has one-second resolution, so it is
// formatted once a second and shared by every response of that second.
type cachedDate struct {
	sec int64
	b   []byte
}

var dateCache atomic.Pointer[cachedDate]

func appendDate(dst []byte) []byte {
	now := time.Now()
	sec := now.Unix()
	d := dateCache.Load()
	if d == nil || d.sec != sec {
		d = &cachedDate{sec: sec, b: http1.AppendHTTPDate(make([]byte, 0, 29), now)}
		dateCache.Store(d)
	}
	return append(dst, d.b...)
}
