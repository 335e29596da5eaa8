package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/pires/go-proxyproto"
	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/cmd/wharf/internal/accesslog"
	"github.com/wharfhttp/wharf/fileserver"
	"github.com/wharfhttp/wharf/internal/http1"
)

// envPrefix is the prefix of the environment variables that set flags:
// --read-timeout is WHARF_READ_TIMEOUT.
const envPrefix = "WHARF_"

// options is the command's configuration after flags, environment and
// validation.
type options struct {
	addr              string
	workers           int
	queue             int
	shutdownTimeout   time.Duration
	readHeaderTimeout time.Duration
	readTimeout       time.Duration
	writeTimeout      time.Duration
	idleTimeout       time.Duration
	maxHeaderBytes    int
	maxBodyBytes      int64
	maxConns          int
	maxConnsPerIP     int
	logFormat         string
	logLevel          string
	accessLog         bool
	accessLogFormat   string
	accessLogFile     string
	accessFormat      accesslog.Format // set by validate
	version           bool
	hashPassword      bool

	// Operations (issue 9): probes, restarts, systemd.
	adminAddr     string        // "": no admin listener
	shutdownDelay time.Duration // serving on with /readyz failing, before draining
	pidFile       string        // "": none
	reuseport     bool

	// TLS and HTTP/2 (issue 10; tls.go).
	tlsCert       string
	tlsKey        string
	tlsSelfSigned bool
	http2         bool
	h2c           bool
	http3         bool

	// PROXY protocol (issue 9; proxy.go).
	proxyProtocol  bool
	trustedProxies string
	proxyPolicy    proxyproto.ConnPolicyFunc // set by validate

	// Serving (issue 8). The raw values of repeatable flags are kept
	// as given; validate parses them.
	precompressed bool
	compress      bool
	browse        bool
	spa           bool
	cacheControl  string
	symlinks      string
	cacheValidity time.Duration
	headerArgs    listFlag // "Name: value", one per --header
	corsArgs      listFlag // origins, split at commas
	basicAuth     listFlag // "USER:BCRYPT_HASH", one per --basic-auth

	// Set by validate.
	headers       []wharf.Field
	symlinkPolicy fileserver.SymlinkPolicy
	dirOnlySet    []string // flags given that only configure serving DIR

	dir string // "" for the embedded demo site
}

// A listFlag is a repeatable flag: each use adds a value. With split,
// each use may also give several values separated by commas.
type listFlag struct {
	values []string
	split  bool
}

func (l *listFlag) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(l.values, ", ")
}

func (l *listFlag) Set(v string) error {
	if !l.split {
		l.values = append(l.values, v)
		return nil
	}
	for part := range strings.SplitSeq(v, ",") {
		l.values = append(l.values, strings.TrimSpace(part))
	}
	return nil
}

