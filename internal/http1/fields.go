package http1

import "encoding/binary"

// Character classes, one bit each in charClass. Looking a byte up in a
// 256-entry table is the fastest portable way to validate a byte against an
// ABNF rule, and it keeps every rule in one place.
const (
	cToken  = 1 << iota // tchar, RFC 9110 5.6.2
	cTarget             // visible ASCII 0x21-0x7E: what a request-target may hold (RFC 9112 3.2, RFC 3986 plus the delimiters llhttp accepts)
	cValue              // field-value octet: HTAB / SP / VCHAR / obs-text (RFC 9110 5.5)
	cHost               // reg-name octet: unreserved / sub-delims / "%" (RFC 3986 3.2.2)
	cQdtext             // qdtext: HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text (RFC 9110 5.6.4)
	cHex                // HEXDIG
)

var charClass = func() (t [256]uint8) {
	const tchar = "!#$%&'*+-.^_`|~"
	for c := 0; c < 256; c++ {
		b := byte(c)
		isAlpha := 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
		isDigit := '0' <= b && b <= '9'
		if isAlpha || isDigit || indexByte(tchar, b) {
			t[c] |= cToken
		}
		if 0x21 <= b && b <= 0x7e {
			t[c] |= cTarget
		}
		if b == '\t' || 0x20 <= b && b <= 0x7e || b >= 0x80 {
			t[c] |= cValue
		}
		if isAlpha || isDigit || indexByte("-._~!$&'()*+,;=%", b) {
			t[c] |= cHost
		}
		if b == '\t' || b == ' ' || b == 0x21 || 0x23 <= b && b <= 0x5b || 0x5d <= b && b <= 0x7e || b >= 0x80 {
			t[c] |= cQdtext
		}
		if isDigit || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F' {
			t[c] |= cHex
		}
	}
	return t
}()

func indexByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// IsTokenChar reports whether c is a tchar (RFC 9110 5.6.2): the octets a
// method, a field name or a transfer-coding name may consist of.
func IsTokenChar(c byte) bool { return charClass[c]&cToken != 0 }

// ValidFieldName reports whether s is a valid field name: a non-empty token
// (RFC 9110 5.1). Use it on header names set by handlers before writing them.
func ValidFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if charClass[s[i]]&cToken == 0 {
			return false
		}
	}
	return true
}

// ValidFieldValue reports whether s may be sent as a field value: it holds
// only HTAB, SP, visible ASCII and obs-text (RFC 9110 5.5). In particular
// CR, LF and NUL are rejected, which is what prevents response splitting
// through a handler-supplied header (RFC 9110 5.5: "a recipient of CR, LF,
// or NUL within a field value MUST either reject the message or replace
// each of those characters with SP"). Leading and trailing whitespace is
// allowed here; a sender should not generate it, and the writer may trim
// it.
func ValidFieldValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if charClass[s[i]]&cValue == 0 {
			return false
		}
	}
	return true
}

// HasToken reports whether the comma-separated list v (the value of a field
// such as Connection, RFC 9110 5.6.1 and 7.6.1) contains the token tok,
// compared case-insensitively (ASCII). Elements are trimmed of optional
// whitespace; empty elements are skipped.
func HasToken(v []byte, tok string) bool {
	for len(v) > 0 {
		var elem []byte
		if i := indexComma(v); i >= 0 {
			elem, v = v[:i], v[i+1:]
		} else {
			elem, v = v, nil
		}
		if equalFold(trimOWS(elem), tok) {
			return true
		}
	}
	return false
}

func indexComma(v []byte) int {
	for i, c := range v {
		if c == ',' {
			return i
		}
	}
	return -1
}

// trimOWS removes optional whitespace (SP / HTAB, RFC 9110 5.6.3) from both
// ends of b.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// lower maps ASCII upper-case letters to lower case and leaves every other
// byte alone.
var lower = func() (t [256]byte) {
	for i := range t {
		c := byte(i)
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		t[i] = c
	}
	return t
}()

// equalFold reports whether b equals s, ignoring ASCII case. s must be
// lower case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lower[b[i]] != s[i] {
			return false
		}
	}
	return true
}

// SWAR ("SIMD within a register") helpers: test eight bytes at once.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// valueFast8 reports whether all eight bytes of w are plain field-value
// bytes that need no attention: 0x20-0x7E or >= 0x80 (not a CTL, not DEL).
// HTAB is valid but takes the byte-at-a-time path.
func valueFast8(w uint64) bool {
	lt20 := (w - lsb*0x20) &^ w & msb // some byte < 0x20 (exact for "any")
	del := w ^ (lsb * 0x7f)
	isDel := (del - lsb) &^ del & msb // some byte == 0x7F
	return lt20|isDel == 0
}

// targetFast8 reports whether all eight bytes of w are in 0x21-0x7E.
func targetFast8(w uint64) bool {
	lt21 := (w - lsb*0x21) &^ w & msb  // some byte < 0x21
	gt7e := ((w + lsb*0x01) | w) & msb // some byte > 0x7E
	return lt21|gt7e == 0
}

func load8(b []byte, i int) uint64 { return binary.LittleEndian.Uint64(b[i:]) }
