package wharf

import (
	"errors"
	"net"
	"time"
)

// waiter parks each connection on a goroutine of its own that waits for
// readability through syscall.RawConn without a buffer. It is the
// portable poller, and the fallback when epoll is unavailable.
type waiter struct{ p *parker }

func newWaiter(p *parker) *waiter { return &waiter{p: p} }

func (w *waiter) add(c *conn, tok uint64) error {
	if c.raw == nil {
		return errors.New("no raw connection")
	}
	p := w.p
	deadline := c.parkDeadline.time()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		c.nc.SetReadDeadline(deadline)
		err := waitReadable(c.raw)
		if p.take(tok) != c {
			return // closed by closeAll
		}
		c.rdl = 0
		if err != nil && isTimeout(err) {
			p.expireOne(c)
			return
		}
		p.ready(c)
	}()
	return nil
}

func (w *waiter) remove(c *conn) {}

func (w *waiter) stop() {}

func (w *waiter) deepens() bool { return false }

// expireOne handles one connection whose deadline passed.
func (p *parker) expireOne(c *conn) {
	if c.parkWrite {
		// The client stopped reading its answer (WriteTimeout).
		if tc, ok := c.nc.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
	}
	if c.parkTimeout && c.nc == nil {
		c.sendDeep(timeoutResponse)
	} else if c.parkTimeout {
		c.nc.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		c.nc.Write(timeoutResponse)
	}
	c.closeParked()
}
