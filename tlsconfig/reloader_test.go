package tlsconfig

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// A reloadTest is a Reloader on pairFiles, with a fake clock starting at
// now and a log recorder; serve puts it behind a TLS listener.
type reloadTest struct {
	*testing.T
	files *pairFiles
	clock *fakeClock
	log   *logRecorder
	r     *Reloader
	addr  string         // set by serve
	roots *x509.CertPool // set by serve
}

func newReloadTest(t *testing.T, first testPair, now time.Time, opts ...Option) *reloadTest {
	t.Helper()
	rt := &reloadTest{T: t, files: newPairFiles(t), clock: &fakeClock{now: now}, log: &logRecorder{}}
	rt.files.writePair(first)
	opts = append([]Option{WithClock(rt.clock.Now), WithLogger(slog.New(rt.log))}, opts...)
	r, err := NewReloader(rt.files.cert, rt.files.key, opts...)
	if err != nil || r == nil {
		t.Fatalf("NewReloader = %v, %v; want a Reloader and no error", r, err)
	}
	rt.r = r
	return rt
}

// serve starts a TLS listener on 127.0.0.1 with the Reloader's
// GetCertificate; handshakes trust roots.
func (rt *reloadTest) serve(roots *x509.CertPool) {
	cfg := Default()
	cfg.GetCertificate = rt.r.GetCertificate
	rt.addr, rt.roots = serveTLS(rt.T, cfg), roots
}

// get calls GetCertificate, as a handshake does, without one.
func (rt *reloadTest) get() *tls.Certificate {
	rt.Helper()
	c, err := rt.r.GetCertificate(nil)
	if err != nil || c == nil || c.Leaf == nil {
		rt.Fatalf("GetCertificate = %v, %v", c, err)
	}
	return c
}

// next moves the clock past the check interval.
func (rt *reloadTest) next() { rt.clock.Advance(DefaultCheckInterval) }

// wantServed makes a handshake and fails unless it served want.
func (rt *reloadTest) wantServed(what string, want testPair) {
	rt.Helper()
	wantLeaf(rt.T, what, handshake(rt.T, rt.addr, "localhost", rt.roots), want)
}

// wantErrors fails unless exactly the given errors were logged at Error
// level, each containing its substring.
func (rt *reloadTest) wantErrors(what string, substrings ...string) {
	rt.Helper()
	recs := rt.log.at(slog.LevelError)
	if len(recs) != len(substrings) {
		rt.Fatalf("%s: %d errors logged, want %d: %v", what, len(recs), len(substrings), recs)
	}
	for i, s := range substrings {
		if !strings.Contains(errText(recs[i].err), s) {
			rt.Fatalf("%s: error %d logged is %q, want one containing %q", what, i, errText(recs[i].err), s)
		}
	}
}

func TestReloaderServesRenewedPair(t *testing.T) {
	checkLeaks(t)
	ca := newTestCA(t)
	a, b, c, d := ca.validPair(t, "a"), ca.validPair(t, "b"), ca.validPair(t, "c"), ca.validPair(t, "d")
	rt := newReloadTest(t, a, time.Now())
	rt.serve(ca.pool)
	rt.wantServed("at start", a)

	// Renewed in place. Until the interval has passed, the old pair.
	rt.files.writePair(b)
	rt.clock.Advance(DefaultCheckInterval - time.Nanosecond)
	rt.wantServed("before the interval", a)
	rt.clock.Advance(time.Nanosecond)
	rt.wantServed("the first handshake after the interval", b)
	rt.wantServed("the next handshake", b)

	// Renewed by renaming new files over the old ones.
	rt.files.rename(rt.files.key, c.keyPEM)
	rt.files.rename(rt.files.cert, c.certPEM)
	rt.next()
	rt.wantServed("after a rename", c)

	// Renewed in two writes with a check between them: the mismatch
	// seen at that check is not reported (see wantErrors below).
	rt.files.write(rt.files.cert, d.certPEM)
	rt.next()
	rt.wantServed("between the two writes", c)
	rt.files.write(rt.files.key, d.keyPEM)
	rt.next()
	rt.wantServed("after the two writes", d)

	if n := len(rt.log.at(slog.LevelInfo)); n != 3 {
		t.Errorf("%d reloads logged, want 3", n)
	}
	rt.wantErrors("after clean renewals")
	if got := rt.r.Certificate().Leaf; !got.Equal(d.leaf) {
		t.Errorf("Certificate() = %q, want d", got.Subject.CommonName)
	}
}

