package wharf

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// ServeMux is an HTTP request multiplexer: it routes each request to
// the handler of the registered pattern that matches it most
// specifically. Its patterns, matching and precedence are those of
// net/http's ServeMux (Go 1.22 and later), so what is known of one
// holds for the other; the differences are listed at the end.
//
// # Patterns
//
// A pattern is
//
//	[METHOD ][HOST]/[PATH]
//
// with each part optional but the first "/": "/" matches everything.
// A METHOD is followed by at least one space or tab. Some examples:
//
//   - "/index.html" matches the path "/index.html", any host and method.
//   - "GET /static/" matches GET and HEAD requests whose path starts
//     with "/static/".
//   - "example.com/" matches every request for the host example.com.
//   - "example.com/{$}" matches the path "/" on example.com only.
//   - "POST /b/{bucket}/o/{object...}" matches POST requests whose
//     first segment is "b" and third is "o"; the second segment is the
//     path value "bucket", the rest of the path the value "object".
//
// Literal parts match case-sensitively. A pattern without a method
// matches every method; "GET" matches GET and HEAD; any other method
// matches only itself. A pattern without a host matches every host;
// the request's host is Request.Host without its port.
//
// A wildcard is a whole segment: {NAME} matches one non-empty segment,
// {NAME...} (last only) the rest of the path, slashes included, and
// {$} (last only) the end of a path that ends in "/". A NAME is a Go
// identifier, distinct within the pattern; Request.PathValue returns
// what it matched. A final "/" is an anonymous {NAME...}: "/static/"
// matches "/static/" and everything below it.
//
// Patterns and paths are compared segment by segment after
// percent-decoding each segment, so "/a%2Fb" has the one segment
// "a/b": the pattern "/a%2Fb" matches it, "/a/b" does not. Wildcard
// values are decoded the same way.
//
// # Precedence
//
// When several patterns match a request, the most specific one wins:
// the one that matches a strict subset of the others' requests.
// "/images/thumbnails/" beats "/images/", "GET /posts/{id}" beats
// "/posts/{id}", and "/posts/latest" beats "/posts/{id}". One
// exception: a pattern with a host beats one without. Two patterns that
// match the same requests, or that both match some request while
// neither is more specific ("GET /" and "/index.html", "/a/{x}" and
// "/{y}/b"), conflict: Handle panics when the second is registered,
// with a message that names both and where they were registered.
//
// # Answers of its own
//
// When no pattern matches, ServeMux answers 404 Not Found ("404 page
// not found"), or 405 Method Not Allowed with an Allow field listing
// the methods that would match when some pattern matches all but the
// method (HEAD is listed when GET is), both in plain text as net/http
// writes them. A request whose target is "*" (OPTIONS *) is answered
// 400.
//
// When a path without a final "/" matches no pattern exactly but the
// path with a "/" does ("/images" when only "/images/" is registered),
// ServeMux redirects to it with 307 Temporary Redirect (the status
// net/http uses since Go 1.26: unlike 301, the client repeats the
// method and body). Registering "/images" as well overrides this.
//
// # Unclean paths
//
// The server's parser accepts dot segments and repeated slashes
// ("/a/../b", "//a", "/a/./b"), as RFC 9112 does; it refuses only
// malformed percent-escapes and fragments. ServeMux routes the clean
// form alone: a request for an unclean path is redirected (307) to the
// path with "." and ".." resolved and repeated slashes removed (the
// final "/" kept), its query kept, and no handler sees the unclean
// path. Escaped dots and slashes ("%2E%2E", "%2F") are not path syntax
// and are kept: a wildcard may therefore match ".." sent as "%2E%2E",
// and a handler that turns a path value into a file name must check
// it (fileserver does).
//
// # Differences from net/http
//
// The path matched is Request.Path, which wharf keeps as sent, so a
// redirect's Location keeps the client's escaping ("/a%2Fb/", where
// net/http writes "/a/b/", and "/b%20c" after an unclean path, where
// net/http escapes twice: "/b%2520c"); characters that a Location must
// not hold unescaped are escaped. A segment is a segment whatever it
// decodes to: "/%2F" has one segment, "/", which "/{x}" matches
// (net/http confuses it with the end of "/" and matches "/{$}"), and
// an escaped slash stays escaped when the path also holds a character
// such as '"' or '{' (net/http then routes the decoded path re-escaped,
// where it is a separator). TestServeMuxDifferential and FuzzServeMux
// check every other case against net/http. The CONNECT method, which the server refuses
// (501), is routed like any other. Registration may happen while
// requests are served; a request sees the patterns registered before
// it started or a later set.
//
// Routing allocates nothing when the pattern has at most four
// wildcards and the path segments hold no percent-escape; the answers
// of its own (redirect, 404, 405) may allocate.
type ServeMux struct {
	mu     sync.Mutex  // held to register and to build the table
	routes []*muxRoute // every registered pattern, in order; guarded by mu

	// table is the routing tree of routes; nil after a registration
	// until the next lookup builds it. Lookups read it without a lock.
	table atomic.Pointer[muxTable]
}

