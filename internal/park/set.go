package park

import (
	"errors"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wharfhttp/wharf/internal/monotime"
)

// A Mode is what a parked descriptor waits for.
type Mode uint8

const (
	// Read waits until the descriptor has bytes to read, or EOF or an
	// error to report (a hang-up wakes it too).
	Read Mode = iota
	// Write waits until the descriptor can take more bytes.
	Write
)

// ErrDraining is returned by Add for a Read value once Drain was
// called: a set being drained takes no new idle value.
var ErrDraining = errors.New("park: set is draining")

// A Source is the descriptor a value waits on, as the mechanisms need
// it: epoll uses FD, the waiter Raw and Conn.
type Source struct {
	// FD is the descriptor; -1 when there is none.
	FD int32
	// Raw is the runtime's handle on FD; nil for a bare descriptor
	// (see Detach).
	Raw syscall.RawConn
	// Conn sets the waiter's deadline; nil for a bare descriptor.
	Conn interface{ SetReadDeadline(time.Time) error }
	// Reg, when set, keeps FD registered to read between parks, so
	// that parking it again costs no system call (regs.go, epoll
	// only). It points to a number the owner keeps for the descriptor
	// and the Set writes. The owner sets it to 0 for a descriptor not
	// parked yet, whenever its FD changes (a new socket, a Detach),
	// and before an Add after a read that may have left bytes in the
	// socket (one that filled its buffer): the registration is
	// edge-triggered, so while the number is kept, only bytes that
	// come after the owner's last read wake the value.
	Reg *uint32
}

// Events are a Set's callbacks. Ready and Expired are required; each
// gets a value that has left the set and now belongs to the callee.
type Events[T any] struct {
	// Ready is called when v's descriptor is ready for its Mode.
	Ready func(v T)
	// Expired is called when v's deadline passed first.
	Expired func(v T)
	// Age, when set (and the mechanism ages values: Set.Ages), is
	// asked at each deadline sweep about every value that has waited
	// to read since before the previous sweep; true takes it out of
	// the set, and Aged is then called with it and its deadline. Age
	// runs with the set's lock held: it must be cheap and must not
	// call the set. At most maxAged values are taken per sweep.
	Age  func(v T) bool
	Aged func(v T, deadline time.Time)
	// Room, when set, reports how many ready values the set's
	// goroutine may give Ready now; the others wait in the mechanism,
	// in the order they became ready, for Room to report more or for
	// a caller of Poll to take them. The goroutine asks again when its
	// callees may have finished (within pollingFor). nil: no bound.
	// Values waiting to write are not bounded by it (Poll gives them
	// to Ready).
	Room func() int
	// Swept, when set, is called by the set's goroutine after each
	// deadline sweep (about every sweepEvery, on Linux), for policy
	// that looks at the server now and then.
	Swept func()
}

// maxAged bounds the values aged per sweep (the caller's work on each
// is 7 system calls, counted with strace for the root package's deep
// parking), so that a sweep after a burst of new connections does not
// hold up the delivery of ready ones for long. It is also the pace at
// which a burst of idle clients leaves the runtime's poller: at 1,024
// a sweep (4,000 a second), 10,000 clients opened in 1.3 s by a server
// with 16 workers were all shallow at once, and the runtime keeps the
// memory of its poller records for good (1,030 B a connection; 620-767
// B at 4,096, with the slow-client attack test's probes within 31 ms).
const maxAged = 4096

// maxAsked bounds the values Events.Age is asked about per sweep (it may
// look at each one's socket).
const maxAsked = 4 * maxAged

// A Watcher is told when the peer of a watched descriptor goes away
// (see Set.Watch).
type Watcher interface {
	// Gone reports a hang-up or error (reset), or the peer's FIN alone
	// (reset false), with bytes still unread in the socket (pending)
	// or not.
	Gone(reset, pending bool)
}

