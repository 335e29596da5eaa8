package wharf

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wharfhttp/wharf/internal/http1"
	"github.com/wharfhttp/wharf/internal/park"
	"github.com/wharfhttp/wharf/pool"
)

// Defaults used for zero fields of Server.
const (
	DefaultAddr              = "127.0.0.1:7878"
	DefaultWorkers           = 512
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 60 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultMaxRequestLine    = 8 << 10
	DefaultMaxHeaderBytes    = 16 << 10
	DefaultMaxHeaderFields   = 100
	DefaultMaxBodyBytes      = 10 << 20
	DefaultMaxConns          = 10000
	DefaultRetryAfter        = 1 * time.Second
)

// A Server serves HTTP/1.1 connections with a fixed pool of workers.
//
// Its zero value is ready to use: every zero field takes the default
// named beside it. Fields must not be changed after Serve is called.
// The methods are safe for concurrent use.
type Server struct {
	// Addr is the TCP address ListenAndServe listens on
	// (DefaultAddr, "127.0.0.1:7878", when empty).
	Addr string

	// Handler answers requests; nil answers every request 404.
	Handler Handler

	// Workers is the number of pool workers, which bounds how many
	// connections are being served at once (DefaultWorkers when 0).
	// Queue is how many ready connections may wait for a worker
	// (4 × Workers when 0; negative means none). Past both, a new
	// connection (or an idle one that sends a request) is answered
	// 503 with Retry-After at once and closed.
	// Queue's zero value differs from pool.New's: pool.New(n, 0) has
	// no queue (a job is taken only by an idle worker), while Queue 0
	// means 4 × Workers; the server passes 0 to pool.New for a
	// negative Queue.
	Workers int
	Queue   int

	// ReadHeaderTimeout bounds the time from a request's first byte to
	// the end of its head; past it the client gets 408 and the
	// connection closes. ReadTimeout bounds reading the body (from the
	// end of the head). WriteTimeout bounds each write of the response
	// to the client. IdleTimeout is how long a keep-alive connection
	// may wait for its next request. Zero means the default; negative
	// means no limit.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration

	// Limits on a request: the request line (else 414), the whole head
	// (else 431), the number of header fields (else 431) and the body
	// (else 413). Zero means the default.
	MaxRequestLine  int
	MaxHeaderBytes  int
	MaxHeaderFields int
	MaxBodyBytes    int64

	// MaxConns caps open connections (DefaultMaxConns when 0, negative
	// for no cap); MaxConnsPerIP caps them per client IP address (0 for
	// no cap). Past a cap a new connection is answered 503 and closed.
	MaxConns      int
	MaxConnsPerIP int

	// RetryAfter is the delay suggested in 503 answers, rounded up to
	// whole seconds (DefaultRetryAfter when 0).
	RetryAfter time.Duration

	// Logger receives the server's log records; nil discards them.
	// The server logs only through it.
	Logger *slog.Logger

	// TLSConfig configures ServeTLS and ListenAndServeTLS (see
	// ServeTLS); Serve and ListenAndServe ignore it.
	TLSConfig *tls.Config

	// TLSNextProto, as net/http.Server's, maps an ALPN protocol name
	// to the function that serves a TLS connection which negotiated
	// it, instead of the HTTP/1.1 engine (package wharf/h2 registers
	// "h2"). The function runs on the connection's own goroutine and
	// returns when the connection is done; the server then closes it.
	// Until then the connection counts against MaxConns, Shutdown
	// waits for it (see RegisterOnShutdown), and Close closes it. The
	// protocol must also be in TLSConfig.NextProtos.
	TLSNextProto map[string]func(s *Server, c *tls.Conn)

	// UnencryptedHTTP2, when set, serves the plain-TCP connections that
	// open with HTTP/2's connection preface (h2c with prior knowledge,
	// RFC 9113 3.3: what a proxy speaking HTTP/2 to its backends
	// sends) instead of answering them 505. It gets the connection as
	// the client sent it, preface included, and is called as a
	// TLSNextProto function is (package wharf/h2's ConfigureH2C sets
	// it). HTTP/1.1's "Upgrade: h2c" is not supported.
	UnencryptedHTTP2 func(s *Server, c net.Conn)

	// Observer, when set, is told of every answer once it is sent
	// (see Observer): the access log's and the metrics' source.
	Observer Observer

	// BaseContext is the context requests see (Request.Context); it is
	// cancelled when the server closes. nil means context.Background.
	BaseContext context.Context

	// KeepMemory stops the server from returning memory to the
	// operating system when it goes quiet after a burst of connections
	// (two garbage collections and debug.FreeOSMemory, once per burst;
	// see the package documentation). The collections are
	// process-wide: a program that manages its own memory sets it.
	KeepMemory bool

	// Set once by start, under mu, and immutable after it (start
	// happens before any connection exists, so the serving path reads
	// them without the lock).
	cfg    config
	pool   *pool.Pool       // owns the workers; never nil after start
	parked *park.Set[*conn] // owns parked connections (parking.go); never nil after start
	slow   slowMark         // owned by the parked set's goroutine (parkRoom)
	quiet  quietMark        // owned by the parked set's goroutine (quiet.go)
	ctx    context.Context
	cancel context.CancelFunc
	doneCh chan struct{} // closed when every connection is gone after closing

	// Guarded by mu.
	mu         sync.Mutex
	started    bool
	listeners  map[*net.Listener]struct{} // added by Serve; closed by Shutdown/Close
	conns      connSet                    // every open connection (not hijacked ones)
	perIP      map[string]int             // open connections per client IP, with MaxConnsPerIP
	hardClosed bool                       // Close began

	// Atomic, or safe for concurrent use.
	onShutdown    []func()     // RegisterOnShutdown's; guarded by mu
	onClose       []func()     // RegisterOnClose's; guarded by mu
	newConns      *time.Timer  // closes never-used connections newConnGrace into Shutdown; guarded by mu
	newConnsTimed bool         // newConns was set once; guarded by mu
	closingAt     atomic.Int64 // mono when Shutdown or Close began

	count     counters     // Stats' counters (observe.go)
	readers   atomic.Int64 // connections parked on reader goroutines
	takers    atomic.Int32 // jobs that take ready connections (parking.go takeReady)
	maxTakers int32        // bound on takers: GOMAXPROCS at start; immutable after it

	closing   atomic.Bool    // Shutdown or Close began
	stopped   atomic.Bool    // stopOnce ran
	serveWG   sync.WaitGroup // the Serve calls (accept loops)
	lingerSem chan struct{}  // bounds lingering closes
	lingerWG  sync.WaitGroup // lingering-close goroutines
	parkWG    sync.WaitGroup // reader-parked connections, and unparked writers waiting for a worker (parking.go)
	protoWG   sync.WaitGroup // TLS handshakes, and connections served by another protocol (tls.go, h2c.go)

	// Test hooks: set only by this package's tests, before the server
	// starts, and read once by start. Fields rather than package
	// variables, so that tests running servers side by side cannot race
	// on them.
	testWaiter bool // park with the portable waiter even where epoll works

	// testNoDeep stops deadline sweeps from parking connections deep
	// (a test of the at-once rule); it may change while the server runs.
	testNoDeep atomic.Bool
}

