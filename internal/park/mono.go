package park

import "time"

// The set keeps deadlines as nanoseconds on the monotonic clock since
// base (8 bytes an entry instead of a time.Time's 24); 0 means none.
var base = time.Now()

func toMono(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	if m := int64(t.Sub(base)); m != 0 {
		return m
	}
	return 1
}

func monoTime(m int64) time.Time {
	if m == 0 {
		return time.Time{}
	}
	return base.Add(time.Duration(m))
}