// A usageError is a malformed command line or environment: an unknown
// flag, a value that does not parse or is out of range, flags that
// contradict each other, too many arguments. main exits with status 2
// for it (as the flag package does), and 1 for every other error: those
// found at run time (an address that cannot be listened on, a file or
// folder missing or unreadable). validate returns usage errors only.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// newFlagSet returns the command's flag set bound to o, with o holding
// the defaults. It is a set of its own (not flag.CommandLine) so that
// run can be called more than once, as the tests do.
func newFlagSet(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("wharf", flag.ContinueOnError)
	// The flag package would print errors and usage itself; run reports
	// errors as one line and prints usage for -h only.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}

	fs.StringVar(&o.addr, "addr", wharf.DefaultAddr, "TCP `address` to listen on (port 0 picks a free port)")
	fs.IntVar(&o.workers, "workers", wharf.DefaultWorkers, "number of pool workers: how many connections are served at once")
	fs.IntVar(&o.queue, "queue", 0, "connections that may wait for a worker (0: 4 × workers, -1: none); past it clients get 503")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 30*time.Second, "how long a graceful shutdown may take before connections are closed (0: no limit)")
	fs.DurationVar(&o.shutdownDelay, "shutdown-delay", 0, "on SIGTERM or SIGINT, how long to serve on with /readyz failing before the listeners close and the requests in flight drain, so that load balancers stop sending first (0: none)")
	fs.StringVar(&o.adminAddr, "admin-addr", "", "serve /healthz and /readyz on this TCP `address`, never the public one (default: none)")
	fs.StringVar(&o.pidFile, "pid-file", "", "write the pid of the serving process to `FILE` (rewritten by the new process after a restart; removed at exit)")
	fs.BoolVar(&o.reuseport, "reuseport", false, "listen with SO_REUSEPORT, so that several processes can serve one port")
	fs.DurationVar(&o.readHeaderTimeout, "read-header-timeout", wharf.DefaultReadHeaderTimeout, "time allowed to read a request head (0: no limit)")
	fs.DurationVar(&o.readTimeout, "read-timeout", wharf.DefaultReadTimeout, "time allowed to read a request body (0: no limit)")
	fs.DurationVar(&o.writeTimeout, "write-timeout", wharf.DefaultWriteTimeout, "time allowed for each write of a response (0: no limit)")
	fs.DurationVar(&o.idleTimeout, "idle-timeout", wharf.DefaultIdleTimeout, "how long a keep-alive connection may wait for its next request (0: no limit)")
	o.maxHeaderBytes = wharf.DefaultMaxHeaderBytes
	fs.Var(sizeValue[int]{&o.maxHeaderBytes}, "max-header-bytes", "largest request head, a `size` in bytes or with a unit (else 431)")
	o.maxBodyBytes = wharf.DefaultMaxBodyBytes
	fs.Var(sizeValue[int64]{&o.maxBodyBytes}, "max-body-bytes", "largest request body, a `size` in bytes or with a unit (else 413)")
	fs.IntVar(&o.maxConns, "max-conns", wharf.DefaultMaxConns, "most open connections (0: no cap); past it clients get 503")
	fs.IntVar(&o.maxConnsPerIP, "max-conns-per-ip", 0, "most open connections per client IP address (0: no cap)")
	fs.StringVar(&o.logFormat, "log-format", "text", "log `format`: text or json")
	fs.StringVar(&o.logLevel, "log-level", "info", "log `level`: debug, info, warn or error")
	fs.BoolVar(&o.accessLog, "access-log", false, "log one line per answer, once it is sent (the server's own 400, 408, 413, 431 and 503 too)")
	fs.StringVar(&o.accessLogFormat, "access-log-format", "", "access log `format`: common, combined (nginx's) or json (default: json with --log-format json, else combined)")
	fs.StringVar(&o.accessLogFile, "access-log-file", "", "append the access log to this `file` (default: stderr); reopened on SIGUSR1, for logrotate")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "serve HTTPS with the certificate (chain) in PEM `FILE`, with --tls-key; a renewed file is picked up within seconds")
	fs.StringVar(&o.tlsKey, "tls-key", "", "the private key in PEM `FILE` of --tls-cert")
	fs.BoolVar(&o.tlsSelfSigned, "tls-self-signed", false, "serve HTTPS with an in-memory self-signed certificate for localhost (development; its fingerprint is logged)")
	fs.BoolVar(&o.http2, "http2", true, "offer HTTP/2 to HTTPS clients (ALPN h2)")
	fs.BoolVar(&o.proxyProtocol, "proxy-protocol", false, "require a PROXY protocol header (v1 or v2) from --trusted-proxies, which sets the client's address; others are refused")
	fs.StringVar(&o.trustedProxies, "trusted-proxies", "", "the load balancers allowed to send PROXY headers: `CIDR,...` (addresses or ranges)")
	fs.BoolVar(&o.http3, "http3", false, "also serve HTTP/3 (QUIC) on the UDP port of the same number, advertised to HTTPS clients with Alt-Svc")
	fs.BoolVar(&o.h2c, "h2c", false, "also serve cleartext HTTP/2 with prior knowledge (h2c), for a proxy that speaks it to its backends")
	fs.BoolVar(&o.hashPassword, "hash-password", false, "read a password (one line) from standard input, print its bcrypt hash (cost 12) for --basic-auth, and exit")

	fs.BoolVar(&o.precompressed, "precompressed", true, "serve NAME.br, NAME.zst or NAME.gz beside NAME, as they are, to clients that accept them")
	fs.BoolVar(&o.compress, "compress", true, "compress text answers (HTML, CSS, JS, JSON, SVG...) with brotli, zstd or gzip for clients that accept them")
	fs.BoolVar(&o.browse, "browse", false, "list a directory that has no index.html (HTML, or JSON for Accept: application/json) instead of 404")
	fs.BoolVar(&o.spa, "spa", false, "single-page application: answer /index.html for a path that names no file, to clients that accept HTML")
	fs.StringVar(&o.cacheControl, "cache-control", "", "the Cache-Control `value` of every file answer (e.g. \"public, max-age=3600\"; default: none)")
	fs.StringVar(&o.symlinks, "symlinks", "inside", "which symbolic links in DIR are followed: `inside|follow|never` (inside: those that stay in DIR; follow: all, as nginx does; never: none). A request path never leaves DIR, whatever this says")
	fs.DurationVar(&o.cacheValidity, "cache-validity", time.Second, "how long a file held in memory is served before the file is checked again: an edited file may be served stale for up to this `duration` (0: check on every request)")
	o.corsArgs.split = true
	fs.Var(&o.headerArgs, "header", "add the field `\"Name: value\"` to every answer (repeatable)")
	fs.Var(&o.corsArgs, "cors", "let scripts of other origins read answers: `ORIGIN` is * (any) or a comma-separated list of scheme://host[:port]; preflights are answered 204, without --basic-auth (repeatable)")
	fs.Var(&o.basicAuth, "basic-auth", "require HTTP Basic authentication (realm \"wharf\"): `USER:BCRYPT_HASH` is a user name and the hash --hash-password prints for its password (repeatable)")
	return fs
}