// A Set holds parked values (see the package documentation). Its
// methods are safe for concurrent use.
type Set[T any] struct {
	ev  Events[T]
	log *slog.Logger

	mu sync.Mutex
	// entries holds every parked value by token; the set owns them
	// until they are taken out. count is entries.used, kept for Len,
	// which is read without the lock on the hot path.
	entries slots[T]
	count   atomic.Int64
	bare    atomic.Int64 // how many entries are bare (Bare)
	writing atomic.Int64 // how many entries wait for Write (Writing)
	// polledAt is when Poll was last called (the set's monotonic
	// clock): while callers poll, the set's goroutine leaves ready
	// values to them (polling).
	polledAt atomic.Int64
	// stash holds, from stash[stashHead:], the tokens of values found
	// ready but not delivered yet, in the order they became ready: by
	// a Poll beyond the one it returned, or by the set's goroutine
	// when Events.Room had no room for them (hold). The next Polls
	// take them first, or the set's goroutine delivers them when no
	// one polls and there is room (deliverStash). Guarded by mu.
	stash     []uint64
	stashHead int
	// waiting is len(stash) - stashHead, kept for Waiting, which
	// reads it without the lock; written under mu (stashed).
	waiting atomic.Int64
	// watches holds the descriptors watched for hang-ups, by token
	// (tokens with watchBit set).
	watches  map[uint64]watch
	next     uint64 // last watch token given out
	sweeps   int    // deadline sweeps made (Sweeps)
	draining bool   // Drain was called: Read values are refused

	poll poller
	wg   sync.WaitGroup // the loop and waiter goroutines
}

// entry is a parked value and what the mechanism needs of it.
type entry[T any] struct {
	v        T
	deadline monotime.Time // 0: none
	fd       int32
	mode     Mode
	bare     bool // parked on a bare descriptor (Source.Raw nil)
}

type watch struct {
	w  Watcher
	fd int32
}

// watchBit marks the tokens of watches, so the loop can tell them from
// parked values.
const watchBit = 1 << 63

// A poller is the mechanism of a Set.
type poller interface {
	// add starts waiting on src for mode; deadline is the entry's.
	// The caller holds the set's lock.
	add(tok uint64, src Source, mode Mode, deadline time.Time) error
	// remove stops waiting on fd. The caller does not hold the set's
	// lock.
	remove(fd int32)
	// resolve returns the token of the parked value that the token of
	// an armed registration's event (regBit) names, and with take,
	// takes it out of the registration's record; ok is false when the
	// event is stale or its value is out (see regs.go). The caller
	// holds the set's lock.
	resolve(tok uint64, take bool) (slot uint64, ok bool)
	// poll puts in toks the tokens of descriptors that are ready now,
	// without waiting, and returns how many (0 also when the mechanism
	// cannot tell). A watch's event is delivered, not returned.
	poll(toks []uint64) int
	// stop releases the mechanism; the goroutines end.
	stop()
}

// New makes a Set and starts its goroutine. waiterOnly forces the
// portable waiter mechanism (for tests of it on Linux); log receives
// the mechanism's own troubles (epoll unavailable or failing).
func New[T any](ev Events[T], log *slog.Logger, waiterOnly bool) *Set[T] {
	s := &Set[T]{ev: ev, log: log, entries: newSlots[T]()}
	if !waiterOnly {
		if p, err := newEpoller(s); err == nil {
			s.poll = p
			return s
		} else if !errors.Is(err, errors.ErrUnsupported) {
			log.Warn("epoll unavailable; idle connections use waiter goroutines", "err", err)
		}
	}
	s.poll = &waiter[T]{s: s}
	return s
}

// Add parks v on src until it is ready for mode or deadline (zero:
// none) passes. On error v was not parked and is still the caller's.
func (s *Set[T]) Add(v T, src Source, mode Mode, deadline time.Time) error {
	s.mu.Lock()
	if s.draining && mode == Read {
		s.mu.Unlock()
		return ErrDraining
	}
	e := entry[T]{v: v, deadline: monotime.Of(deadline), fd: src.FD, mode: mode, bare: src.Raw == nil}
	tok := s.entries.put(e, uint32(s.sweeps))
	err := s.poll.add(tok, src, mode, deadline)
	if err != nil {
		s.entries.remove(tok)
	} else {
		s.counted(e, 1)
	}
	s.mu.Unlock()
	return err
}

// Len reports how many values are parked. It takes no lock: a value
// added or taken out concurrently may or may not be counted.
func (s *Set[T]) Len() int { return int(s.count.Load()) }

// Bare reports how many of the parked values wait on a bare descriptor
// (see Detach), as Len does.
func (s *Set[T]) Bare() int { return int(s.bare.Load()) }

