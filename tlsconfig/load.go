package tlsconfig

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// maxFileSize bounds what LoadKeyPair reads from a file. A certificate
// chain is a few kilobytes; the bound keeps a wrong path (a log file,
// /dev/zero) from being read without end.
const maxFileSize = 1 << 20

// LoadKeyPair reads a PEM certificate chain from certFile and its PEM
// private key from keyFile, as [tls.LoadX509KeyPair] does, and returns the
// pair with Leaf set. The two names may be the same file holding both.
//
// Every error is one line that names the file and what is wrong with it:
// missing or unreadable (wrapping the [fs.PathError]'s cause, so
// errors.Is(err, fs.ErrNotExist) works), empty, not PEM, a PEM block cut
// short (a file still being written), the two files swapped, an
// encrypted or unsupported key, a certificate that does not parse, a key
// that does not match the certificate.
//
// LoadKeyPair does not look at the validity period: an expired
// certificate loads. A [Reloader] reports one as a [ValidityError].
//
// The certificate file holds the leaf first, then any intermediates; PEM
// blocks of other types in it (a private key, in a combined file) are
// skipped. In the key file the first private key block is used; others
// (such as "EC PARAMETERS", which openssl writes before the key) are
// skipped.
func LoadKeyPair(certFile, keyFile string) (tls.Certificate, error) {
	if certFile == "" {
		return tls.Certificate{}, errors.New("tlsconfig: no certificate file given")
	}
	if keyFile == "" {
		return tls.Certificate{}, errors.New("tlsconfig: no key file given")
	}
	certPEM, err := readFile("certificate", certFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPEM, err := readFile("key", keyFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	chain, leaf, err := parseChain(certFile, certPEM)
	if err != nil {
		return tls.Certificate{}, err
	}
	key, err := parseKey(keyFile, keyPEM)
	if err != nil {
		return tls.Certificate{}, err
	}
	pub, ok := leaf.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(key.Public()) {
		return tls.Certificate{}, fmt.Errorf("tlsconfig: key file %s does not match the certificate in %s", keyFile, certFile)
	}
	return tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leaf}, nil
}

// readFile reads at most maxFileSize bytes of name; role ("certificate"
// or "key") goes into the error.
func readFile(role, name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fileError(role, name, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fileError(role, name, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("tlsconfig: %s file %s is larger than 1 MiB: not a PEM %s", role, name, role)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("tlsconfig: %s file %s is empty", role, name)
	}
	return data, nil
}

// fileError makes the one-line error for a file that cannot be opened,
// read or stat'ed: "tlsconfig: key file k.pem: permission denied". The
// cause is wrapped; the path is not repeated from the fs.PathError.
func fileError(role, name string, err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		err = pe.Err
	}
	return fmt.Errorf("tlsconfig: %s file %s: %w", role, name, err)
}

// parseChain decodes every CERTIFICATE block of the file at name and
// parses each, so that a corrupt intermediate is found at load time
// rather than by clients. The leaf is the first.
func parseChain(name string, data []byte) (chain [][]byte, leaf *x509.Certificate, err error) {
	var other string // the type of the first non-certificate block
	rest := data
	for {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if b.Type == "CERTIFICATE" {
			chain = append(chain, b.Bytes)
		} else if other == "" {
			other = b.Type
		}
	}
	// pem.Decode stops at a block without its END line; a BEGIN line
	// left over means the file was cut short, typically because it is
	// still being written. A chain missing its tail must not be served.
	if bytes.Contains(rest, []byte("-----BEGIN")) {
		return nil, nil, fmt.Errorf("tlsconfig: certificate file %s: a PEM block is cut short (a file still being written?)", name)
	}
	if len(chain) == 0 {
		switch {
		case strings.HasSuffix(other, "PRIVATE KEY"):
			return nil, nil, fmt.Errorf("tlsconfig: certificate file %s holds a private key, not a certificate (certificate and key files swapped?)", name)
		case other != "":
			return nil, nil, fmt.Errorf("tlsconfig: certificate file %s holds a PEM %q block, not a CERTIFICATE", name, other)
		}
		return nil, nil, fmt.Errorf("tlsconfig: certificate file %s is not PEM: no \"-----BEGIN CERTIFICATE-----\" line", name)
	}
	for i, der := range chain {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, nil, fmt.Errorf("tlsconfig: certificate file %s: certificate %d of %d: %v", name, i+1, len(chain), err)
		}
		if i == 0 {
			leaf = c
		}
	}
	return chain, leaf, nil
}

// parseKey decodes the first private key block of the file at name.
func parseKey(name string, data []byte) (crypto.Signer, error) {
	var other string // the type of the first block that is not a key
	rest := data
	for {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") || b.Type == "ENCRYPTED PRIVATE KEY" {
			return nil, fmt.Errorf("tlsconfig: key file %s holds an encrypted private key; give it unencrypted (openssl pkey -in KEY -out KEY.plain)", name)
		}
		var key any
		var err error
		switch b.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(b.Bytes)
		default:
			if other == "" {
				other = b.Type
			}
			continue
		}
		if err != nil {
			// crypto/x509's own messages are kept; encoding/asn1's
			// ("asn1: structure error: tags don't match (16 vs
			// {class:1 ...") say nothing to a person.
			if !strings.HasPrefix(err.Error(), "x509: ") {
				err = errors.New("malformed DER")
			}
			return nil, fmt.Errorf("tlsconfig: key file %s: the %q block does not parse: %v", name, b.Type, err)
		}
		switch k := key.(type) {
		case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
			return k.(crypto.Signer), nil
		}
		// PKCS #8 also holds key-exchange keys (*ecdh.PrivateKey).
		return nil, fmt.Errorf("tlsconfig: key file %s holds a key-exchange key, not a signing key (TLS needs RSA, ECDSA or Ed25519)", name)
	}
	if bytes.Contains(rest, []byte("-----BEGIN")) {
		return nil, fmt.Errorf("tlsconfig: key file %s: a PEM block is cut short (a file still being written?)", name)
	}
	switch {
	case other == "CERTIFICATE":
		return nil, fmt.Errorf("tlsconfig: key file %s holds a certificate, not a private key (certificate and key files swapped?)", name)
	case strings.HasSuffix(other, "PRIVATE KEY"):
		return nil, fmt.Errorf("tlsconfig: key file %s holds an unsupported %q block (convert it to PKCS #8: openssl pkey)", name, other)
	case other != "":
		return nil, fmt.Errorf("tlsconfig: key file %s holds a PEM %q block, not a PRIVATE KEY", name, other)
	}
	return nil, fmt.Errorf("tlsconfig: key file %s is not PEM: no \"-----BEGIN ... PRIVATE KEY-----\" line", name)
}
