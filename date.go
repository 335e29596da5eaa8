package wharf

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/wharfhttp/wharf/internal/http1"
)

// The Date field (RFC 9110 6.6.1) has one-second resolution, so it is
// formatted once a second and shared by every response of that second.
// A timer refreshes it at each second boundary while a server runs, so
// writing a response reads no clock (a clock read per response was 6%
// of a pipelined benchmark's CPU). Between timers, or before any server
// started, currentDate formats it itself.
type cachedDate struct {
	sec int64
	b   []byte
}

var (
	dateCache atomic.Pointer[cachedDate]

	dateMu      sync.Mutex
	dateUsers   int         // servers running; guarded by dateMu
	dateTimer   *time.Timer // refreshes dateCache while dateUsers > 0
	dateRunning atomic.Bool // the timer keeps dateCache current
)

func formatDate(now time.Time) *cachedDate {
	d := &cachedDate{sec: now.Unix(), b: http1.AppendHTTPDate(make([]byte, 0, 29), now)}
	dateCache.Store(d)
	return d
}

// currentDate returns the Date field value of this second. The slice
// is shared and never modified.
func currentDate() []byte {
	d := dateCache.Load()
	if d == nil || !dateRunning.Load() {
		if now := time.Now(); d == nil || d.sec != now.Unix() {
			d = formatDate(now)
		}
	}
	return d.b
}

// startDateClock and stopDateClock count the servers that want the
// timer; the first starts it, the last stops it.
func startDateClock() {
	dateMu.Lock()
	defer dateMu.Unlock()
	if dateUsers++; dateUsers == 1 {
		tickDate()
	}
}

func stopDateClock() {
	dateMu.Lock()
	defer dateMu.Unlock()
	if dateUsers--; dateUsers == 0 {
		dateRunning.Store(false)
		if dateTimer != nil {
			dateTimer.Stop()
			dateTimer = nil
		}
	}
}

// tickDate formats the current second and arms the timer for the next
// one. It runs with dateMu held (from startDateClock, or from the timer
// through tickDateLocked).
func tickDate() {
	now := time.Now()
	formatDate(now)
	dateRunning.Store(true)
	next := now.Truncate(time.Second).Add(time.Second).Sub(now)
	if dateTimer == nil {
		dateTimer = time.AfterFunc(next, tickDateLocked)
	} else {
		dateTimer.Reset(next)
	}
}

func tickDateLocked() {
	dateMu.Lock()
	defer dateMu.Unlock()
	if dateUsers > 0 && dateTimer != nil {
		tickDate()
	}
}
