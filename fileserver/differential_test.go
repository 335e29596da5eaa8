package fileserver

// A differential test of Range and precondition answers against
// net/http's http.ServeContent: the same files, modification time and
// ETag, the same requests (a table, then a seeded random generator),
// and the answers compared (status, Content-Range, Content-Length,
// Content-Type, body bytes; for multipart/byteranges the decoded
// parts, not the boundary).
//
// net/http is the oracle for everything but the few places where wharf
// differs on purpose. Those are applied, each under a name, to
// net/http's answers to derive wharf's expected answer; see
// diffExceptions. The oracle asks net/http for the answer to the
// request without its Range (for preconditions and the whole
// representation) and for the answer to each range-spec alone (for
// what one spec selects: clamping, suffixes, satisfiability); the
// combination of the specs is wharf's policy, and when the policy
// changed nothing, the combined answer must be net/http's answer to
// the whole request.

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/wharftest"
)

// diffExceptions names the places where wharf's answer intentionally
// differs from net/http's, and why. Every difference the test accepts
// is counted under one of these names.
var diffExceptions = map[string]string{
	// Syntax (table cases only: each names the equivalent request net/http is asked).
	"unit-case":  "RFC 9110 14.1: range units are case-insensitive; net/http accepts only \"bytes=\" and answers 416",
	"inner-ws":   "RFC 9110 14.1.2: no whitespace inside a range-spec; wharf ignores such a field (200), net/http trims it and honours it",
	"overflow":   "a position too large for int64 is still a valid position past the end (RFC 9110 14.1.2: clamped, or unsatisfiable); net/http's ParseInt fails and it answers 416",
	"two-fields": "two Range fields are not one valid ranges-specifier: wharf ignores them; net/http uses the first",
	// Policy.
	"malformed":        "RFC 9110 14.2: a server MAY ignore Range; wharf ignores a malformed one (200), net/http answers 416 without Content-Range",
	"lenient-past-end": "net/http does not check the syntax of a range-spec whose first-pos is past the end (\"bytes=9-0\" on a smaller file is 416, or dropped among others); wharf finds the field malformed and ignores it (200)",
	"416-body":         "wharf's 416 has an empty body; net/http's has an error text (only status and Content-Range are compared)",
	"zero-suffix":      "\"-0\" is unsatisfiable (RFC 9110 14.1.1); net/http selects an empty range and answers 206 with the invalid Content-Range \"bytes N-(N-1)/N\"",
	"empty-file":       "for an empty file, RFC 9110 14.1.1 makes an int-range unsatisfiable (wharf: 416) and a non-zero suffix satisfiable but empty (wharf: 200); net/http answers 200, or a 206 \"bytes 0--1/0\" for a suffix",
	"coalesce":         "RFC 9110 14.6: ranges that overlap or are less than mergeGap (80) bytes apart are sent as one (sorted); net/http sends each as asked",
	"whole":            "ranges that add up (after coalescing) to the size or more are answered 200 with the whole file; net/http answers 206 unless the sum before coalescing exceeds the size",
	"overlap-sum":      "net/http counts overlapping bytes twice and answers 200 when that sum exceeds the size; wharf coalesces first and may answer 206",
	"max-ranges":       "more than maxRanges (32) ranges after coalescing are answered 200; net/http has no limit",
	"max-specs":        "more than maxRangeSpecs (256) range-specs are answered 200; net/http has no limit",
}

// diffFile is a file of the differential test.
type diffFile struct {
	name    string
	content []byte
	ctype   string // wharf's Content-Type for it, given to net/http too
	etag    string // wharf's ETag for it, given to net/http too
}

// diffMtime has a fraction of a second: both servers must compare
// dates at the second.
var diffMtime = time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)

