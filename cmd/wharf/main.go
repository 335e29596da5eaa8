// Command wharf is a strict HTTP/1.1 server for static files.
//
// Usage:
//
//	wharf [flags] [DIR]
//	wharf --hash-password < password.txt
//
// wharf serves the files in DIR. If DIR holds a 404.html, it is the body
// of every 404 answer (read like any file, so an edit shows within
// --cache-validity). Without DIR, wharf serves a small built-in demo
// site: GET / answers a hello page, GET /sleep the same page after five
// seconds, GET /style.css the pages' style sheet, and any other path a
// 404 "Oops!" page.
//
// It listens on 127.0.0.1:7878 unless --addr says otherwise, logs to
// standard error (one startup line giving the address; with --access-log
// one line per request), and runs until SIGINT or SIGTERM. Then /readyz
// fails at once, it serves on for --shutdown-delay, stops accepting
// connections, lets every request in flight finish, and exits with
// status 0. If that takes longer than --shutdown-timeout, or a second
// signal arrives, it closes every connection and exits with status 1.
//
// On SIGHUP it restarts without closing its sockets: it starts a new
// copy of its executable (a binary replaced on disk is the new one)
// with the same arguments, hands it the listening sockets, waits until
// it serves, then drains and exits. A new process that fails to start
// leaves this one serving, and the log says why. Started by systemd
// with sockets (socket activation, LISTEN_FDS), it serves on them
// instead of --addr (a socket named "admin" is the admin listener),
// and it tells systemd READY=1 and STOPPING=1 (sd_notify). See
// docs/OPERATIONS.md.
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
//	--shutdown-delay d          on SIGTERM or SIGINT, how long to serve on with
//	                            /readyz failing before draining (default 0)
//	--admin-addr address        serve /healthz and /readyz there, never on
//	                            --addr (default none)
//	--pid-file file             hold the serving process's pid (rewritten by
//	                            the new process after a restart)
//	--reuseport                 listen with SO_REUSEPORT: several processes
//	                            on one port
//	--read-header-timeout d     time to read a request head (default 10s)
//	--read-timeout d            time to read a request body (default 1m)
//	--write-timeout d           time for each write of a response (default 1m)
//	--idle-timeout d            keep-alive idle limit (default 1m)
//	--max-header-bytes size     largest request head (default 16KiB)
//	--max-body-bytes size       largest request body (default 10MiB)
//	--max-conns n               most open connections (default 10000; 0: no cap)
//	--max-conns-per-ip n        most open connections per client IP (0: no cap)
//	--log-format text|json      log format (default text)
//	--log-level level           debug, info, warn or error (default info)
//	--access-log                log one line per request
//	--version                   print the version and exit
//
// Serving:
//
//	--precompressed             serve NAME.br, NAME.zst, NAME.gz beside NAME to
//	                            clients that accept them (default true)
//	--compress                  compress text answers on the fly (default true)
//	--browse                    list directories that have no index.html
//	--spa                       answer /index.html, to clients that accept HTML,
//	                            for paths that name no file
//	--cache-control value       Cache-Control of every file answer (default none)
//	--symlinks inside|follow|never
//	                            symbolic links in DIR to follow (default inside:
//	                            those that stay in DIR); request paths never
//	                            leave DIR, whatever this says
//	--cache-validity d          how long a file held in memory is served before
//	                            it is checked again, so how long an edited file
//	                            may be served stale (default 1s; 0: check on
//	                            every request)
//	--header "Name: value"      add a field to every answer (repeatable)
//	--cors origins              let scripts of other origins read answers: * or
//	                            a comma-separated list of scheme://host[:port]
//	                            (repeatable)
//	--basic-auth USER:HASH      require HTTP Basic authentication (realm
//	                            "wharf"); HASH is a bcrypt hash (repeatable)
//	--hash-password             read a password (one line) from standard input
//	                            (on a Linux terminal: prompted, not echoed),
//	                            print its bcrypt hash (cost 12) and exit
//
// --browse, --spa, --symlinks, --cache-control, --cache-validity and
// --precompressed configure how DIR is served; the demo site ignores
// them (a warning names those given). The middlewares run in this
// order, outermost first: access log, --header, --cors, --basic-auth,
// then the files (compressed per --compress). CORS comes before
// authentication because browsers send CORS preflights without
// credentials: a preflight is answered 204 without a password, and the
// request itself then needs one.
//
// A size is a whole number of bytes, with or without a unit (and a
// space before it): KiB, MiB, GiB and TiB are 1024-based, kB, MB, GB
// and TB 1000-based, B is bytes: 16384, 64KiB, "1 MiB", 10MB. Units are
// case-sensitive; ambiguous spellings (k, KB, mb) and fractions
// (1.5MiB) are refused, never guessed. A timeout of 0 means no limit. Every flag but --version and
// --hash-password can also be set with an environment variable
// WHARF_<NAME>, the flag's name in upper case with dashes as
// underscores (WHARF_ADDR, WHARF_LOG_FORMAT); a flag on the command line
// wins over the environment, and an empty variable counts as unset. The
// variable of a repeatable flag holds one value per line:
//
//	WHARF_HEADER=$'X-Frame-Options: DENY\nReferrer-Policy: no-referrer'
//	WHARF_BASIC_AUTH='alice:$2a$12$...'
//	WHARF_CORS='https://a.example,https://b.example'
//
// Prefer WHARF_BASIC_AUTH to --basic-auth: a command line is visible to
// every user of the machine, the environment only to its owner.
//
// Errors are reported as one line on standard error. The exit status is
// 0 after a clean shutdown; 2 for a usage error, found before anything
// is opened: a flag or WHARF_* value that does not parse or is out of
// range (--workers 0, a negative timeout, a bad size, --addr without a
// port or with a port past 65535, a --header without a colon), flags
// that contradict each other (--tls-cert without --tls-key), too many
// arguments; and 1 for a failure at run time: an address that cannot be
// listened on (in use, not this machine's), DIR, a certificate or a
// folder for --pid-file or --access-log-file missing or unreadable, a
// forced shutdown.
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

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/cmd/wharf/internal/metrics"
	"github.com/wharfhttp/wharf/compress"
	"github.com/wharfhttp/wharf/fileserver"
	"github.com/wharfhttp/wharf/middleware"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	if err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, oneLine(err.Error()))
	var ue *usageError
	if errors.As(err, &ue) {
		os.Exit(2)
	}
	os.Exit(1)
}

