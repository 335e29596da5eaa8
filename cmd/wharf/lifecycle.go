package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/cmd/wharf/internal/metrics"
	"github.com/wharfhttp/wharf/h3"
)

// A lifecycle is the command at work, from the first accept to the
// exit: it serves on the listeners, watches the signals, runs
// --shutdown-delay and the graceful shutdown, and on SIGHUP hands the
// listeners to a new process. The lifecycle's goroutines (one Serve per
// listener) are joined before run returns.
type lifecycle struct {
	// Set by the caller; immutable.
	opts     *options
	log      *slog.Logger
	args     []string  // the command line, for the process a restart starts
	stdout   io.Writer // for the process a restart starts
	stderr   io.Writer
	lns      *listeners       // owned by the servers once serve is called
	srv      *wharf.Server    // serves lns.public
	metrics  *metrics.Metrics // served on /metrics of the admin listener; nil without one
	h3       *h3.Server       // serves HTTP/3 beside srv; nil without --http3
	dirLabel string           // what is served, as logged
	parent   *parentPipe      // to the previous process after a restart; nil otherwise

	// Set by serve.
	admin       *wharf.Server // serves lns.admin; nil without it
	served      chan error    // one result per public Serve call
	adminServed chan error    // the admin Serve call's result
	h3Served    chan error    // h3's Serve result; nil without HTTP/3

	// Owned by run's goroutine.
	pending int // public Serve calls whose result is not received yet

	health health // read by the admin listener
}

// errForced is run's error after a second signal.
var errForced = errors.New("wharf: forced close on second signal")

// run serves until ctx is done, a signal on sigs (SIGINT, SIGTERM)
// arrives, or a restart (a signal on hups, SIGHUP) has handed the
// listeners to a new process; then it shuts down and returns nil after
// a clean shutdown.
func (l *lifecycle) run(ctx context.Context, sigs, hups <-chan os.Signal) error {
	l.serve()
	l.announce()

	var (
		starting    *restart // the restart still starting, or nil
		restartDone = make(chan error, 1)
	)
	// Restarts wait with rctx: it ends only when run returns.
	rctx, cancelRestart := context.WithCancel(context.Background())
	defer cancelRestart()
	// stopRestart stops a restart still starting (the new process is
	// killed) and waits for it.
	stopRestart := func() {
		if starting != nil {
			cancelRestart()
			l.log.Warn("restart abandoned: shutting down", "err", <-restartDone)
			starting = nil
		}
	}
	for {
		select {
		case err := <-l.served:
			// Serve stops only after Shutdown or Close, so this is an
			// accept error.
			l.pending--
			stopRestart()
			l.health.setStopping()
			l.closeNow()
			return fmt.Errorf("wharf: serve: %w", err)
		case err := <-l.h3Served:
			// HTTP/3's Serve stops only after Shutdown or Close, so
			// this is the socket's or QUIC's error.
			l.h3Served = nil
			stopRestart()
			l.health.setStopping()
			l.closeNow()
			return fmt.Errorf("wharf: HTTP/3: %w", err)
		case <-ctx.Done():
			stopRestart()
			l.log.Info("shutting down", "reason", context.Cause(ctx).Error())
			return l.shutdown(sigs, false)
		case sig := <-sigs:
			stopRestart()
			l.log.Info("shutting down", "signal", sig.String())
			return l.shutdown(sigs, false)
		case <-hups:
			if starting != nil {
				l.log.Warn("SIGHUP ignored: a restart is still starting", "new_pid", starting.pid())
				continue
			}
			r, err := startRestart(l.args, l.lns.named(), l.stdout, l.stderr)
			if err != nil {
				l.log.Error("restart failed; still serving", "err", err)
				continue
			}
			l.log.Info("restarting: new process started; waiting until it serves", "new_pid", r.pid())
			starting = r
			go func() { restartDone <- r.wait(rctx, restartTimeout) }()
		case err := <-restartDone:
			pid := starting.pid()
			starting = nil
			if err != nil {
				l.log.Error("restart failed; still serving", "err", err)
				l.rewritePIDFile()
				continue
			}
			l.log.Info("restarted: the new process serves; draining", "new_pid", pid)
			return l.shutdown(sigs, true)
		}
	}
}

