package tlsconfig

import "crypto/tls"

// Default returns a new server configuration with wharf's defaults. Each
// call returns a fresh Config that the caller owns and may change.
//
// The defaults are deliberately few; every field not named here keeps
// crypto/tls's own default, which the Go team keeps current:
//
//   - MinVersion is TLS 1.2. crypto/tls already uses 1.2 as the server
//     minimum, but GODEBUG=tls10server=1 brings 1.0 back; setting it
//     here makes the floor independent of the environment. TLS 1.0 and
//     1.1 are deprecated (RFC 8996), and every client in support speaks
//     1.2.
//   - CipherSuites is nil: crypto/tls then uses its own list (ECDHE
//     suites only, so every connection has forward secrecy; RSA key
//     exchange and 3DES left it in Go 1.22 and 1.23), AEAD suites
//     first, AES-GCM or ChaCha20-Poly1305 first by whether the machine
//     and the client have AES hardware. A hand-picked list would freeze
//     today's choice and miss those updates. TLS 1.3 suites are not
//     configurable anyway.
//   - CurvePreferences is nil for the same reason: the default includes
//     the hybrid post-quantum key exchanges (X25519MLKEM768 since Go
//     1.24).
//   - NextProtos is left empty. ALPN is the server's business, not the
//     certificate's: the wharf server sets "h2" and "http/1.1" when it
//     serves HTTP/2, as net/http does.
//   - GetCertificate and Certificates are left empty: set one of them,
//     for example GetCertificate to a [Reloader]'s method, or
//     Certificates to a pair from [LoadKeyPair] or [SelfSigned].
func Default() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12}
}
