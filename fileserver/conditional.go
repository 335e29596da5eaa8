package fileserver

import (
	"strconv"
	"strings"
	"time"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/compress"
)

// timeFormat is IMF-fixdate (RFC 9110 5.6.7), the form in which dates
// are sent; it equals net/http.TimeFormat.
const timeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// The obsolete date forms a recipient must also accept (RFC 9110
// 5.6.7).
const (
	rfc850Format  = "Monday, 02-Jan-06 15:04:05 GMT"
	asctimeFormat = "Mon Jan _2 15:04:05 2006"
)

// parseHTTPDate parses an HTTP-date in any of its three forms. The
// preferred form, IMF-fixdate, is parsed without allocating; the
// obsolete forms (and anything that is not a well-formed IMF-fixdate,
// which is then refused) go through time.Parse, which allocates.
func parseHTTPDate(s string, now time.Time) (time.Time, bool) {
	if t, ok := parseIMFFixdate(s); ok {
		return t, true
	}
	if t, err := time.Parse(timeFormat, s); err == nil {
		return t, true
	}
	if t, err := time.Parse(asctimeFormat, s); err == nil {
		return t, true
	}
	t, err := time.Parse(rfc850Format, s)
	if err != nil {
		return time.Time{}, false
	}
	// RFC 9110 5.6.7: a two-digit year that would put the date more
	// than 50 years in the future is in the past century. (time.Parse
	// instead maps 69-99 to the 1900s and 00-68 to the 2000s.)
	century := now.Year() / 100 * 100
	t = t.AddDate(century+t.Year()%100-t.Year(), 0, 0)
	if t.After(now.AddDate(50, 0, 0)) {
		t = t.AddDate(-100, 0, 0)
	}
	return t, true
}

// parseIMFFixdate parses s if it is exactly an IMF-fixdate
// ("Sun, 06 Nov 1994 08:49:37 GMT") with valid field values, and
// reports false for anything else, leaving the verdict to time.Parse.
// It accepts a subset of what time.Parse(timeFormat) accepts (which
// also ignores whether the day name fits the date), with the same
// result, so the fast path changes no answer. It allocates nothing:
// time.Parse allocates a *Location for the "GMT" zone, and errors.
func parseIMFFixdate(s string) (time.Time, bool) {
	// 0         1         2
	// 01234567890123456789012345678
	// Sun, 06 Nov 1994 08:49:37 GMT
	if len(s) != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
		s[16] != ' ' || s[19] != ':' || s[22] != ':' || s[25:] != " GMT" {
		return time.Time{}, false
	}
	if !validDayName(s[:3]) {
		return time.Time{}, false
	}
	month := 0
	for i := 0; i < 12; i++ {
		if s[8:11] == monthNames[3*i:3*i+3] {
			month = i + 1
			break
		}
	}
	day, ok1 := digits(s[5:7])
	year, ok2 := digits(s[12:16])
	hour, ok3 := digits(s[17:19])
	minute, ok4 := digits(s[20:22])
	sec, ok5 := digits(s[23:25])
	if month == 0 || !ok1 || !ok2 || !ok3 || !ok4 || !ok5 ||
		day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC), true
}

const monthNames = "JanFebMarAprMayJunJulAugSepOctNovDec"

// validDayName reports whether d is one of the seven day names.
func validDayName(d string) bool {
	switch d {
	case "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat":
		return true
	}
	return false
}

// digits parses s, which must be all ASCII digits.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// daysIn returns the number of days in month of the proleptic
// Gregorian year.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// lastModified formats the Last-Modified value of a file modified at
// mtime: IMF-fixdate, in UTC, to the second. A time in the future
// (clock skew, a copied archive) is replaced by now, as RFC 9110
// 8.8.2.1 requires.
func lastModified(mtime, now time.Time) string {
	if mtime.After(now) {
		mtime = now
	}
	return mtime.UTC().Format(timeFormat)
}

// makeETag returns the strong entity-tag of a file version:
// "<mtime in Unix nanoseconds>-<size>", both in hex, and for a
// precompressed sidecar "-<coding>" after them. A file that is
// rewritten keeps its tag only if its size and modification time (to
// the filesystem's precision) are unchanged, which is the same
// guarantee Last-Modified gives with finer resolution. The coding
// keeps each representation's tag its own even if a sidecar had the
// original's size and time (caddyserver/caddy#5849: one tag for two
// encodings makes caches mix them up). The nanosecond count wraps
// (deterministically) outside 1678-2262.
func makeETag(mtime time.Time, size int64, enc compress.Encoding) string {
	var buf [2 + 16 + 1 + 16 + 10]byte
	b := append(buf[:0], '"')
	b = strconv.AppendUint(b, uint64(mtime.UnixNano()), 16)
	b = append(b, '-')
	b = strconv.AppendUint(b, uint64(size), 16)
	if enc != compress.Identity {
		b = append(b, '-')
		b = append(b, enc.String()...)
	}
	b = append(b, '"')
	return string(b)
}

