package pool

import (
	"errors"
	"strconv"
)

// ErrClosed is returned by [Pool.Go] and [Pool.TryGo] when the job was not
// accepted because [Pool.Shutdown] has begun.
var ErrClosed = errors.New("pool: closed")

// ErrFull is returned by [Pool.TryGo] when no worker is idle and no queue slot
// is free. It signals overload; callers typically shed the work (for example
// a server answers 503) rather than retry in a tight loop.
var ErrFull = errors.New("pool: queue full")

// SizeError is returned by [New] when a size parameter is out of range.
type SizeError struct {
	Param string // "workers" or "queue"
	Value int    // the rejected value
}

// Error returns a message such as "pool: workers must be at least 1, got 0".
func (e *SizeError) Error() string {
	least := "1"
	if e.Param == "queue" {
		least = "0"
	}
	return "pool: " + e.Param + " must be at least " + least + ", got " + strconv.Itoa(e.Value)
}