// dirOnly lists the flags that configure how DIR is served: they do
// nothing for the demo site, and a warning says so.
var dirOnly = []string{"browse", "spa", "cache-control", "symlinks", "cache-validity", "precompressed"}

// noEnv lists the flags that no environment variable sets: a stray
// WHARF_VERSION in the environment must not turn the server into a
// version printer.
// The same for WHARF_HASH_PASSWORD.
var noEnv = map[string]bool{"version": true, "hash-password": true}

// envName is the environment variable for the flag called name.
func envName(name string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// parseFlags parses args and the WHARF_* environment into options and
// validates them. It returns flag.ErrHelp (after printing usage to
// stdout) for -h and --help.
func parseFlags(args []string, stdout io.Writer) (*options, error) {
	o := new(options)
	fs := newFlagSet(o)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout, fs)
			return nil, flag.ErrHelp
		}
		return nil, usagef("wharf: %v (see wharf --help)", err)
	}
	if err := applyEnv(fs); err != nil {
		return nil, err
	}
	switch rest := fs.Args(); len(rest) {
	case 0:
	case 1:
		o.dir = rest[0]
		if o.dir == "" {
			return nil, usagef("wharf: DIR must not be empty")
		}
	default:
		hint := ""
		for _, a := range rest[1:] {
			if strings.HasPrefix(a, "-") {
				hint = "; flags must come before DIR"
				break
			}
		}
		return nil, usagef("wharf: too many arguments: want at most one DIR, got %d%s", len(rest), hint)
	}
	if o.version || o.hashPassword {
		return o, nil // nothing else matters
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	fs.Visit(func(f *flag.Flag) {
		if o.dir == "" && slices.Contains(dirOnly, f.Name) {
			o.dirOnlySet = append(o.dirOnlySet, "--"+f.Name)
		}
	})
	return o, nil
}