func TestReloaderKeepsPairOnBadRenewal(t *testing.T) {
	checkLeaks(t)
	ca := newTestCA(t)
	a, b, c := ca.validPair(t, "a"), ca.validPair(t, "b"), ca.validPair(t, "c")
	rt := newReloadTest(t, a, time.Now())
	rt.serve(ca.pool)

	// A certificate without its key: not reported at the first check
	// (the key may be on its way), reported once at the second, and
	// never again while the files stay so, however many handshakes.
	rt.files.write(rt.files.cert, b.certPEM)
	rt.next()
	rt.wantServed("certificate renewed, key not yet", a)
	rt.wantErrors("one check after a mismatched renewal")
	rt.next()
	rt.wantServed("mismatched pair", a)
	rt.wantErrors("two checks after a mismatched renewal", "does not match the certificate")
	for range 3 {
		rt.next()
		rt.wantServed("mismatched pair, later", a)
		rt.wantServed("mismatched pair, same interval", a)
	}
	rt.wantErrors("five checks after a mismatched renewal", "does not match the certificate")

	// The key arrives: served, nothing more reported.
	rt.files.write(rt.files.key, b.keyPEM)
	rt.next()
	rt.wantServed("the key written", b)

	// Half written: the old pair stays; reported once.
	rt.files.write(rt.files.key, c.keyPEM)
	rt.files.write(rt.files.cert, c.certPEM[:len(c.certPEM)/2])
	for range 4 {
		rt.next()
		rt.wantServed("half-written certificate", b)
	}
	rt.wantErrors("after a half-written certificate", "does not match the certificate", "a PEM block is cut short")

	// Written out: served.
	rt.files.write(rt.files.cert, c.certPEM)
	rt.next()
	rt.wantServed("certificate written out", c)

	// A file removed (a rename under way, or a mistake): the old pair,
	// reported once; back again: served.
	if err := os.Remove(rt.files.key); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		rt.next()
		rt.wantServed("key file missing", c)
	}
	rt.wantErrors("after a missing key", "does not match the certificate", "a PEM block is cut short", "no such file or directory")
	rt.files.writePair(a)
	rt.next()
	rt.wantServed("files back", a)
	rt.wantErrors("at the end", "does not match the certificate", "a PEM block is cut short", "no such file or directory")
}

func TestReloaderReload(t *testing.T) {
	ca := newTestCA(t)
	a, b := ca.validPair(t, "a"), ca.validPair(t, "b")
	rt := newReloadTest(t, a, time.Now(), WithCheckInterval(0))

	// Checks are off: a renewal waits for Reload.
	rt.files.writePair(b)
	rt.clock.Advance(time.Hour)
	if !rt.get().Leaf.Equal(a.leaf) {
		t.Fatal("with checks off, a renewal was served without Reload")
	}
	if err := rt.r.Reload(); err != nil {
		t.Fatal(err)
	}
	if !rt.get().Leaf.Equal(b.leaf) {
		t.Fatal("Reload did not serve the renewal")
	}

	// A failing Reload returns the error, logs nothing, keeps the pair.
	rt.files.write(rt.files.key, a.keyPEM)
	err := rt.r.Reload()
	if want := "tlsconfig: key file " + rt.files.key + " does not match the certificate in " + rt.files.cert; errText(err) != want {
		t.Fatalf("Reload() = %q, want %q", errText(err), want)
	}
	if !rt.get().Leaf.Equal(b.leaf) {
		t.Fatal("a failed Reload replaced the pair")
	}
	rt.wantErrors("after a failed Reload")
}

func TestReloaderValidityWarnings(t *testing.T) {
	ca := newTestCA(t)
	now := time.Now()
	tests := []struct {
		name        string
		pair        testPair
		wantExpired bool
		wantText    string
	}{
		{"expired", ca.issue(t, "old", now.Add(-10*24*time.Hour), now.Add(-3*24*time.Hour-time.Minute)), true, " expired at "},
		{"not yet valid", ca.issue(t, "new", now.Add(5*time.Minute), now.Add(24*time.Hour)), false, " is not valid until "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := newReloadTest(t, tt.pair, now)
			warns := rt.log.at(slog.LevelWarn)
			if len(warns) != 1 {
				t.Fatalf("%d warnings, want 1: %v", len(warns), warns)
			}
			verr, ok := errors.AsType[*ValidityError](warns[0].err)
			if !ok || verr.Expired() != tt.wantExpired || verr.File != rt.files.cert || !strings.Contains(verr.Error(), tt.wantText) {
				t.Fatalf("warning %q, want a *ValidityError containing %q (expired %v)", errText(warns[0].err), tt.wantText, tt.wantExpired)
			}
			for range 3 {
				rt.next()
				rt.get()
			}
			if n := len(rt.log.at(slog.LevelWarn)); n != 1 {
				t.Fatalf("%d warnings after more checks, want still 1", n)
			}
		})
	}
}