// run is the whole command: it parses args (flags, then an optional
// DIR) and the WHARF_* environment, serves until ctx is done or SIGINT
// or SIGTERM arrives, and shuts down gracefully. It returns nil after a
// clean shutdown, and after printing usage (-h), the version or a
// password hash. Log records go to stderr; usage, the version and the
// hash to stdout. stdin is read only by --hash-password.
//
// In a process started by a restart (SIGHUP), every error before it
// serves is also reported to the previous process, which logs it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	parent := takeParentPipe()
	defer func() { parent.failed(err) }() // nothing once it serves
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
	if opts.hashPassword {
		return hashPassword(stdin, stdout, stderr)
	}

	log := newLogger(stderr, opts)

	handler, dirLabel, closeHandler, err := buildHandler(opts, log)
	if err != nil {
		return err
	}
	defer closeHandler()
	handler, err = wrapHandler(handler, opts, log)
	if err != nil {
		return err
	}
	if len(opts.dirOnlySet) > 0 {
		log.Warn("flags ignored: they configure serving DIR, and no DIR was given",
			"flags", strings.Join(opts.dirOnlySet, " "))
	}

	// Signals are watched from before the listener opens, so that a
	// signal that arrives once the port is reachable is never missed.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	hups := make(chan os.Signal, 1)
	signal.Notify(hups, syscall.SIGHUP)
	defer signal.Stop(hups)

	// Listen here rather than in ListenAndServe, so that the address
	// logged is the real one (port 0 picks a free port), and so that
	// sockets from systemd or a restart can be served instead.
	alog, closeAccessLog, err := openAccessLog(opts, stderr, log)
	if err != nil {
		return err
	}
	// Deferred before the servers start, so it runs after they drained.
	defer closeAccessLog()

	lns, err := openListeners(opts)
	if err != nil {
		return err
	}
	srv := opts.server(handler, log)
	var met *metrics.Metrics
	if opts.adminAddr != "" || lns.admin != nil {
		cfg := metrics.Config{Stats: srv.Stats}
		if alog != nil {
			cfg.LogDropped = alog.Dropped
		}
		met = metrics.New(cfg)
		if opts.proxyPolicy != nil {
			registerProxyMetric(met.Registry())
		}
	}
	var obs []wharf.Observer // untyped nils only: a nil *Log in an interface is not nil
	if alog != nil {
		obs = append(obs, alog)
	}
	if met != nil {
		obs = append(obs, met)
	}
	srv.Observer = metrics.Tee(obs...)
	// HTTP/3 listens on the UDP port of the same number as the first
	// public listener's (the one port 0 picked, too), or on the UDP
	// socket a restart handed over. lns holds it, so that a restart
	// hands it over in turn and lns.close closes it.
	switch {
	case opts.http3 && lns.packet == nil:
		addr := lns.public[0].Addr().String()
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			lns.close()
			return fmt.Errorf("wharf: --http3: listen on udp %s: %w", addr, listenCause(err))
		}
		lns.packet = pc
	case !opts.http3 && lns.packet != nil:
		// Handed over by a process that served HTTP/3.
		lns.packet.Close()
		lns.packet = nil
	}
	h3srv, err := opts.configureTLS(srv, lns.packet, log)
	if err != nil {
		lns.close()
		return err
	}
	if opts.pidFile != "" {
		if err := writePIDFile(opts.pidFile); err != nil {
			lns.close()
			return err
		}
		defer func() {
			if err := removePIDFile(opts.pidFile); err != nil {
				log.Warn("could not remove the pid file", "err", err)
			}
		}()
	}

	l := &lifecycle{
		opts:     opts,
		log:      log,
		args:     args,
		stdout:   stdout,
		stderr:   stderr,
		lns:      lns,
		srv:      srv,
		metrics:  met,
		h3:       h3srv,
		dirLabel: dirLabel,
		parent:   parent,
	}
	return l.run(ctx, sigs, hups)
}

