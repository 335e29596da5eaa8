package middleware

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/wharfhttp/wharf"
)

// The fields of CORS answers (Fetch standard, "HTTP extensions").
const (
	// corsExpose lists the response fields a script may read beyond the
	// CORS-safelisted ones: what a client of a file server needs for
	// lengths, ranges, validators and encodings.
	corsExpose = "Content-Length, Content-Range, Accept-Ranges, ETag, Last-Modified, Content-Encoding"

	// corsMethods are the methods a file server answers.
	corsMethods = "GET, HEAD, OPTIONS"

	// corsMaxAge is how long (seconds) a browser may cache a preflight
	// answer. Two hours: Chromium's cap (Firefox allows a day), so
	// every browser caches it for the same time.
	corsMaxAge = "7200"
)

// corsRequestHeaders are the request fields a preflight may ask for
// (Access-Control-Request-Headers) and be allowed: those a client of a
// file server sends. They are spelled as sent back in
// Access-Control-Allow-Headers.
var corsRequestHeaders = []string{
	"Range", "If-None-Match", "If-Modified-Since", "If-Range", "If-Match",
	"Accept", "Accept-Encoding", "Authorization", "Content-Type",
}

// NewCORS returns a handler that lets scripts from other origins read
// the answers of next (Fetch standard, CORS protocol).
//
// origins is either ["*"], any origin, or a list of origins, each
// "scheme://host" or "scheme://host:port" with no path, query,
// fragment or user info ("https://app.example", "http://[::1]:8080").
// Scheme and host are compared in lower case and a default port (80
// for http, 443 for https) is dropped, as browsers serialize an
// Origin; otherwise origins match exactly. An empty list, an empty or
// malformed origin, "null", or "*" together with other origins is an
// error that names the bad value.
//
// With ["*"], every answer carries "Access-Control-Allow-Origin: *"
// and Access-Control-Expose-Headers, whether or not the request has an
// Origin field: the answer does not depend on the request, so caches
// need no Vary. With a list, every answer carries "Vary: Origin" (it
// depends on Origin, so a cache must not give one origin's answer to
// another), and an answer to a request whose Origin is in the list
// carries "Access-Control-Allow-Origin: <that origin>" and
// Access-Control-Expose-Headers. A request from any other origin, or
// with no Origin, gets no Access-Control-* field, and its preflight is
// passed to next (a file server answers OPTIONS with 204 and Allow, so
// the browser still refuses the cross-origin request).
//
// A preflight (OPTIONS with Origin and Access-Control-Request-Method)
// from an allowed origin is answered 204 by the handler itself,
// without calling next, with Access-Control-Allow-Methods "GET, HEAD,
// OPTIONS", Access-Control-Max-Age 7200 (seconds: Chromium's cap),
// and Access-Control-Allow-Headers listing those of the requested
// fields (Access-Control-Request-Headers) that are in a fixed list of
// fields a file client sends: Range, If-None-Match, If-Modified-Since,
// If-Range, If-Match, Accept, Accept-Encoding, Authorization and
// Content-Type. Any other requested field is left out, so the browser
// refuses the request that wanted it.
//
// Credentials mode is not supported: no Access-Control-Allow-Credentials
// is sent, so a browser sends no cookies or cached HTTP credentials
// cross-origin. A script may still send an explicit Authorization
// field (allowed above) to a server behind NewBasicAuth; put NewCORS
// outside NewBasicAuth (see the package documentation), since a
// preflight carries no credentials.
//
// Access-Control-* fields are set with Header.Set, and Vary is added
// with Header.Add: a handler inside that sets Vary itself should Add
// it too, or "Origin" is lost.
func NewCORS(next wharf.Handler, origins []string) (wharf.Handler, error) {
	c := &cors{next: next}
	if len(origins) == 0 {
		return nil, errors.New(`middleware: CORS: no origins (want "*" or a list of origins)`)
	}
	if len(origins) == 1 && origins[0] == "*" {
		c.any = true
		return promise(c, next), nil
	}
	c.origins = make(map[string]string, len(origins))
	for _, o := range origins {
		if o == "*" {
			return nil, errors.New(`middleware: CORS: "*" must be the only origin`)
		}
		norm, err := parseOrigin(o)
		if err != nil {
			return nil, fmt.Errorf("middleware: CORS: bad origin %q: %v", o, err)
		}
		c.origins[norm] = norm
	}
	return promise(c, next), nil
}

