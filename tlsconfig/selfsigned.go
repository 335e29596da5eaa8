package tlsconfig

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"
)

// SelfSignedValidity is how long a [SelfSigned] certificate is valid:
// long enough for a week of development, short enough that one copied
// somewhere it should not be soon stops working. Its validity starts an
// hour before it is made, for clients whose clock is a little behind.
const SelfSignedValidity = 7 * 24 * time.Hour

// SelfSigned makes a self-signed certificate for development, in memory:
// an ECDSA P-256 key, and a certificate for "localhost", 127.0.0.1 and
// ::1 plus the given hosts (host names, "*.name" wildcards, or IP
// addresses), valid for SelfSignedValidity. Leaf is set. Nothing is
// written to disk; each call makes a new key.
//
// Clients do not trust it unless told to (curl --insecure, or the
// certificate added to their roots); log its [Fingerprint] so that a
// person can check what the browser shows. It is an end-entity
// certificate, not a CA: trusting it trusts nothing else.
func SelfSigned(hosts ...string) (tls.Certificate, error) {
	return selfSigned(time.Now(), hosts)
}

func selfSigned(now time.Time, hosts []string) (tls.Certificate, error) {
	dns := []string{"localhost"}
	ips := []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	for _, h := range hosts {
		h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
		if ip := net.ParseIP(h); ip != nil {
			if !slices.ContainsFunc(ips, ip.Equal) {
				ips = append(ips, ip)
			}
			continue
		}
		h = strings.ToLower(h)
		if !validHostName(h) {
			return tls.Certificate{}, fmt.Errorf("tlsconfig: self-signed certificate: %q is neither a host name nor an IP address", h)
		}
		if !slices.Contains(dns, h) {
			dns = append(dns, h)
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlsconfig: self-signed certificate: %v", err)
	}
	tmpl := &x509.Certificate{
		// SerialNumber nil: CreateCertificate picks a random one.
		Subject:               pkix.Name{Organization: []string{"wharf development (self-signed)"}, CommonName: "localhost"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(SelfSignedValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, // and IsCA false: browsers refuse a CA certificate as a server's
		DNSNames:              dns,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlsconfig: self-signed certificate: %v", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlsconfig: self-signed certificate: %v", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// validHostName reports whether h (lower case) is a DNS name a
// certificate can carry: labels of letters, digits, '-' and '_', at most
// 63 bytes each, 253 in all, and optionally a leading "*." wildcard.
func validHostName(h string) bool {
	h = strings.TrimPrefix(h, "*.")
	if h == "" || len(h) > 253 {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range []byte(label) {
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