func TestReloaderWarnsWhenPairExpiresInService(t *testing.T) {
	ca := newTestCA(t)
	now := time.Now()
	rt := newReloadTest(t, ca.issue(t, "short", now.Add(-time.Hour), now.Add(time.Hour)), now)
	rt.get()
	if n := len(rt.log.at(slog.LevelWarn)); n != 0 {
		t.Fatalf("%d warnings for a valid certificate", n)
	}
	rt.clock.Advance(2 * time.Hour)
	for range 3 {
		rt.get()
		rt.next()
	}
	warns := rt.log.at(slog.LevelWarn)
	if len(warns) != 1 {
		t.Fatalf("%d warnings after expiry, want 1", len(warns))
	}
	if verr, ok := errors.AsType[*ValidityError](warns[0].err); !ok || !verr.Expired() {
		t.Fatalf("warning %q, want an expired *ValidityError", errText(warns[0].err))
	}
}

func TestNewReloaderErrors(t *testing.T) {
	files := newPairFiles(t)
	r, err := NewReloader(files.cert, files.key)
	if want := "tlsconfig: certificate file " + files.cert + ": no such file or directory"; r != nil || errText(err) != want {
		t.Fatalf("NewReloader = %v, %q; want nil, %q", r, errText(err), want)
	}
}

func TestPairStampSeesRename(t *testing.T) {
	files := newPairFiles(t)
	files.write(files.cert, []byte("same"))
	files.write(files.key, []byte("same"))
	before, err := statPair(files.cert, files.key)
	if err != nil {
		t.Fatal(err)
	}
	// Another file with the same size and modification time.
	other := files.cert + ".other"
	if err := os.WriteFile(other, []byte("same"), 0o600); err != nil {
		t.Fatal(err)
	}
	mtime := before.cert.ModTime()
	if err := os.Chtimes(other, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other, files.cert); err != nil {
		t.Fatal(err)
	}
	after, err := statPair(files.cert, files.key)
	if err != nil {
		t.Fatal(err)
	}
	if after.cert.Size() != before.cert.Size() || !after.cert.ModTime().Equal(mtime) {
		t.Fatal("test setup: size or modification time differ")
	}
	if before.same(after) {
		t.Error("a file renamed over the certificate, same size and time, is seen as unchanged")
	}
	again, _ := statPair(files.cert, files.key)
	if !after.same(again) {
		t.Error("unchanged files are seen as changed")
	}
}

// TestReloaderConcurrentHandshakes calls GetCertificate from several
// goroutines while the clock moves and the pair is renewed, for the race
// detector, and checks that each call serves a whole pair.
func TestReloaderConcurrentHandshakes(t *testing.T) {
	ca := newTestCA(t)
	a, b := ca.validPair(t, "a"), ca.validPair(t, "b")
	rt := newReloadTest(t, a, time.Now())
	const goroutines, calls = 4, 200
	var wg sync.WaitGroup
	bad := make(chan string, goroutines)
	for range goroutines {
		wg.Go(func() {
			for range calls {
				c, err := rt.r.GetCertificate(nil)
				if err != nil || c == nil || !(c.Leaf.Equal(a.leaf) || c.Leaf.Equal(b.leaf)) {
					bad <- fmt.Sprintf("GetCertificate = %v, %v", c, err)
					return
				}
				rt.clock.Advance(DefaultCheckInterval / 10)
			}
		})
	}
	rt.files.writePair(b)
	wg.Wait()
	close(bad)
	for msg := range bad {
		t.Error(msg)
	}
	// The files may have been written after the last check.
	rt.next()
	if !rt.get().Leaf.Equal(b.leaf) {
		t.Error("the renewal is not served after the goroutines ended")
	}
}
