package wharf

import "github.com/wharfhttp/wharf/internal/monotime"

// A mono is a point in time on the monotonic clock (internal/monotime);
// 0 means unset. The per-connection times are kept as monos (8 bytes)
// rather than time.Time (24): a parked connection is small, and every
// byte of it is paid for by thousands of idle clients.
type mono = monotime.Time

// monoNow is the current mono: one read of the monotonic clock (time.Now
// reads the wall clock too, twice the cost on this kind of machine).
func monoNow() mono { return monotime.Now() }