// config is Server's settings with defaults applied; fixed at start.
type config struct {
	readHeaderTimeout time.Duration
	readTimeout       time.Duration
	writeTimeout      time.Duration
	idleTimeout       time.Duration
	limits            http1.Limits
	maxBody           int64
	maxConns          int
	maxConnsPerIP     int
	overload          []byte // the 503 answer, prebuilt
	observer          Observer
	handler           Handler
	reuse             bool // handler is a RequestReleaser
	keepMemory        bool // KeepMemory (quiet.go)
	log               *slog.Logger
}

func isReleaser(h Handler) bool {
	_, ok := h.(RequestReleaser)
	return ok
}

func orDuration(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0 // no limit
	}
	return d
}

func orInt(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// start applies defaults and starts the pool and the set of parked connections once.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return ErrServerClosed
	}
	if s.started {
		return nil
	}
	workers := orInt(s.Workers, DefaultWorkers)
	queue := s.Queue
	switch {
	case queue == 0:
		queue = 4 * workers
	case queue < 0:
		queue = 0
	}
	p, err := pool.New(workers, queue)
	if err != nil {
		return err
	}
	log := s.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p.SetPanicHandler(func(v any, stack []byte) {
		log.Error("worker job panicked", "panic", v, "stack", string(stack))
	})
	maxConns := s.MaxConns
	switch {
	case maxConns == 0:
		maxConns = DefaultMaxConns
	case maxConns < 0:
		maxConns = 0
	}
	h := s.Handler
	if h == nil {
		h = HandlerFunc(func(w ResponseWriter, r *Request) { w.WriteHeader(404) })
	}
	maxBody := s.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	s.cfg = config{
		readHeaderTimeout: orDuration(s.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		readTimeout:       orDuration(s.ReadTimeout, DefaultReadTimeout),
		writeTimeout:      orDuration(s.WriteTimeout, DefaultWriteTimeout),
		idleTimeout:       orDuration(s.IdleTimeout, DefaultIdleTimeout),
		limits: http1.Limits{
			MaxRequestLine: orInt(s.MaxRequestLine, DefaultMaxRequestLine),
			MaxHeaderBytes: orInt(s.MaxHeaderBytes, DefaultMaxHeaderBytes),
			MaxFields:      orInt(s.MaxHeaderFields, DefaultMaxHeaderFields),
		},
		maxBody:       maxBody,
		maxConns:      maxConns,
		maxConnsPerIP: s.MaxConnsPerIP,
		overload:      http1.AppendOverloadResponse(nil, retryAfterSeconds(orDuration(s.RetryAfter, DefaultRetryAfter))),
		handler:       h,
		observer:      s.Observer,
		reuse:         isReleaser(h),
		keepMemory:    s.KeepMemory,
		log:           log,
	}
	base := s.BaseContext
	if base == nil {
		base = context.Background()
	}
	s.ctx, s.cancel = context.WithCancel(base)
	s.pool = p
	s.parked = s.newParking()
	s.maxTakers = int32(runtime.GOMAXPROCS(0))
	s.listeners = make(map[*net.Listener]struct{})
	s.perIP = make(map[string]int)
	s.lingerSem = make(chan struct{}, 256)
	s.doneCh = make(chan struct{})
	s.started = true
	startDateClock()
	return nil
}

