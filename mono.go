package wharf

import "time"

// A mono is a point in time as nanoseconds on the monotonic clock since
// monoBase; 0 means unset. The per-connection times are kept as monos
// (8 bytes) rather than time.Time (24): a parked connection is small,
// and every byte of it is paid for by thousands of idle clients.
type mono int64

var monoBase = time.Now()

// toMono converts t, which must carry a monotonic clock reading (as
// time.Now() and times derived from it do); the zero Time is 0.
func toMono(t time.Time) mono {
	if t.IsZero() {
		return 0
	}
	if m := mono(t.Sub(monoBase)); m != 0 {
		return m
	}
	return 1
}

// time returns m as a time.Time; 0 is the zero Time.
func (m mono) time() time.Time {
	if m == 0 {
		return time.Time{}
	}
	return monoBase.Add(time.Duration(m))
}

// monoNow is the current mono: one read of the monotonic clock (time.Now
// reads the wall clock too, twice the cost on this kind of machine).
func monoNow() mono {
	if m := mono(time.Since(monoBase)); m != 0 {
		return m
	}
	return 1
}