func TestDifferentialNetHTTP(t *testing.T) {
	dir := t.TempDir()
	rnd := rand.New(rand.NewPCG(7, 11))
	var files []*diffFile
	for _, size := range []int{0, 1, 26, 1000, 64<<10 + 100} { // the last is past the cache's file limit (64 KiB)
		content := make([]byte, size)
		for i := range content {
			content[i] = byte(rnd.IntN(256))
		}
		name := fmt.Sprintf("f%d.bin", size)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, diffMtime, diffMtime); err != nil {
			t.Fatal(err)
		}
		files = append(files, &diffFile{name: name, content: content})
	}
	for _, mode := range []string{"cache", "nocache"} {
		t.Run(mode, func(t *testing.T) {
			cfg := Config{}
			if mode == "nocache" {
				cfg.CacheMaxFileSize = -1
			}
			h, err := NewDir(dir, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			d := &differ{t: t, h: h, hits: map[string]int{}, memo: map[string]*answer{}}
			for _, f := range files {
				code, hdr, _ := serveWharf(h, "GET", f.name, nil)
				if code != 200 || hdr.Get("ETag") == "" || hdr.Get("Content-Type") == "" {
					t.Fatalf("GET %s: %d %q", f.name, code, hdr)
				}
				f.etag, f.ctype = hdr.Get("ETag"), hdr.Get("Content-Type")
				for _, tc := range diffTable(f) {
					d.check(f, tc)
				}
				rnd := rand.New(rand.NewPCG(uint64(len(f.content)), 42))
				n := 200
				if testing.Short() {
					n = 50
				}
				for range n {
					d.check(f, randomDiffCase(rnd, f))
				}
			}
			var names []string
			for name := range d.hits {
				names = append(names, name)
			}
			slices.Sort(names)
			for _, name := range names {
				t.Logf("exception %-12s %5d cases: %s", name, d.hits[name], diffExceptions[name])
			}
			t.Logf("%d cases, %d identical to net/http's answer", d.cases, d.same)
		})
	}
}

// A diffCase is a request: its method and fields, and, for syntax
// exceptions, the Range net/http is asked instead.
type diffCase struct {
	method string
	fields []wharf.Field
	asIf   *string // nil: ask net/http the same; else its Range ("" for none)
	why    string  // the diffExceptions name for asIf
}

func (c diffCase) String() string {
	s := c.method
	for _, f := range c.fields {
		s += fmt.Sprintf(" [%s: %s]", f.Name, f.Value)
	}
	return fmt.Sprintf("%q", s)
}

func (c diffCase) get(name string) (string, int) {
	var v string
	n := 0
	for _, f := range c.fields {
		if strings.EqualFold(f.Name, name) {
			if n == 0 {
				v = f.Value
			}
			n++
		}
	}
	return v, n
}

// withRange returns c's fields with every Range field removed, and one
// with value v added unless v is "".
func (c diffCase) withRange(v string) []wharf.Field {
	var out []wharf.Field
	for _, f := range c.fields {
		if !strings.EqualFold(f.Name, "Range") {
			out = append(out, f)
		}
	}
	if v != "" {
		out = append(out, wharf.Field{Name: "Range", Value: v})
	}
	return out
}

func ptr(s string) *string { return &s }

