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

// A quiet server after a burst returns memory, counted in
// Stats.Releases; with KeepMemory it does not.
func TestKeepMemory(t *testing.T) {
	for _, keep := range []bool{false, true} {
		// The portable waiter has no goroutine that calls
		// releaseWhenQuiet: the test calls it, as the epoll set's
		// goroutine does after each sweep, on the state a burst that
		// ended quietFor ago leaves.
		s := &Server{KeepMemory: keep, testWaiter: true, Handler: HandlerFunc(func(w ResponseWriter, r *Request) {})}
		startServer(t, s)
		s.count.accepted.Add(quietAfter)
		s.quiet = quietMark{accepted: s.count.accepted.Load(), out: s.count.handlersOut.Load(), since: monoNow() - mono(quietFor)}
		s.releaseWhenQuiet()
		want := uint64(1)
		if keep {
			want = 0
		}
		if got := s.Stats().Releases; got != want {
			t.Errorf("KeepMemory %v: Stats.Releases = %d, want %d", keep, got, want)
		}
	}
}
