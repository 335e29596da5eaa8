package tlsconfig

import (
	"crypto/tls"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultCheckInterval is how often, at most, a [Reloader] looks at its
// files when no [WithCheckInterval] option is given.
const DefaultCheckInterval = 2 * time.Second

// A Reloader serves a certificate and key pair read from two files, and
// serves a renewed pair once it is on disk, without a restart. Its
// GetCertificate method goes into a [tls.Config]:
//
//	r, err := tlsconfig.NewReloader("cert.pem", "key.pem", tlsconfig.WithLogger(log))
//	cfg := tlsconfig.Default()
//	cfg.GetCertificate = r.GetCertificate
//
// # The reload rule
//
// There is no goroutine and nothing to close. A handshake that finds the
// check interval (DefaultCheckInterval) elapsed since the last check
// stats both files; while they are unchanged (same file, size and
// modification time), that is all. When either changed, that handshake
// loads the pair with [LoadKeyPair] and, if it loads, serves it from then
// on. Other handshakes never wait: they serve the current pair meanwhile.
// A renewal is therefore in service for every handshake that starts one
// interval or more after it was completely written.
//
// A renewal that does not load (a file half written, a certificate
// written before its new key, a key that does not match) leaves the
// previous pair in service. Its error is logged once per change of the
// files, after the files have failed to load at two checks in a row:
// a renewal caught between its two writes is loaded at the next check
// and never reported. A pair served outside its validity period is
// reported once as a [ValidityError] warning, and served all the same.
//
// A Reloader is safe for concurrent use. The zero Reloader is not
// usable; make one with [NewReloader].
type Reloader struct {
	// Immutable after NewReloader.
	certFile, keyFile string
	interval          time.Duration    // <= 0: no checks from handshakes
	now               func() time.Time // the clock; never nil
	log               *slog.Logger     // never nil
	base              time.Time        // now() at NewReloader; next counts from it

	// cur is the pair served: never nil, and never changed once stored
	// (a reload stores a new one). Handshakes read it without a lock.
	cur atomic.Pointer[tls.Certificate]
	// next is when the next check is due, as a duration since base. The
	// handshake that moves it forward (CompareAndSwap) makes the check.
	next atomic.Int64

	// mu serialises checks and Reload, and guards the fields below. A
	// handshake never waits for it (TryLock).
	mu             sync.Mutex
	loaded         pairStamp // the files cur was read from
	failing        bool      // the files at failed did not load
	failed         pairStamp
	failReported   bool // the failure at failed was logged
	validityWarned bool // cur's ValidityError was logged
}

// An Option configures a [Reloader].
type Option func(*Reloader)

// WithCheckInterval sets how often, at most, handshakes look at the
// files (DefaultCheckInterval when not given). An interval of zero or
// less turns the checks off: the pair then changes only by
// [Reloader.Reload].
func WithCheckInterval(d time.Duration) Option {
	return func(r *Reloader) { r.interval = d }
}

// WithLogger sets where the Reloader reports reloads (Info), reloads that
// failed (Error) and a pair served outside its validity period (Warn).
// Without it nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(r *Reloader) { r.log = l }
}

// WithClock sets the clock the Reloader reads for its check interval and
// for validity checks, in place of time.Now; tests drive it.
func WithClock(now func() time.Time) Option {
	return func(r *Reloader) { r.now = now }
}

