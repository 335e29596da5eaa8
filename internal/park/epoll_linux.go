package park

import (
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// epoller waits for parked descriptors in an epoll set of its own:
// edge-triggered registrations that stay armed between parks for values
// parked to read with a Source.Reg (regs.go), one-shot ones for the
// others (Write, watches, no Reg). Go's runtime poller also watches
// these descriptors; the two are independent (epoll(7) allows a
// descriptor in several sets), and a woken connection is read through
// the runtime as usual.
//
// The epoll descriptor itself is non-blocking and registered with the
// runtime poller (an epoll set is readable while it has events), so the
// loop never blocks a thread in epoll_wait: a blocking epoll_wait would
// keep its P until sysmon took it back, stalling every goroutine on a
// GOMAXPROCS=1 server for up to milliseconds.
type epoller[T any] struct {
	s       *Set[T]
	file    *os.File // the epoll descriptor, in the runtime poller
	rc      syscall.RawConn
	stopped atomic.Bool

	// The arguments and result of ctlLocked's call, and its callback,
	// made once: a func literal given to RawConn.Control escapes to
	// the heap at each call (an allocation per park otherwise).
	// Guarded by s.mu.
	cOp, cFD int
	cEv      unix.EpollEvent
	cErr     error
	ctlFn    func(epfd uintptr)

	// regs records the armed registrations (regs.go). Guarded by s.mu.
	regs regs
}

// sweepEvery is how often deadlines are checked, so they are precise to
// about this much, and how long a value waits before it can be aged.
const sweepEvery = 250 * time.Millisecond

func newEpoller[T any](s *Set[T]) (*epoller[T], error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(epfd)
		return nil, err
	}
	f := os.NewFile(uintptr(epfd), "wharf-epoll")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	e := &epoller[T]{s: s, file: f, rc: rc}
	e.ctlFn = e.doCtl
	s.wg.Add(1)
	go e.loop()
	return e, nil
}

func setToken(ev *unix.EpollEvent, tok uint64) {
	ev.Fd = int32(uint32(tok))
	ev.Pad = int32(uint32(tok >> 32))
}

func token(ev *unix.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}

func (e *epoller[T]) ctl(op int, fd int32, ev *unix.EpollEvent) error {
	var err error
	cerr := e.rc.Control(func(epfd uintptr) {
		err = rawEpollCtl(int(epfd), op, int(fd), ev)
	})
	if cerr != nil {
		return cerr
	}
	return err
}

// ctlLocked is ctl for a caller that holds s.mu, without allocating.
func (e *epoller[T]) ctlLocked(op int, fd int32, ev *unix.EpollEvent) error {
	e.cOp, e.cFD, e.cErr = op, int(fd), nil
	if ev != nil {
		e.cEv = *ev
	}
	if cerr := e.rc.Control(e.ctlFn); cerr != nil {
		return cerr
	}
	return e.cErr
}

func (e *epoller[T]) doCtl(epfd uintptr) {
	e.cErr = rawEpollCtl(int(epfd), e.cOp, e.cFD, &e.cEv)
}

// rawEpollCtl and rawEpollWait make their system calls without telling
// the scheduler (RawSyscall6): they never block (epoll_wait with a zero
// timeout), and on a GOMAXPROCS=1 server a scheduler told of a system
// call hands the P to another thread when a call outlasts its monitor's
// tick (20 us on a busy server), a futex wake and two context switches
// that cost more than the call. Measured under 1,000 busy connections:
// 15,000 context switches in 3 s with unix.EpollCtl/EpollWait, fewer
// with these (bench/NOTES.md).
func rawEpollCtl(epfd, op, fd int, ev *unix.EpollEvent) error {
	_, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_CTL, uintptr(epfd), uintptr(op), uintptr(fd), uintptr(unsafe.Pointer(ev)), 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

func rawEpollWait(epfd int, ev []unix.EpollEvent) int {
	n, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(&ev[0])), uintptr(len(ev)), 0, 0, 0)
	if errno != 0 {
		return 0
	}
	return int(n)
}

func (e *epoller[T]) add(tok uint64, src Source, mode Mode, _ time.Time) error {
	if src.FD < 0 {
		return errNoFD
	}
	if mode == Read && src.Reg != nil {
		return e.addArmed(tok, src)
	}
	e.regs.disarm(src.FD) // registered one-shot below
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT}
	if mode == Write {
		ev.Events = unix.EPOLLOUT | unix.EPOLLONESHOT
	}
	setToken(&ev, tok)
	// A value taken out of the set (take) leaves its descriptor
	// registered, disarmed by EPOLLONESHOT: parking it again is one
	// EPOLL_CTL_MOD, which also reports bytes that came meanwhile. A
	// descriptor never registered, or closed since (the kernel drops
	// a closed descriptor's registration), is added.
	err := e.ctlLocked(unix.EPOLL_CTL_MOD, src.FD, &ev)
	if err == unix.ENOENT {
		err = e.ctlLocked(unix.EPOLL_CTL_ADD, src.FD, &ev)
	}
	return err
}

// addArmed parks tok on src's armed registration (regs.go): without a
// system call when the descriptor's registration is its owner's and no
// edge came while the value was out; otherwise it registers the
// descriptor edge-triggered, under a new number that the owner keeps
// (*src.Reg).
func (e *epoller[T]) addArmed(tok uint64, src Source) error {
	r := e.regs.at(src.FD)
	if r.id != 0 && r.id == *src.Reg && !r.pending {
		r.tok, r.parked = tok, true
		return nil
	}
	id := e.regs.newID()
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET}
	setToken(&ev, regToken(src.FD, id))
	// Registered before (one-shot, or armed with an edge pending): MOD
	// re-arms it and reports bytes already there; else ADD.
	err := e.ctlLocked(unix.EPOLL_CTL_MOD, src.FD, &ev)
	if err == unix.ENOENT {
		err = e.ctlLocked(unix.EPOLL_CTL_ADD, src.FD, &ev)
	}
	if err != nil {
		*r, *src.Reg = reg{}, 0
		return err
	}
	*r, *src.Reg = reg{tok: tok, id: id, parked: true}, id
	return nil
}