// ListenAndServe listens on s.Addr and calls Serve. It returns
// ErrServerClosed after Shutdown or Close, or the error that stopped it.
func (s *Server) ListenAndServe() error {
	if s.closing.Load() {
		return ErrServerClosed
	}
	ln, err := net.Listen("tcp", s.addr())
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

func (s *Server) addr() string {
	if s.Addr == "" {
		return DefaultAddr
	}
	return s.Addr
}

// Serve accepts connections on ln and hands each to the pool. It
// closes ln when it returns. It returns ErrServerClosed after Shutdown
// or Close; any other error is an accept error that is not temporary.
// Serve may be called for several listeners at once.
func (s *Server) Serve(ln net.Listener) error { return s.serve(ln, nil) }

// serve is Serve, and ServeTLS when cfg is not nil.
func (s *Server) serve(ln net.Listener, cfg *tls.Config) error {
	if err := s.start(); err != nil {
		ln.Close()
		return err
	}
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.listeners[&ln] = struct{}{}
	s.serveWG.Add(1)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, &ln)
		s.mu.Unlock()
		ln.Close()
		s.serveWG.Done()
	}()

	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.closing.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporary(err) {
				// EMFILE and friends: wait and try again, as net/http does.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.cfg.log.Warn("accept failed; retrying", "err", err, "delay", backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		s.accept(nc, cfg)
	}
}

