package accesslog

import (
	"unicode/utf8"
)

// The peer chooses most of what a line holds (the target, the user
// agent, the referer, the user name), so every such value is escaped:
// no byte it sends can end a line, close a quoted field or look like
// another field. Log injection is impossible by construction.

const hexDigits = "0123456789ABCDEF"

// jsonPlain[c] says that byte c goes into a JSON string as it is: the
// printable ASCII bytes but '"' and '\\'. They are also the bytes that
// appendText writes as they are.
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x7F; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendText appends s escaped as nginx escapes variables by default
// (log_format escape=default): '"', '\\', the bytes below 0x20 and
// those from 0x7F up are written \xHH; every other byte as it is. An
// empty s is written "-", as nginx writes a value that is not set.
func appendText[S ~string | ~[]byte](b []byte, s S) []byte {
	if len(s) == 0 {
		return append(b, '-')
	}
	i := 0
	for i < len(s) && jsonPlain[s[i]] {
		i++
	}
	if i == len(s) { // the common case: nothing to escape
		return append(b, s...)
	}
	plain := 0 // s[plain:i] is to be copied as it is
	for ; i < len(s); i++ {
		c := s[i]
		if !jsonPlain[c] {
			b = append(b, s[plain:i]...)
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xF])
			plain = i + 1
		}
	}
	return append(b, s[plain:]...)
}

// appendJSONString appends s as a JSON string, quotes included (RFC
// 8259 section 7): '"' and '\\' are escaped, control bytes become \n,
// \r, \t or \u00XX, and so does DEL; valid UTF-8 is kept as it is but
// for U+2028 and U+2029 (escaped, as encoding/json does, for the sake of
// JavaScript); each byte that is not valid UTF-8 becomes \ufffd, so that
// every line is valid UTF-8 JSON.
func appendJSONString[S ~string | ~[]byte](b []byte, s S) []byte {
	b = append(b, '"')
	// Most values need no escape at all: one look at each byte, then
	// one copy.
	i := 0
	for i < len(s) && jsonPlain[s[i]] {
		i++
	}
	if i == len(s) {
		b = append(b, s...)
		return append(b, '"')
	}
	b = append(b, s[:i]...)
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			// Copy a run of bytes that need no escape at once.
			j := i
			for j < len(s) && jsonPlain[s[j]] {
				j++
			}
			if j > i {
				b = append(b, s[i:j]...)
				i = j
				continue
			}
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == 0x7F:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			continue
		}
		// At most 4 bytes: the conversion stays on the stack.
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