// diffTable returns the table cases for f.
func diffTable(f *diffFile) []diffCase {
	size := len(f.content)
	lm := diffMtime.UTC().Format(timeFormat)
	before := diffMtime.Add(-time.Second).UTC().Format(timeFormat)
	after := diffMtime.Add(time.Second).UTC().Format(timeFormat)
	ranges := []string{
		"", "bytes=0-0", "bytes=0-9", "bytes=5-", "bytes=-5", "bytes=-1", "bytes=-0", "bytes=0-",
		fmt.Sprintf("bytes=%d-", size), fmt.Sprintf("bytes=%d-", max(size-1, 0)),
		fmt.Sprintf("bytes=-%d", size), fmt.Sprintf("bytes=-%d", size+1), fmt.Sprintf("bytes=0-%d", size),
		"bytes=0-9,500-509", "bytes=500-509,0-9", "bytes=0-9,20-29", "bytes=0-9,89-99", "bytes=0-9,90-99",
		"bytes=0-599,0-599", "bytes=0-599,400-", "bytes=0-9,-10", "bytes=-10,0-9,300-309",
		"bytes=0-0,2-2,4-4,6-6", "bytes=0-1,,2-3", "bytes= 0-1", "bytes=0-1, 500-501 ,",
		"bytes=", "bytes=,", "bytes=x", "bytes=9-0", "bytes=0-9,x", "items=0-1", "bytes 0-1", "bytes = 0-1",
		"bytes=--1", "bytes=1-2-3", manyRanges(40, 100), manyRanges(300, 1),
	}
	conds := [][]string{
		nil,
		{"If-Range", f.etag}, {"If-Range", `"other"`}, {"If-Range", "W/" + f.etag},
		{"If-Range", lm}, {"If-Range", before}, {"If-Range", after}, {"If-Range", "garbage"},
		{"If-None-Match", f.etag}, {"If-None-Match", `"other"`}, {"If-Modified-Since", lm},
		{"If-Modified-Since", before}, {"If-Match", f.etag}, {"If-Match", `"other"`},
		{"If-Unmodified-Since", before}, {"If-Unmodified-Since", lm},
		{"If-None-Match", `"other"`, "If-Range", f.etag},
		{"If-Match", f.etag, "If-Range", lm},
	}
	var cases []diffCase
	for _, method := range []string{"GET", "HEAD"} {
		for _, rv := range ranges {
			for i, cond := range conds {
				if method == "HEAD" && i%3 != 0 {
					continue // HEAD differs from GET only in the body: a third of the combinations
				}
				if j := slices.Index(ranges, rv); j >= 8 && !slices.Contains([]int{0, 1, 5, 16}, i) {
					// Every precondition with the first 8 Range values;
					// the others with none, If-Range matching (by tag)
					// and not (by date), and If-None-Match "other".
					continue
				}
				c := diffCase{method: method}
				if rv != "" {
					c.fields = append(c.fields, wharf.Field{Name: "Range", Value: rv})
				}
				for i := 0; i < len(cond); i += 2 {
					c.fields = append(c.fields, wharf.Field{Name: cond[i], Value: cond[i+1]})
				}
				cases = append(cases, c)
			}
		}
	}
	// Syntax exceptions: net/http is asked an equivalent request.
	sz := strconv.Itoa(size)
	big := "99999999999999999999"
	for _, x := range []struct{ v, asIf, why string }{
		{"BYTES=0-9", "bytes=0-9", "unit-case"},
		{"Bytes=-5", "bytes=-5", "unit-case"},
		{"bytes=0 - 9", "", "inner-ws"},
		{"bytes=0- 9", "", "inner-ws"},
		{"bytes=1-" + big, "bytes=1-", "overflow"},
		{"bytes=0-" + big, "bytes=0-", "overflow"},
		{"bytes=" + big + "-", "bytes=" + sz + "-", "overflow"},
		{"bytes=" + big + "-" + big, "bytes=" + sz + "-", "overflow"},
		{"bytes=-" + big, "bytes=-" + strconv.Itoa(size+1), "overflow"},
		{"bytes=0-9," + big + "-", "bytes=0-9," + sz + "-", "overflow"},
	} {
		for _, cond := range conds[:6] {
			c := diffCase{method: "GET", asIf: ptr(x.asIf), why: x.why,
				fields: []wharf.Field{{Name: "Range", Value: x.v}}}
			for i := 0; i < len(cond); i += 2 {
				c.fields = append(c.fields, wharf.Field{Name: cond[i], Value: cond[i+1]})
			}
			cases = append(cases, c)
		}
	}
	cases = append(cases, diffCase{method: "GET", asIf: ptr(""), why: "two-fields",
		fields: []wharf.Field{{Name: "Range", Value: "bytes=0-1"}, {Name: "Range", Value: "bytes=2-3"}}})
	return cases
}