func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// accept registers nc and submits it to the pool, or turns it away
// with 503 when the server is over a limit. With cfg, the connection
// first goes through its TLS handshake, on a goroutine of its own; a
// TLS connection over a limit is closed without an answer (a 503 would
// cost a handshake).
func (s *Server) accept(nc net.Conn, cfg *tls.Config) {
	s.count.accepted.Add(1)
	c, ok, reason := s.track(nc, cfg != nil)
	if !ok {
		if cfg != nil {
			nc.Close()
			return
		}
		s.reject(nc, reason)
		return
	}
	if cfg != nil {
		s.protoWG.Add(1)
		go s.handshake(c, cfg)
		return
	}
	c.markReady()
	if err := s.pool.TryGo(c.serveFn); err != nil {
		if s.parkNew(c) {
			return
		}
		s.untrack(c)
		s.reject(nc, "overload")
	}
}

// track adds a connection to the server's set, enforcing MaxConns and
// MaxConnsPerIP; handshaking marks a TLS connection before its
// handshake.
func (s *Server) track(nc net.Conn, handshaking bool) (c *conn, ok bool, reason string) {
	ip := ""
	if s.cfg.maxConnsPerIP > 0 {
		ip = hostOf(nc.RemoteAddr())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		// Accepted as Shutdown began: served (its answer closes the
		// connection) unless the server has nothing left to wait for.
		select {
		case <-s.doneCh:
			return nil, false, "closing"
		default:
		}
	}
	if s.cfg.maxConns > 0 && s.conns.len() >= s.cfg.maxConns {
		s.count.maxConns.Add(1)
		return nil, false, "max-conns"
	}
	if ip != "" {
		if s.perIP[ip] >= s.cfg.maxConnsPerIP {
			s.count.maxConnsIP.Add(1)
			return nil, false, "max-conns-per-ip"
		}
		s.perIP[ip]++
	}
	c = newConn(s, nc, ip)
	c.handshaking = handshaking
	s.conns.add(c)
	return c, true, ""
}

// untrack removes c from the server's set. It is called once, by
// whoever closes c.
func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	s.conns.remove(c)
	if ip := c.clientIP(); ip != "" {
		if s.perIP[ip]--; s.perIP[ip] <= 0 {
			delete(s.perIP, ip)
		}
	}
	if s.conns.len() == 0 && s.closing.Load() {
		closeOnce(s.doneCh)
	}
	s.mu.Unlock()
}

func closeOnce(ch chan struct{}) {
	select {
	case <-ch:
	default:
		close(ch)
	}
}

func hostOf(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// retryAfterSeconds rounds d up to the whole seconds of Retry-After.
func retryAfterSeconds(d time.Duration) int64 {
	return int64((d + time.Second - 1) / time.Second)
}

// reject answers 503 and closes nc without using a worker. The answer
// is one small write; the close lingers briefly (bounded) so that the
// client reads the 503 instead of a reset.
func (s *Server) reject(nc net.Conn, reason string) {
	if reason == "overload" {
		s.count.overload.Add(1)
	}
	start := time.Now()
	nc.SetWriteDeadline(start.Add(100 * time.Millisecond))
	n, err := nc.Write(s.cfg.overload)
	if o := s.cfg.observer; o != nil {
		a := Answer{RemoteAddr: nc.RemoteAddr().String(), Status: 503, Bytes: int64(n),
			Start: start, Duration: time.Since(start), Reason: reason, Err: err}
		if n > len(s.cfg.overload)-overloadBodyLen {
			a.BodyBytes = int64(n - (len(s.cfg.overload) - overloadBodyLen))
		}
		o.Answered(&a)
	}
	if err != nil {
		nc.Close()
		return
	}
	select {
	case s.lingerSem <- struct{}{}:
		s.lingerWG.Add(1)
		go func() {
			defer s.lingerWG.Done()
			lingerClose(nc, 250*time.Millisecond)
			<-s.lingerSem
		}()
	default:
		nc.Close()
	}
}

// lingerClose half-closes nc and discards what the client still sends
// (bounded in time and bytes) before closing, so that unread request
// bytes do not make the kernel reset the connection and destroy the
// response we just wrote (RFC 9112 9.6).
func lingerClose(nc net.Conn, d time.Duration) {
	if cw, ok := nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
		nc.SetReadDeadline(time.Now().Add(d))
		var buf [512]byte
		for total := 0; total < 256<<10; {
			n, err := nc.Read(buf[:])
			total += n
			if err != nil {
				break
			}
		}
	}
	nc.Close()
}
