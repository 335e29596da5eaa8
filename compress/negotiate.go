package compress

import (
	"strings"

	"github.com/wharfhttp/wharf"
)

// Negotiate picks the encoding of a response from the request's
// Accept-Encoding fields (every line of it: a list may be split over
// several field lines, RFC 9110 5.3), among the offered codings plus
// Identity. ok is false when nothing is acceptable, not even Identity
// ("identity;q=0", or "*;q=0" with no identity member, and no
// acceptable offered coding): the caller then answers 406 or, as most
// servers do, sends Identity anyway (RFC 9110 12.5.3 allows both).
//
// The rules are those of RFC 9110 12.5.3:
//
//   - no Accept-Encoding field: Identity (any coding would be
//     acceptable, but a client that says nothing may not decode one);
//   - a field with no members (an empty value): Identity only;
//   - each member is a coding with an optional weight, "gzip;q=0.5";
//     q runs from 0 to 1 with up to three decimals, and q=0 means "not
//     acceptable"; a member without a weight has q=1;
//   - "*" stands for every coding not listed by name, Identity
//     included;
//   - Identity is acceptable unless refused by "identity;q=0", or by
//     "*;q=0" without an identity member. Left unlisted, it counts as
//     the least wanted acceptable coding: it is chosen only when no
//     offered coding is acceptable;
//   - codings compare case-insensitively, and "x-gzip" is gzip
//     (RFC 9110 8.4.1.3);
//   - a coding listed twice gets the lower weight (so a q=0 anywhere
//     refuses it).
//
// The highest weight wins; ties go to br, then zstd, then gzip, then
// Identity: at equal weight the smaller answer is better. A malformed
// member (a bad weight, a parameter other than q, a character outside
// a token) is ignored as if absent; Negotiate never fails on input.
//
// Negotiate allocates nothing. It is safe for concurrent use.
func Negotiate(h wharf.Header, offered Set) (e Encoding, ok bool) {
	i := h.Next("Accept-Encoding", 0)
	if i < 0 {
		return Identity, true
	}
	// Weights in thousandths, -1 for "not listed".
	q := [numSlots]int16{-1, -1, -1, -1, -1}
	members := 0
	for ; i >= 0; i = h.Next("Accept-Encoding", i+1) {
		v := h[i].Value
		for v != "" {
			m := v
			if j := strings.IndexByte(v, ','); j >= 0 {
				m, v = v[:j], v[j+1:]
			} else {
				v = ""
			}
			slot, w, valid := parseMember(m)
			if !valid {
				continue
			}
			members++
			if slot >= 0 && (q[slot] < 0 || w < q[slot]) {
				q[slot] = w
			}
		}
	}
	if members == 0 {
		// "An Accept-Encoding header field with a field value that is
		// empty implies that the user agent does not want any content
		// coding in response" (RFC 9110 12.5.3).
		return Identity, true
	}

	best, bestQ := Identity, int16(0)
	for _, c := range [...]Encoding{Brotli, Zstd, Gzip} { // preference order
		if !offered.Has(c) {
			continue
		}
		w := q[slotOf(c)]
		if w < 0 {
			w = max(q[slotStar], 0) // unlisted: as "*", or refused
		}
		if w > bestQ {
			best, bestQ = c, w
		}
	}
	idQ := q[slotIdentity]
	if idQ < 0 {
		idQ = q[slotStar]
		if idQ < 0 {
			idQ = 1 // acceptable by default, least wanted
		}
	}
	if idQ > bestQ {
		return Identity, true
	}
	if bestQ == 0 {
		return Identity, false
	}
	return best, true
}

// Slots of Negotiate's weight table.
const (
	slotGzip = iota
	slotZstd
	slotBrotli
	slotIdentity
	slotStar
	numSlots
)

func slotOf(e Encoding) int {
	switch e {
	case Gzip:
		return slotGzip
	case Zstd:
		return slotZstd
	case Brotli:
		return slotBrotli
	}
	return slotIdentity
}

// parseMember parses one list member of Accept-Encoding:
//
//	codings = content-coding / "identity" / "*"
//	member  = OWS codings [ OWS ";" OWS "q=" qvalue ] OWS
//
// It returns the slot of the coding (-1 for a coding this package does
// not know) and its weight in thousandths. valid is false for an empty
// or malformed member.
func parseMember(m string) (slot int, q int16, valid bool) {
	m = trimOWS(m)
	if m == "" {
		return 0, 0, false
	}
	coding, weight := m, ""
	hasWeight := false
	if j := strings.IndexByte(m, ';'); j >= 0 {
		coding, weight, hasWeight = trimOWS(m[:j]), trimOWS(m[j+1:]), true
	}
	if !isToken(coding) {
		return 0, 0, false
	}
	q = 1000
	if hasWeight {
		if len(weight) < 2 || weight[1] != '=' || (weight[0] != 'q' && weight[0] != 'Q') {
			return 0, 0, false // another parameter, or a second ';'
		}
		var ok bool
		if q, ok = parseQ(weight[2:]); !ok {
			return 0, 0, false
		}
	}
	switch {
	case equalFold(coding, "gzip"), equalFold(coding, "x-gzip"):
		slot = slotGzip
	case equalFold(coding, "zstd"):
		slot = slotZstd
	case equalFold(coding, "br"):
		slot = slotBrotli
	case equalFold(coding, "identity"):
		slot = slotIdentity
	case coding == "*":
		slot = slotStar
	default:
		slot = -1
	}
	return slot, q, true
}

// parseQ parses a qvalue (RFC 9110 12.4.2) into thousandths:
//
//	qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
func parseQ(s string) (int16, bool) {
	if s == "" || len(s) > 5 || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	whole := s[0] == '1'
	frac := s[1:]
	if frac != "" {
		if frac[0] != '.' {
			return 0, false
		}
		frac = frac[1:]
	}
	var v int16
	scale := int16(100)
	for i := 0; i < len(frac); i++ {
		d := frac[i]
		if d < '0' || d > '9' || (whole && d != '0') {
			return 0, false
		}
		v += int16(d-'0') * scale
		scale /= 10
	}
	if whole {
		return 1000, true
	}
	return v, true
}

// trimOWS removes optional whitespace (SP, HTAB; RFC 9110 5.6.3) at
// both ends of s.
func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// isToken reports whether s is a non-empty token (RFC 9110 5.6.2).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTchar(s[i]) {
			return false
		}
	}
	return true
}

func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// equalFold reports whether ASCII strings a and b are equal ignoring
// case (tokens are ASCII: no Unicode folding, unlike strings.EqualFold).
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