// applyEnv sets every flag that was not given on the command line from
// its WHARF_* environment variable, when that is set and not empty.
// Explicit flags win over the environment. The variable of a
// repeatable flag (--header, --cors, --basic-auth) holds one value per
// line (empty lines are skipped): a field value may hold commas, so a
// comma cannot separate them (a --cors line may still be a
// comma-separated list).
func applyEnv(fs *flag.FlagSet) error {
	explicit := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || explicit[f.Name] || noEnv[f.Name] {
			return
		}
		name := envName(f.Name)
		v, ok := os.LookupEnv(name)
		if !ok || v == "" {
			return
		}
		if _, ok := f.Value.(*listFlag); ok {
			for line := range strings.Lines(v) {
				line = strings.TrimRight(line, "\r\n")
				if strings.TrimSpace(line) == "" {
					continue
				}
				if e := fs.Set(f.Name, line); e != nil {
					err = usagef("wharf: invalid value %q for %s: %v", line, name, e)
					return
				}
			}
			return
		}
		if e := fs.Set(f.Name, v); e != nil {
			err = usagef("wharf: invalid value %q for %s: %v", v, name, e)
		}
	})
	return err
}

// validate checks values that parse but make no sense. Each error names
// the flag and what it accepts, and is a usage error (exit status 2).
func (o *options) validate() error {
	if err := checkAddr("addr", o.addr); err != nil {
		return err
	}
	if o.workers < 1 {
		return usagef("wharf: --workers must be at least 1 (got %d)", o.workers)
	}
	if o.queue < -1 {
		return usagef("wharf: --queue must be -1 (no queue), 0 (4 × workers) or more (got %d)", o.queue)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"shutdown-timeout", o.shutdownTimeout},
		{"read-header-timeout", o.readHeaderTimeout},
		{"read-timeout", o.readTimeout},
		{"write-timeout", o.writeTimeout},
		{"idle-timeout", o.idleTimeout},
	} {
		if d.v < 0 {
			return usagef("wharf: --%s must not be negative (got %v; 0 means no limit)", d.name, d.v)
		}
	}
	if o.maxHeaderBytes < 1 {
		return usagef("wharf: --max-header-bytes must be at least 1 byte (got %d)", o.maxHeaderBytes)
	}
	if o.maxBodyBytes < 1 {
		return usagef("wharf: --max-body-bytes must be at least 1 byte (got %d)", o.maxBodyBytes)
	}
	if o.maxConns < 0 {
		return usagef("wharf: --max-conns must not be negative (got %d; 0 means no cap)", o.maxConns)
	}
	if o.maxConnsPerIP < 0 {
		return usagef("wharf: --max-conns-per-ip must not be negative (got %d; 0 means no cap)", o.maxConnsPerIP)
	}
	if err := o.validateOps(); err != nil {
		return err
	}
	if err := o.validateTLS(); err != nil {
		return err
	}
	if err := o.validateAccessLog(); err != nil {
		return err
	}
	if err := o.validateProxy(); err != nil {
		return err
	}
	if _, ok := logFormats[o.logFormat]; !ok {
		return usagef("wharf: --log-format must be text or json (got %q)", o.logFormat)
	}
	if _, ok := logLevels[o.logLevel]; !ok {
		return usagef("wharf: --log-level must be debug, info, warn or error (got %q)", o.logLevel)
	}
	return o.validateServing()
}

