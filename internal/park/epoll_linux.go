package park

import (
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// epoller waits for parked descriptors in an epoll set of its own, with
// one-shot readiness. Go's runtime poller also watches these
// descriptors; the two are independent (epoll(7) allows a descriptor in
// several sets), and a woken connection is read through the runtime as
// usual.
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
		err = unix.EpollCtl(int(epfd), op, int(fd), ev)
	})
	if cerr != nil {
		return cerr
	}
	return err
}

func (e *epoller[T]) add(tok uint64, src Source, mode Mode, _ time.Time) error {
	if src.FD < 0 {
		return errNoFD
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT}
	if mode == Write {
		ev.Events = unix.EPOLLOUT | unix.EPOLLONESHOT
	}
	setToken(&ev, tok)
	return e.ctl(unix.EPOLL_CTL_ADD, src.FD, &ev)
}

func (e *epoller[T]) remove(fd int32) {
	if fd >= 0 {
		e.ctl(unix.EPOLL_CTL_DEL, fd, nil)
	}
}

// watch adds fd for a hang-up or error, or the peer's FIN (EPOLLRDHUP),
// but not for readable bytes.
func (e *epoller[T]) watch(tok uint64, fd int32) error {
	ev := unix.EpollEvent{Events: unix.EPOLLRDHUP | unix.EPOLLONESHOT}
	setToken(&ev, tok)
	return e.ctl(unix.EPOLL_CTL_ADD, fd, &ev)
}

// loop delivers ready values and sweeps deadlines every sweepEvery,
// until stop closes the epoll descriptor.
func (e *epoller[T]) loop() {
	s := e.s
	defer s.wg.Done()
	events := make([]unix.EpollEvent, 128)
	lastSweep := time.Now()
	for {
		e.file.SetReadDeadline(lastSweep.Add(sweepEvery))
		var n int
		err := e.rc.Read(func(epfd uintptr) bool {
			var werr error
			n, werr = unix.EpollWait(int(epfd), events, 0)
			if werr != nil {
				n = 0
			}
			return n > 0 // none ready: wait until the set is readable
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
			if tok&watchBit != 0 {
				s.fire(tok, events[i].Events&(unix.EPOLLERR|unix.EPOLLHUP) != 0)
				continue
			}
			s.ready(tok)
		}
		if now := time.Now(); now.Sub(lastSweep) >= sweepEvery {
			lastSweep = now
			s.sweep(now, true)
		}
	}
}

func (e *epoller[T]) stop() {
	if e.stopped.Swap(true) {
		return
	}
	e.file.Close() // wakes the loop
}
