package main

import (
	"context"
	"fmt"
	"net"

	"github.com/coreos/go-systemd/v22/activation"
)

// A namedListener is a listening socket and its role: adminName for
// the admin listener, h3Name for the HTTP/3 (UDP) socket, any other
// name for a public one. The HTTP/3 socket is pc, not ln.
type namedListener struct {
	name string
	ln   net.Listener
	pc   net.PacketConn // set instead of ln for the HTTP/3 socket
}

// socket is the socket, ln or pc.
func (nl namedListener) socket() any {
	if nl.pc != nil {
		return nl.pc
	}
	return nl.ln
}

func (nl namedListener) addr() net.Addr {
	if nl.pc != nil {
		return nl.pc.LocalAddr()
	}
	return nl.ln.Addr()
}

func (nl namedListener) close() error {
	if nl.pc != nil {
		return nl.pc.Close()
	}
	return nl.ln.Close()
}

const (
	// adminName marks the admin listener among inherited sockets: a
	// systemd socket unit names it with FileDescriptorName=admin.
	adminName = "admin"
	// publicName is the name a restart gives the public listeners.
	publicName = "public"
	// h3Name is the name a restart gives the HTTP/3 (UDP) socket.
	h3Name = "http3"
)

// Where the listeners come from, as logged.
const (
	fromListen  = "listen"  // opened by this process (--addr, --admin-addr)
	fromSystemd = "systemd" // socket activation (LISTEN_FDS)
	fromRestart = "restart" // handed over by the previous process (SIGHUP)
)

// listeners are the sockets the command serves on. They are owned by
// run until the servers start, then by the servers (Serve closes its
// listener when it returns).
type listeners struct {
	public []net.Listener // at least one
	admin  net.Listener   // nil without --admin-addr or an inherited admin socket
	from   string         // fromListen, fromSystemd or fromRestart

	// packet is the HTTP/3 socket: handed over by a restart, or opened
	// by run for --http3 (then owned by the HTTP/3 server, whose Serve
	// closes it); nil otherwise.
	packet net.PacketConn
}

// openListeners returns the sockets to serve on. In order of
// preference: those handed over by the process that started this one
// for a restart; those systemd passed (socket activation, LISTEN_FDS),
// where the one named "admin" is the admin listener; or a new one on
// --addr (with SO_REUSEPORT for --reuseport). Then, if there is no
// admin listener yet and --admin-addr is set, a new one on it. Every
// error is one line, and leaves no socket open.
func openListeners(opts *options) (*listeners, error) {
	l := &listeners{from: fromRestart}
	named, err := inherited()
	if err != nil {
		return nil, err
	}
	if named == nil {
		l.from = fromSystemd
		if named, err = activated(); err != nil {
			return nil, err
		}
	}
	var admins []net.Listener
	packets := 0
	for _, nl := range named {
		if nl.pc != nil {
			l.packet = nl.pc
			packets++
			continue
		}
		if nl.name == adminName {
			admins = append(admins, nl.ln)
		} else {
			l.public = append(l.public, nl.ln)
		}
	}
	if named != nil {
		problem := ""
		switch {
		case len(admins) > 1:
			problem = fmt.Sprintf("more than one socket named %q", adminName)
		case packets > 1:
			problem = fmt.Sprintf("more than one socket named %q", h3Name)
		case len(l.public) == 0:
			problem = fmt.Sprintf("no socket but the %q one to serve the site on", adminName)
		}
		if problem != "" {
			closeNamed(named)
			return nil, fmt.Errorf("wharf: %s: %s", l.from, problem)
		}
		if len(admins) == 1 {
			l.admin = admins[0]
		}
	}
	if named == nil {
		l.from = fromListen
		lc := net.ListenConfig{}
		if opts.reuseport {
			lc.Control = reusePort
		}
		ln, err := lc.Listen(context.Background(), "tcp", opts.addr)
		if err != nil {
			return nil, fmt.Errorf("wharf: listen on %s: %w", opts.addr, listenCause(err))
		}
		l.public = []net.Listener{ln}
	}
	if l.admin == nil && opts.adminAddr != "" {
		// Never SO_REUSEPORT: a probe must reach this process, not
		// any of those sharing the public port.
		ln, err := net.Listen("tcp", opts.adminAddr)
		if err != nil {
			l.close()
			return nil, fmt.Errorf("wharf: --admin-addr: listen on %s: %w", opts.adminAddr, listenCause(err))
		}
		l.admin = ln
	}
	return l, nil
}

// named returns every listener with its role, for a restart to hand
// over.
func (l *listeners) named() []namedListener {
	var named []namedListener
	for _, ln := range l.public {
		named = append(named, namedListener{name: publicName, ln: ln})
	}
	if l.admin != nil {
		named = append(named, namedListener{name: adminName, ln: l.admin})
	}
	if l.packet != nil {
		named = append(named, namedListener{name: h3Name, pc: l.packet})
	}
	return named
}

// close closes every listener, before any server has taken them.
func (l *listeners) close() {
	closeNamed(l.named())
}

func closeNamed(named []namedListener) {
	for _, nl := range named {
		nl.close()
	}
}

// activated returns the sockets systemd passed (LISTEN_FDS, for this
// process: LISTEN_PID), named by LISTEN_FDNAMES (a socket unit's
// FileDescriptorName=, by default the unit's name), or nil when it
// passed none. The variables are removed from the environment, so that
// a process started by a restart does not take them for its own. A
// socket that is not a listening stream socket (a datagram socket) is
// an error.
func activated() ([]namedListener, error) {
	files := activation.Files(true)
	var named []namedListener
	for i, f := range files {
		ln, err := net.FileListener(f)
		f.Close()
		if err != nil {
			closeNamed(named)
			for _, f := range files[i+1:] {
				f.Close()
			}
			return nil, fmt.Errorf("wharf: systemd: socket %q (fd %d): %w", f.Name(), 3+i, listenCause(err))
		}
		named = append(named, namedListener{name: f.Name(), ln: ln})
	}
	return named, nil
}