// NewServeMux returns a new, empty ServeMux. The zero value is also
// ready to use.
func NewServeMux() *ServeMux { return new(ServeMux) }

// Handle registers h for pattern. It panics if the pattern is invalid,
// if h is nil, or if the pattern conflicts with one registered before
// (see the ServeMux documentation).
func (m *ServeMux) Handle(pattern string, h Handler) {
	if h == nil {
		panic(fmt.Sprintf("wharf: nil handler for pattern %q", pattern))
	}
	if f, ok := h.(HandlerFunc); ok && f == nil {
		panic(fmt.Sprintf("wharf: nil handler for pattern %q", pattern))
	}
	m.register(pattern, h)
}

// HandleFunc registers f for pattern, as Handle does.
func (m *ServeMux) HandleFunc(pattern string, f func(ResponseWriter, *Request)) {
	if f == nil {
		panic(fmt.Sprintf("wharf: nil handler for pattern %q", pattern))
	}
	m.register(pattern, HandlerFunc(f))
}

// register is called by Handle and HandleFunc only, so that the
// caller two frames up is the user's registering call.
func (m *ServeMux) register(pattern string, h Handler) {
	p, err := parsePattern(pattern)
	if err != nil {
		panic(fmt.Sprintf("wharf: invalid pattern %q: %v", pattern, err))
	}
	p.loc = "unknown location"
	if _, file, line, ok := runtime.Caller(2); ok {
		p.loc = fmt.Sprintf("%s:%d", file, line)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.routes {
		if p.conflictsWith(r.pat) {
			panic(conflictError(p, r.pat))
		}
	}
	m.routes = append(m.routes, &muxRoute{pat: p, h: h})
	m.table.Store(nil)
}

// current returns the routing table, building it if a registration
// made it stale.
func (m *ServeMux) current() *muxTable {
	if t := m.table.Load(); t != nil {
		return t
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.table.Load()
	if t == nil {
		t = newMuxTable(m.routes)
		m.table.Store(t)
	}
	return t
}

// ServeHTTP routes r: it sets r.Pattern and r's path values and calls
// the matched pattern's handler, or answers itself (a redirect, 404,
// 405 or 400; see ServeMux).
func (m *ServeMux) ServeHTTP(w ResponseWriter, r *Request) {
	res := m.find(r)
	if res.kind != muxFound {
		res.serve(w, r)
		return
	}
	r.Pattern = res.route.pat.str
	r.path.setMatch(res.route.pat, r.Path)
	res.route.h.ServeHTTP(w, r)
}

// Handler returns the handler ServeHTTP would call for r and the
// pattern that matches r. For a redirect, the pattern is the one that
// will match the redirected request; for 404, 405 and 400 it is "".
// The handler is never nil. Handler does not change r: the path
// values are set by ServeHTTP only.
func (m *ServeMux) Handler(r *Request) (h Handler, pattern string) {
	res := m.find(r)
	if res.route != nil {
		pattern = res.route.pat.str
	}
	if res.kind == muxFound {
		return res.route.h, pattern
	}
	return res, pattern
}

// muxKind is what ServeMux does with a request.
type muxKind uint8

const (
	muxFound      muxKind = iota // call route's handler
	muxRedirect                  // 307 to loc
	muxNotFound                  // 404
	muxNotAllowed                // 405 with allow
	muxBadRequest                // 400: not an origin-form path
)

// A muxResult is the outcome of routing a request. As a Handler it
// writes ServeMux's own answers.
type muxResult struct {
	kind  muxKind
	route *muxRoute // the match; for a redirect, what will match after it
	loc   string    // muxRedirect: the Location
	allow string    // muxNotAllowed: the Allow field
}

// find routes r. It follows net/http's order: the trailing-slash
// redirect first, then the redirect of an unclean path, then the
// match, then 405 or 404.
func (m *ServeMux) find(r *Request) muxResult {
	if !strings.HasPrefix(r.Path, "/") {
		return muxResult{kind: muxBadRequest}
	}
	t := m.current()
	host := hostname(r.Host)
	path := cleanPath(r.Path)
	route, exact := t.lookup(host, r.Method, path, false)
	if !exact && !strings.HasSuffix(path, "/") {
		if r2, exact2 := t.lookup(host, r.Method, path, true); exact2 {
			return muxResult{kind: muxRedirect, route: r2, loc: location(path, "/", r.RawQuery)}
		}
	}
	if path != r.Path {
		return muxResult{kind: muxRedirect, route: route, loc: location(path, "", r.RawQuery)}
	}
	if route != nil {
		return muxResult{kind: muxFound, route: route}
	}
	allow := t.methods(host, path, false, nil)
	if !strings.HasSuffix(path, "/") {
		allow = t.methods(host, path, true, allow)
	}
	if slices.Contains(allow, "GET") {
		allow = append(allow, "HEAD")
	}
	if len(allow) == 0 {
		return muxResult{kind: muxNotFound}
	}
	slices.Sort(allow)
	return muxResult{kind: muxNotAllowed, allow: strings.Join(slices.Compact(allow), ", ")}
}

// ServeHTTP writes the answer res stands for; a found route is served
// by its handler.
func (res muxResult) ServeHTTP(w ResponseWriter, r *Request) {
	if res.kind == muxFound {
		res.route.h.ServeHTTP(w, r)
		return
	}
	res.serve(w, r)
}

// serve writes ServeMux's own answers, as net/http's Error, NotFound
// and Redirect write them.
func (res muxResult) serve(w ResponseWriter, r *Request) {
	switch res.kind {
	case muxRedirect:
		h := w.Header()
		h.Set("Location", res.loc)
		if r.Method == "GET" || r.Method == "HEAD" {
			h.Set("Content-Type", "text/html; charset=utf-8")
		}
		w.WriteHeader(307)
		if r.Method == "GET" {
			w.WriteString("<a href=\"" + htmlEscape(res.loc) + "\">Temporary Redirect</a>.\n\n")
		}
	case muxNotFound:
		plainError(w, 404, "404 page not found")
	case muxNotAllowed:
		w.Header().Set("Allow", res.allow)
		plainError(w, 405, "Method Not Allowed")
	default:
		plainError(w, 400, "400 Bad Request")
	}
}

// plainError answers code with msg as a plain-text body, as net/http's
// Error does.
func plainError(w ResponseWriter, code int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	w.WriteString(msg + "\n")
}

// location returns a Location value for the clean raw path p plus
// suffix, with the raw query: bytes a URI reference may not hold
// unescaped (a backslash, which browsers read as "/", so that "/\host"
// would name another host; controls; non-ASCII bytes; a "%" that starts
// no escape) are percent-encoded. p is clean, so it never starts with
// "//".
func location(p, suffix, rawQuery string) string {
	b := make([]byte, 0, len(p)+len(suffix)+1+len(rawQuery)+8)
	b = appendURIEscaped(b, p+suffix)
	if rawQuery != "" {
		b = append(b, '?')
		b = appendURIEscaped(b, rawQuery)
	}
	return string(b)
}

// appendURIEscaped appends s to b with every byte that is not a URI
// character (RFC 3986 2: unreserved, reserved, or a "%" that starts
// an escape) percent-encoded.
func appendURIEscaped(b []byte, s string) []byte {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isURIChar(c) && (c != '%' || i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2])) {
			b = append(b, c)
		} else {
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return b
}

// isURIChar reports whether c may appear in a path or query:
// unreserved, sub-delims, ":", "@", "/", "?" (RFC 3986 3.3, 3.4) or
// "%". "#", "[" and "]" never reach here from the server's parser, but
// are escaped anyway.
func isURIChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~:/?@!$&'()*+,;=%", c) >= 0
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")

func htmlEscape(s string) string { return htmlEscaper.Replace(s) }