type cors struct {
	next wharf.Handler
	any  bool // "*"
	// origins maps each allowed origin to itself, so that the answer
	// echoes our copy of the string (not the request's, although that
	// would do as well: request strings never change).
	origins map[string]string
}

func (c *cors) ServeHTTP(w wharf.ResponseWriter, r *wharf.Request) {
	h := w.Header()
	origin := r.Header.Get("Origin")
	if c.any {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Add("Vary", "Origin")
		allowed, ok := c.origins[origin]
		if !ok {
			c.next.ServeHTTP(w, r)
			return
		}
		h.Set("Access-Control-Allow-Origin", allowed)
	}
	if origin != "" && r.Method == "OPTIONS" && r.Header.Has("Access-Control-Request-Method") {
		c.preflight(w, r)
		return
	}
	h.Set("Access-Control-Expose-Headers", corsExpose)
	c.next.ServeHTTP(w, r)
}

// preflight answers a CORS-preflight request from an allowed origin.
// Access-Control-Allow-Origin is already set.
func (c *cors) preflight(w wharf.ResponseWriter, r *wharf.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", corsMethods)
	if allow := allowedRequestHeaders(r.Header); allow != "" {
		h.Set("Access-Control-Allow-Headers", allow)
	}
	h.Set("Access-Control-Max-Age", corsMaxAge)
	w.WriteHeader(204)
}

// allowedRequestHeaders returns the fields named in the request's
// Access-Control-Request-Headers that are in corsRequestHeaders, in
// the list's spelling, comma-separated, each once.
func allowedRequestHeaders(hdr wharf.Header) string {
	var seen uint32 // bit i: corsRequestHeaders[i] is in the answer
	var b strings.Builder
	for i := hdr.Next("Access-Control-Request-Headers", 0); i >= 0; i = hdr.Next("Access-Control-Request-Headers", i+1) {
		for name := range strings.SplitSeq(hdr[i].Value, ",") {
			name = strings.Trim(name, " \t")
			for j, safe := range corsRequestHeaders {
				if seen&(1<<j) == 0 && strings.EqualFold(name, safe) {
					seen |= 1 << j
					if b.Len() > 0 {
						b.WriteString(", ")
					}
					b.WriteString(safe)
				}
			}
		}
	}
	return b.String()
}

// parseOrigin checks that s is "scheme://host[:port]" (RFC 6454 7.1,
// a serialized origin) and returns it as a browser serializes it:
// scheme and host in lower case, without a default port.
func parseOrigin(s string) (string, error) {
	const want = "want scheme://host[:port]"
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || !validScheme(scheme) {
		return "", errors.New(want)
	}
	scheme = strings.ToLower(scheme)
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		return "", errors.New(want + " with no path, query or fragment")
	}
	if strings.Contains(rest, "@") {
		return "", errors.New(want + " with no user info")
	}
	host, port := rest, ""
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 || !validIPv6(rest[1:end]) {
			return "", errors.New(want + " (bad IPv6 address)")
		}
		host, rest = rest[:end+1], rest[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return "", errors.New(want)
			}
			port = rest[1:]
			if port == "" {
				return "", errors.New(want + " (empty port)")
			}
		}
	} else {
		if i := strings.IndexByte(rest, ':'); i >= 0 {
			host, port = rest[:i], rest[i+1:]
			if port == "" {
				return "", errors.New(want + " (empty port)")
			}
		}
		if !validHostname(host) {
			return "", errors.New(want + " (bad host)")
		}
	}
	host = strings.ToLower(host)
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '0' {
			return "", errors.New(want + " (port must be 1-65535)")
		}
		if scheme == "http" && n == 80 || scheme == "https" && n == 443 {
			port = ""
		}
	}
	if port != "" {
		return scheme + "://" + host + ":" + port, nil
	}
	return scheme + "://" + host, nil
}

// validScheme reports whether s is ALPHA *( ALPHA / DIGIT / "+" / "-" /
// "." ) (RFC 3986 3.1).
func validScheme(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// validHostname reports whether s is a non-empty host name or IPv4
// address: letters, digits, '-', '_' and '.' (an internationalized
// name must be given in its ASCII, punycode, form, as browsers send
// it).
func validHostname(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// validIPv6 reports whether s, the inside of "[...]", is an IPv6
// address (without a zone: an origin has none).
func validIPv6(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6() && a.Zone() == ""
}
