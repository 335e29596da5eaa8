//go:build !linux

package park

import (
	"errors"
	"time"
)

// epoller exists only on Linux; elsewhere New uses the waiter.
type epoller[T any] struct{}

func newEpoller[T any](*Set[T]) (*epoller[T], error) { return nil, errors.ErrUnsupported }

func (e *epoller[T]) add(uint64, Source, Mode, time.Time) error { return errors.ErrUnsupported }
func (e *epoller[T]) remove(int32)                              {}
func (e *epoller[T]) resolve(uint64, bool) (uint64, bool)       { return 0, false }
func (e *epoller[T]) poll([]uint64) int                         { return 0 }
func (e *epoller[T]) watch(uint64, int32) error                 { return errors.ErrUnsupported }
func (e *epoller[T]) stop()                                     {}
