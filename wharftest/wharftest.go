// Package wharftest provides utilities for testing wharf handlers
// without a network, in the manner of net/http/httptest: NewRequest
// builds a *wharf.Request as the server would hand it to a handler,
// and a Recorder is a wharf.ResponseWriter that records what the
// handler wrote.
//
// The Recorder follows the body rules of the server's ResponseWriter
// where they catch handler bugs: no body after a 1xx, 204 or 304
// status (ErrBodyNotAllowed), and no more body than a declared
// Content-Length (ErrContentLength). It knows nothing of the request,
// so it records a body written for a HEAD request; a test checks that
// itself.
package wharftest

import (
	"bytes"
	"io"
	"strconv"
	"strings"

	"github.com/wharfhttp/wharf"
)

// RemoteAddr is the peer address of requests made by NewRequest. It is
// in TEST-NET-1 (RFC 5737), like httptest's.
const RemoteAddr = "192.0.2.1:1234"

// NewRequest returns a request as the server would hand it to a
// handler for "method target HTTP/1.1" with the header "Host:
// example.com" and no body. An empty method means "GET".
//
// target is split as a server splits a request-target (RFC 9112 3.2):
//
//   - origin-form "/a?b": Path "/a", RawQuery "b";
//   - absolute-form "http://h/a?b": Host "h", Path "/a" ("/" when the
//     target has no path), RawQuery "b";
//   - asterisk-form "*" and anything else (authority-form "h:443"):
//     Path "" and RawQuery "".
//
// Path is kept as sent, not percent-decoded, as the server keeps it.
// NewRequest validates nothing and never panics, so that tests (and
// fuzz tests) can build requests the server's parser would refuse; a
// test may also set any field of the result.
//
// The result has ProtoMinor 1, a Header with only the Host field, a
// Body that reads io.EOF at once, ContentLength 0, RemoteAddr
// RemoteAddr, and a nil context (its Context method returns
// context.Background).
func NewRequest(method, target string) *wharf.Request {
	if method == "" {
		method = "GET"
	}
	r := &wharf.Request{
		Method:     method,
		Target:     target,
		Host:       "example.com",
		ProtoMinor: 1,
		Body:       strings.NewReader(""),
		RemoteAddr: RemoteAddr,
	}
	switch {
	case strings.HasPrefix(target, "/"):
		r.Path, r.RawQuery = splitQuery(target)
	case isAbsoluteForm(target):
		rest := target[strings.Index(target, "://")+3:]
		authority, pathQuery := rest, ""
		if i := strings.IndexAny(rest, "/?"); i >= 0 {
			authority, pathQuery = rest[:i], rest[i:]
		}
		if i := strings.LastIndexByte(authority, '@'); i >= 0 {
			authority = authority[i+1:] // userinfo is not part of the host
		}
		r.Host = authority
		r.Path, r.RawQuery = splitQuery(pathQuery)
		if r.Path == "" {
			r.Path = "/"
		}
	}
	r.Header = wharf.Header{{Name: "Host", Value: r.Host}}
	return r
}

