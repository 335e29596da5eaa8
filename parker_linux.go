package wharf

import (
	"errors"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// epoller waits for parked connections in an epoll set of its own, with
// one-shot readiness, on one goroutine. Go's runtime poller also watches
// these descriptors; the two are independent (epoll(7) allows a
// descriptor in several sets), and a woken connection is read through
// the runtime as usual.
type epoller struct {
	p       *parker
	epfd    int
	wakefd  int // eventfd that interrupts epoll_wait for stop
	stopped atomic.Bool
}

const wakeToken = 0 // parker tokens start at 1

func newPoller(p *parker) poller {
	ep, err := newEpoller(p)
	if err != nil {
		p.s.cfg.log.Warn("epoll unavailable; idle connections use waiter goroutines", "err", err)
		return newWaiter(p)
	}
	return ep
}

func newEpoller(p *parker) (*epoller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	wfd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, err
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN}
	setToken(&ev, wakeToken)
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wfd, &ev); err != nil {
		unix.Close(epfd)
		unix.Close(wfd)
		return nil, err
	}
	e := &epoller{p: p, epfd: epfd, wakefd: wfd}
	p.wg.Add(1)
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

func (e *epoller) add(c *conn, tok uint64) error {
	if c.fd < 0 {
		return errors.New("no file descriptor")
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT}
	if c.parkWrite {
		ev.Events = unix.EPOLLOUT | unix.EPOLLONESHOT
	}
	setToken(&ev, tok)
	return unix.EpollCtl(e.epfd, unix.EPOLL_CTL_ADD, c.fd, &ev)
}

func (e *epoller) remove(c *conn) {
	unix.EpollCtl(e.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
}

// loop waits for readiness and checks deadlines about four times a
// second, so timeouts of parked connections are precise to ~250 ms.
func (e *epoller) loop() {
	defer e.p.wg.Done()
	events := make([]unix.EpollEvent, 128)
	lastExpire := time.Now()
	for !e.stopped.Load() {
		n, err := unix.EpollWait(e.epfd, events, 250)
		if err != nil && err != unix.EINTR {
			e.p.s.cfg.log.Error("epoll_wait failed", "err", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		for i := 0; i < n; i++ {
			tok := token(&events[i])
			if tok == wakeToken {
				continue
			}
			if c := e.p.take(tok); c != nil {
				e.p.ready(c)
			}
		}
		if now := time.Now(); now.Sub(lastExpire) >= 250*time.Millisecond {
			lastExpire = now
			e.p.expire(now)
		}
	}
}

func (e *epoller) stop() {
	if e.stopped.Swap(true) {
		return
	}
	var one = [8]byte{1}
	unix.Write(e.wakefd, one[:])
	go func() {
		e.p.wg.Wait()
		unix.Close(e.epfd)
		unix.Close(e.wakefd)
	}()
}
