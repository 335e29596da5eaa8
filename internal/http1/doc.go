// Package http1 is wharf's HTTP/1.1 wire format: pure functions over bytes.
//
// It parses request heads (ParseHead), decodes chunked bodies
// (ChunkedDecoder), and writes the parts of a response that have a fixed
// syntax (AppendStatusLine, AppendHTTPDate, AppendChunkSize). It holds no
// connection, starts no goroutine, reads no clock and keeps no state between
// calls other than what a caller passes in; the parse path does not
// allocate. That makes every rule table-testable and fuzzable, and lets the
// server re-run ParseHead whenever more bytes of a slow client's head
// arrive instead of blocking a worker on it.
//
// # Strictness
//
// The parser follows RFC 9112 and RFC 9110 and, where they let a recipient
// choose between rejecting and repairing, it rejects: every repair is a
// place where two parsers in a chain can disagree about message boundaries
// (request smuggling). In particular:
//
//   - Lines end in CRLF. A bare CR is always an error (RFC 9112 2.2). A bare
//     LF is an error too: RFC 9112 2.2 lets a recipient accept it, but
//     llhttp, whose strict mode this package is checked against, only does
//     so with leniency flags.
//   - Exactly one SP separates the parts of the request line (RFC 9112 3);
//     the request-target is visible ASCII only, has no fragment ("#",
//     RFC 9112 3.2.1, 3.2.2) and, in absolute-form and authority-form, no
//     port outside 1-65535 (nor does the Host field).
//   - Only HTTP/1.0 and HTTP/1.1 are accepted; other versions get 505.
//   - Obsolete line folding (RFC 9112 5.2), whitespace before the colon of a
//     field (RFC 9112 5.1) and control characters in field values (RFC 9110
//     5.5) are rejected with 400.
//   - A request with both Content-Length and Transfer-Encoding, with more
//     than one Content-Length (even equal ones), with a Transfer-Encoding in
//     HTTP/1.0 or with a final coding other than chunked is rejected with
//     400 (RFC 9112 6.1, 6.3); a coding other than chunked gets 501.
//   - HTTP/1.1 requires exactly one, valid, Host field (RFC 9112 3.2).
//   - Any token is a method; KnownMethod tells the server which ones are
//     registered, so it can answer the rest with 501 (RFC 9110 9.1).
//
// The rules, with the RFC section each comes from, are next to the code
// that applies them; head_test.go has a table row for each, and the corpus
// tests replay the llhttp and picohttpparser test suites. DIFFERENCES.md
// lists where this package and Go's net/http disagree, and why.
//
// Errors are *Error values that carry the status to answer with and a
// fixed reason that never contains peer bytes.
package http1