// serve starts the servers: one Serve of srv per public listener, and
// the admin server on the admin listener.
func (l *lifecycle) serve() {
	serve := l.srv.Serve
	if l.opts.tls() {
		serve = func(ln net.Listener) error { return l.srv.ServeTLS(ln, "", "") }
	}
	l.served = make(chan error, len(l.lns.public))
	l.pending = len(l.lns.public)
	for _, ln := range l.lns.public {
		ln := l.opts.proxyListener(ln)
		go func() { l.served <- serve(ln) }()
	}
	if l.h3 != nil {
		l.h3Served = make(chan error, 1)
		go func() { l.h3Served <- l.h3.Serve() }()
	}
	if l.lns.admin != nil {
		l.admin = adminServer(&l.health, l.metrics, l.log)
		l.adminServed = make(chan error, 1)
		go func() { l.adminServed <- l.admin.Serve(l.lns.admin) }()
	}
}

// announce logs the addresses served and tells whoever waits that the
// process serves: systemd (READY=1), and the previous process after a
// restart.
func (l *lifecycle) announce() {
	scheme := "http"
	if l.opts.tls() {
		scheme = "https"
	}
	for _, ln := range l.lns.public {
		addr := ln.Addr().String()
		attrs := []any{
			"addr", addr,
			"url", scheme + "://" + addr + "/",
			"dir", l.dirLabel,
			"workers", l.opts.workers,
			"queue", l.opts.effectiveQueue(),
		}
		if l.lns.from != fromListen {
			attrs = append(attrs, "socket_from", l.lns.from)
		}
		l.log.Info("wharf listening", attrs...)
	}
	if l.h3 != nil {
		l.log.Info("HTTP/3 listening", "addr", l.h3.Addr().String())
	}
	if l.lns.admin != nil {
		l.log.Info("admin listening", "addr", l.lns.admin.Addr().String(), "paths", "/healthz /readyz /metrics")
	}
	if l.parent == nil {
		notify(l.log, "READY=1")
		return
	}
	// Started by a restart: systemd learns the new main pid before the
	// previous process exits.
	notify(l.log, fmt.Sprintf("MAINPID=%d\nREADY=1", os.Getpid()))
	if err := l.parent.serving(); err != nil {
		l.log.Warn("could not tell the previous process that this one serves", "err", err)
	}
}

// shutdown takes the process out of service and stops it.
//
// After a signal (handover false): /readyz fails at once, systemd is
// told STOPPING=1, and the servers serve on for --shutdown-delay, so
// that load balancers see the failing probe and stop sending; then the
// listeners close and the requests in flight are answered (drain). A
// second signal during either phase closes every connection at once.
//
// After a restart (handover true), the new process accepts on the same
// sockets already: the listeners close at once, with no delay, and
// systemd is not told STOPPING (the service goes on, in the new
// process).
func (l *lifecycle) shutdown(sigs <-chan os.Signal, handover bool) error {
	l.health.setStopping()
	if !handover {
		notify(l.log, "STOPPING=1")
		if d := l.opts.shutdownDelay; d > 0 {
			l.log.Info("not ready (/readyz answers 503); serving on for the shutdown delay", "delay", d)
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case sig := <-sigs:
				t.Stop()
				return l.forceClose(sig)
			}
		}
	}
	if handover && l.lns.admin != nil {
		// The admin socket is the new process's now: a probe that
		// reached this one would see /readyz fail.
		l.lns.admin.Close()
	}
	l.log.Info("draining: no longer accepting; answering the requests in flight", "timeout", l.opts.shutdownTimeout)
	return l.drain(sigs, handover)
}

const msgDrainingSignal = "signal while draining after a restart; a second one closes connections"

