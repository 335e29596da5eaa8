// Command wharf is a strict HTTP/1.1 server for static files.
//
// Usage:
//
//	wharf [flags] [DIR]
//
// wharf serves the files in DIR. If DIR holds a 404.html, it is the body
// of every 404 answer. Without DIR, wharf serves a small built-in demo
// site: GET / answers a hello page, GET /sleep the same page after five
// seconds, anything else a 404 "Oops!" page.
//
// It listens on 127.0.0.1:7878 unless --addr says otherwise, logs to
// standard error (one startup line giving the address; with --access-log
// one line per request), and runs until SIGINT or SIGTERM. Then it stops
// accepting connections, lets every request in flight finish, and exits
// with status 0. If that takes longer than --shutdown-timeout, or a
// second signal arrives, it closes every connection and exits with
// status 1.
//
// The flags are:
//
//	--addr address              TCP address to listen on (default 127.0.0.1:7878;
//	                            port 0 picks a free port)
//	--workers n                 pool workers, how many connections are served
//	                            at once (default 512)
//	--queue n                   connections that may wait for a worker
//	                            (0: 4 × workers, -1: none); past it clients get 503
//	--shutdown-timeout d        graceful shutdown limit (default 30s; 0: none)
//	--read-header-timeout d     time to read a request head (default 10s)
//	--read-timeout d            time to read a request body (default 1m)
//	--write-timeout d           time for each write of a response (default 1m)
//	--idle-timeout d            keep-alive idle limit (default 1m)
//	--max-header-bytes n        largest request head (default 16384)
//	--max-body-bytes n          largest request body (default 10485760)
//	--max-conns n               most open connections (default 10000; 0: no cap)
//	--max-conns-per-ip n        most open connections per client IP (0: no cap)
//	--log-format text|json      log format (default text)
//	--log-level level           debug, info, warn or error (default info)
//	--access-log                log one line per request
//	--version                   print the version and exit
//
// A timeout of 0 means no limit. Every flag but --version can also be
// set with an environment variable WHARF_<NAME>, the flag's name in
// upper case with dashes as underscores (WHARF_ADDR, WHARF_LOG_FORMAT);
// a flag on the command line wins over the environment, and an empty
// variable counts as unset.
//
// Errors are reported as one line on standard error. The exit status is
// 0 after a clean shutdown, 2 for a malformed command line or
// environment, and 1 for any other error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"wharf"
	"wharf/fileserver"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	if err == nil {
		return
	}
	// One line, whatever the error holds (a path or value may contain a
	// newline).
	msg := strings.Join(strings.Fields(err.Error()), " ")
	fmt.Fprintln(os.Stderr, msg)
	var ue *usageError
	if errors.As(err, &ue) {
		os.Exit(2)
	}
	os.Exit(1)
}

// run is the whole command: it parses args (flags, then an optional
// DIR) and the WHARF_* environment, serves until ctx is done or SIGINT
// or SIGTERM arrives, and shuts down gracefully. It returns nil after a
// clean shutdown, and after printing usage (-h) or the version. Log
// records go to stderr; usage and the version to stdout.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if opts.version {
		_, err := fmt.Fprintf(stdout, "wharf %s\n", version())
		return err
	}

	log := newLogger(stderr, opts)

	handler, dirLabel, closeHandler, err := buildHandler(opts.dir, log)
	if err != nil {
		return err
	}
	defer closeHandler()
	if opts.accessLog {
		handler = accessLog(handler, log)
	}

	// Signals are watched from before the listener opens, so that a
	// signal that arrives once the port is reachable is never missed.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	// Listen here rather than in ListenAndServe, so that the address
	// logged is the real one (port 0 picks a free port).
	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return fmt.Errorf("wharf: listen on %s: %w", opts.addr, listenCause(err))
	}
	srv := opts.server(handler, log)
	addr := ln.Addr().String()
	log.Info("wharf listening",
		"addr", addr,
		"url", "http://"+addr+"/",
		"dir", dirLabel,
		"workers", opts.workers,
		"queue", opts.effectiveQueue(),
	)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		// Serve stops only after Shutdown or Close, so this is an
		// accept error.
		srv.Close()
		return fmt.Errorf("wharf: serve on %s: %w", addr, err)
	case <-ctx.Done():
		log.Info("shutting down", "reason", context.Cause(ctx).Error())
	case sig := <-sigs:
		log.Info("shutting down", "signal", sig.String())
	}

	return shutdown(srv, served, sigs, opts.shutdownTimeout, log)
}