// splitQuery splits "path?query" at the first '?'.
func splitQuery(s string) (path, query string) {
	if i := strings.IndexByte(s, '?'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// isAbsoluteForm reports whether target starts with "scheme://",
// where scheme is ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
// (RFC 3986 3.1).
func isAbsoluteForm(target string) bool {
	i := strings.Index(target, "://")
	if i <= 0 {
		return false
	}
	for j := 0; j < i; j++ {
		c := target[j]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case j > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// A Recorder is a wharf.ResponseWriter that records the response a
// handler writes, for inspection in tests. It also implements
// io.ReaderFrom, as the server's ResponseWriter does.
//
// Create one with NewRecorder. A Recorder is not safe for concurrent
// use, like the server's ResponseWriter; it may be inspected after the
// handler returns.
type Recorder struct {
	// Code is the status sent: 0 until the head is written, then the
	// code given to WriteHeader, or 200 when the head was written by
	// the first Write, ReadFrom or Flush.
	Code int

	// HeaderMap is a copy of the header as it was when the head was
	// written (nil until then). Changes the handler makes to Header()
	// afterwards are not in it, as they would not be sent.
	HeaderMap wharf.Header

	// Body holds the body bytes written.
	Body bytes.Buffer

	// Flushed reports whether Flush was called.
	Flushed bool

	header      wharf.Header // what Header returns; the handler's to edit
	wroteHeader bool
	noBody      bool  // the status allows no body (1xx, 204, 304)
	remaining   int64 // body bytes the declared Content-Length still allows; -1: no limit
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{remaining: -1}
}

var (
	_ wharf.ResponseWriter = (*Recorder)(nil)
	_ io.ReaderFrom        = (*Recorder)(nil)
)

// Header returns the response header the handler edits. Changes after
// the head is written are kept here but do not reach HeaderMap.
func (r *Recorder) Header() *wharf.Header { return &r.header }

// WriteHeader records the status code and a copy of the header. As
// for the server, only the first call counts, and informational codes
// other than 101 are ignored (they do not count as the first call).
func (r *Recorder) WriteHeader(code int) {
	if r.wroteHeader {
		return
	}
	if 100 <= code && code <= 199 && code != 101 {
		return
	}
	r.wroteHeader = true
	r.Code = code
	r.HeaderMap = append(wharf.Header(nil), r.header...)
	r.noBody = code < 200 || code == 204 || code == 304
	r.remaining = -1
	if v := r.HeaderMap.Get("Content-Length"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			r.remaining = n
		}
	}
}

// Write records body bytes, writing the head with status 200 first if
// it has not been written. It returns wharf.ErrBodyNotAllowed (and
// records nothing) after a 1xx, 204 or 304 status, and
// wharf.ErrContentLength (after recording what fits) when p goes past
// the declared Content-Length.
func (r *Recorder) Write(p []byte) (int, error) {
	if err := r.startBody(); err != nil {
		return 0, err
	}
	n := len(p)
	if r.remaining >= 0 && int64(n) > r.remaining {
		n = int(r.remaining)
	}
	r.Body.Write(p[:n])
	return n, r.wrote(n, len(p))
}

// WriteString is Write for a string.
func (r *Recorder) WriteString(s string) (int, error) {
	if err := r.startBody(); err != nil {
		return 0, err
	}
	n := len(s)
	if r.remaining >= 0 && int64(n) > r.remaining {
		n = int(r.remaining)
	}
	r.Body.WriteString(s[:n])
	return n, r.wrote(n, len(s))
}

// ReadFrom records what it reads from src until io.EOF, with the same
// rules as Write. When the declared Content-Length is reached it reads
// one byte more to tell whether src had more, and then reports
// wharf.ErrContentLength.
func (r *Recorder) ReadFrom(src io.Reader) (int64, error) {
	if err := r.startBody(); err != nil {
		return 0, err
	}
	if r.remaining < 0 {
		// bytes.Buffer.ReadFrom, not io.Copy: io.Copy(r, src) would
		// call this method again.
		return r.Body.ReadFrom(src)
	}
	n, err := r.Body.ReadFrom(io.LimitReader(src, r.remaining))
	r.remaining -= n
	if err != nil {
		return n, err
	}
	var one [1]byte
	if m, _ := io.ReadFull(src, one[:]); m > 0 {
		return n, wharf.ErrContentLength
	}
	return n, nil
}

// Flush records that it was called, writing the head with status 200
// first if it has not been written.
func (r *Recorder) Flush() error {
	r.WriteHeader(200)
	r.Flushed = true
	return nil
}

// startBody writes the head if needed and reports whether the status
// allows a body.
func (r *Recorder) startBody() error {
	r.WriteHeader(200)
	if r.noBody {
		return wharf.ErrBodyNotAllowed
	}
	return nil
}

// wrote accounts for n of want bytes recorded against the declared
// Content-Length.
func (r *Recorder) wrote(n, want int) error {
	if r.remaining >= 0 {
		r.remaining -= int64(n)
	}
	if n < want {
		return wharf.ErrContentLength
	}
	return nil
}

// Result returns the response as the server would send it: the status
// (200 when the handler wrote nothing at all), the header as it was
// when the head was written (a copy of the current header if it was
// not), and the body. The header and body are the caller's to keep.
func (r *Recorder) Result() (code int, h wharf.Header, body []byte) {
	code, h = r.Code, r.HeaderMap
	if !r.wroteHeader {
		code, h = 200, r.header
	}
	return code, append(wharf.Header(nil), h...), bytes.Clone(r.Body.Bytes())
}
