package fileserver

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wharfhttp/wharf"
)

// Byte ranges (RFC 9110 section 14) as pure functions: parseRange
// evaluates a Range field against a representation's size,
// ifRangeAllows evaluates If-Range, and multipartBoundary,
// multipartSize and writeMultipart produce a multipart/byteranges
// body (RFC 9110 14.6). The handler decides when to call them.

// A byteRange is a satisfiable range of a representation: length bytes
// from start.
type byteRange struct{ start, length int64 }

// end returns the offset just past r.
func (r byteRange) end() int64 { return r.start + r.length }

// contentRange formats "bytes START-END/SIZE" for a Content-Range
// field (RFC 9110 14.4); END is the offset of the last byte, inclusive.
func (r byteRange) contentRange(size int64) string {
	var buf [6 + 3*20 + 2]byte
	return string(r.appendContentRange(buf[:0], size))
}

// rangeFields returns the Content-Range and Content-Length values of
// a 206 that sends r alone, made as one string (one allocation where
// two strings would take two).
func (r byteRange) rangeFields(size int64) (contentRange, contentLength string) {
	var buf [6 + 4*20 + 2]byte
	b := r.appendContentRange(buf[:0], size)
	i := len(b)
	b = strconv.AppendInt(b, r.length, 10)
	s := string(b)
	return s[:i], s[i:]
}

// appendContentRange appends r.contentRange(size) to b.
func (r byteRange) appendContentRange(b []byte, size int64) []byte {
	b = append(b, "bytes "...)
	b = strconv.AppendInt(b, r.start, 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, r.end()-1, 10)
	b = append(b, '/')
	return strconv.AppendInt(b, size, 10)
}

// A rangeVerdict is parseRange's answer.
type rangeVerdict int

const (
	rangeNone          rangeVerdict = iota // no Range, a malformed one, a unit other than bytes, or one not worth honouring: send the whole representation (200)
	rangeOK                                // ranges holds 1+ satisfiable ranges: 206
	rangeUnsatisfiable                     // none satisfiable: 416 with "Content-Range: bytes */SIZE"
)

// The limits of the range policy. RFC 9110 14.2 lets a server ignore a
// Range field; parseRange does (rangeNone: the whole representation,
// always a correct answer) when honouring it would cost more than
// sending the file, so that no Range field can make an answer larger
// than the file plus a bounded framing, or make the server seek and
// frame without bound (the "Apache Killer", CVE-2011-3192, asked for
// 1300 overlapping ranges of one file).
const (
	// maxRangeSpecs bounds the range-specs parseRange looks at (and
	// so the memory and the sort its coalescing needs), whatever the
	// server's header size limit. No client needs hundreds: 256 is 8
	// times maxRanges, room for a client that sends overlapping or
	// redundant pieces that coalesce.
	maxRangeSpecs = 256

	// maxRanges bounds the parts of an answer, after coalescing. It
	// bounds the multipart framing (about 100-130 bytes a part: 4 KiB
	// at most) and the reads (one ReadAt sequence per part) a request
	// costs. Clients that really fetch pieces of a file (PDF
	// viewers, zsync, download managers) ask for far fewer per
	// request; Apache's MaxRanges default is 200 before merging, and
	// 32 non-adjacent pieces, each at least mergeGap apart, is
	// already an odd request.
	maxRanges = 32

	// mergeGap is the gap under which two ranges are sent as one
	// (RFC 9110 14.6 allows coalescing ranges "separated by a gap
	// that is smaller than the overhead of sending multiple parts"):
	// a part header costs "\r\n--" + a 32-byte boundary + "\r\n" +
	// "Content-Type: ...\r\n" + "Content-Range: bytes a-b/size\r\n" +
	// "\r\n", 80 bytes or more, so sending the bytes in the gap is
	// never dearer than framing another part.
	mergeGap = 80
)