// shutdown stops srv gracefully, within timeout (0: no limit). A signal
// on sigs, or the timeout, turns it into a hard Close.
func shutdown(srv *wharf.Server, served <-chan error, sigs <-chan os.Signal, timeout time.Duration, log *slog.Logger) error {
	sctx, cancel := context.WithCancel(context.Background())
	if timeout > 0 {
		sctx, cancel = context.WithTimeout(context.Background(), timeout)
	}
	defer cancel()

	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(sctx) }()

	var forced error
	select {
	case err := <-done:
		if err == nil {
			if err := <-served; err != nil && !errors.Is(err, wharf.ErrServerClosed) {
				return fmt.Errorf("wharf: serve: %w", err)
			}
			log.Info("stopped")
			return nil
		}
		if sctx.Err() != nil {
			forced = errors.New("wharf: shutdown timed out; connections closed")
		} else {
			forced = fmt.Errorf("wharf: shutdown: %w; connections closed", err)
		}
	case sig := <-sigs:
		log.Warn("second signal; closing connections", "signal", sig.String())
		cancel()
		<-done
		forced = errors.New("wharf: forced close on second signal")
	}
	srv.Close()
	<-served
	log.Warn("stopped; connections closed")
	return forced
}

// listenCause drops net.Listen's own "listen tcp <addr>:" prefix, which
// the caller's message already says.
func listenCause(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err
	}
	return err
}

// buildHandler returns the handler for dir ("" for the demo site), the
// label to log for it and a function that releases it.
func buildHandler(dir string, log *slog.Logger) (wharf.Handler, string, func(), error) {
	if dir == "" {
		d, err := newDemo(log)
		if err != nil {
			return nil, "", nil, fmt.Errorf("wharf: demo site: %w", err)
		}
		return d, "(embedded demo)", func() { d.Close() }, nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, "", nil, fmt.Errorf("wharf: cannot serve %q: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, "", nil, fmt.Errorf("wharf: cannot serve %q: not a directory", dir)
	}
	page, err := readNotFoundPage(dir)
	if err != nil {
		return nil, "", nil, err
	}
	h, err := fileserver.NewDir(dir, fileserver.Config{NotFoundPage: page, Logger: log})
	if err != nil {
		return nil, "", nil, fmt.Errorf("wharf: cannot serve %q: %w", dir, err)
	}
	label := dir
	if abs, err := filepath.Abs(dir); err == nil {
		label = abs
	}
	return h, label, func() { h.Close() }, nil
}

// maxNotFoundPage bounds DIR/404.html, which is held in memory.
const maxNotFoundPage = 1 << 20

// readNotFoundPage returns DIR/404.html, or nil if there is none. It
// reads through os.Root, so a 404.html that links outside DIR is refused
// just as the fileserver would refuse to serve it.
func readNotFoundPage(dir string) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("wharf: cannot serve %q: %w", dir, err)
	}
	defer root.Close()
	fi, err := root.Stat("404.html")
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("wharf: 404 page: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("wharf: 404 page %q: not a regular file", filepath.Join(dir, "404.html"))
	}
	if fi.Size() > maxNotFoundPage {
		return nil, fmt.Errorf("wharf: 404 page %q: larger than %d bytes", filepath.Join(dir, "404.html"), maxNotFoundPage)
	}
	page, err := root.ReadFile("404.html")
	if err != nil {
		return nil, fmt.Errorf("wharf: 404 page: %w", err)
	}
	return page, nil
}

// newLogger returns the logger for opts, writing to w.
func newLogger(w io.Writer, opts *options) *slog.Logger {
	ho := &slog.HandlerOptions{Level: logLevels[opts.logLevel]}
	if opts.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, ho))
	}
	return slog.New(slog.NewTextHandler(w, ho))
}

// version is the main module's version from the build info, or "devel"
// for a build from a work tree without one.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			return v
		}
	}
	return "devel"
}
