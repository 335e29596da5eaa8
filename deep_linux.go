package wharf

import (
	"io"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// Deep parking (Linux). A parked connection still holds the runtime's
// socket object: net.TCPConn, its netFD with two addresses, and the
// poller's descriptor record, about 600 bytes plus the garbage
// collector's headroom on the heap part. For thousands of idle
// keep-alive clients that is most of what they cost. A connection that
// stays parked past one deadline sweep (250-500 ms) is therefore
// reduced to its file descriptor: the parker duplicates the descriptor,
// closes the net.Conn (the socket stays open through the duplicate) and
// watches the duplicate. When the client sends again, the worker makes
// a new net.Conn from it (net.FileConn). Counted with strace, parking
// deep costs 7 system calls (epoll_ctl twice, dup, 2 fcntl, the
// runtime's epoll_ctl, close) and waking 16 (epoll_ctl, a peek, dup,
// 3 fcntl, getsockopt, getsockname, getpeername, the runtime's
// epoll_ctl, 5 setsockopt, close), or 2 when the client has closed the
// connection: nothing a client idle for a quarter of a second notices,
// and a busy one never pays it.
//
// One visible effect: net.FileConn applies Go's default TCP keep-alive
// probes (15 s) and TCP_NODELAY to the woken connection, replacing
// other settings a custom listener may have made on the socket.

// canDeepen reports whether c can be parked deep: only a plain TCP
// connection can, since net.FileConn makes a plain *net.TCPConn again,
// and a wrapper (TLS, a PROXY-protocol reader, a listener's own type)
// would lose its state.
func (c *conn) canDeepen() bool {
	_, ok := c.nc.(*net.TCPConn)
	return ok
}

// deepen reduces parked c to its descriptor. The parker owns c.
func (c *conn) deepen() error {
	nfd, err := unix.FcntlInt(uintptr(c.fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return err
	}
	// Blocking mode (the flag belongs to the socket, shared by both
	// descriptors; the original is closed below) keeps os.NewFile in
	// wake from registering the descriptor with the runtime poller only
	// to close it again; net.FileConn makes the socket non-blocking
	// again. The only I/O on a deep descriptor is sendDeep, which
	// passes MSG_DONTWAIT.
	if err := unix.SetNonblock(nfd, false); err != nil {
		unix.Close(nfd)
		return err
	}
	s := c.srv
	s.mu.Lock() // Server.Close reads c.nc under s.mu
	nc := c.nc
	c.nc, c.raw, c.fd = nil, nil, int32(nfd)
	s.mu.Unlock()
	nc.Close()
	// What can be made again on wake-up goes too: 32 bytes a connection.
	c.serveFn, c.remote = nil, ""
	return nil
}

// wake gives a deep-parked connection a net.Conn again. On error (io.EOF:
// the client closed it) the descriptor is closed; the caller untracks c.
func (c *conn) wake() error {
	// Most deep connections end with the client closing them: a look
	// (one system call) spares the 15 of making a net.Conn only to read
	// its EOF.
	var b [1]byte
	n, _, err := unix.Recvfrom(int(c.fd), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	if n == 0 && err == nil || err != nil && err != unix.EAGAIN && err != unix.EINTR {
		c.closeDeep()
		return io.EOF
	}
	f := os.NewFile(uintptr(c.fd), "wharf-conn")
	nc, err := net.FileConn(f)
	f.Close() // the duplicate; nc has a descriptor of its own
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
	unix.Close(int(c.fd))
	c.fd = -1
}

// sendDeep writes a short answer to a deep-parked connection without
// waiting: what does not fit in the socket buffer now is dropped.
func (c *conn) sendDeep(b []byte) {
	unix.SendmsgN(int(c.fd), b, nil, nil, unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
}