// oneLine is s on one line, whatever it holds (a path or value in an
// error may contain a newline): runs of white space are one space.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
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

// buildHandler returns the handler for opts.dir (the demo site when
// it is ""), the label to log for it and a function that releases it.
func buildHandler(opts *options, log *slog.Logger) (wharf.Handler, string, func(), error) {
	dir := opts.dir
	if dir == "" {
		d, err := newDemo(log)
		if err != nil {
			return nil, "", nil, fmt.Errorf("wharf: demo site: %w", err)
		}
		var h wharf.Handler = d
		if opts.compress {
			h = compress.Handler(d, demoCompress)
		}
		return h, "(embedded demo)", func() { d.Close() }, nil
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
	cfg := fileserver.Config{
		// Read like any other file, so an edit of 404.html is picked
		// up as any file's is (within --cache-validity), and a
		// 404.html created after the start is used.
		NotFoundFile:  "404.html",
		Logger:        log,
		Precompressed: opts.precompressed,
		Browse:        opts.browse,
		SPA:           opts.spa,
		Symlinks:      opts.symlinkPolicy,
		CacheControl:  opts.cacheControl,
		// The command's 0 is "check on every request", the
		// fileserver's negative value; its 0 would mean 1s.
		CacheValidity: opts.cacheValidity,
	}
	if opts.cacheValidity == 0 {
		cfg.CacheValidity = -1
	}
	if opts.compress {
		cfg.Compress = &compress.Config{}
	}
	h, err := fileserver.NewDir(dir, cfg)
	if err != nil {
		return nil, "", nil, fmt.Errorf("wharf: cannot serve %q: %w", dir, err)
	}
	label := dir
	if abs, err := filepath.Abs(dir); err == nil {
		label = abs
	}
	return h, label, func() { h.Close() }, nil
}

// wrapHandler wraps h in the middlewares the options ask for. The
// order, outermost first, is
//
//	access log   so that every answer is logged, including the
//	             preflights and 401s of the middlewares below
//	--header     so that site-wide fields (HSTS, CSP) are on every
//	             answer, preflights and 401s included
//	--cors       outside authentication: a browser sends a preflight
//	             without credentials, so it must be answered before
//	             authentication would refuse it; and a cross-origin
//	             script can then read a 401
//	--basic-auth before any work is done for the request
//	h            the files (compressed by the fileserver itself) or
//	             the demo site (compressed by compress.Handler,
//	             inside authentication: nothing is compressed for a
//	             refused client, and a 401 is not compressed)
//
// A bad --cors or --basic-auth value is a usage error.
func wrapHandler(h wharf.Handler, opts *options, log *slog.Logger) (wharf.Handler, error) {
	var err error
	if len(opts.basicAuth.values) > 0 {
		h, err = middleware.NewBasicAuth(h, basicAuthRealm, opts.basicAuth.values)
		if err != nil {
			return nil, usagef("wharf: --basic-auth: %s", strings.TrimPrefix(err.Error(), "middleware: basic auth: "))
		}
	}
	if len(opts.corsArgs.values) > 0 {
		h, err = middleware.NewCORS(h, opts.corsArgs.values)
		if err != nil {
			return nil, usagef("wharf: --cors: %s", strings.TrimPrefix(err.Error(), "middleware: CORS: "))
		}
	}
	if len(opts.headers) > 0 {
		h = middleware.Headers(h, opts.headers)
	}
	return h, nil
}

// basicAuthRealm is the realm of --basic-auth's challenge: browsers
// show it in the password dialog.
const basicAuthRealm = "wharf"

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