// Writing reports how many of the parked values wait for Write, as Len
// does.
func (s *Set[T]) Writing() int { return int(s.writing.Load()) }

// counted counts e in (d = 1) or out (d = -1) of the set's counts.
func (s *Set[T]) counted(e entry[T], d int64) {
	s.count.Add(d)
	if e.bare {
		s.bare.Add(d)
	}
	if e.mode == Write {
		s.writing.Add(d)
	}
}

// Poll takes out of the set a value whose descriptor is ready now and
// returns it, without waiting: the value is then the caller's, as if
// given to Events.Ready (which is not called for it). ok is false when
// no value is ready, or the mechanism cannot tell without waiting (the
// waiter).
//
// Poll is how a worker that is about to wait for its own client serves
// a ready connection instead (the root package's parking.go): the
// connection goes from the kernel's ready list to a running goroutine
// without a hand-off through the set's goroutine and the pool's queue,
// so it does not wait for the scheduler to run them. One epoll_wait(2)
// per call; callers check Len first.
func (s *Set[T]) Poll() (v T, ok bool) {
	// Values waiting to write are not returned: each is a turn of a
	// file send to a slow reader, and a caller serving them one after
	// another would put a new client's request behind a thousand of
	// them. They go to Events.Ready, as the set's goroutine delivers
	// them (the root package hands them to idle workers).
	var writers [pollBatch]T
	nw := 0
	s.mu.Lock()
	for !ok && s.stashHead < len(s.stash) {
		tok := s.stash[s.stashHead]
		s.stashHead++
		if e, taken := s.takeLocked(tok); taken && e.mode == Write && nw < pollBatch {
			writers[nw] = e.v
			nw++
		} else if taken {
			v, ok = e.v, true
		}
	}
	if !ok {
		s.stash, s.stashHead = s.stash[:0], 0
		s.mu.Unlock()
		var toks [pollBatch]uint64
		n := s.poll.poll(toks[:])
		s.mu.Lock()
		for i, tok := range toks[:n] {
			e, taken := s.takeLocked(tok)
			switch {
			case !taken:
				// Taken by a sweep or Drain meanwhile.
			case e.mode == Write && nw < pollBatch:
				writers[nw] = e.v
				nw++
			default:
				v, ok = e.v, true
				s.stashAppend(toks[i+1 : n]...)
			}
			if ok {
				break
			}
		}
	}
	s.stashed()
	s.mu.Unlock()
	for _, w := range writers[:nw] {
		s.ev.Ready(w)
	}
	if ok {
		s.took()
	} else {
		// None ready: the caller stops polling, and the set's
		// goroutine delivers the next ones.
		s.polledAt.Store(0)
	}
	return v, ok
}

// pollBatch is how many ready values one Poll's epoll_wait(2) takes
// at most: one is returned, the others stashed for the next Polls, so
// that under load a system call finds several.
const pollBatch = 16

// deliverStash delivers up to room of the values stashed by Poll (for
// the set's goroutine, when no one polls), and returns how many of room
// are left.
func (s *Set[T]) deliverStash(room int) int {
	for ; room > 0; room-- {
		s.mu.Lock()
		if s.stashHead == len(s.stash) {
			s.stash, s.stashHead = s.stash[:0], 0
			s.mu.Unlock()
			return room
		}
		tok := s.stash[s.stashHead]
		s.stashHead++
		e, ok := s.takeLocked(tok)
		s.stashed()
		s.mu.Unlock()
		if ok {
			s.ev.Ready(e.v)
		} else {
			room++ // taken meanwhile: it used no room
		}
	}
	return 0
}

// hold keeps tok, found ready by the set's goroutine when Events.Room
// had no room for it, in the stash; a value waiting to write is
// delivered all the same (Room does not bound them: see Events.Room).
func (s *Set[T]) hold(tok uint64) {
	s.mu.Lock()
	if tok&regBit != 0 {
		// An armed registration's: a value parked to read, or an
		// edge for a value that is out, or a stale one, which are not
		// kept (they would count as Waiting).
		if _, ok := s.poll.resolve(tok, false); !ok {
			s.mu.Unlock()
			return
		}
	} else if sl := s.entries.lookup(tok); sl != nil && sl.mode == Write {
		e, _ := s.takeLocked(tok)
		s.mu.Unlock()
		s.ev.Ready(e.v)
		return
	}
	s.stashAppend(tok)
	s.stashed()
	s.mu.Unlock()
}

