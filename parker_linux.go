package wharf

import (
	"errors"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// epoller waits for parked connections in an epoll set of its own, with
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
type epoller struct {
	p       *parker
	file    *os.File // the epoll descriptor, in the runtime poller
	rc      syscall.RawConn
	stopped atomic.Bool
}

// expireEvery is how often deadlines of parked connections are checked,
// so their timeouts are precise to about this much.
const expireEvery = 250 * time.Millisecond

func newPoller(p *parker) poller {
	if p.s.testWaiter {
		return newWaiter(p)
	}
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
	e := &epoller{p: p, file: f, rc: rc}
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

func (e *epoller) ctl(op int, c *conn, ev *unix.EpollEvent) error {
	var err error
	cerr := e.rc.Control(func(epfd uintptr) {
		err = unix.EpollCtl(int(epfd), op, int(c.fd), ev)
	})
	if cerr != nil {
		return cerr
	}
	return err
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
	return e.ctl(unix.EPOLL_CTL_ADD, c, &ev)
}

func (e *epoller) remove(c *conn) {
	e.ctl(unix.EPOLL_CTL_DEL, c, nil)
}

// loop collects ready connections and checks deadlines every
// expireEvery, until stop closes the epoll descriptor.
func (e *epoller) loop() {
	defer e.p.wg.Done()
	events := make([]unix.EpollEvent, 128)
	lastExpire := time.Now()
	for {
		e.file.SetReadDeadline(lastExpire.Add(expireEvery))
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
		if err != nil && !isTimeout(err) {
			e.p.s.cfg.log.Error("epoll wait failed", "err", err)
			time.Sleep(10 * time.Millisecond)
		}
		for i := 0; i < n; i++ {
			if tok := token(&events[i]); tok&watchBit != 0 {
				e.p.fireGone(tok, events[i].Events&(unix.EPOLLERR|unix.EPOLLHUP) != 0)
				continue
			}
			if c := e.p.take(token(&events[i])); c != nil {
				e.p.ready(c)
			}
		}
		if now := time.Now(); now.Sub(lastExpire) >= expireEvery {
			lastExpire = now
			for _, c := range e.p.expire(now, true) {
				e.remove(c)
				if err := c.deepen(); err != nil {
					e.p.s.cfg.log.Debug("cannot park connection deep", "err", err)
				}
				e.p.add(c, c.parkDeadline.time(), c.parkTimeout)
			}
		}
	}
}

func (e *epoller) deepens() bool { return true }

// watchGone watches c, whose handler runs, for its client going away:
// a hang-up or error, or the client's FIN (EPOLLRDHUP), but not for
// readable bytes (a pipelined request is no reason to wake).
func (e *epoller) watchGone(c *conn, tok uint64) error {
	ev := unix.EpollEvent{Events: unix.EPOLLRDHUP | unix.EPOLLONESHOT}
	setToken(&ev, tok)
	return e.ctl(unix.EPOLL_CTL_ADD, c, &ev)
}

// pending reports whether fd has bytes to read, without reading them.
func (e *epoller) pending(fd int32) bool {
	var b [1]byte
	n, _, err := unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	return err == nil && n > 0
}

func (e *epoller) stop() {
	if e.stopped.Swap(true) {
		return
	}
	e.file.Close() // wakes the loop
}
