package tlsconfig_test

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"

	"github.com/wharfhttp/wharf/tlsconfig"
)

// The command's --tls-cert and --tls-key: a pair that is reloaded when
// it is renewed on disk.
func ExampleNewReloader() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	r, err := tlsconfig.NewReloader("/etc/wharf/cert.pem", "/etc/wharf/key.pem", tlsconfig.WithLogger(log))
	if err != nil {
		// One line, such as "tlsconfig: key file /etc/wharf/key.pem
		// does not match the certificate in /etc/wharf/cert.pem".
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	leaf := r.Certificate().Leaf
	log.Info("serving TLS", "subject", leaf.Subject.String(), "not_after", leaf.NotAfter, "sha256", tlsconfig.Fingerprint(leaf))

	cfg := tlsconfig.Default()
	cfg.GetCertificate = r.GetCertificate
	cfg.NextProtos = []string{"h2", "http/1.1"} // the server's choice, not the package's
	ln, err := tls.Listen("tcp", "127.0.0.1:8443", cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer ln.Close()
	// ... serve ln ...
}

// The command's --tls-self-signed: a certificate for development.
func ExampleSelfSigned() {
	cert, err := tlsconfig.SelfSigned("dev.test")
	if err != nil {
		panic(err)
	}
	cfg := tlsconfig.Default()
	cfg.Certificates = []tls.Certificate{cert}

	fmt.Println(cert.Leaf.DNSNames, cert.Leaf.IPAddresses)
	fmt.Println("valid for", cert.Leaf.NotAfter.Sub(cert.Leaf.NotBefore))
	fmt.Println("fingerprint of", len(tlsconfig.Fingerprint(cert.Leaf)), "characters")
	// Output:
	// [localhost dev.test] [127.0.0.1 ::1]
	// valid for 169h0m0s
	// fingerprint of 95 characters
}