// randomDiffCase returns a random request for f: a Range of 1 to 6
// range-specs (sometimes many more) biased toward the edges of the
// file, and random preconditions.
func randomDiffCase(rnd *rand.Rand, f *diffFile) diffCase {
	size := int64(len(f.content))
	pick := func(vs ...string) string { return vs[rnd.IntN(len(vs))] }
	pos := func() int64 {
		switch rnd.IntN(6) {
		case 0:
			return 0
		case 1:
			return max(size-1, 0)
		case 2:
			return size + rnd.Int64N(3)
		case 3:
			return rnd.Int64N(20)
		default:
			return rnd.Int64N(size + 1)
		}
	}
	c := diffCase{method: pick("GET", "GET", "GET", "HEAD")}
	add := func(name, v string) {
		if v != "" {
			c.fields = append(c.fields, wharf.Field{Name: name, Value: v})
		}
	}
	if rnd.IntN(10) > 0 {
		n := 1 + rnd.IntN(6)
		if rnd.IntN(20) == 0 {
			n = 20 + rnd.IntN(30)
		}
		var specs []string
		for range n {
			var s string
			switch rnd.IntN(12) {
			case 0:
				s = fmt.Sprintf("%d-", pos())
			case 1, 2:
				s = fmt.Sprintf("-%d", pos())
			case 3:
				s = "" // an empty list element
			case 4:
				if rnd.IntN(10) == 0 {
					s = pick("x", "5-4", "-", "1-2-3") // malformed
					break
				}
				fallthrough
			default:
				a := pos()
				s = fmt.Sprintf("%d-%d", a, a+rnd.Int64N(1+size/4))
			}
			specs = append(specs, s)
		}
		add("Range", "bytes="+strings.Join(specs, pick(",", ", ", " ,")))
	}
	lm := diffMtime.UTC().Format(timeFormat)
	before := diffMtime.Add(-time.Second).UTC().Format(timeFormat)
	after := diffMtime.Add(time.Second).UTC().Format(timeFormat)
	if rnd.IntN(3) == 0 {
		add("If-Range", pick(f.etag, f.etag, `"other"`, "W/"+f.etag, lm, lm, before, after, "garbage"))
	}
	if rnd.IntN(5) == 0 {
		add("If-None-Match", pick(f.etag, `"other"`, "*", "W/"+f.etag))
	}
	if rnd.IntN(5) == 0 {
		add("If-Modified-Since", pick(lm, before, after))
	}
	if rnd.IntN(6) == 0 {
		add("If-Match", pick(f.etag, `"other"`, "*"))
	}
	if rnd.IntN(6) == 0 {
		add("If-Unmodified-Since", pick(lm, before))
	}
	return c
}

// An answer is what the test compares of a response.
type answer struct {
	status              int
	ctype, crange, clen string
	body                []byte
	ranges              []byteRange // a 206's ranges, from its Content-Range or parts
	parts               []part      // a multipart 206's parts (GET)
	multipart           bool
	boundary            string
	exception           string // for an expected answer: the exception applied, if any
}

func (a *answer) String() string {
	return fmt.Sprintf("%d ctype=%q crange=%q clen=%q ranges=%v body %d bytes", a.status, a.ctype, a.crange, a.clen, a.ranges, len(a.body))
}

type differ struct {
	t        *testing.T
	h        *Handler
	hits     map[string]int
	cases    int
	same     int
	failures int
	memo     map[string]*answer // netHTTP's answers
}

func serveWharf(h *Handler, method, name string, fields []wharf.Field) (int, wharf.Header, []byte) {
	r := wharftest.NewRequest(method, "/"+name)
	r.Header = append(r.Header, fields...)
	rec := wharftest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Result()
}