// validateOps checks the flags of issue 9. Their errors are usage
// errors (exit status 2); a port in use or a pid file that cannot be
// written is found when the command starts (exit status 1).
func (o *options) validateOps() error {
	if o.shutdownDelay < 0 {
		return usagef("wharf: --shutdown-delay must not be negative (got %v; 0 means none)", o.shutdownDelay)
	}
	if o.adminAddr != "" {
		if err := checkAddr("admin-addr", o.adminAddr); err != nil {
			return err
		}
		host, port, _ := net.SplitHostPort(o.adminAddr)
		if h, p, err := net.SplitHostPort(o.addr); err == nil && h == host && p == port && port != "0" {
			return usagef("wharf: --admin-addr %s is --addr: the admin listener is never on the public address", o.adminAddr)
		}
	}
	return nil
}

// checkAddr checks the form of addr, the value of --name: HOST:PORT,
// the port a number from 0 to 65535, a service name (http) or empty
// (0). Whether HOST can be listened on is found when the command
// starts (exit status 1). The command line of a process started by
// systemd with sockets is checked too, though it serves on those.
func checkAddr(name, addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("wharf: --%s %q: want HOST:PORT (127.0.0.1:7878, :8080, [::1]:0)", name, addr)
	}
	if port == "" {
		return nil
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return usagef("wharf: --%s %q: the port must be a number from 0 to 65535 (or a service name)", name, addr)
	}
	return nil
}

// validateServing checks the flags of issue 8. Their errors are usage
// errors (exit status 2): each is a value that cannot be right.
// --cors and --basic-auth are checked when their middleware is made
// (wrapHandler), also as usage errors.
func (o *options) validateServing() error {
	for _, arg := range o.headerArgs.values {
		f, err := parseHeaderArg(arg)
		if err != nil {
			return err
		}
		o.headers = append(o.headers, f)
	}
	if !http1.ValidFieldValue(o.cacheControl) {
		return usagef("wharf: --cache-control %q: a field value may not hold CR, LF, NUL or other control characters", o.cacheControl)
	}
	policy, ok := symlinkPolicies[o.symlinks]
	if !ok {
		return usagef("wharf: --symlinks must be inside, follow or never (got %q)", o.symlinks)
	}
	o.symlinkPolicy = policy
	if o.cacheValidity < 0 {
		return usagef("wharf: --cache-validity must not be negative (got %v; 0 means check on every request)", o.cacheValidity)
	}
	for _, origin := range o.corsArgs.values {
		if origin == "" {
			return usagef("wharf: --cors: empty origin in %q", o.corsArgs.String())
		}
	}
	return nil
}

var symlinkPolicies = map[string]fileserver.SymlinkPolicy{
	"inside": fileserver.SymlinksInside,
	"follow": fileserver.SymlinksFollow,
	"never":  fileserver.SymlinksNever,
}

// parseHeaderArg parses a --header value, "Name: value": a token, a
// colon, and a value (trimmed of spaces and tabs) without control
// characters. Fields the server writes itself are refused: it would
// drop them.
func parseHeaderArg(arg string) (wharf.Field, error) {
	name, value, ok := strings.Cut(arg, ":")
	if !ok {
		return wharf.Field{}, usagef("wharf: --header %q: want \"Name: value\"", arg)
	}
	if !http1.ValidFieldName(name) {
		return wharf.Field{}, usagef("wharf: --header %q: the name must be a token (letters, digits, !#$%%&'*+-.^_`|~), with no space before the colon", arg)
	}
	value = strings.Trim(value, " \t")
	if !http1.ValidFieldValue(value) {
		return wharf.Field{}, usagef("wharf: --header %q: the value may not hold CR, LF, NUL or other control characters", arg)
	}
	for _, own := range []string{"Date", "Connection", "Content-Length", "Transfer-Encoding"} {
		if strings.EqualFold(name, own) {
			return wharf.Field{}, usagef("wharf: --header %q: the server sets %s itself", arg, own)
		}
	}
	return wharf.Field{Name: name, Value: value}, nil
}

var logFormats = map[string]bool{"text": true, "json": true}

var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug,
	"info":  slog.LevelInfo,
	"warn":  slog.LevelWarn,
	"error": slog.LevelError,
}