// NewReloader loads the pair from certFile and keyFile with
// [LoadKeyPair] and returns a Reloader serving it. It fails with
// LoadKeyPair's one-line error when the pair does not load. A
// certificate that has expired or is not valid yet is not an error: it
// is logged as a [ValidityError] warning and served.
func NewReloader(certFile, keyFile string, opts ...Option) (*Reloader, error) {
	r := &Reloader{certFile: certFile, keyFile: keyFile, interval: DefaultCheckInterval, now: time.Now}
	for _, o := range opts {
		o(r)
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	cert, stamp, err := r.load()
	if err != nil {
		return nil, err
	}
	r.cur.Store(&cert)
	r.loaded = stamp
	r.base = r.now()
	r.next.Store(int64(r.interval))
	r.warnValidity(r.base)
	return r, nil
}

// GetCertificate returns the pair in service, for [tls.Config]'s
// GetCertificate field; leave the Config's Certificates empty, or
// crypto/tls consults GetCertificate only for clients that send a server
// name. It ignores the ClientHello and never fails. When a check is due it makes it first (see "The reload
// rule"), so the caller's handshake may be the one that reads the
// files. The result must not be modified.
func (r *Reloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	if r.interval > 0 {
		r.maybeCheck()
	}
	return r.cur.Load(), nil
}

// Certificate returns the pair in service, with Leaf set, for logging
// its subject, expiry or [Fingerprint]. The result must not be modified.
func (r *Reloader) Certificate() *tls.Certificate {
	return r.cur.Load()
}

// Reload reads the files now, changed or not, and serves the pair if it
// loads (for a SIGHUP, say). Otherwise the pair in service stays, and
// the error is returned and not logged. Reload waits for a check that
// is under way.
func (r *Reloader) Reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cert, stamp, err := r.load()
	if err != nil {
		r.failing, r.failed, r.failReported = true, stamp, true
		return err
	}
	r.install(&cert, stamp)
	r.warnValidity(r.now())
	return nil
}

// maybeCheck makes the check if one is due and no other handshake or
// Reload is making it.
func (r *Reloader) maybeCheck() {
	now := r.now()
	since := int64(now.Sub(r.base))
	due := r.next.Load()
	if since < due || !r.next.CompareAndSwap(due, since+int64(r.interval)) {
		return
	}
	if !r.mu.TryLock() {
		return // a Reload is reading the files
	}
	defer r.mu.Unlock()
	r.check(now)
}

// check reloads the pair if the files changed. r.mu is held.
func (r *Reloader) check(now time.Time) {
	defer r.warnValidity(now) // cur may have expired while in service
	stamp, err := statPair(r.certFile, r.keyFile)
	if err == nil && stamp.same(r.loaded) {
		r.failing = false
		return
	}
	if r.failing && r.failReported && stamp.same(r.failed) {
		return // reported; wait for the files to change again
	}
	var cert tls.Certificate
	if err == nil {
		cert, err = LoadKeyPair(r.certFile, r.keyFile)
	}
	switch {
	case err == nil:
		r.install(&cert, stamp)
	case r.failing && stamp.same(r.failed):
		r.failReported = true
		r.log.Error("tls certificate reload failed; still serving the previous certificate", "err", err)
	default:
		// A first failure of these files: a renewal may be between its
		// writes. Report it only if it fails again at the next check.
		r.failing, r.failed, r.failReported = true, stamp, false
	}
}

// load stamps the files and then reads them.
func (r *Reloader) load() (tls.Certificate, pairStamp, error) {
	stamp, err := statPair(r.certFile, r.keyFile)
	if err != nil {
		return tls.Certificate{}, stamp, err
	}
	cert, err := LoadKeyPair(r.certFile, r.keyFile)
	return cert, stamp, err
}

// install puts c, read from the files at stamp, in service. r.mu is
// held.
func (r *Reloader) install(c *tls.Certificate, stamp pairStamp) {
	r.cur.Store(c)
	r.loaded = stamp
	r.failing, r.failReported, r.validityWarned = false, false, false
	r.log.Info("tls certificate reloaded", "file", r.certFile,
		"subject", c.Leaf.Subject.String(), "not_after", c.Leaf.NotAfter, "sha256", Fingerprint(c.Leaf))
}

// warnValidity logs the pair in service as a ValidityError if it is
// outside its validity period at now, once. r.mu is held, or r is not
// yet shared.
func (r *Reloader) warnValidity(now time.Time) {
	err := checkValidity(r.certFile, r.cur.Load().Leaf, now)
	if err == nil {
		r.validityWarned = false // valid again (it was not valid yet)
		return
	}
	if !r.validityWarned {
		r.validityWarned = true
		r.log.Warn("tls certificate outside its validity period; serving it anyway", "err", err)
	}
}