// stashAppend adds toks at the stash's end (under mu), moving what is
// left of it to the front first when the front half is used up, so that
// a stash that never empties does not grow without bound.
func (s *Set[T]) stashAppend(toks ...uint64) {
	if s.stashHead > 0 && s.stashHead >= len(s.stash)/2 {
		n := copy(s.stash, s.stash[s.stashHead:])
		s.stash, s.stashHead = s.stash[:n], 0
	}
	s.stash = append(s.stash, toks...)
}

// stashed records the stash's length for Waiting (under mu).
func (s *Set[T]) stashed() { s.waiting.Store(int64(len(s.stash) - s.stashHead)) }

// Waiting reports how many values were found ready and wait in the set
// to be taken (Poll) or delivered when there is room (Events.Room). It
// takes no lock, as Len. Values taken out meanwhile by a deadline
// sweep may still be counted.
func (s *Set[T]) Waiting() int { return int(s.waiting.Load()) }

// room reports how many ready values the set's goroutine may deliver
// now, at most max (Events.Room).
func (s *Set[T]) room(max int) int {
	if s.ev.Room == nil {
		return max
	}
	return min(max, s.ev.Room())
}

// took records that Poll took a value now.
func (s *Set[T]) took() { s.polledAt.Store(int64(monotime.Now())) }

// Busy reports whether callers of Poll have taken a ready value lately
// (within busyFor), and the last Poll found one: the set is then a run
// queue that workers drain, rather than a place where idle values wait.
func (s *Set[T]) Busy() bool {
	last := s.polledAt.Load()
	return last != 0 && int64(monotime.Now())-last < int64(busyFor)
}

// busyFor is how long after the last value taken the takers count as
// Busy.
const busyFor = 20 * time.Millisecond

// polling reports whether Poll took a value within pollingFor: then the
// set's goroutine leaves ready values to the callers of Poll rather
// than deliver them itself, so that they are served in the order they
// became ready instead of part of them through the callbacks (Events
// .Ready: the root package queues them for its workers, behind the
// running ones). pollingFor after the last Poll that took a value, or at
// once after one that found none, the goroutine takes over again: a
// caller of Poll that stopped (its handler is slow) does not hold up
// the others for longer.
func (s *Set[T]) polling(now time.Time) bool {
	return int64(monotime.Of(now))-s.polledAt.Load() < int64(pollingFor)
}

// pollingFor is how long after a Poll the set's goroutine leaves ready
// values to the callers of Poll.
const pollingFor = time.Millisecond

// Sweeps reports how many deadline sweeps the set has made (for tests
// that wait for one instead of sleeping).
func (s *Set[T]) Sweeps() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sweeps
}

// WaitsWritable reports whether the set can wait for Write (epoll).
func (s *Set[T]) WaitsWritable() bool {
	_, ok := s.poll.(*epoller[T])
	return ok
}

// Polls reports whether Poll can find ready values (epoll).
func (s *Set[T]) Polls() bool { return s.WaitsWritable() }

// Ages reports whether the set ages values (Events.Age; epoll).
func (s *Set[T]) Ages() bool { return s.WaitsWritable() }

// take removes the entry tok, whose descriptor was reported ready; ok
// is false if it is no longer parked. The descriptor stays registered
// with the mechanism: disarmed (one-shot), so that parking it again
// costs one system call instead of two (epoller.add), or armed, so that
// it costs none (regs.go).
func (s *Set[T]) take(tok uint64) (e entry[T], ok bool) {
	s.mu.Lock()
	e, ok = s.takeLocked(tok)
	s.mu.Unlock()
	return e, ok
}

func (s *Set[T]) takeLocked(tok uint64) (e entry[T], ok bool) {
	if tok&regBit != 0 {
		if tok, ok = s.poll.resolve(tok, true); !ok {
			return e, false
		}
	}
	if s.entries.lookup(tok) == nil {
		return e, false
	}
	e = s.entries.remove(tok)
	s.counted(e, -1)
	return e, true
}

// ready delivers the readiness of tok, if it is still parked.
func (s *Set[T]) ready(tok uint64) {
	if e, ok := s.take(tok); ok {
		s.ev.Ready(e.v)
	}
}

