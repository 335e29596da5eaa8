package http1

import "errors"

// ErrNeedMore reports that the input ends before the construct being parsed
// is complete. It is not a protocol error: read more bytes and call again.
// ParseHead returns it only when nothing seen so far is malformed and no
// limit is exceeded yet.
var ErrNeedMore = errors.New("http1: need more data")

// Error is a protocol error together with the status code a server should
// answer with before closing the connection.
//
// Reason is a fixed, short, ASCII text chosen by this package; it never
// contains bytes from the peer, so it is safe to put in a response body or a
// log line as is. Every *Error returned by this package is a package-level
// value (so parsing never allocates); callers must not modify it. Compare
// with errors.As and look at Status, never at the text.
type Error struct {
	Status int    // HTTP status code to answer with: 400, 414, 417, 431, 501 or 505
	Reason string // fixed, safe description of what was wrong
}

// Error returns "http1: <status> <reason>".
func (e *Error) Error() string {
	return "http1: " + itoa3(e.Status) + " " + e.Reason
}

// itoa3 formats a status code (three digits expected) without strconv, so
// the package stays tiny; other values are formatted generally.
func itoa3(n int) string {
	if n < 0 {
		return "-" + itoa3(-n)
	}
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return string(b[i:])
}

func newErr(status int, reason string) *Error { return &Error{Status: status, Reason: reason} }

// Request-line errors (RFC 9112 section 3).
var (
	errBareCR           = newErr(400, "bare CR")                                    // RFC 9112 2.2
	errBareLF           = newErr(400, "bare LF without CR")                         // RFC 9112 2.2 (see doc.go)
	errMethod           = newErr(400, "invalid method")                             // RFC 9110 9.1: method = token
	errRequestLine      = newErr(400, "malformed request line")                     // RFC 9112 3
	errTargetChar       = newErr(400, "invalid character in request-target")        // RFC 9112 3.2
	errTarget           = newErr(400, "invalid request-target")                     // RFC 9112 3.2
	errAsterisk         = newErr(400, "asterisk-form is only allowed with OPTIONS") // RFC 9112 3.2.4
	errAuthorityForm    = newErr(400, "CONNECT requires authority-form")            // RFC 9112 3.2.3
	errUserinfo         = newErr(400, "userinfo in request-target")                 // RFC 9110 4.2.4
	errEmptyHost        = newErr(400, "empty host in http(s) URI")                  // RFC 9110 4.2.1
	errFragment         = newErr(400, "fragment in request-target")                 // RFC 9112 3.2.1, 3.2.2; RFC 3986 4.3
	errTargetPort       = newErr(400, "request-target port outside 1-65535")        // RFC 9110 4.2.1, RFC 9293 3.1, RFC 6335 6
	errVersion          = newErr(400, "malformed HTTP version")                     // RFC 9112 2.3
	errVersionUnsupport = newErr(505, "HTTP version not supported")                 // RFC 9110 15.6.6
	errRequestLineLong  = newErr(414, "request line too long")                      // RFC 9112 3, RFC 9110 15.5.15
)

// Field-section errors (RFC 9112 section 5).
var (
	errHeaderTooLarge   = newErr(431, "request header section too large")        // RFC 6585 5
	errTooManyFields    = newErr(431, "too many header fields")                  // RFC 6585 5
	errFieldName        = newErr(400, "invalid header field name")               // RFC 9112 5.1
	errSpaceBeforeColon = newErr(400, "whitespace between field name and colon") // RFC 9112 5.1
	errObsFold          = newErr(400, "obsolete line folding")                   // RFC 9112 5.2
	errLeadingSpace     = newErr(400, "whitespace before first header field")    // RFC 9112 2.2
	errFieldValue       = newErr(400, "invalid character in header field value") // RFC 9110 5.5
	errMissingHost      = newErr(400, "missing Host header")                     // RFC 9112 3.2
	errDuplicateHost    = newErr(400, "more than one Host header")               // RFC 9112 3.2
	errInvalidHost      = newErr(400, "invalid Host header")                     // RFC 9112 3.2, RFC 9110 7.2
	errExpectation      = newErr(417, "unsupported expectation")                 // RFC 9110 10.1.1
)

// Framing errors (RFC 9112 section 6).
var (
	errContentLength    = newErr(400, "invalid Content-Length")                    // RFC 9110 8.6
	errDuplicateCL      = newErr(400, "more than one Content-Length")              // RFC 9112 6.3
	errCLAndTE          = newErr(400, "both Content-Length and Transfer-Encoding") // RFC 9112 6.1, 6.3
	errTEHTTP10         = newErr(400, "Transfer-Encoding in an HTTP/1.0 request")  // RFC 9112 6.1
	errTENotChunkedLast = newErr(400, "chunked is not the final transfer coding")  // RFC 9112 6.3
	errTEChunkedTwice   = newErr(400, "chunked applied more than once")            // RFC 9112 6.1
	errTESyntax         = newErr(400, "invalid Transfer-Encoding")                 // RFC 9112 6.1
	errTEUnsupported    = newErr(501, "unsupported transfer coding")               // RFC 9112 6.1
)

// Chunked body errors (RFC 9112 section 7.1).
var (
	errChunkSize       = newErr(400, "invalid chunk size")                // RFC 9112 7.1
	errChunkSizeTooBig = newErr(400, "chunk size too large")              // RFC 9112 7.1
	errChunkExt        = newErr(400, "invalid chunk extension")           // RFC 9112 7.1.1
	errChunkLineLong   = newErr(400, "chunk header line too long")        // RFC 9112 7.1.1
	errChunkOverhead   = newErr(400, "too much chunk extension data")     // RFC 9112 7.1.1
	errChunkDataCRLF   = newErr(400, "missing CRLF after chunk data")     // RFC 9112 7.1
	errChunkLineEnd    = newErr(400, "chunk line not terminated by CRLF") // RFC 9112 7.1
	errTrailerTooLarge = newErr(431, "trailer section too large")         // RFC 9112 7.1.2
	errTrailerField    = newErr(400, "invalid trailer field")             // RFC 9112 7.1.2
)