// resolve returns the slot token an armed registration's event names
// (regs.resolve; under s.mu). The first edge that comes while its value
// is out leaves the registration in place with no event armed but the
// hang-ups and errors epoll always reports, once (EPOLLONESHOT): the
// next park re-arms it, as the edge is pending.
func (e *epoller[T]) resolve(tok uint64, take bool) (uint64, bool) {
	slot, ok, quiet := e.regs.resolve(tok, take)
	if quiet {
		ev := unix.EpollEvent{Events: unix.EPOLLONESHOT}
		setToken(&ev, tok)
		fd, _ := regOf(tok)
		e.ctlLocked(unix.EPOLL_CTL_MOD, fd, &ev)
	}
	return slot, ok
}

// remove stops waiting on fd, and forgets its armed registration.
func (e *epoller[T]) remove(fd int32) {
	if fd >= 0 {
		e.s.mu.Lock()
		e.regs.disarm(fd)
		e.s.mu.Unlock()
		e.ctl(unix.EPOLL_CTL_DEL, fd, nil)
	}
}

// poll takes up to len(toks) events without waiting, and returns how
// many ready values' tokens it put in toks. Watches' events are
// delivered here (fire).
func (e *epoller[T]) poll(toks []uint64) int {
	var ev [pollBatch]unix.EpollEvent
	n := 0
	e.rc.Control(func(epfd uintptr) {
		n = rawEpollWait(int(epfd), ev[:min(len(toks), pollBatch)])
	})
	k := 0
	for i := range n {
		tok := token(&ev[i])
		if tok&watchBit != 0 {
			e.s.fire(tok, ev[i].Events&(unix.EPOLLERR|unix.EPOLLHUP) != 0)
			continue
		}
		toks[k] = tok
		k++
	}
	return k
}

// watch adds fd for a hang-up or error, or the peer's FIN (EPOLLRDHUP),
// but not for readable bytes.
func (e *epoller[T]) watch(tok uint64, fd int32) error {
	e.regs.disarm(fd) // registered one-shot below
	ev := unix.EpollEvent{Events: unix.EPOLLRDHUP | unix.EPOLLONESHOT}
	setToken(&ev, tok)
	err := e.ctlLocked(unix.EPOLL_CTL_ADD, fd, &ev)
	if err == unix.EEXIST { // still registered since it was parked (add)
		err = e.ctlLocked(unix.EPOLL_CTL_MOD, fd, &ev)
	}
	return err
}

// loop delivers ready values and sweeps deadlines every sweepEvery,
// until stop closes the epoll descriptor.
func (e *epoller[T]) loop() {
	s := e.s
	defer s.wg.Done()
	events := make([]unix.EpollEvent, 128)
	lastSweep := time.Now()
	var dl time.Time
	for {
		// While workers take ready values (Set.Poll), wake up to
		// pollingFor after the last they took, to take over if they
		// stopped; while ready values wait in the stash for room
		// (Events.Room), pollingFor from now, to look for room again;
		// otherwise at the next sweep, or when the set has ready
		// values.
		next := lastSweep.Add(sweepEvery)
		if now := time.Now(); (s.polling(now) || s.Waiting() > 0) && now.Add(pollingFor).Before(next) {
			next = now.Add(pollingFor)
		}
		if !next.Equal(dl) {
			dl = next
			e.file.SetReadDeadline(dl)
		}
		var n int
		waited, hold := false, false
		err := e.rc.Read(func(epfd uintptr) bool {
			if s.polling(time.Now()) {
				// The workers take ready values (Poll): wait to
				// pollingFor, then look again.
				n = 0
				if waited {
					return true
				}
				waited = true
				return false
			}
			// Deliver what Room allows, first the values found ready
			// before; with no room, move those ready now to the
			// stash, where they wait in order for the takers or for
			// room (Waiting tells the workers they are there).
			room := s.deliverStash(s.room(len(events)))
			hold = room == 0
			if hold {
				room = len(events)
			}
			var werr error
			n, werr = unix.EpollWait(int(epfd), events[:room], 0)
			if werr != nil {
				n = 0
			}
			if n == 0 && hold && waited {
				return true // look for room again
			}
			if n == 0 {
				// None ready: wait until the set is readable, or
				// to the deadline.
				waited = true
				return false
			}
			return true
		})
		if e.stopped.Load() {
			return
		}
		if err != nil && !IsTimeout(err) {
			s.log.Error("epoll wait failed", "err", err)
			time.Sleep(10 * time.Millisecond)
		}
		for i := 0; i < n; i++ {
			tok := token(&events[i])
			switch {
			case tok&watchBit != 0:
				s.fire(tok, events[i].Events&(unix.EPOLLERR|unix.EPOLLHUP) != 0)
			case hold:
				s.hold(tok)
			default:
				s.ready(tok)
			}
		}
		if now := time.Now(); now.Sub(lastSweep) >= sweepEvery {
			lastSweep = now
			s.sweep(now, true)
			if s.ev.Swept != nil {
				s.ev.Swept()
			}
		}
	}
}

func (e *epoller[T]) stop() {
	if e.stopped.Swap(true) {
		return
	}
	e.file.Close() // wakes the loop
}