// A condition is the outcome of evaluating a request's preconditions.
type condition int

const (
	condNone        condition = iota // send the representation (200)
	condNotModified                  // 304 Not Modified
	condFailed                       // 412 Precondition Failed
)

// checkConditions evaluates the preconditions of a GET or HEAD request
// for a file that exists, in the order of RFC 9110 13.2.2. etag is the
// file's strong entity-tag and mtime its modification time; both are
// empty/zero when the file system does not record modification times,
// and then only "*" can match an entity-tag and the date conditions
// are ignored. now is called only to interpret a two-digit year.
//
// It allocates nothing unless a date in an obsolete form must be
// parsed: it walks the request's fields itself (Header.Values would
// allocate the slice it returns) and compares strings.
func checkConditions(h wharf.Header, etag string, mtime time.Time, now func() time.Time) condition {
	// Step 1 and 2: If-Match, else If-Unmodified-Since.
	if h.Has("If-Match") {
		if !matchETag(h, "If-Match", etag, false) {
			return condFailed
		}
	} else if d, ok := singleDate(h, "If-Unmodified-Since", mtime, now); ok {
		if mtime.Truncate(time.Second).After(d) {
			return condFailed
		}
	}
	// Step 3 and 4: If-None-Match, else If-Modified-Since (RFC 9110
	// 13.1.3: ignored when If-None-Match is present).
	if h.Has("If-None-Match") {
		if matchETag(h, "If-None-Match", etag, true) {
			return condNotModified
		}
	} else if d, ok := singleDate(h, "If-Modified-Since", mtime, now); ok {
		if !mtime.Truncate(time.Second).After(d) {
			return condNotModified
		}
	}
	return condNone
}

// singleDate returns the date in the field name, if it is to be used:
// RFC 9110 13.1.3 and 13.1.4 say to ignore the field when it is not a
// valid HTTP-date, when it has more than one member, or when the
// resource has no modification date.
func singleDate(h wharf.Header, name string, mtime time.Time, now func() time.Time) (time.Time, bool) {
	if mtime.IsZero() {
		return time.Time{}, false
	}
	i := h.Next(name, 0)
	if i < 0 || h.Next(name, i+1) >= 0 {
		return time.Time{}, false
	}
	return parseHTTPDate(strings.TrimSpace(h[i].Value), now())
}

// matchETag reports whether the values of the If-Match or
// If-None-Match fields named name in h (RFC 9110 13.1.1, 13.1.2: "*"
// or a list of entity-tags) match etag, using the weak comparison when
// weak (If-None-Match) and the strong one otherwise (If-Match; RFC
// 9110 8.8.3.2). "*" matches any current representation, and the file
// exists. A malformed list matches only if a tag before the error did:
// a client that sends garbage gets the full answer from If-None-Match
// and 412 from If-Match, never a 304 it did not ask for.
func matchETag(h wharf.Header, name, etag string, weak bool) bool {
	for i := h.Next(name, 0); i >= 0; i = h.Next(name, i+1) {
		v := h[i].Value
		for {
			v = strings.TrimLeft(v, " \t")
			if v == "" {
				break
			}
			if v[0] == ',' {
				v = v[1:]
				continue
			}
			if v[0] == '*' {
				return true
			}
			tag, rest, ok := scanETag(v)
			if !ok {
				return false
			}
			if etag != "" && etagEqual(tag, etag, weak) {
				return true
			}
			v = strings.TrimLeft(rest, " \t")
			if v != "" && v[0] != ',' {
				return false
			}
		}
	}
	return false
}

// scanETag reads an entity-tag (RFC 9110 8.8.3) from the start of s:
// [ "W/" ] DQUOTE *etagc DQUOTE, where etagc is %x21 / %x23-7E /
// obs-text.
func scanETag(s string) (tag, rest string, ok bool) {
	start := 0
	if strings.HasPrefix(s, "W/") {
		start = 2
	}
	if len(s) <= start || s[start] != '"' {
		return "", "", false
	}
	for i := start + 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return s[:i+1], s[i+1:], true
		case c == 0x21 || 0x23 <= c && c != 0x7f:
		default:
			return "", "", false
		}
	}
	return "", "", false
}

// etagEqual compares the entity-tags a and b (RFC 9110 8.8.3.2):
// weakly, they match if their opaque-tags are equal; strongly, they
// must also both be strong.
func etagEqual(a, b string, weak bool) bool {
	aw, bw := strings.HasPrefix(a, "W/"), strings.HasPrefix(b, "W/")
	if !weak {
		return !aw && !bw && a == b
	}
	return strings.TrimPrefix(a, "W/") == strings.TrimPrefix(b, "W/")
}
