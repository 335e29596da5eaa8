package tlsconfig

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSelfSignedVerifies(t *testing.T) {
	now := time.Date(2026, 11, 30, 19, 0, 0, 0, time.UTC)
	cert, err := selfSigned(now, []string{"dev.test", "*.apps.test", "192.0.2.7", "[2001:db8::1]", "LOCALHOST"})
	if err != nil {
		t.Fatal(err)
	}
	leaf := cert.Leaf
	if leaf == nil || len(cert.Certificate) != 1 || !leaf.Equal(mustParse(t, cert.Certificate[0])) {
		t.Fatal("Leaf is not set to the certificate")
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	for _, name := range []string{"localhost", "127.0.0.1", "::1", "dev.test", "x.apps.test", "192.0.2.7", "2001:db8::1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: name, CurrentTime: now}); err != nil {
			t.Errorf("does not verify for %s: %v", name, err)
		}
	}
	for _, name := range []string{"example.com", "10.0.0.1", "apps.test"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: name, CurrentTime: now}); err == nil {
			t.Errorf("verifies for %s", name)
		}
	}
	if got := len(leaf.DNSNames) + len(leaf.IPAddresses); got != 7 {
		t.Errorf("%d names (%v %v), want 7: duplicates are not dropped", got, leaf.DNSNames, leaf.IPAddresses)
	}
	if !leaf.NotBefore.Equal(now.Add(-time.Hour)) || !leaf.NotAfter.Equal(now.Add(SelfSignedValidity)) {
		t.Errorf("valid from %v to %v, want an hour before %v to %v after", leaf.NotBefore, leaf.NotAfter, now, SelfSignedValidity)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "localhost", CurrentTime: now.Add(SelfSignedValidity + time.Second)}); err == nil {
		t.Error("verifies after its validity")
	}
	if key, ok := cert.PrivateKey.(*ecdsa.PrivateKey); !ok || key.Curve != elliptic.P256() {
		t.Errorf("key is %T, want ECDSA P-256", cert.PrivateKey)
	}
	if leaf.IsCA {
		t.Error("the certificate is a CA")
	}
}

// TestSelfSignedHandshake serves the certificate and connects as a
// client trusting only it.
func TestSelfSignedHandshake(t *testing.T) {
	checkLeaks(t)
	cert, err := SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	cfg := Default()
	cfg.Certificates = []tls.Certificate{cert}
	addr := serveTLS(t, cfg)
	roots := x509.NewCertPool()
	roots.AddCert(cert.Leaf)
	for _, name := range []string{"localhost", "127.0.0.1"} {
		if got := handshake(t, addr, name, roots); !got.Equal(cert.Leaf) {
			t.Errorf("as %s: another certificate served", name)
		}
	}
}

func TestSelfSignedBadHost(t *testing.T) {
	for _, h := range []string{"", "a b", "host:8443", "fe80::1%eth0", "a..b", "a/b", strings.Repeat("a", 64) + ".test"} {
		_, err := SelfSigned(h)
		want := `tlsconfig: self-signed certificate: "` + strings.ToLower(h) + `" is neither a host name nor an IP address`
		if errText(err) != want {
			t.Errorf("SelfSigned(%q) error %s, want %s", h, errText(err), want)
		}
	}
}

func TestFingerprint(t *testing.T) {
	cert, err := SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	got := Fingerprint(cert.Leaf)

	// Expected: the SHA-256 of the DER, computed apart, upper-case hex
	// pairs joined by colons.
	sum := sha256Hex(cert.Certificate[0])
	var pairs []string
	for i := 0; i < len(sum); i += 2 {
		pairs = append(pairs, strings.ToUpper(sum[i:i+2]))
	}
	if want := strings.Join(pairs, ":"); got != want {
		t.Fatalf("Fingerprint = %s\nwant          %s", got, want)
	}

	// And as openssl prints it, where openssl is installed.
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("no openssl to compare with")
	}
	path := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), openssl, "x509", "-noout", "-fingerprint", "-sha256", "-in", path).Output()
	if err != nil {
		t.Fatalf("openssl: %v", err)
	}
	// "sha256 Fingerprint=AB:..." (OpenSSL 3) or "SHA256 Fingerprint=AB:..." (1.1).
	_, fp, ok := strings.Cut(strings.TrimSpace(string(out)), "Fingerprint=")
	if !ok || fp != got {
		t.Fatalf("openssl prints %q, Fingerprint = %s", out, got)
	}
}

func mustParse(t *testing.T, der []byte) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
