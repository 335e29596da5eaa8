package accesslog

import (
	"strings"
)

// maxUser bounds the decoded credentials looked at for a user name; a
// longer user name is cut there (a legitimate one is far shorter).
const maxUser = 192

// appendUser appends the user name of the Basic credentials in auth,
// an Authorization field's value (RFC 7617), as nginx's $remote_user:
// escaped as text ("-" when there is none, or it does not decode), or
// with json as a JSON string ("" when none). It decodes on the stack:
// no allocation.
func appendUser(b []byte, auth string, json bool) []byte {
	if auth == "" {
		if json {
			return append(b, `""`...)
		}
		return append(b, '-')
	}
	var buf [maxUser]byte
	user := basicUser(auth, &buf)
	if json {
		return appendJSONString(b, user)
	}
	return appendText(b, user)
}

// basicUser decodes into buf the user name of the Basic credentials in
// v, an Authorization field's value: what comes before the first ':'
// of the decoded user-pass. It returns nil when v holds none, or they
// are not valid base64.
func basicUser(v string, buf *[maxUser]byte) []byte {
	// The scheme is case-insensitive (RFC 9110 11.1).
	if len(v) < 6 || !strings.EqualFold(v[:6], "basic ") {
		return nil
	}
	v = strings.TrimLeft(v[6:], " ")
	n, ok := decodeBase64(buf[:], v)
	if !ok {
		return nil
	}
	user := buf[:n]
	for i, c := range user {
		if c == ':' {
			return user[:i]
		}
	}
	if n == len(buf) {
		return user // cut at maxUser before its ':'
	}
	return nil // no ':': not a user-pass
}

// decodeBase64 decodes standard, padded base64 from s into dst, as far
// as dst holds; ok is false if s is not valid base64.
func decodeBase64(dst []byte, s string) (n int, ok bool) {
	if len(s)%4 != 0 {
		return 0, false
	}
	var acc uint32
	bits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' {
			// Padding: only at the end, at most two.
			if len(s)-i > 2 || strings.Trim(s[i:], "=") != "" {
				return 0, false
			}
			return n, true
		}
		v := base64Value(c)
		if v < 0 {
			return 0, false
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			if n == len(dst) {
				return n, true
			}
			dst[n] = byte(acc >> bits)
			n++
		}
	}
	return n, true
}

// base64Value is the value of the standard base64 digit c, or -1.
func base64Value(c byte) int {
	switch {
	case 'A' <= c && c <= 'Z':
		return int(c - 'A')
	case 'a' <= c && c <= 'z':
		return int(c-'a') + 26
	case '0' <= c && c <= '9':
		return int(c-'0') + 52
	case c == '+':
		return 62
	case c == '/':
		return 63
	}
	return -1
}