// netHTTP answers the request with http.ServeContent, once per
// distinct request: the answers are a pure function of it.
func (d *differ) netHTTP(f *diffFile, method string, fields []wharf.Field) *answer {
	key := fmt.Sprint(f.name, method, fields)
	if a, ok := d.memo[key]; ok {
		c := *a
		return &c
	}
	a := d.netHTTPUncached(f, method, fields)
	d.memo[key] = a
	c := *a
	return &c
}

func (d *differ) netHTTPUncached(f *diffFile, method string, fields []wharf.Field) *answer {
	req := httptest.NewRequest(method, "/"+f.name, nil)
	for _, fl := range fields {
		req.Header.Add(fl.Name, fl.Value)
	}
	rec := httptest.NewRecorder()
	rec.Header().Set("ETag", f.etag)
	rec.Header().Set("Content-Type", f.ctype)
	http.ServeContent(rec, req, f.name, diffMtime, bytes.NewReader(f.content))
	hdr := rec.Result().Header
	return d.makeAnswer(f, method, rec.Code, hdr.Get("Content-Type"), hdr.Get("Content-Range"), hdr.Get("Content-Length"), rec.Body.Bytes())
}

func (d *differ) wharf(f *diffFile, c diffCase) *answer {
	code, hdr, body := serveWharf(d.h, c.method, f.name, c.fields)
	return d.makeAnswer(f, c.method, code, hdr.Get("Content-Type"), hdr.Get("Content-Range"), hdr.Get("Content-Length"), body)
}

func (d *differ) makeAnswer(f *diffFile, method string, code int, ctype, crange, clen string, body []byte) *answer {
	a := &answer{status: code, ctype: ctype, crange: crange, clen: clen, body: body}
	if code != 206 {
		return a
	}
	if b, ok := strings.CutPrefix(ctype, "multipart/byteranges; boundary="); ok {
		a.multipart, a.boundary = true, b
		if method == "GET" {
			a.parts = readMultipart(d.t, ctype, body)
			for _, p := range a.parts {
				a.ranges = append(a.ranges, parseContentRange(d.t, p.crange, len(f.content)))
			}
		}
		return a
	}
	a.ranges = []byteRange{parseContentRange(d.t, crange, len(f.content))}
	return a
}

// parseContentRange parses "bytes A-B/SIZE" (B may be A-1: net/http's
// empty range).
func parseContentRange(t *testing.T, s string, size int) byteRange {
	var a, b, n int64
	if _, err := fmt.Sscanf(s, "bytes %d-%d/%d", &a, &b, &n); err != nil || n != int64(size) {
		t.Fatalf("Content-Range %q: %v", s, err)
	}
	return byteRange{a, b - a + 1}
}

// syntaxErrorNetHTTP reports whether net/http finds the Range field v
// malformed: whether it answers 416 without Content-Range for a file
// so large that every position the test uses is inside it (net/http
// checks the syntax of a range-spec only when its first-pos is).
func syntaxErrorNetHTTP(v string) bool {
	req := httptest.NewRequest("HEAD", "/x", nil)
	req.Header.Set("Range", v)
	rec := httptest.NewRecorder()
	rec.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(rec, req, "x", time.Time{}, &zeros{size: 1 << 62})
	return rec.Code == 416 && rec.Header().Get("Content-Range") == ""
}

// zeros is a file of size zero bytes that is never read (HEAD).
type zeros struct{ size, off int64 }

func (z *zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func (z *zeros) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		off += z.off
	case io.SeekEnd:
		off += z.size
	}
	z.off = off
	return off, nil
}

// check runs c against both servers and compares.
func (d *differ) check(f *diffFile, c diffCase) {
	d.t.Helper()
	d.cases++
	want := d.expect(f, c)
	got := d.wharf(f, c)
	if msg := compareAnswers(f, c, want, got); msg != "" {
		d.failures++
		if d.failures <= 20 {
			d.t.Errorf("%s %s: %s\n\twharf:    %v\n\texpected: %v (exception %q)", f.name, c, msg, got, want, want.exception)
		}
		return
	}
	if want.exception != "" {
		d.hits[want.exception]++
	} else {
		d.same++
	}
}

