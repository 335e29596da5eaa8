package wharf

import (
	"net"
	"net/url"
	"path"
	"strings"
)

// DecodedPath returns r.Path percent-decoded, as net/url's URL.Path
// holds it: "/a%20b" is "/a b". Decoding is strict: a "%" not followed
// by two hex digits is an error (a *url.EscapeError); "+" stays "+".
// The server's parser refuses such a path, so for a request it
// received the error is nil. It allocates only when r.Path holds an
// escape.
//
// An escaped "/" (%2F) decodes to "/", so the result no longer says
// where the segments end; code that splits the path into segments
// (a router, a file server) should split r.Path first and decode each
// segment, as ServeMux does.
func (r *Request) DecodedPath() (string, error) {
	return url.PathUnescape(r.Path)
}

// cleanPath returns the canonical form of the raw path p, as net/http's
// ServeMux computes it: "." and ".." segments resolved and repeated
// slashes removed (path.Clean), a final "/" kept. An escaped dot or
// slash (%2E, %2F) is not a separator or a dot segment here, so it
// stays. It allocates only when p is not clean already.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		if len(p) == len(np)+1 && strings.HasPrefix(p, np) {
			return p // p is np plus its final "/": no new string
		}
		np += "/"
	}
	return np
}

// hostname returns host without a port: "example.com" for
// "example.com:8080", "::1" for "[::1]:8080". A host that does not
// split as host:port ("[::1]" alone, or more than one colon outside
// brackets) is returned as it is, as net/http's ServeMux does. It
// allocates only for such a host (the server's parser refuses most).
func hostname(host string) string {
	if strings.IndexByte(host, ':') < 0 {
		return host
	}
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		return host
	}
	return h
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unhex returns the value of the hex digit c.
func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