// noLimit maps the command's "0 means no limit" to the Server's
// "negative means no limit" (for the Server, 0 means the default).
func noLimit[T time.Duration | int](v T) T {
	if v == 0 {
		return -1
	}
	return v
}

// server returns the Server these options describe.
func (o *options) server(h wharf.Handler, log *slog.Logger) *wharf.Server {
	return &wharf.Server{
		Addr:              o.addr,
		Handler:           h,
		Workers:           o.workers,
		Queue:             o.queue,
		ReadHeaderTimeout: noLimit(o.readHeaderTimeout),
		ReadTimeout:       noLimit(o.readTimeout),
		WriteTimeout:      noLimit(o.writeTimeout),
		IdleTimeout:       noLimit(o.idleTimeout),
		MaxHeaderBytes:    o.maxHeaderBytes,
		MaxBodyBytes:      o.maxBodyBytes,
		MaxConns:          noLimit(o.maxConns),
		MaxConnsPerIP:     o.maxConnsPerIP,
		Logger:            log,
	}
}

// effectiveQueue is the queue length the Server will use.
func (o *options) effectiveQueue() int {
	switch {
	case o.queue == 0:
		return 4 * o.workers
	case o.queue < 0:
		return 0
	}
	return o.queue
}

// printUsage writes the help text, with flags spelled "--name" and
// the environment variable of each.
func printUsage(w io.Writer, fs *flag.FlagSet) {
	var b strings.Builder
	b.WriteString(`Usage: wharf [flags] [DIR]

wharf serves the files in DIR over HTTP/1.1, or a small built-in demo site
when no DIR is given. SIGINT or SIGTERM stops it gracefully (after
--shutdown-delay); a second signal stops it at once. SIGHUP restarts it
without closing its sockets: a new copy of the executable takes them over.
Under systemd it serves on the sockets it is given (LISTEN_FDS) instead of
--addr. See docs/OPERATIONS.md.

Every flag but --version and --hash-password can also be set with an
environment variable WHARF_<NAME> (dashes as underscores, e.g. WHARF_ADDR,
WHARF_LOG_FORMAT); a flag given on the command line wins. The variable of a
repeatable flag (--header, --cors, --basic-auth) holds one value per line.
Flags must come before DIR.

A size (--max-header-bytes, --max-body-bytes) is a whole number of bytes,
with or without a unit: KiB, MiB, GiB, TiB are 1024-based, kB, MB, GB, TB
1000-based, and B is bytes (16384, 64KiB, "1 MiB", 10MB). Other spellings
(k, KB, mb, 1.5MiB) are refused.

--browse, --spa, --symlinks, --cache-control, --cache-validity and
--precompressed configure how DIR is served; the demo site ignores them.
Middleware order, outermost first: access log, --header, --cors,
--basic-auth, the files (compressed by --compress).

To protect the site with a password:

  wharf --hash-password < password.txt      # prints $2a$12$...
  WHARF_BASIC_AUTH='alice:$2a$12$...' wharf DIR

(the environment, unlike the command line, is not visible to other users
in the process list).

Errors are one line on standard error. Exit status: 0 after a clean
shutdown; 2 for a usage error, before anything is opened (a flag or
WHARF_* value that does not parse or is out of range, flags that
contradict each other, too many arguments); 1 for a failure at run time
(an address that cannot be listened on, DIR, a certificate or a file's
folder missing or unreadable, a forced shutdown).

Flags:
`)
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(&b, "  --%s", f.Name)
		if typ != "" {
			fmt.Fprintf(&b, " %s", typ)
		}
		fmt.Fprintf(&b, "\n        %s", usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			fmt.Fprintf(&b, " (default %s)", f.DefValue)
		}
		if !noEnv[f.Name] {
			fmt.Fprintf(&b, " [$%s]", envName(f.Name))
		}
		b.WriteByte('\n')
	})
	io.WriteString(w, b.String())
}