// sweep expires the values whose deadline passed and ages those that
// waited to read since the previous sweep (when age is set).
func (s *Set[T]) sweep(now time.Time, age bool) {
	var due, aged []entry[T]
	m := monotime.Of(now)
	s.mu.Lock()
	// Values parked since the previous sweep have its epoch.
	recent := uint32(s.sweeps)
	s.sweeps++
	age = age && s.ev.Age != nil
	asked := 0
	s.entries.each(func(tok uint64, sl *slot[T]) {
		switch {
		case sl.deadline != 0 && m >= sl.deadline:
			e, _ := s.takeLocked(tok)
			due = append(due, e)
		case age && sl.epoch != recent && sl.mode == Read && len(aged) < maxAged && asked < maxAsked:
			asked++
			if s.ev.Age(sl.v) {
				e, _ := s.takeLocked(tok)
				aged = append(aged, e)
			}
		}
	})
	s.mu.Unlock()
	for _, e := range due {
		s.poll.remove(e.fd)
		s.ev.Expired(e.v)
	}
	for _, e := range aged {
		s.poll.remove(e.fd)
		s.ev.Aged(e.v, e.deadline.Time())
	}
}

// Drain takes the values out of the set, but those keep says to keep
// (keep may be nil: none), and returns them; it makes later Adds of Read
// values fail with ErrDraining. keep runs with the set's lock held: it
// must be cheap and must not call the set.
func (s *Set[T]) Drain(keep func(v T, mode Mode) bool) []T {
	s.mu.Lock()
	s.draining = true
	var out []T
	var fds []int32
	s.entries.each(func(tok uint64, sl *slot[T]) {
		if keep == nil || !keep(sl.v, sl.mode) {
			e, _ := s.takeLocked(tok)
			out = append(out, e.v)
			fds = append(fds, e.fd)
		}
	})
	s.mu.Unlock()
	for _, fd := range fds {
		s.poll.remove(fd)
	}
	return out
}

// Stop ends the set's goroutines and waits for them. Call it after
// Drain(nil): a value still parked is neither delivered nor closed.
func (s *Set[T]) Stop() {
	s.poll.stop()
	s.wg.Wait()
}

// Forget unregisters fd from the mechanism, if it is registered (a
// value taken out of the set leaves its descriptor registered; see
// take): for a descriptor about to be closed while another refers to
// the same socket, whose registration the kernel would keep.
func (s *Set[T]) Forget(fd int32) { s.poll.remove(fd) }

// Watch watches fd, whose connection is being served (not parked), for
// its peer going away: a hang-up or error, or the peer's FIN, but not
// for readable bytes (a pipelined request is no reason to wake). It
// returns the watch's token, or 0 when the mechanism cannot watch
// (the waiter). The watch fires once; Unwatch ends it.
func (s *Set[T]) Watch(fd int32, w Watcher) uint64 {
	e, ok := s.poll.(*epoller[T])
	if !ok || fd < 0 {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	tok := s.next | watchBit
	if err := e.watch(tok, fd); err != nil {
		return 0
	}
	if s.watches == nil {
		s.watches = make(map[uint64]watch)
	}
	s.watches[tok] = watch{w, fd}
	return tok
}

// Unwatch ends the watch tok of fd. Call it before fd can be parked or
// closed.
func (s *Set[T]) Unwatch(tok uint64, fd int32) {
	s.mu.Lock()
	delete(s.watches, tok)
	s.mu.Unlock()
	s.poll.remove(fd)
}

// Watching reports how many watches are armed (for tests).
func (s *Set[T]) Watching() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.watches)
}

// fire delivers a watch's event. It looks at the socket under s.mu, so
// the owner cannot end the watch and close the descriptor meanwhile.
func (s *Set[T]) fire(tok uint64, reset bool) {
	s.mu.Lock()
	w, ok := s.watches[tok]
	delete(s.watches, tok)
	pending := ok && !reset && Pending(w.fd)
	s.mu.Unlock()
	if ok {
		w.w.Gone(reset, pending)
	}
}

// IsTimeout reports whether err is a deadline's.
func IsTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

// Each calls f with every parked value and its mode, under the set's
// lock (f must not call the set): for diagnostics and tests.
func (s *Set[T]) Each(f func(v T, mode Mode)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries.each(func(_ uint64, sl *slot[T]) {
		f(sl.v, sl.mode)
	})
}