// expect derives wharf's expected answer from net/http's.
func (d *differ) expect(f *diffFile, c diffCase) *answer {
	d.t.Helper()
	size := int64(len(f.content))
	rangeV, nRange := c.get("Range")
	fields := c.fields
	exception := ""
	if c.asIf != nil {
		fields = c.withRange(*c.asIf)
		rangeV, nRange = *c.asIf, 1
		if *c.asIf == "" {
			nRange = 0
		}
		exception = c.why
	}
	whole := d.netHTTP(f, c.method, c.withRange(""))
	whole.exception = exception
	nh := d.netHTTP(f, c.method, fields)
	if whole.status != 200 || nRange == 0 {
		// A precondition decided (304, 412), or no Range: net/http's
		// answer, which cannot depend on Range.
		if nh.status != whole.status {
			d.t.Fatalf("%s %s: net/http answers %d, and %d without Range", f.name, c, nh.status, whole.status)
		}
		return whole
	}
	if !ifRangeMatches(c, f) {
		return whole
	}
	if syntaxErrorNetHTTP(rangeV) {
		whole.exception = "malformed"
		if nh.status != 416 || nh.crange != "" {
			// net/http checks a range-spec's syntax only if its
			// first-pos is inside the file.
			whole.exception = "lenient-past-end"
		}
		return whole
	}
	if nh.status == 416 && nh.crange == "" {
		d.t.Fatalf("%s %s: net/http finds the Range malformed only for this size: %v", f.name, c, nh)
	}
	// The range-specs, each answered alone by net/http.
	var specs []string
	for _, s := range strings.Split(rangeV[len("bytes="):], ",") {
		if s = strings.Trim(s, " \t"); s != "" {
			specs = append(specs, s)
		}
	}
	if len(specs) == 0 {
		return whole
	}
	if len(specs) > maxRangeSpecs {
		whole.exception = "max-specs"
		return whole
	}
	var rs []byteRange
	for _, s := range specs {
		one := d.netHTTP(f, c.method, c.withRange("bytes="+s))
		switch {
		case size == 0 && s != "-0" && strings.HasPrefix(s, "-"):
			whole.exception = "empty-file"
			return whole
		case size == 0:
			exception = "empty-file"
		case one.status == 416:
		case one.status == 206 && len(one.ranges) == 1 && one.ranges[0].length == 0:
			exception = "zero-suffix"
		case one.status == 206 && len(one.ranges) == 1:
			rs = append(rs, one.ranges[0])
		default:
			d.t.Fatalf("%s %s: net/http answers %v to the range-spec %q alone", f.name, c, one, s)
		}
	}
	if len(rs) == 0 {
		if exception == "" && (nh.status != 416 || nh.crange != fmt.Sprintf("bytes */%d", size)) {
			d.t.Fatalf("%s %s: no spec satisfiable, but net/http answers %v", f.name, c, nh)
		}
		return &answer{status: 416, crange: fmt.Sprintf("bytes */%d", size), exception: firstOf(exception, "416-body")}
	}
	merged := mergeRanges(rs)
	var sum, nhSum int64
	for _, r := range merged {
		sum += r.length
	}
	for _, r := range rs {
		nhSum += r.length
	}
	switch {
	case len(merged) > maxRanges:
		whole.exception = "max-ranges"
		return whole
	case sum >= size:
		whole.exception = "whole"
		return whole
	case len(merged) != len(rs):
		exception = firstOf(exception, "coalesce")
		if nhSum > size {
			exception = "overlap-sum"
		}
	}
	want := &answer{status: 206, ranges: merged, exception: exception}
	if exception == "" {
		// The policy changed nothing: the combination must be
		// net/http's own answer to the whole request.
		if nh.status != 206 || (nh.ranges != nil && !slices.Equal(nh.ranges, merged)) {
			d.t.Fatalf("%s %s: specs %v select %v, but net/http answers %v", f.name, c, specs, merged, nh)
		}
	}
	return want
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ifRangeMatches reports whether c's If-Range (if any) matches f: the
// test's requests use only f's ETag and Last-Modified as matching
// values.
func ifRangeMatches(c diffCase, f *diffFile) bool {
	v, n := c.get("If-Range")
	return n == 0 || v == f.etag || v == diffMtime.UTC().Format(timeFormat)
}

// mergeRanges coalesces ranges less than mergeGap apart (RFC 9110
// 14.6), sorted by start if any merged; otherwise it returns rs in
// the order asked. It is the test's own statement of wharf's policy.
func mergeRanges(rs []byteRange) []byteRange {
	sorted := slices.Clone(rs)
	slices.SortStableFunc(sorted, func(a, b byteRange) int { return cmp.Compare(a.start, b.start) })
	var out []byteRange
	for _, r := range sorted {
		if n := len(out); n > 0 && r.start < out[n-1].end()+mergeGap {
			out[n-1].length = max(out[n-1].end(), r.end()) - out[n-1].start
			continue
		}
		out = append(out, r)
	}
	if len(out) == len(rs) {
		return rs
	}
	return out
}

// compareAnswers compares wharf's answer got with the expected one.
func compareAnswers(f *diffFile, c diffCase, want, got *answer) string {
	if got.status != want.status {
		return fmt.Sprintf("status %d; want %d", got.status, want.status)
	}
	size := int64(len(f.content))
	head := c.method == "HEAD"
	switch want.status {
	case 304, 412:
		if len(got.body) != 0 {
			return "a body"
		}
	case 416:
		if got.crange != want.crange || len(got.body) != 0 {
			return fmt.Sprintf("Content-Range %q, %d body bytes; want %q and none", got.crange, len(got.body), want.crange)
		}
	case 200:
		if got.clen != want.clen || got.ctype != want.ctype || got.crange != "" || !bytes.Equal(got.body, want.body) {
			return "a different 200"
		}
	case 206:
		if len(want.ranges) == 1 {
			r := want.ranges[0]
			wantBody := f.content[r.start:r.end()]
			if head {
				wantBody = nil
			}
			if got.multipart || got.crange != r.contentRange(size) || got.clen != strconv.FormatInt(r.length, 10) ||
				got.ctype != f.ctype || !bytes.Equal(got.body, wantBody) {
				return "a different single-range 206"
			}
			return ""
		}
		if !got.multipart || got.crange != "" {
			return "not multipart"
		}
		// The exact length, computed independently of multipartSize.
		n := len("\r\n--") + len(got.boundary) + len("--\r\n")
		for i, r := range want.ranges {
			if i > 0 {
				n += 2
			}
			n += len("--"+got.boundary+"\r\nContent-Type: "+f.ctype+"\r\nContent-Range: "+r.contentRange(size)+"\r\n\r\n") + int(r.length)
		}
		if got.clen != strconv.Itoa(n) {
			return fmt.Sprintf("multipart Content-Length %s; want %d", got.clen, n)
		}
		if head {
			if len(got.body) != 0 {
				return "a body"
			}
			return ""
		}
		if len(got.parts) != len(want.ranges) {
			return fmt.Sprintf("%d parts; want %d", len(got.parts), len(want.ranges))
		}
		for i, p := range got.parts {
			r := want.ranges[i]
			if p.ctype != f.ctype || p.crange != r.contentRange(size) || !bytes.Equal(p.data, f.content[r.start:r.end()]) {
				return fmt.Sprintf("part %d: %q %q; want %q %q", i, p.ctype, p.crange, f.ctype, r.contentRange(size))
			}
		}
	}
	return ""
}
