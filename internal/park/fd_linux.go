package park

import (
	"errors"
	"io"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

var errNoFD = errors.New("park: no file descriptor")

// Bare descriptors. A socket the runtime knows costs its net.Conn, its
// netFD with two addresses and the poller's record, about 600 bytes on
// the heap; reduced to a bare descriptor of the caller's own it costs 4.
// Detach makes one, Revive makes a net.Conn of it again; between the
// two, only Add (with FD alone), Pending, SendNow and CloseFD use it.

// Detach duplicates fd for the caller, in blocking mode (the flag
// belongs to the socket, shared by both descriptors; the caller closes
// the original's net.Conn next). Blocking mode keeps os.NewFile in
// Revive from registering the descriptor with the runtime poller only
// to close it again; net.FileConn makes the socket non-blocking again.
func Detach(fd int32) (int32, error) {
	nfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := unix.SetNonblock(nfd, false); err != nil {
		unix.Close(nfd)
		return -1, err
	}
	return int32(nfd), nil
}

// Revive makes a net.Conn of a bare descriptor and closes the
// descriptor (the net.Conn has its own). Most bare descriptors end
// with the peer closing them: one look (a system call) spares the
// fifteen of making a net.Conn only to read its EOF, and Revive then
// closes fd and returns io.EOF.
func Revive(fd int32) (net.Conn, error) {
	var b [1]byte
	n, _, err := unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	if n == 0 && err == nil || err != nil && err != unix.EAGAIN && err != unix.EINTR {
		unix.Close(int(fd))
		return nil, io.EOF
	}
	f := os.NewFile(uintptr(fd), "wharf-conn")
	nc, err := net.FileConn(f)
	f.Close()
	return nc, err
}

// CloseFD closes a bare descriptor.
func CloseFD(fd int32) { unix.Close(int(fd)) }

// SendNow writes b to a bare descriptor without waiting: what does not
// fit in the socket buffer now is dropped.
func SendNow(fd int32, b []byte) {
	unix.SendmsgN(int(fd), b, nil, nil, unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
}

// Pending reports whether fd has bytes to read, without reading them.
func Pending(fd int32) bool {
	var b [1]byte
	n, _, err := unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	return err == nil && n > 0
}

// PeerAddr returns the address of a bare descriptor's peer, "ip:port",
// or "" when it cannot be had.
func PeerAddr(fd int32) string {
	sa, err := unix.Getpeername(int(fd))
	if err != nil {
		return ""
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return (&net.TCPAddr{IP: a.Addr[:], Port: a.Port}).String()
	case *unix.SockaddrInet6:
		return (&net.TCPAddr{IP: a.Addr[:], Port: a.Port}).String()
	}
	return ""
}
