package wharf

import (
	"net"

	"github.com/wharfhttp/wharf/internal/park"
)

// Deep parking (Linux). A parked connection still holds the runtime's
// socket object: net.TCPConn, its netFD with two addresses, and the
// poller's descriptor record, about 600 bytes plus the garbage
// collector's headroom on the heap part. For thousands of idle
// keep-alive clients that is most of what they cost. A connection that
// stays parked past one deadline sweep (250-500 ms) is therefore
// reduced to its file descriptor: the connection keeps a duplicate of
// its descriptor (park.Detach), closes the net.Conn (the socket stays
// open through the duplicate) and is parked on the duplicate. When the
// client sends again, the worker makes a new net.Conn from it
// (park.Revive). Counted with strace, parking deep costs 7 system
// calls (epoll_ctl twice, dup, 2 fcntl, the runtime's epoll_ctl,
// close) and waking 16 (epoll_ctl, a peek, dup, 3 fcntl, getsockopt,
// getsockname, getpeername, the runtime's epoll_ctl, 5 setsockopt,
// close), or 2 when the client has closed the connection: nothing a
// client idle for a quarter of a second notices, and a busy one never
// pays it.
//
// One visible effect: net.FileConn applies Go's default TCP keep-alive
// probes (15 s) and TCP_NODELAY to the woken connection, replacing
// other settings a custom listener may have made on the socket.
//
// Elsewhere than Linux the set never ages connections (park.Set.Ages)
// and c.nc is never nil.

// canDeepen reports whether c can be parked deep: only a plain TCP
// connection can, since net.FileConn makes a plain *net.TCPConn again,
// and a wrapper (TLS, a PROXY-protocol reader, a listener's own type)
// would lose its state.
func (c *conn) canDeepen() bool {
	_, ok := c.nc.(*net.TCPConn)
	return ok
}

// deepen reduces c, which is being parked, to its descriptor.
func (c *conn) deepen() error {
	nfd, err := park.Detach(c.fd)
	if err != nil {
		return err
	}
	c.srv.parked.Forget(c.fd) // closed next, while nfd keeps the socket
	s := c.srv
	s.mu.Lock() // Server.Close reads c.nc under s.mu
	nc := c.nc
	c.nc, c.raw, c.fd, c.parkReg = nil, nil, nfd, 0
	s.mu.Unlock()
	nc.Close()
	// What can be made again on wake-up goes too: 32 bytes a connection.
	c.serveFn, c.remote = nil, ""
	return nil
}

// wake gives a deep-parked connection a net.Conn again. On error
// (io.EOF: the client closed it) the descriptor is closed; the caller
// untracks c.
func (c *conn) wake() error {
	c.srv.parked.Forget(c.fd) // Revive closes it, and the socket lives on
	nc, err := park.Revive(c.fd)
	c.fd = -1
	if err != nil {
		return err
	}
	s := c.srv
	s.mu.Lock()
	if s.hardClosed {
		s.mu.Unlock()
		nc.Close()
		return ErrServerClosed
	}
	c.nc = nc
	s.mu.Unlock()
	c.attach()
	// The new socket object has no deadlines.
	c.rdl, c.wdl = 0, 0
	return nil
}

// closeDeep closes a deep-parked connection's descriptor.
func (c *conn) closeDeep() {
	park.CloseFD(c.fd)
	c.fd = -1
}
