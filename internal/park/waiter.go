package park

import (
	"errors"
	"time"
)

// waiter parks each value on a goroutine of its own that waits for
// readability through syscall.RawConn without a buffer, within the
// runtime's read deadline. It is the portable mechanism, and the
// fallback when epoll is unavailable; it cannot wait for Write.
type waiter[T any] struct{ s *Set[T] }

func (w *waiter[T]) add(tok uint64, src Source, mode Mode, deadline time.Time) error {
	if src.Raw == nil || src.Conn == nil {
		return errors.New("park: no raw connection to wait on")
	}
	if mode != Read {
		return errors.New("park: the waiter cannot wait for writability")
	}
	s := w.s
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		src.Conn.SetReadDeadline(deadline)
		err := waitReadable(src.Raw)
		e, ok := s.take(tok)
		if !ok {
			return // drained
		}
		if err != nil && IsTimeout(err) {
			s.ev.Expired(e.v)
			return
		}
		s.ev.Ready(e.v)
	}()
	return nil
}

func (w *waiter[T]) remove(fd int32) {}

func (w *waiter[T]) resolve(uint64, bool) (uint64, bool) { return 0, false }

func (w *waiter[T]) poll([]uint64) int { return 0 }

func (w *waiter[T]) stop() {}
