//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// A restart (SIGHUP) hands the listening sockets to a new process, as
// nginx's binary upgrade does: the new process inherits the very
// sockets, so a connection waiting in a socket's accept queue is
// accepted by one process or the other, never reset.
//
// The protocol between the two processes:
//
//   - The old process starts the executable it was started from (a
//     binary replaced on disk is the new one) with the same arguments
//     and environment, plus restartEnv naming the sockets it hands
//     over, in order, as descriptors 3, 4, ... The descriptor after
//     them is the write end of a pipe. The sockets are the listening
//     TCP ones (public, admin) and, with --http3, the UDP socket HTTP/3
//     serves on (named h3Name).
//   - The new process serves on those sockets (not on --addr), writes
//     its pid file, tells systemd MAINPID and READY, and then writes
//     readyByte to the pipe and closes it. If it fails to start (any
//     error of run before that: a command line the new version
//     refuses, a missing DIR, a certificate that does not load), it
//     writes failedByte and its error, one line, closes the pipe, and
//     exits.
//   - The old process, on readyByte, stops accepting, drains and
//     exits. On failedByte, or if the pipe closes without a byte (the
//     new process exited, or could not start), it waits up to
//     exitGrace for the new process to exit (then kills it), or at once
//     if restartTimeout passes, and serves on, logging the new
//     process's error and exit status.
//
// (github.com/cloudflare/tableflip implements the same pattern; it is
// not used because it allows one Upgrader per process, which run,
// called many times by the tests, cannot live with.)

// restartEnv names the sockets a restarting process hands over,
// separated by colons ("public:admin"), as LISTEN_FDNAMES does.
const restartEnv = "WHARF_RESTART_FDS"

// firstInheritedFD is the first descriptor handed over
// (SD_LISTEN_FDS_START in systemd's protocol).
const firstInheritedFD = 3

// restartTimeout bounds how long a new process may take to be ready.
const restartTimeout = time.Minute

// inherited returns the sockets handed over by the process that
// started this one for a restart; nil when this process was not
// started so. restartEnv is removed from the environment.
func inherited() ([]namedListener, error) {
	v, ok := os.LookupEnv(restartEnv)
	if !ok {
		return nil, nil
	}
	os.Unsetenv(restartEnv)
	names := strings.Split(v, ":")
	var named []namedListener
	for i, name := range names {
		fd := firstInheritedFD + i
		syscall.CloseOnExec(fd)
		f := os.NewFile(uintptr(fd), name)
		nl := namedListener{name: name}
		var err error
		if name == h3Name {
			nl.pc, err = net.FilePacketConn(f) // a descriptor of its own
		} else {
			nl.ln, err = net.FileListener(f)
		}
		f.Close()
		if err != nil {
			closeNamed(named)
			return nil, fmt.Errorf("wharf: %s: descriptor %d (%q): %w", restartEnv, fd, name, listenCause(err))
		}
		named = append(named, nl)
	}
	return named, nil
}

// The first byte a new process writes to the ready pipe.
const (
	readyByte  = 1 // it serves
	failedByte = 0 // it failed to start: its error (one line) follows
)

// maxFailure bounds the error a new process reports (less than
// PIPE_BUF, so that it is written at once).
const maxFailure = 2048

// exitGrace is how long the old process waits for a new process that
// failed, or closed the ready pipe, to exit by itself before it kills
// it: its exit status is part of the report.
const exitGrace = 5 * time.Second

// A parentPipe is, in a process started by a restart, the write end of
// the pipe on which it tells the previous process how its start went.
// A nil *parentPipe (a process not started by a restart) does nothing.
// It is used by run's goroutine only.
type parentPipe struct{ f *os.File }

// takeParentPipe returns the pipe to the process that started this
// one for a restart, or nil. It is taken before anything can fail, so
// that every error of the start can be reported on it; restartEnv is
// left for inherited.
func takeParentPipe() *parentPipe {
	v, ok := os.LookupEnv(restartEnv)
	if !ok {
		return nil
	}
	fd := firstInheritedFD + len(strings.Split(v, ":"))
	syscall.CloseOnExec(fd)
	return &parentPipe{f: os.NewFile(uintptr(fd), "restart-ready")}
}

// serving tells the previous process that this one serves, and closes
// the pipe.
func (p *parentPipe) serving() error {
	if p == nil || p.f == nil {
		return nil
	}
	_, err := p.f.Write([]byte{readyByte})
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	p.f = nil
	return err
}

// failed tells the previous process that this one failed to start, and
// why (nil: it stops without an error, as after --help), and closes the
// pipe. After serving, it does nothing.
func (p *parentPipe) failed(err error) {
	if p == nil || p.f == nil {
		return
	}
	if err != nil {
		msg := oneLine(err.Error())
		if len(msg) > maxFailure-1 {
			msg = msg[:maxFailure-1]
		}
		p.f.Write(append([]byte{failedByte}, msg...))
	}
	p.f.Close()
	p.f = nil
}

// A restart is a new process, started with this one's sockets, that
// has not said yet that it serves.
type restart struct {
	cmd   *exec.Cmd
	id    int      // the new process's pid (cmd.Process forgets it at Release)
	ready *os.File // read end of the pipe; closed by wait
}