// parseRange evaluates the Range field value v (RFC 9110 14.1.2; the
// caller passes the field only if there is exactly one, and handles
// "no field") for a representation of size bytes. On rangeOK it
// appends the ranges to dst (so that a caller can pass a small stack
// array's slice: a single range then costs no allocation) and returns
// dst with them; otherwise it returns dst unchanged. The ranges are
// in the order the client asked, unless some were coalesced; then all
// are in ascending order.
//
// Syntax (RFC 9110 14.1.1 and 14.1.2): "bytes=" (the unit
// case-insensitive, no whitespace around "=") and a comma-separated
// list of int-range "a-b" or "a-" and suffix-range "-n", with optional
// whitespace around the commas and empty list elements allowed (the
// #rule of RFC 9110 5.6.1). Anything else, including whitespace inside
// a range-spec, another unit, or "a-b" with b < a, makes the field
// malformed: rangeNone, never an error (RFC 9110 14.2: a server may
// ignore Range).
//
// Semantics: a last-pos past the end is clamped to the end, and so is
// a number too large for an int64 (it is larger than any size); a
// first-pos at or past the end, and the suffix "-0", are
// unsatisfiable; a suffix longer than the representation selects all
// of it. If no range-spec is satisfiable the answer is
// rangeUnsatisfiable. An empty representation has no satisfiable
// int-range, but RFC 9110 14.1.1 calls a non-zero suffix-range
// satisfiable there: it selects the (empty) whole, answered 200.
//
// Policy (see the constants): more than maxRangeSpecs range-specs is
// rangeNone. Ranges that overlap, touch, or are less than mergeGap
// bytes apart are coalesced into one, and then the list is sorted by
// start. More than maxRanges ranges after that is rangeNone, and so
// is a set whose total length is the size or more: the whole
// representation costs no more to send (and "bytes=0-" is answered
// 200, as Apache does). So a 206 is always smaller than the file plus
// at most maxRanges part headers.
func parseRange(dst []byteRange, v string, size int64) ([]byteRange, rangeVerdict) {
	v = strings.Trim(v, " \t")
	const unit = "bytes="
	if len(v) < len(unit) || !strings.EqualFold(v[:len(unit)], unit) {
		return dst, rangeNone
	}
	v = v[len(unit):]
	n0 := len(dst)
	specs := 0
	whole := false // a suffix-range selected an empty representation
	for len(v) > 0 {
		var spec string
		if i := strings.IndexByte(v, ','); i >= 0 {
			spec, v = v[:i], v[i+1:]
		} else {
			spec, v = v, ""
		}
		spec = strings.Trim(spec, " \t")
		if spec == "" {
			continue // an empty list element
		}
		if specs++; specs > maxRangeSpecs {
			return dst[:n0], rangeNone
		}
		first, last, ok := strings.Cut(spec, "-")
		if !ok {
			return dst[:n0], rangeNone
		}
		if first == "" {
			// suffix-range: "-" suffix-length
			n, ok := parseDigits(last)
			if !ok {
				return dst[:n0], rangeNone
			}
			switch {
			case n == 0:
				// Unsatisfiable (RFC 9110 14.1.1).
			case size == 0:
				whole = true
			default:
				start := max(size-n, 0)
				dst = append(dst, byteRange{start, size - start})
			}
			continue
		}
		// int-range: first-pos "-" [ last-pos ]
		a, ok := parseDigits(first)
		if !ok {
			return dst[:n0], rangeNone
		}
		b := int64(-1)
		if last != "" {
			if b, ok = parseDigits(last); !ok || b < a {
				return dst[:n0], rangeNone
			}
		}
		if a >= size {
			continue // unsatisfiable
		}
		if b < 0 || b >= size {
			b = size - 1
		}
		dst = append(dst, byteRange{a, b - a + 1})
	}
	if specs == 0 {
		return dst[:n0], rangeNone // "bytes=" or "bytes=,": no range-spec
	}
	rs := dst[n0:]
	if whole {
		return dst[:n0], rangeNone
	}
	if len(rs) == 0 {
		return dst[:n0], rangeUnsatisfiable
	}
	if len(rs) > 1 {
		rs = coalesce(rs)
		dst = dst[:n0+len(rs)]
	}
	if len(rs) > maxRanges {
		return dst[:n0], rangeNone
	}
	var sum int64
	for _, r := range rs {
		sum += r.length // no overflow: the ranges are disjoint parts of [0, size)
	}
	if sum >= size {
		return dst[:n0], rangeNone
	}
	return dst, rangeOK
}

// coalesce merges the ranges of rs that overlap, touch or are less than
// mergeGap bytes apart. If it merges none it returns rs as it was, in
// the client's order (RFC 9110 14.6: parts SHOULD come in the order
// asked); otherwise it overwrites rs with the merged ranges, in
// ascending order, and returns that prefix.
func coalesce(rs []byteRange) []byteRange {
	var buf [16]byteRange
	sorted := append(buf[:0], rs...)
	slices.SortFunc(sorted, func(a, b byteRange) int {
		switch {
		case a.start < b.start:
			return -1
		case a.start > b.start:
			return 1
		}
		return 0
	})
	out := sorted[:1]
	for _, r := range sorted[1:] {
		cur := &out[len(out)-1]
		// r.start >= cur.start, and both ends are at most the size,
		// so neither difference overflows.
		if r.start-cur.end() < mergeGap {
			if r.end() > cur.end() {
				cur.length = r.end() - cur.start
			}
			continue
		}
		out = append(out, r)
	}
	if len(out) == len(rs) {
		return rs
	}
	return rs[:copy(rs, out)]
}

// parseDigits parses s, 1*DIGIT, as a non-negative decimal number. A
// number too large for an int64 is math.MaxInt64: as a byte position
// it is past the end of any representation, which is what the client
// meant.
func parseDigits(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	const maxInt64 = 1<<63 - 1
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (maxInt64-d)/10 {
			n = maxInt64 // saturate; keep checking the syntax
			continue
		}
		n = n*10 + d
	}
	return n, true
}

