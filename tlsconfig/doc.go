// Package tlsconfig provides the certificates for a wharf server's TLS:
// modern defaults for a [tls.Config], a certificate pair read from files
// and reloaded when it is renewed on disk, a self-signed certificate for
// development, and the one-line errors a person needs when a pair does
// not load. It uses the standard library only, and the server and the
// command share it.
//
//   - [Default] returns a server tls.Config: TLS 1.2 at least, and crypto/tls's
//     own choice of cipher suites and key exchanges.
//   - [NewReloader] loads a pair with [LoadKeyPair]; its
//     [Reloader.GetCertificate] serves it and picks up a renewed pair.
//   - [SelfSigned] makes an in-memory certificate for localhost, and
//     [Fingerprint] its SHA-256 fingerprint as browsers show it.
//
// # How the command uses it
//
// With --tls-cert FILE --tls-key FILE the command makes a Reloader with
// its logger and puts its GetCertificate into Default(). A pair that
// does not load ends the command with the error, one line naming the
// file and the fault (missing, unreadable, not PEM, cut short, files
// swapped, key not matching the certificate), and a non-zero exit
// status. An expired certificate, or one not valid yet, is served with a
// warning: clients decide.
//
// With --tls-self-signed the command uses SelfSigned() as the Config's
// certificate and logs its Fingerprint, so that the person at the
// browser can compare it with the one the warning page shows.
//
// # The reload rule
//
// No goroutine watches the files. A handshake at least the check
// interval (DefaultCheckInterval, 2 seconds) after the last check stats
// the certificate and key files; when either changed (another file, or
// another size or modification time), it loads the new pair and serves
// it from then on. So a renewed certificate is served within a few
// seconds without a restart, by rename, symlink swap or writing in
// place. A renewal that does not load (half written, a certificate
// without its new key yet, a mismatched key) keeps the previous pair in
// service, and its error is logged once, not at every handshake. See
// [Reloader] for the details.
package tlsconfig