// drain stops srv gracefully, within --shutdown-timeout (0: no limit).
// A signal on sigs, or the timeout, turns it into a hard Close; after
// a hand-over, only the second one does.
//
// After a hand-over, Shutdown begins as soon as the listeners are
// closed: a connection accepted just before, whose first request has
// not arrived yet, is not closed by it but gets the engine's
// newConnGrace (2 s) to send that request, even when its worker was in
// its short pre-park wait as Shutdown began (readHead rechecks for a
// closing server before it parks a connection that has not sent a
// request, and parkAdd hands such a connection back to a worker).
func (l *lifecycle) drain(sigs <-chan os.Signal, handover bool) error {
	sctx, cancel := context.WithCancel(context.Background())
	if t := l.opts.shutdownTimeout; t > 0 {
		sctx, cancel = context.WithTimeout(context.Background(), t)
	}
	defer cancel()

	// The listeners are closed here, and the accept loops waited for,
	// before Shutdown: every connection accepted by then is the
	// server's like any other and is answered. (Shutdown itself would
	// turn away with 503 a connection accepted while it begins, and
	// after a restart, that connection could as well have gone to the
	// new process.)
	for _, ln := range l.lns.public {
		ln.Close()
	}
	acceptErr := l.collect()

	// After a restart, no signal has come yet: the first one (systemd
	// stopping the service while this process drains) asks for what is
	// being done already, and is only logged.
	signalled := !handover

	done := make(chan error, 1)
	go func() { done <- l.srv.Shutdown(sctx) }()

	var forced error
	for forced == nil {
		select {
		case err := <-done:
			if err == nil {
				// HTTP/3's last answers are sent when its Serve
				// returns.
				if err := l.waitH3(); acceptErr == nil {
					acceptErr = err
				}
				l.stopAdmin()
				if acceptErr != nil {
					return acceptErr
				}
				l.log.Info("stopped")
				return nil
			}
			if sctx.Err() != nil {
				forced = errors.New("wharf: shutdown timed out; connections closed")
			} else {
				forced = fmt.Errorf("wharf: shutdown: %w; connections closed", err)
			}
		case sig := <-sigs:
			if !signalled {
				signalled = true
				l.log.Info(msgDrainingSignal, "signal", sig.String())
				continue
			}
			l.log.Warn("second signal; closing connections", "signal", sig.String())
			cancel()
			<-done
			forced = errForced
		}
	}
	l.closeNow()
	return forced
}

// forceClose is the answer to a second signal: every connection is
// closed at once.
func (l *lifecycle) forceClose(sig os.Signal) error {
	l.log.Warn("second signal; closing connections", "signal", sig.String())
	l.closeNow()
	return errForced
}

// closeNow closes every connection of both servers and waits for the
// pending Serve calls to return.
func (l *lifecycle) closeNow() {
	l.srv.Close() // closes HTTP/3 too (RegisterOnClose)
	l.collect()
	l.waitH3()
	if l.admin != nil {
		l.admin.Close()
		<-l.adminServed
	}
	l.log.Warn("stopped; connections closed")
}

// collect waits for the pending public Serve calls to return, and
// returns the first error other than ErrServerClosed or that of a
// listener closed by drain.
func (l *lifecycle) collect() error {
	var first error
	for ; l.pending > 0; l.pending-- {
		err := <-l.served
		if err != nil && !errors.Is(err, wharf.ErrServerClosed) && !errors.Is(err, net.ErrClosed) && first == nil {
			first = fmt.Errorf("wharf: serve: %w", err)
		}
	}
	return first
}

// waitH3 waits for HTTP/3's Serve to return (unless it has, or there
// is none) and returns its error other than ErrServerClosed.
func (l *lifecycle) waitH3() error {
	if l.h3Served == nil {
		return nil
	}
	err := <-l.h3Served
	l.h3Served = nil
	if err != nil && !errors.Is(err, wharf.ErrServerClosed) {
		return fmt.Errorf("wharf: HTTP/3: %w", err)
	}
	return nil
}

// stopAdmin stops the admin server once the public one has stopped:
// /healthz answers for as long as the process serves. Probes are
// short; one still running after a second is cut.
func (l *lifecycle) stopAdmin() {
	if l.admin == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if l.admin.Shutdown(ctx) != nil {
		l.admin.Close()
	}
	<-l.adminServed
}

// rewritePIDFile puts this process's pid back in --pid-file after a
// failed restart: the new process may have written its own before it
// failed.
func (l *lifecycle) rewritePIDFile() {
	if l.opts.pidFile == "" {
		return
	}
	if err := writePIDFile(l.opts.pidFile); err != nil {
		l.log.Error("could not rewrite the pid file", "err", err)
	}
}