// ifRangeAllows reports whether a request's If-Range (RFC 9110 13.1.5)
// lets its Range apply to the current representation, whose strong
// ETag is etag ("" if none) and modification time mtime (zero if
// none). With no If-Range it reports true. An entity-tag must match
// etag by the strong comparison (RFC 9110 8.8.3.2: a weak tag never
// does). An HTTP-date must equal mtime truncated to the second exactly
// (the Last-Modified the client was sent; now is only for the
// two-digit year of the obsolete rfc850 form). Anything else (more
// than one If-Range field, a malformed value, a date when there is no
// mtime, a tag when there is no etag) reports false: the client then
// gets the whole representation, which is always safe.
func ifRangeAllows(h wharf.Header, etag string, mtime time.Time, now func() time.Time) bool {
	i := h.Next("If-Range", 0)
	if i < 0 {
		return true
	}
	if h.Next("If-Range", i+1) >= 0 {
		return false // If-Range is a single value, not a list
	}
	v := strings.Trim(h[i].Value, " \t")
	if strings.HasPrefix(v, `"`) || strings.HasPrefix(v, "W/") {
		tag, rest, ok := scanETag(v)
		return ok && rest == "" && etag != "" && etagEqual(tag, etag, false)
	}
	if mtime.IsZero() {
		return false
	}
	d, ok := parseHTTPDate(v, now())
	return ok && d.Equal(mtime.Truncate(time.Second))
}

// A multipart/byteranges body (RFC 9110 14.6, RFC 2046 5.1.1) is
// framed exactly as net/http's (mime/multipart.Writer's) is, except
// that Content-Type comes before Content-Range in a part's header:
//
//	--BOUNDARY\r\n
//	Content-Type: CTYPE\r\n            (left out when CTYPE is "")
//	Content-Range: bytes A-B/SIZE\r\n
//	\r\n
//	<the bytes A to B>\r\n
//	--BOUNDARY\r\n
//	...                                (one part per range)
//	<the bytes of the last range>\r\n
//	--BOUNDARY--\r\n
//
// There is no preamble and no epilogue. The CRLF before each "--" of a
// delimiter belongs to the delimiter (RFC 2046), not to the part's
// bytes. The answer's own Content-Type is
// "multipart/byteranges; boundary=BOUNDARY".

// multipartBoundary returns a fresh random boundary: 32 hex digits (128
// random bits), which RFC 2046's bchars allow unquoted. It must not
// occur in the file's bytes; a random one is unguessable, so not even
// a file an attacker wrote can hold it.
func multipartBoundary() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return hex.EncodeToString(b[:])
}

// multipartSize returns the exact length of the body writeMultipart
// writes for the same arguments, for the answer's Content-Length.
func multipartSize(ranges []byteRange, ctype string, size int64, boundary string) int64 {
	var buf [80]byte
	hdr := int64(len("--") + len(boundary) + len("\r\n") + len("Content-Range: ") + len("\r\n\r\n"))
	if ctype != "" {
		hdr += int64(len("Content-Type: ") + len(ctype) + len("\r\n"))
	}
	var n int64
	for i, r := range ranges {
		if i > 0 {
			n += 2 // the CRLF that starts the next delimiter
		}
		n += hdr + int64(len(r.appendContentRange(buf[:0], size))) + r.length
	}
	return n + int64(len("\r\n--")+len(boundary)+len("--\r\n"))
}

// appendPartHeader appends the delimiter and header of the part for
// r, through the blank line that ends it.
func appendPartHeader(b []byte, r byteRange, ctype string, size int64, boundary string) []byte {
	b = append(b, "--"...)
	b = append(b, boundary...)
	b = append(b, "\r\n"...)
	if ctype != "" {
		b = append(b, "Content-Type: "...)
		b = append(b, ctype...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "Content-Range: "...)
	b = r.appendContentRange(b, size)
	return append(b, "\r\n\r\n"...)
}

// writeMultipart writes the multipart/byteranges body for ranges of a
// representation of size bytes, of type ctype, read from src, framed
// as described above, with the given boundary (from
// multipartBoundary). It writes exactly multipartSize bytes, or
// returns an error: the first error of w, or io.ErrUnexpectedEOF if
// src ends before a range does (the file shrank).
func writeMultipart(w io.Writer, ranges []byteRange, ctype string, size int64, boundary string, src io.ReaderAt) error {
	buf := make([]byte, 0, 128+len(boundary)+len(ctype))
	for i, r := range ranges {
		buf = buf[:0]
		if i > 0 {
			buf = append(buf, "\r\n"...)
		}
		buf = appendPartHeader(buf, r, ctype, size, boundary)
		if _, err := w.Write(buf); err != nil {
			return err
		}
		n, err := io.Copy(w, io.NewSectionReader(src, r.start, r.length))
		if err != nil {
			return err
		}
		if n < r.length {
			return io.ErrUnexpectedEOF
		}
	}
	buf = append(buf[:0], "\r\n--"...)
	buf = append(buf, boundary...)
	buf = append(buf, "--\r\n"...)
	_, err := w.Write(buf)
	return err
}
