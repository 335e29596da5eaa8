package wharf

import (
	"testing"
	"time"
)

// Memory is released once per burst, after quietFor without a handler
// returning or a connection accepted, and only after quietAfter
// connections (quiet.go).
func TestQuietRelease(t *testing.T) {
	var q quietMark
	at := func(d time.Duration) mono { return mono(time.Hour + d) }
	steps := []struct {
		out, accepted uint64
		now           time.Duration
		want          bool
		why           string
	}{
		{0, 0, 0, false, "start"},
		{0, 0, 2 * time.Second, false, "quiet, but nothing was accepted"},
		{500, quietAfter, 3 * time.Second, false, "a burst: busy now"},
		{500, quietAfter, 3*time.Second + quietFor/2, false, "quiet for less than quietFor"},
		{500, quietAfter, 3*time.Second + quietFor, true, "quiet for quietFor after a burst"},
		{500, quietAfter, 5 * time.Second, false, "released already for this burst"},
		{501, quietAfter + 10, 6 * time.Second, false, "a few more connections"},
		{501, quietAfter + 10, 9 * time.Second, false, "quiet, but not a burst since the release"},
		{900, 2*quietAfter + 10, 10 * time.Second, false, "a second burst"},
		{900, 2*quietAfter + 10, 10*time.Second + quietFor, true, "quiet after the second burst"},
	}
	for _, st := range steps {
		if got := q.due(st.out, st.accepted, at(st.now)); got != st.want {
			t.Errorf("%s: due(%d, %d, %v) = %v, want %v", st.why, st.out, st.accepted, st.now, got, st.want)
		}
	}
}
