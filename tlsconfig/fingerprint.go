package tlsconfig

import (
	"crypto/sha256"
	"crypto/x509"
)

// Fingerprint returns the SHA-256 fingerprint of a certificate as
// browsers and "openssl x509 -noout -fingerprint -sha256" show it:
// upper-case hex bytes joined by colons ("AB:CD:...", 95 characters).
// It hashes leaf.Raw, the certificate's DER; leaf must not be nil.
func Fingerprint(leaf *x509.Certificate) string {
	const digits = "0123456789ABCDEF"
	sum := sha256.Sum256(leaf.Raw)
	b := make([]byte, 0, 3*len(sum)-1)
	for i, c := range sum {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, digits[c>>4], digits[c&0xf])
	}
	return string(b)
}
