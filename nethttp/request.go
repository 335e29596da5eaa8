package nethttp

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/wharfhttp/wharf"
)

// fillURL sets *u to what url.ParseRequestURI(r.Target) returns, as
// net/http's server does, and reports whether the target parsed. The
// path is taken from r.Path rather than from r.Target: the two are the
// same as the server made them, and a wharf.StripPrefix in front of
// Wrap changes Path only (as net/http's StripPrefix changes URL.Path
// and keeps RequestURI).
//
// An origin-form target's path is parsed alone (the query does not
// change how url.URL parses a path), and a path that holds only
// characters url.URL's path escaping leaves alone (and no '%') is not
// parsed at all: URL.Path is r.Path as it is, RawPath empty, and
// nothing is allocated (TestFillURL and FuzzFillURL check this against
// url.ParseRequestURI). Absolute-form and "*" targets are parsed whole.
func fillURL(u *url.URL, r *wharf.Request) bool {
	t := r.Target
	if !strings.HasPrefix(t, "/") {
		pu, err := url.ParseRequestURI(t)
		if err != nil {
			return false
		}
		*u = *pu
		if p := absolutePath(t); r.Path == p || r.Path == "/" && p == "" {
			return true
		}
		return setPath(u, r.Path) // changed by a StripPrefix
	}
	if !setPath(u, r.Path) {
		return false
	}
	u.RawQuery = r.RawQuery
	// "/a?" has an empty query that url.URL keeps as ForceQuery;
	// "/a??" has the query "?".
	u.ForceQuery = r.RawQuery == "" && strings.HasSuffix(t, "?")
	return true
}

// setPath sets u.Path and u.RawPath as url.URL parses the origin-form
// path p, and reports whether p parsed.
func setPath(u *url.URL, p string) bool {
	if plainPath(p) {
		u.Path, u.RawPath = p, ""
		return true
	}
	pu, err := url.ParseRequestURI(p)
	if err != nil {
		return false
	}
	u.Path, u.RawPath = pu.Path, pu.RawPath
	return true
}

// absolutePath returns the path of an absolute-form target as the
// server's parser splits it ("" for "http://host" and "http://host?q"):
// the authority ends at the first '/', '?' or '#'.
func absolutePath(t string) string {
	i := strings.Index(t, "://")
	if i < 0 {
		return ""
	}
	rest := t[i+3:]
	j := strings.IndexAny(rest, "/?#")
	if j < 0 || rest[j] == '?' {
		return ""
	}
	p, _, _ := strings.Cut(rest[j:], "?")
	return p
}

// plainPath reports whether url.URL would keep path as it is: no
// percent-encoding to decode and no character its path escaping
// changes (RFC 3986 unreserved characters, and "$&+,/:;=@").
func plainPath(path string) bool {
	for i := 0; i < len(path); i++ {
		c := path[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '_', c == '.', c == '~':
		case c == '$', c == '&', c == '+', c == ',', c == '/', c == ':', c == ';', c == '=', c == '@':
		default:
			return false
		}
	}
	return true
}

// fillHeader sets h (empty, made by the caller) to r's header fields
// under their canonical names (http.CanonicalHeaderKey), one value per
// field line in the order sent, as net/http's server does: without
// Host (it is in Request.Host) and Transfer-Encoding (it is in
// Request.TransferEncoding), and with "Cache-Control: no-cache"
// added for "Pragma: no-cache" when there is no Cache-Control (RFC 7234
// 5.4; net/http's fixPragmaCacheControl). vals is where the first
// value of each name is kept: it must have room for countNames(fields)
// values. A name repeated on another line appends to its slice (and
// allocates), as textproto's reader does.
func fillHeader(h http.Header, fields wharf.Header, vals []string) {
	for _, f := range fields {
		k := http.CanonicalHeaderKey(f.Name)
		if k == "Host" || k == "Transfer-Encoding" {
			continue
		}
		if old, ok := h[k]; ok {
			h[k] = append(old, f.Value)
			continue
		}
		vals[0] = f.Value
		h[k] = vals[:1:1]
		vals = vals[1:]
	}
	if pragma, ok := h["Pragma"]; ok && len(pragma) > 0 && pragma[0] == "no-cache" {
		if _, ok := h["Cache-Control"]; !ok {
			h["Cache-Control"] = []string{"no-cache"}
		}
	}
}

// countNames returns how many fields of h fillHeader keeps, at most:
// the map's size hint and the number of values to make room for.
func countNames(h wharf.Header) int {
	n := len(h)
	for i := range h {
		if name := h[i].Name; strings.EqualFold(name, "Host") || strings.EqualFold(name, "Transfer-Encoding") {
			n--
		}
	}
	return n
}

// A requestBody is Request.Body for a request with a body: wharf's body
// with net/http's Close. Close makes later reads fail with
// http.ErrBodyReadAfterClose; what is left unread is the engine's to
// discard or to close the connection for, as with any wharf handler.
type requestBody struct {
	r      io.Reader
	closed atomic.Bool // set by Close, which may run on another goroutine
}

func (b *requestBody) Read(p []byte) (int, error) {
	if b.closed.Load() {
		return 0, http.ErrBodyReadAfterClose
	}
	return b.r.Read(p)
}

func (b *requestBody) Close() error {
	b.closed.Store(true)
	return nil
}
