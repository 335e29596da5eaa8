package tlsconfig

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadKeyPairErrors(t *testing.T) {
	ca := newTestCA(t)
	a, b := ca.validPair(t, "a"), ca.validPair(t, "b")
	dir := t.TempDir()
	file := func(name string, data []byte) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	cert, key := file("cert.pem", a.certPEM), file("key.pem", a.keyPEM)
	missing := filepath.Join(dir, "missing.pem")
	block := func(typ string, data []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: data}) }
	der, _ := pem.Decode(a.certPEM)
	xkey, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	x25519, err := x509.MarshalPKCS8PrivateKey(xkey)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		cert, key string
		want      string // the whole message
		wantIs    error  // when not nil, errors.Is(err, wantIs)
	}{
		{"no certificate file", "", key, "tlsconfig: no certificate file given", nil},
		{"no key file", cert, "", "tlsconfig: no key file given", nil},
		{"certificate missing", missing, key, "tlsconfig: certificate file " + missing + ": no such file or directory", fs.ErrNotExist},
		{"key missing", cert, missing, "tlsconfig: key file " + missing + ": no such file or directory", fs.ErrNotExist},
		{"certificate is a directory", dir, key, "tlsconfig: certificate file " + dir + ": is a directory", nil},
		{"certificate empty", file("empty.pem", []byte("\n \n")), key, "tlsconfig: certificate file " + filepath.Join(dir, "empty.pem") + " is empty", nil},
		{"key empty", cert, file("empty-key.pem", nil), "tlsconfig: key file " + filepath.Join(dir, "empty-key.pem") + " is empty", nil},
		{"certificate too large", file("big.pem", make([]byte, maxFileSize+1)), key, "tlsconfig: certificate file " + filepath.Join(dir, "big.pem") + " is larger than 1 MiB: not a PEM certificate", nil},
		{"certificate not PEM", file("text.pem", []byte("hello\n")), key, "tlsconfig: certificate file " + filepath.Join(dir, "text.pem") + ` is not PEM: no "-----BEGIN CERTIFICATE-----" line`, nil},
		{"certificate in DER", file("cert.der", der.Bytes), key, "tlsconfig: certificate file " + filepath.Join(dir, "cert.der") + ` is not PEM: no "-----BEGIN CERTIFICATE-----" line`, nil},
		{"key not PEM", cert, file("text.key", []byte("hello\n")), "tlsconfig: key file " + filepath.Join(dir, "text.key") + ` is not PEM: no "-----BEGIN ... PRIVATE KEY-----" line`, nil},
		{"certificate cut short", file("half.pem", a.certPEM[:len(a.certPEM)/2]), key, "tlsconfig: certificate file " + filepath.Join(dir, "half.pem") + ": a PEM block is cut short (a file still being written?)", nil},
		{"chain cut short", file("chain.pem", append(append([]byte{}, a.certPEM...), b.certPEM[:len(b.certPEM)-30]...)), key, "tlsconfig: certificate file " + filepath.Join(dir, "chain.pem") + ": a PEM block is cut short (a file still being written?)", nil},
		{"key cut short", cert, file("half.key", a.keyPEM[:len(a.keyPEM)/2]), "tlsconfig: key file " + filepath.Join(dir, "half.key") + ": a PEM block is cut short (a file still being written?)", nil},
		{"files swapped", key, cert, "tlsconfig: certificate file " + key + " holds a private key, not a certificate (certificate and key files swapped?)", nil},
		{"key file holds a certificate", cert, cert, "tlsconfig: key file " + cert + " holds a certificate, not a private key (certificate and key files swapped?)", nil},
		{"certificate file holds another block", file("csr.pem", block("CERTIFICATE REQUEST", []byte{1})), key, "tlsconfig: certificate file " + filepath.Join(dir, "csr.pem") + ` holds a PEM "CERTIFICATE REQUEST" block, not a CERTIFICATE`, nil},
		{"key file holds another block", cert, file("params.pem", block("EC PARAMETERS", []byte{1})), "tlsconfig: key file " + filepath.Join(dir, "params.pem") + ` holds a PEM "EC PARAMETERS" block, not a PRIVATE KEY`, nil},
		{"certificate corrupt", file("corrupt.pem", block("CERTIFICATE", []byte("not DER"))), key, "tlsconfig: certificate file " + filepath.Join(dir, "corrupt.pem") + ": certificate 1 of 1: x509: malformed certificate", nil},
		{"key corrupt", cert, file("corrupt.key", block("PRIVATE KEY", []byte("not DER"))), "tlsconfig: key file " + filepath.Join(dir, "corrupt.key") + `: the "PRIVATE KEY" block does not parse: malformed DER`, nil},
		{"key encrypted", cert, file("enc.key", block("ENCRYPTED PRIVATE KEY", []byte{1})), "tlsconfig: key file " + filepath.Join(dir, "enc.key") + " holds an encrypted private key; give it unencrypted (openssl pkey -in KEY -out KEY.plain)", nil},
		{"key unsupported", cert, file("ssh.key", block("OPENSSH PRIVATE KEY", []byte{1})), "tlsconfig: key file " + filepath.Join(dir, "ssh.key") + ` holds an unsupported "OPENSSH PRIVATE KEY" block (convert it to PKCS #8: openssl pkey)`, nil},
		{"key cannot sign", cert, file("x25519.key", block("PRIVATE KEY", x25519)), "tlsconfig: key file " + filepath.Join(dir, "x25519.key") + " holds a key-exchange key, not a signing key (TLS needs RSA, ECDSA or Ed25519)", nil},
		{"key does not match", cert, file("b.key", b.keyPEM), "tlsconfig: key file " + filepath.Join(dir, "b.key") + " does not match the certificate in " + cert, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadKeyPair(tt.cert, tt.key)
			if errText(err) != tt.want {
				t.Fatalf("LoadKeyPair error\n got %s\nwant %s", errText(err), tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is more than one line")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("errors.Is(err, %v) = false", tt.wantIs)
			}
			if got.Certificate != nil || got.PrivateKey != nil || got.Leaf != nil {
				t.Errorf("a failed load returned a pair")
			}
		})
	}
}

func TestLoadKeyPairUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads files whatever their mode")
	}
	ca := newTestCA(t)
	files := newPairFiles(t)
	files.writePair(ca.validPair(t, "a"))
	if err := os.Chmod(files.key, 0); err != nil {
		t.Fatal(err)
	}
	_, err := LoadKeyPair(files.cert, files.key)
	if want := "tlsconfig: key file " + files.key + ": permission denied"; errText(err) != want {
		t.Fatalf("got %s, want %s", errText(err), want)
	}
	if !errors.Is(err, fs.ErrPermission) {
		t.Errorf("errors.Is(err, fs.ErrPermission) = false")
	}
}

// TestLoadKeyPairForms loads the other forms the files come in.
func TestLoadKeyPairForms(t *testing.T) {
	ca := newTestCA(t)
	a := ca.validPair(t, "a")
	now := time.Now()
	dir := t.TempDir()
	file := func(name string, parts ...[]byte) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, bytes.Join(parts, nil), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	block := func(typ string, data []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: data}) }
	caPEM := block("CERTIFICATE", ca.cert.Raw)

	ecKey := newKey(t)
	sec1, err := x509.MarshalECPrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	ecCert, _ := ca.sign(t, "sec1", now.Add(-time.Hour), now.Add(time.Hour), ecKey.Public())

	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaCert, _ := ca.sign(t, "rsa", now.Add(-time.Hour), now.Add(time.Hour), rsaKey.Public())

	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPKCS8, err := x509.MarshalPKCS8PrivateKey(edKey)
	if err != nil {
		t.Fatal(err)
	}
	edCert, _ := ca.sign(t, "ed25519", now.Add(-time.Hour), now.Add(time.Hour), edKey.Public())

	combined := file("combined.pem", a.certPEM, caPEM, a.keyPEM)
	tests := []struct {
		name      string
		cert, key string
		wantChain int
	}{
		{"one file with chain and key", combined, combined, 2},
		{"SEC 1 key after EC PARAMETERS", file("sec1.pem", ecCert), file("sec1.key", []byte("-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"), block("EC PRIVATE KEY", sec1)), 1},
		{"RSA PKCS #1 key", file("rsa.pem", rsaCert), file("rsa.key", block("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey))), 1},
		{"Ed25519 key", file("ed.pem", edCert), file("ed.key", block("PRIVATE KEY", edPKCS8)), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadKeyPair(tt.cert, tt.key)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Certificate) != tt.wantChain {
				t.Errorf("chain of %d certificates, want %d", len(got.Certificate), tt.wantChain)
			}
			if got.Leaf == nil || !bytes.Equal(got.Leaf.Raw, got.Certificate[0]) {
				t.Fatal("Leaf is not the first certificate")
			}
			// The pair is one crypto/tls accepts.
			if _, err := tls.X509KeyPair(readAll(t, tt.cert), readAll(t, tt.key)); err != nil {
				t.Fatalf("crypto/tls refuses the pair: %v", err)
			}
		})
	}
}

func readAll(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
