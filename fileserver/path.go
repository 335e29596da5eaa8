package fileserver

import (
	"io/fs"
	"strings"
	"unicode/utf8"
)

// A target is a request path resolved to a name in the served file
// system.
type target struct {
	name string // an fs.ValidPath name; "." for the root
	dir  bool   // the request path ended in "/"
	// path is the decoded request path ("/", "/docs/", "/a b.txt"):
	// the cache key. It is the request's own Path string when that
	// holds no escape, so a request without "%" allocates nothing.
	path string
}

// resolvePath turns a request's raw path (Request.Path: not
// percent-decoded) into a name to open. On failure it returns the
// status to answer: 400 for a path that is not an origin-form path or
// holds a malformed percent-escape, 404 for every path that cannot
// name a file we serve. The rules, in order:
//
//  1. The path must start with "/" (else 400: asterisk- and
//     authority-form, or a handler mounted behind a router that
//     stripped the slash).
//  2. Percent-escapes are decoded strictly (RFC 3986 2.1): "%" must be
//     followed by two hex digits, else 400.
//  3. 404 for an encoded "/" (%2F: it would let one segment hold a
//     slash, or hide a ".." from a proxy's normalizer), for a
//     backslash, encoded or not (a separator on Windows), for control
//     bytes (NUL truncates C strings; none belongs in a file name on
//     the web), and for bytes that are not valid UTF-8 (overlong forms
//     such as %C0%AE, the classic disguised ".").
//  4. A final "/" marks a directory request and is removed; what is
//     left after the leading "/" must satisfy fs.ValidPath, so an
//     empty segment ("//"), "." or ".." (also when sent as %2E%2E)
//     is a 404. Paths are never normalized or redirected to a
//     cleaned form: browsers remove dot-segments before sending
//     (RFC 3986 5.2.4), so only tools and attacks send them, and a
//     refusal cannot be talked into climbing above the root.
//  5. Unless allowDotfiles, any segment that starts with "." is a 404
//     (not 403, which would reveal that the file exists), except a
//     first segment ".well-known" (RFC 8615); dotfiles below it are
//     still refused.
//
// os.Root (NewDir) enforces the root again below this, for symlinks
// and for anything these rules might miss.
func resolvePath(raw string, allowDotfiles bool) (target, int) {
	if !strings.HasPrefix(raw, "/") {
		return target{}, 400
	}
	p, status := decodePath(raw)
	if status != 0 {
		return target{}, status
	}
	name := p[1:]
	if name == "" {
		return target{name: ".", dir: true, path: p}, 0
	}
	t := target{name: name, path: p}
	if strings.HasSuffix(name, "/") {
		t.name, t.dir = name[:len(name)-1], true
	}
	// fs.ValidPath accepts "." as the root's name; as a segment of a
	// request path it is a dot-segment like any other.
	if t.name == "." || !fs.ValidPath(t.name) {
		return target{}, 404
	}
	if !allowDotfiles && hasDotSegment(t.name) {
		return target{}, 404
	}
	return t, 0
}

// decodePath percent-decodes p, refusing what rules 2 and 3 of
// resolvePath refuse. It allocates only when p holds an escape.
func decodePath(p string) (string, int) {
	i := strings.IndexByte(p, '%')
	if i < 0 {
		if !validPathBytes(p) {
			return "", 404
		}
		return p, 0
	}
	b := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '%' {
			if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
				return "", 400
			}
			c = unhex(p[i+1])<<4 | unhex(p[i+2])
			i += 2
			if c == '/' {
				return "", 404
			}
		}
		b = append(b, c)
	}
	s := string(b)
	if !validPathBytes(s) {
		return "", 404
	}
	return s, 0
}

// validPathBytes reports whether the decoded path s is valid UTF-8
// without control bytes or backslashes.
func validPathBytes(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	return utf8.ValidString(s)
}

// hasDotSegment reports whether a segment of the valid path name
// starts with ".", other than a first segment ".well-known".
func hasDotSegment(name string) bool {
	if name == ".well-known" {
		return false
	}
	name = strings.TrimPrefix(name, ".well-known/")
	for {
		if name[0] == '.' {
			return true
		}
		i := strings.IndexByte(name, '/')
		if i < 0 {
			return false
		}
		name = name[i+1:]
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// escapePath percent-encodes the valid path name for use in a
// Location field: every byte but the unreserved characters,
// sub-delims, ":", "@" (RFC 3986 3.3 pchar) and the "/" separators is
// escaped, so the result holds only URI characters whatever name
// decoded from. As name has no empty segment, "/" + escapePath(name)
// never starts with "//" (which a browser would read as another
// host).
func escapePath(name string) string {
	return escape(name, func(c byte) bool { return isPchar(c) || c == '/' })
}

// escapeQuery makes a raw query safe to copy into a Location field: it
// keeps pchar, "/", "?" (RFC 3986 3.4) and well-formed escapes, and
// escapes every other byte (a lone "%", spaces, controls, bytes
// >= 0x80), so that a query is passed on unchanged when it is valid
// and cannot split or corrupt the header when it is not.
func escapeQuery(q string) string {
	var b []byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		ok := isPchar(c) || c == '/' || c == '?' ||
			c == '%' && i+2 < len(q) && isHex(q[i+1]) && isHex(q[i+2])
		if ok && b == nil {
			continue
		}
		if b == nil {
			b = append(make([]byte, 0, len(q)+16), q[:i]...)
		}
		if ok {
			b = append(b, c)
		} else {
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	if b == nil {
		return q
	}
	return string(b)
}

const hexDigits = "0123456789ABCDEF"

// escape returns s with every byte for which keep is false written as
// %XX; it allocates only when something needs escaping.
func escape(s string, keep func(byte) bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !keep(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		if c := s[i]; keep(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return string(b)
}

// isPchar reports whether c may appear unescaped in a path segment:
// unreserved / sub-delims / ":" / "@" (RFC 3986 3.3).
func isPchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '_', '~', // unreserved
		'!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', // sub-delims
		':', '@':
		return true
	}
	return false
}
