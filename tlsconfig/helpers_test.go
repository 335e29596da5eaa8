package tlsconfig

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// checkLeaks makes t fail if goroutines started after the call are still
// running when t's cleanups have run (it is registered first, so it runs
// last).
func checkLeaks(t *testing.T) {
	t.Helper()
	snapshot := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, snapshot) })
}

// A testCA issues certificates for tests; nothing is written to disk
// except where a test writes a pair.
type testCA struct {
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
	pool *x509.CertPool // holds cert
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key := newKey(t)
	now := time.Now()
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "tlsconfig test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{key: key, cert: cert, pool: pool}
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// A testPair is a certificate and its key as PEM files hold them.
type testPair struct {
	certPEM, keyPEM []byte
	leaf            *x509.Certificate
}

// issue makes a pair for localhost and 127.0.0.1, valid from notBefore
// to notAfter, with a fresh ECDSA key in a PKCS #8 "PRIVATE KEY" block.
func (ca *testCA) issue(t *testing.T, cn string, notBefore, notAfter time.Time) testPair {
	t.Helper()
	key := newKey(t)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM, leaf := ca.sign(t, cn, notBefore, notAfter, key.Public())
	return testPair{
		certPEM: certPEM,
		keyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
		leaf:    leaf,
	}
}

// sign makes a certificate for pub, for localhost and 127.0.0.1, and
// returns it in PEM and parsed.
func (ca *testCA) sign(t *testing.T, cn string, notBefore, notAfter time.Time, pub crypto.PublicKey) ([]byte, *x509.Certificate) {
	t.Helper()
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: cn},
		NotBefore:   notBefore,
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), leaf
}

// validPair issues a pair valid for a day around now.
func (ca *testCA) validPair(t *testing.T, cn string) testPair {
	now := time.Now()
	return ca.issue(t, cn, now.Add(-time.Hour), now.Add(24*time.Hour))
}

// pairFiles are a certificate file and a key file in a test's directory.
// Each write gives the file a new modification time, one second after
// the previous write's, so that a change is seen whatever the file
// system's timestamp resolution.
type pairFiles struct {
	t         *testing.T
	cert, key string
	writes    int
}

func newPairFiles(t *testing.T) *pairFiles {
	dir := t.TempDir()
	return &pairFiles{t: t, cert: filepath.Join(dir, "cert.pem"), key: filepath.Join(dir, "key.pem")}
}

// write replaces the content of path in place (same inode).
func (f *pairFiles) write(path string, data []byte) {
	f.t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		f.t.Fatal(err)
	}
	f.writes++
	mtime := time.Date(2026, 1, 1, 0, 0, f.writes, 0, time.UTC)
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		f.t.Fatal(err)
	}
}

// rename replaces path by a new file, as certbot and atomic writers do.
func (f *pairFiles) rename(path string, data []byte) {
	f.t.Helper()
	f.write(path+".new", data)
	if err := os.Rename(path+".new", path); err != nil {
		f.t.Fatal(err)
	}
}

func (f *pairFiles) writePair(p testPair) {
	f.write(f.cert, p.certPEM)
	f.write(f.key, p.keyPEM)
}

// A fakeClock is a Reloader's clock that only tests move.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// A logRecorder is a slog.Handler that keeps the records a Reloader
// logs, with their "err" attribute.
type logRecorder struct {
	mu   sync.Mutex
	recs []logRecord
}

type logRecord struct {
	level slog.Level
	msg   string
	err   error
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *logRecorder) WithGroup(string) slog.Handler            { return h }

func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{level: r.Level, msg: r.Message}
	r.Attrs(func(a slog.Attr) bool {
		if err, ok := a.Value.Any().(error); ok && a.Key == "err" {
			rec.err = err
		}
		return true
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, rec)
	return nil
}

// at returns the records logged at level.
func (h *logRecorder) at(level slog.Level) []logRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []logRecord
	for _, r := range h.recs {
		if r.level == level {
			out = append(out, r)
		}
	}
	return out
}

// serveTLS runs a TLS listener on 127.0.0.1 that completes a handshake
// on each connection and closes it, until the test ends.
func serveTLS(t *testing.T, cfg *tls.Config) (addr string) {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept() // ends when the cleanup closes ln
			if err != nil {
				return
			}
			c.SetDeadline(time.Now().Add(5 * time.Second))
			c.(*tls.Conn).Handshake() // a failure is the client's to see
			c.Close()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return ln.Addr().String()
}

// handshake connects to addr as a client verifying serverName against
// roots, and returns the leaf certificate the server sent.
func handshake(t *testing.T, addr, serverName string, roots *x509.CertPool) *x509.Certificate {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	d := &tls.Dialer{Config: &tls.Config{RootCAs: roots, ServerName: serverName}}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatalf("handshake with %s as %q: %v", addr, serverName, err)
	}
	defer c.Close()
	return c.(*tls.Conn).ConnectionState().PeerCertificates[0]
}

// wantLeaf fails t unless got is want (by fingerprint, so that the
// failure names which certificate was served).
func wantLeaf(t *testing.T, what string, got *x509.Certificate, want testPair) {
	t.Helper()
	if !got.Equal(want.leaf) {
		t.Fatalf("%s: served %q (%s), want %q", what, got.Subject.CommonName, Fingerprint(got), want.leaf.Subject.CommonName)
	}
}

// errText returns err's message, or "<nil>".
func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