// startRestart starts a new copy of the executable with args and the
// sockets of named, and returns without waiting for it. Its standard
// output and error are this process's (stdout and stderr when they are
// files).
func startRestart(args []string, named []namedListener, stdout, stderr io.Writer) (*restart, error) {
	exe, err := os.Executable() // on Linux, the path even when replaced
	if err != nil {
		return nil, fmt.Errorf("finding the executable: %w", err)
	}
	var files []*os.File // closed here once the new process has its copies
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	names := make([]string, 0, len(named))
	for _, nl := range named {
		f, err := dupSocket(nl.socket(), nl.addr())
		if err != nil {
			return nil, fmt.Errorf("the %s socket %s: %w", nl.name, nl.addr(), err)
		}
		files = append(files, f)
		names = append(names, nl.name)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	files = append(files, pw)

	cmd := exec.Command(exe, args...)
	cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, restartEnv+"=")
	}), restartEnv+"="+strings.Join(names, ":"))
	cmd.Stdout, cmd.Stderr = fileOr(stdout, os.Stdout), fileOr(stderr, os.Stderr)
	cmd.ExtraFiles = files
	if err := cmd.Start(); err != nil {
		pr.Close()
		return nil, fmt.Errorf("starting %s: %w", exe, err)
	}
	return &restart{cmd: cmd, id: cmd.Process.Pid, ready: pr}, nil
}

// dupSocket returns a duplicate of the descriptor of s (a listener or
// the HTTP/3 UDP socket) at addr, for a new process to inherit.
//
// Not (*net.TCPListener).File or (*net.UDPConn).File: os.StartProcess
// calls Fd on the files it hands over, and Fd of a File made from a
// socket puts the descriptor in blocking mode, which is a property of
// the socket shared with s. A listener's accept loop would then block
// in accept(2), HTTP/3's in recvmsg(2), where closing the socket does
// not wake them, and Shutdown would wait forever after a restart that
// failed (a new process that succeeds sets non-blocking mode again). A
// File made by os.NewFile leaves the mode alone.
func dupSocket(s any, addr net.Addr) (*os.File, error) {
	sc, ok := s.(syscall.Conn)
	if !ok {
		return nil, errors.New("not a socket")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	dup, derr := -1, error(nil)
	if err := rc.Control(func(fd uintptr) {
		dup, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
	}); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, os.NewSyscallError("fcntl F_DUPFD_CLOEXEC", derr)
	}
	return os.NewFile(uintptr(dup), addr.String()), nil
}

// fileOr returns w if it is a file, else def: a new process can only
// write to a file descriptor (anything else would need a goroutine
// here copying for it, which the exit of this process would end).
func fileOr(w io.Writer, def *os.File) *os.File {
	if f, ok := w.(*os.File); ok {
		return f
	}
	return def
}

// pid is the new process's id.
func (r *restart) pid() int { return r.id }

// wait waits until the new process says it serves (nil), or fails, or
// exits, or timeout passes, or ctx ends. On any failure the new process
// is reaped (killed if it still runs when it should not), and the error
// says why: with the new process's own error when it reported one, and
// its exit status.
func (r *restart) wait(ctx context.Context, timeout time.Duration) error {
	defer r.ready.Close()
	r.ready.SetReadDeadline(time.Now().Add(timeout))
	stop := context.AfterFunc(ctx, func() { r.ready.SetReadDeadline(time.Now()) })
	var b [1]byte
	n, err := r.ready.Read(b[:])
	if n == 1 && b[0] == readyByte && ctx.Err() == nil {
		stop()
		r.cmd.Process.Release() // it outlives this process
		return nil
	}
	reason := ""
	if n == 1 && b[0] == failedByte {
		msg, rerr := io.ReadAll(io.LimitReader(r.ready, maxFailure))
		reason = oneLine(string(msg))
		if err == nil {
			err = rerr
		}
	}
	stop()
	// A new process that reported its failure, or closed the pipe,
	// is exiting: its exit status says how. One that did not answer
	// in time, or that a shutdown abandons, is killed now.
	grace := exitGrace
	if ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) {
		grace = 0
	}
	werr := r.reap(ctx, grace)
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("new process %d stopped: %w", r.pid(), context.Cause(ctx))
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("new process %d not ready within %v; killed", r.pid(), timeout)
	case reason != "" && werr != nil:
		return fmt.Errorf("new process %d failed: %s (%w)", r.pid(), reason, werr)
	case reason != "":
		return fmt.Errorf("new process %d failed: %s (exit status 0)", r.pid(), reason)
	case werr != nil:
		return fmt.Errorf("new process %d exited before it was ready: %w", r.pid(), werr)
	}
	return fmt.Errorf("new process %d exited before it was ready", r.pid())
}

// reap waits up to grace for the new process to exit, kills it if it
// has not (or at once if ctx ends), and returns how it exited.
func (r *restart) reap(ctx context.Context, grace time.Duration) error {
	exited := make(chan error, 1)
	go func() { exited <- r.cmd.Wait() }()
	if grace > 0 {
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case err := <-exited:
			return err
		case <-t.C:
		case <-ctx.Done():
		}
	}
	// Killing a process that has exited does nothing, and Wait then
	// reports how it exited.
	r.cmd.Process.Kill()
	return <-exited
}
