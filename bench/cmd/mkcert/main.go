// Command mkcert writes the certificate of the TLS scenarios: a
// self-signed ECDSA P-256 certificate for localhost, 127.0.0.1 and ::1
// (tlsconfig.SelfSigned, the one the wharf command makes for
// --tls-self-signed), as two PEM files that every server of the run is
// started with, wharf, net/http and nginx alike. bench/run makes one per
// run.
//
//	mkcert -cert cert.pem -key key.pem
package main

import (
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"os"

	"github.com/wharfhttp/wharf/tlsconfig"
)

func main() {
	certPath := flag.String("cert", "cert.pem", "write the certificate (PEM) here")
	keyPath := flag.String("key", "key.pem", "write the private key (PEM, PKCS #8) here")
	flag.Parse()
	if err := write(*certPath, *keyPath); err != nil {
		fmt.Fprintln(os.Stderr, "mkcert:", err)
		os.Exit(1)
	}
}

// write makes the certificate and writes it and its key; the key file
// is readable by its owner only.
func write(certPath, keyPath string) error {
	pair, err := tlsconfig.SelfSigned()
	if err != nil {
		return err
	}
	key, err := x509.MarshalPKCS8PrivateKey(pair.PrivateKey)
	if err != nil {
		return err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pair.Certificate[0]})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key})
	if err := os.WriteFile(certPath, certPEM, 0o644); err != nil {
		return err
	}
	return os.WriteFile(keyPath, keyPEM, 0o600)
}
