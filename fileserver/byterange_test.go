package fileserver

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wharfhttp/wharf"
)

type rangeTest struct {
	v    string
	size int64
	want rangeVerdict
	rs   []byteRange // for rangeOK
}

func r(start, length int64) byteRange { return byteRange{start, length} }

// manyRanges returns "bytes=" and n ranges of one byte, step bytes
// apart, starting at 0.
func manyRanges(n, step int) string {
	var b strings.Builder
	b.WriteString("bytes=")
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%d-%d", i*step, i*step)
	}
	return b.String()
}

var rangeTests = []rangeTest{
	// Single ranges.
	{"bytes=0-0", 1000, rangeOK, []byteRange{r(0, 1)}},
	{"bytes=0-499", 1000, rangeOK, []byteRange{r(0, 500)}},
	{"bytes=500-999", 1000, rangeOK, []byteRange{r(500, 500)}},
	{"bytes=500-", 1000, rangeOK, []byteRange{r(500, 500)}},
	{"bytes=999-", 1000, rangeOK, []byteRange{r(999, 1)}},
	{"bytes=999-999", 1000, rangeOK, []byteRange{r(999, 1)}},
	{"bytes=-1", 1000, rangeOK, []byteRange{r(999, 1)}},
	{"bytes=-500", 1000, rangeOK, []byteRange{r(500, 500)}},
	{"bytes=-999", 1000, rangeOK, []byteRange{r(1, 999)}},
	{"bytes=1-", 1000, rangeOK, []byteRange{r(1, 999)}},
	{"bytes=007-008", 1000, rangeOK, []byteRange{r(7, 2)}},
	// last-pos past the end is clamped.
	{"bytes=900-5000", 1000, rangeOK, []byteRange{r(900, 100)}},
	{"bytes=1-99999999999999999999", 1000, rangeOK, []byteRange{r(1, 999)}},
	{"bytes=1-9223372036854775807", 1000, rangeOK, []byteRange{r(1, 999)}},
	{"bytes=1-9223372036854775808", 1000, rangeOK, []byteRange{r(1, 999)}},
	// The unit is case-insensitive; whitespace around the list
	// elements and empty elements are allowed (RFC 9110 5.6.1).
	{"BYTES=0-1", 1000, rangeOK, []byteRange{r(0, 2)}},
	{"Bytes=0-1", 1000, rangeOK, []byteRange{r(0, 2)}},
	{"bytes=0-1,", 1000, rangeOK, []byteRange{r(0, 2)}},
	{"bytes=,0-1", 1000, rangeOK, []byteRange{r(0, 2)}},
	{"bytes=, ,\t,0-1, ,", 1000, rangeOK, []byteRange{r(0, 2)}},
	{"bytes= 0-1", 1000, rangeOK, []byteRange{r(0, 2)}},
	{"bytes=0-1 ", 1000, rangeOK, []byteRange{r(0, 2)}},
	{" bytes=0-1", 1000, rangeOK, []byteRange{r(0, 2)}},
	{"bytes=0-1 , 500-501", 1000, rangeOK, []byteRange{r(0, 2), r(500, 2)}},
	{"bytes=0-1\t,\t500-501", 1000, rangeOK, []byteRange{r(0, 2), r(500, 2)}},

	// Several ranges: kept in the client's order when none merge.
	{"bytes=0-9,500-509", 1000, rangeOK, []byteRange{r(0, 10), r(500, 10)}},
	{"bytes=500-509,0-9", 1000, rangeOK, []byteRange{r(500, 10), r(0, 10)}},
	{"bytes=-10,0-9", 1000, rangeOK, []byteRange{r(990, 10), r(0, 10)}},
	{"bytes=0-9,500-509,200-209", 1000, rangeOK, []byteRange{r(0, 10), r(500, 10), r(200, 10)}},
	// Unsatisfiable ones among satisfiable ones are dropped.
	{"bytes=0-9,2000-2009", 1000, rangeOK, []byteRange{r(0, 10)}},
	{"bytes=1000-,0-9,-0", 1000, rangeOK, []byteRange{r(0, 10)}},
	// Overlapping, adjacent and nearly adjacent ranges are coalesced,
	// and then sorted.
	{"bytes=0-9,5-14", 1000, rangeOK, []byteRange{r(0, 15)}},
	{"bytes=0-9,10-19", 1000, rangeOK, []byteRange{r(0, 20)}},
	{"bytes=10-19,0-9", 1000, rangeOK, []byteRange{r(0, 20)}},
	{"bytes=0-9,0-9", 1000, rangeOK, []byteRange{r(0, 10)}},
	{"bytes=0-99,10-19", 1000, rangeOK, []byteRange{r(0, 100)}},
	{"bytes=0-9,89-99", 1000, rangeOK, []byteRange{r(0, 100)}},           // gap 79 < mergeGap
	{"bytes=0-9,90-99", 1000, rangeOK, []byteRange{r(0, 10), r(90, 10)}}, // gap 80
	{"bytes=500-509,0-9,5-14", 1000, rangeOK, []byteRange{r(0, 15), r(500, 10)}},
	{"bytes=900-,-50", 1000, rangeOK, []byteRange{r(900, 100)}},
	{"bytes=0-0,2-2,4-4,6-6", 1000, rangeOK, []byteRange{r(0, 7)}},
	// Many tiny ranges: fine when they coalesce...
	{manyRanges(200, 2), 1000, rangeOK, []byteRange{r(0, 399)}},
	// ...up to maxRanges parts...
	{manyRanges(maxRanges, mergeGap+1), 100000, rangeOK, nil},
	// ...but not more, and not more than maxRangeSpecs range-specs.
	{manyRanges(maxRanges+1, mergeGap+1), 100000, rangeNone, nil},
	{manyRanges(maxRangeSpecs+1, 1), 100000, rangeNone, nil},
	{manyRanges(maxRangeSpecs, 1), 100000, rangeOK, []byteRange{r(0, maxRangeSpecs)}},

	// A set as large as the representation or larger: the whole.
	{"bytes=0-", 1000, rangeNone, nil},
	{"bytes=0-999", 1000, rangeNone, nil},
	{"bytes=0-99999999999999999999", 1000, rangeNone, nil},
	{"bytes=-1000", 1000, rangeNone, nil},
	{"bytes=-1001", 1000, rangeNone, nil},
	{"bytes=-99999999999999999999", 1000, rangeNone, nil},
	{"bytes=0-499,500-999", 1000, rangeNone, nil},
	{"bytes=0-599,400-", 1000, rangeNone, nil},
	{"bytes=0-0", 1, rangeNone, nil},
	{"bytes=-1", 1, rangeNone, nil},
	{"bytes=0-9,5-,0-", 1000, rangeNone, nil},
	{"bytes=0-1,-2", 3, rangeNone, nil}, // the gap of 0 is merged: 0-2 is the whole

	// Unsatisfiable.
	{"bytes=1000-", 1000, rangeUnsatisfiable, nil},
	{"bytes=1000-1000", 1000, rangeUnsatisfiable, nil},
	{"bytes=5000-6000", 1000, rangeUnsatisfiable, nil},
	{"bytes=99999999999999999999-", 1000, rangeUnsatisfiable, nil},
	{"bytes=-0", 1000, rangeUnsatisfiable, nil},
	{"bytes=-000", 1000, rangeUnsatisfiable, nil},
	{"bytes=1000-,-0,2000-3000", 1000, rangeUnsatisfiable, nil},
	{"bytes=0-", 0, rangeUnsatisfiable, nil},
	{"bytes=0-0", 0, rangeUnsatisfiable, nil},
	{"bytes=-0", 0, rangeUnsatisfiable, nil},
	// An empty representation: a non-zero suffix is satisfiable (RFC
	// 9110 14.1.1) but selects nothing: the whole (empty) answer.
	{"bytes=-1", 0, rangeNone, nil},
	{"bytes=0-,-5", 0, rangeNone, nil},

	// Malformed: ignored.
	{"", 1000, rangeNone, nil},
	{"bytes", 1000, rangeNone, nil},
	{"bytes=", 1000, rangeNone, nil},
	{"bytes=,", 1000, rangeNone, nil},
	{"bytes= , ", 1000, rangeNone, nil},
	{"bytes = 0-1", 1000, rangeNone, nil},
	{"bytes =0-1", 1000, rangeNone, nil},
	{"bytes:0-1", 1000, rangeNone, nil},
	{"items=0-1", 1000, rangeNone, nil},
	{"byte=0-1", 1000, rangeNone, nil},
	{"bytesx=0-1", 1000, rangeNone, nil},
	{"bytes=0", 1000, rangeNone, nil},
	{"bytes=-", 1000, rangeNone, nil},
	{"bytes=--1", 1000, rangeNone, nil},
	{"bytes=1--2", 1000, rangeNone, nil},
	{"bytes=-1-2", 1000, rangeNone, nil},
	{"bytes=0-1-2", 1000, rangeNone, nil},
	{"bytes=+1-2", 1000, rangeNone, nil},
	{"bytes=1-+2", 1000, rangeNone, nil},
	{"bytes=0x1-2", 1000, rangeNone, nil},
	{"bytes=a-b", 1000, rangeNone, nil},
	{"bytes=1 -2", 1000, rangeNone, nil},
	{"bytes=1- 2", 1000, rangeNone, nil},
	{"bytes=- 2", 1000, rangeNone, nil},
	{"bytes=0-1;2-3", 1000, rangeNone, nil},
	{"bytes=0-1 2-3", 1000, rangeNone, nil},
	{"bytes=\u00b9-2", 1000, rangeNone, nil},
	{"bytes=5-4", 1000, rangeNone, nil},
	{"bytes=0-9,5-4", 1000, rangeNone, nil},   // one malformed spec spoils the field
	{"bytes=5000-4000", 1000, rangeNone, nil}, // malformed before unsatisfiable
	{"bytes=99999999999999999999-1", 1000, rangeNone, nil},
	{"bytes=0-1,x", 1000, rangeNone, nil},
	{"bytes=0-1,x", 0, rangeNone, nil},
	{"bytes=1000-,abc", 1000, rangeNone, nil},
}

func TestParseRange(t *testing.T) {
	for _, tt := range rangeTests {
		got, verdict := parseRange(nil, tt.v, tt.size)
		if verdict != tt.want {
			t.Errorf("parseRange(%.60q, %d) verdict %d; want %d (ranges %v)", tt.v, tt.size, verdict, tt.want, got)
			continue
		}
		if verdict != rangeOK {
			if len(got) != 0 {
				t.Errorf("parseRange(%.60q, %d) = %v with verdict %d; want no ranges", tt.v, tt.size, got, verdict)
			}
			continue
		}
		if tt.rs != nil && !slices.Equal(got, tt.rs) {
			t.Errorf("parseRange(%.60q, %d) = %v; want %v", tt.v, tt.size, got, tt.rs)
		}
		checkRangeInvariants(t, tt.v, tt.size, got, verdict)
	}
}

// TestParseRangeAppends checks that parseRange appends to dst and
// leaves its earlier elements alone, whatever the verdict.
func TestParseRangeAppends(t *testing.T) {
	prefix := []byteRange{{7, 7}, {8, 8}}
	for _, tt := range rangeTests {
		dst := append(make([]byteRange, 0, 4), prefix...)
		got, verdict := parseRange(dst, tt.v, tt.size)
		if !slices.Equal(got[:len(prefix)], prefix) {
			t.Errorf("parseRange(%.60q): prefix overwritten: %v", tt.v, got)
		}
		want, _ := parseRange(nil, tt.v, tt.size)
		if !slices.Equal(got[len(prefix):], want) {
			t.Errorf("parseRange(dst, %.60q) appended %v (verdict %d); want %v", tt.v, got[len(prefix):], verdict, want)
		}
	}
}

// checkRangeInvariants checks what parseRange promises whatever the
// input.
func checkRangeInvariants(t *testing.T, v string, size int64, rs []byteRange, verdict rangeVerdict) {
	t.Helper()
	switch verdict {
	case rangeNone, rangeUnsatisfiable:
		if len(rs) != 0 {
			t.Fatalf("parseRange(%q, %d): verdict %d with ranges %v", v, size, verdict, rs)
		}
		return
	case rangeOK:
	default:
		t.Fatalf("parseRange(%q, %d): verdict %d", v, size, verdict)
	}
	if len(rs) == 0 || len(rs) > maxRanges {
		t.Fatalf("parseRange(%q, %d): %d ranges", v, size, len(rs))
	}
	var sum int64
	for _, r := range rs {
		if r.length <= 0 || r.start < 0 || r.start >= size || r.length > size-r.start {
			t.Fatalf("parseRange(%q, %d): range %v outside [0, size) or empty", v, size, r)
		}
		sum += r.length
	}
	if sum >= size {
		t.Fatalf("parseRange(%q, %d): ranges %v sum to %d >= size", v, size, rs, sum)
	}
	sorted := slices.Clone(rs)
	slices.SortFunc(sorted, func(a, b byteRange) int { return cmp.Compare(a.start, b.start) })
	for i := 1; i < len(sorted); i++ {
		if gap := sorted[i].start - sorted[i-1].end(); gap < mergeGap {
			t.Fatalf("parseRange(%q, %d): ranges %v and %v overlap or are %d < mergeGap apart", v, size, sorted[i-1], sorted[i], gap)
		}
	}
}

func FuzzParseRange(f *testing.F) {
	for _, tt := range rangeTests {
		f.Add(tt.v, tt.size)
	}
	f.Add("bytes=0-1", int64(1<<63-1))
	f.Add("bytes=-9223372036854775807", int64(1<<63-1))
	f.Add("bytes=9223372036854775806-", int64(1<<63-1))
	f.Fuzz(func(t *testing.T, v string, size int64) {
		if size < 0 {
			size = -(size + 1)
		}
		rs, verdict := parseRange(nil, v, size)
		checkRangeInvariants(t, v, size, rs, verdict)
		// With a stack buffer: the same answer.
		var buf [4]byteRange
		rs2, verdict2 := parseRange(buf[:0], v, size)
		if verdict2 != verdict || !slices.Equal(rs, rs2) {
			t.Fatalf("parseRange(%q, %d) = %v, %d; with a buffer %v, %d", v, size, rs, verdict, rs2, verdict2)
		}
		// Every returned range's Content-Range reads back.
		for _, r := range rs {
			var a, b, s int64
			if _, err := fmt.Sscanf(r.contentRange(size), "bytes %d-%d/%d", &a, &b, &s); err != nil ||
				a != r.start || b != r.end()-1 || s != size {
				t.Fatalf("contentRange of %v = %q", r, r.contentRange(size))
			}
		}
	})
}

func TestParseRangeAllocs(t *testing.T) {
	for _, v := range []string{"bytes=0-99", "bytes=-10", "BYTES=10-", "bytes=0-9,500-509", "bytes=0-9,5-14", "bytes=5000-", "bytes=x", "bytes=0-"} {
		var buf [4]byteRange
		allocs := testing.AllocsPerRun(100, func() {
			parseRange(buf[:0], v, 1000)
		})
		if allocs != 0 {
			t.Errorf("parseRange(%q) with a stack buffer: %v allocations; want 0", v, allocs)
		}
	}
}

func TestContentRange(t *testing.T) {
	tests := []struct {
		r    byteRange
		size int64
		want string
	}{
		{r(0, 1), 1, "bytes 0-0/1"},
		{r(0, 500), 1000, "bytes 0-499/1000"},
		{r(999, 1), 1000, "bytes 999-999/1000"},
		{r(1<<62, 1<<62), 1<<63 - 1, "bytes 4611686018427387904-9223372036854775807/9223372036854775807"},
	}
	for _, tt := range tests {
		if got := tt.r.contentRange(tt.size); got != tt.want {
			t.Errorf("%v.contentRange(%d) = %q; want %q", tt.r, tt.size, got, tt.want)
		}
		cr, cl := tt.r.rangeFields(tt.size)
		if want := strconv.FormatInt(tt.r.length, 10); cr != tt.want || cl != want {
			t.Errorf("%v.rangeFields(%d) = %q, %q; want %q, %q", tt.r, tt.size, cr, cl, tt.want, want)
		}
	}
}

func TestIfRangeAllows(t *testing.T) {
	mtime := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	lm := "Mon, 06 May 2024 07:08:09 GMT"
	etag := `"abc-5"`
	now := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	tests := []struct {
		h     wharf.Header
		etag  string
		mtime time.Time
		want  bool
	}{
		{nil, etag, mtime, true},
		{hdr("Range", "bytes=0-1"), etag, mtime, true},
		{nil, "", time.Time{}, true},

		// Entity-tags: strong comparison.
		{hdr("If-Range", etag), etag, mtime, true},
		{hdr("If-Range", " "+etag+"\t"), etag, mtime, true},
		{hdr("if-range", etag), etag, mtime, true},
		{hdr("If-Range", `"abc-6"`), etag, mtime, false},
		{hdr("If-Range", "W/"+etag), etag, mtime, false},
		{hdr("If-Range", etag), "W/" + etag, mtime, false},
		{hdr("If-Range", etag), "", mtime, false},
		{hdr("If-Range", `""`), "", mtime, false},
		{hdr("If-Range", etag+", "+etag), etag, mtime, false}, // a list is malformed
		{hdr("If-Range", etag+"x"), etag, mtime, false},
		{hdr("If-Range", `"abc-5`), etag, mtime, false},
		{hdr("If-Range", "*"), etag, mtime, false},
		{hdr("If-Range", "abc-5"), etag, mtime, false},
		{hdr("If-Range", etag, "If-Range", etag), etag, mtime, false},

		// Dates: exactly the Last-Modified.
		{hdr("If-Range", lm), etag, mtime, true},
		{hdr("If-Range", lm), "", mtime, true},
		{hdr("If-Range", lm), etag, mtime.Truncate(time.Second), true},
		{hdr("If-Range", "Monday, 06-May-24 07:08:09 GMT"), etag, mtime, true},
		{hdr("If-Range", "Mon May  6 07:08:09 2024"), etag, mtime, true},
		{hdr("If-Range", "Mon, 06 May 2024 07:08:08 GMT"), etag, mtime, false},
		{hdr("If-Range", "Mon, 06 May 2024 07:08:10 GMT"), etag, mtime, false},
		{hdr("If-Range", "Tue, 07 May 2024 07:08:09 GMT"), etag, mtime, false},
		{hdr("If-Range", lm), etag, time.Time{}, false},
		{hdr("If-Range", "2024-05-06T07:08:09Z"), etag, mtime, false},
		{hdr("If-Range", ""), etag, mtime, false},
		{hdr("If-Range", "garbage"), etag, mtime, false},
		{hdr("If-Range", lm, "If-Range", lm), etag, mtime, false},
	}
	for _, tt := range tests {
		if got := ifRangeAllows(tt.h, tt.etag, tt.mtime, now); got != tt.want {
			t.Errorf("ifRangeAllows(%q, %q, %v) = %v; want %v", tt.h, tt.etag, tt.mtime, got, tt.want)
		}
	}
}

func TestMultipartBoundary(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		b := multipartBoundary()
		if len(b) < 16 || strings.Trim(b, "0123456789abcdef") != "" {
			t.Fatalf("boundary %q: want 16+ lower-case hex digits", b)
		}
		if seen[b] {
			t.Fatalf("boundary %q twice", b)
		}
		seen[b] = true
	}
}

// TestMultipart writes bodies for random range sets and checks that
// multipartSize is their exact length, the exact framing of a small
// case, and that mime/multipart reads the parts back.
func TestMultipart(t *testing.T) {
	content := make([]byte, 5000)
	for i := range content {
		content[i] = byte('a' + i%26)
	}
	// The exact framing.
	var body bytes.Buffer
	rs := []byteRange{r(0, 3), r(100, 2)}
	if err := writeMultipart(&body, rs, "text/plain", 5000, "BOUND", bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	want := "--BOUND\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-2/5000\r\n\r\nabc\r\n" +
		"--BOUND\r\nContent-Type: text/plain\r\nContent-Range: bytes 100-101/5000\r\n\r\nwx\r\n" +
		"--BOUND--\r\n"
	if body.String() != want {
		t.Errorf("body:\n%q\nwant\n%q", body.String(), want)
	}
	if n := multipartSize(rs, "text/plain", 5000, "BOUND"); n != int64(len(want)) {
		t.Errorf("multipartSize = %d; want %d", n, len(want))
	}

	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		size := int64(1 + rnd.IntN(len(content)))
		var ranges []byteRange
		for range 1 + rnd.IntN(6) {
			start := rnd.Int64N(size)
			ranges = append(ranges, r(start, 1+rnd.Int64N(size-start)))
		}
		ctype := []string{"text/plain; charset=utf-8", "", "application/octet-stream"}[i%3]
		boundary := multipartBoundary()
		var body bytes.Buffer
		if err := writeMultipart(&body, ranges, ctype, size, boundary, bytes.NewReader(content[:size])); err != nil {
			t.Fatal(err)
		}
		if n := multipartSize(ranges, ctype, size, boundary); n != int64(body.Len()) {
			t.Fatalf("multipartSize(%v, %q, %d) = %d; body is %d bytes", ranges, ctype, size, n, body.Len())
		}
		parts := readMultipart(t, "multipart/byteranges; boundary="+boundary, body.Bytes())
		if len(parts) != len(ranges) {
			t.Fatalf("%d parts read back; want %d", len(parts), len(ranges))
		}
		for j, p := range parts {
			r := ranges[j]
			if p.ctype != ctype || p.crange != r.contentRange(size) || !bytes.Equal(p.data, content[r.start:r.end()]) {
				t.Fatalf("part %d: %q %q %d bytes; want %q %q %d bytes", j, p.ctype, p.crange, len(p.data), ctype, r.contentRange(size), r.length)
			}
		}
	}
}

type part struct {
	ctype, crange string
	data          []byte
}

// readMultipart reads a multipart/byteranges body with mime/multipart.
func readMultipart(t testing.TB, ctype string, body []byte) []part {
	t.Helper()
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil || mt != "multipart/byteranges" || params["boundary"] == "" {
		t.Fatalf("Content-Type %q: %v", ctype, err)
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var parts []part
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return parts
		}
		if err != nil {
			t.Fatalf("reading part %d: %v", len(parts), err)
		}
		data, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, part{p.Header.Get("Content-Type"), p.Header.Get("Content-Range"), data})
	}
}

// shortReaderAt is a file that shrank: it has fewer bytes than the size.
type shortReaderAt struct{ data []byte }

func (s shortReaderAt) ReadAt(p []byte, off int64) (int, error) {
	return bytes.NewReader(s.data).ReadAt(p, off)
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, io.ErrClosedPipe
	}
	return len(p), nil
}

func TestWriteMultipartErrors(t *testing.T) {
	rs := []byteRange{r(0, 10), r(100, 10)}
	err := writeMultipart(io.Discard, rs, "text/plain", 200, "b", shortReaderAt{make([]byte, 105)})
	if err != io.ErrUnexpectedEOF {
		t.Errorf("a short file: %v; want io.ErrUnexpectedEOF", err)
	}
	for _, n := range []int{0, 10, 60, 80} {
		err := writeMultipart(&failWriter{n: n}, rs, "text/plain", 200, "b", bytes.NewReader(make([]byte, 200)))
		if err != io.ErrClosedPipe {
			t.Errorf("a writer failing after %d bytes: %v; want its error", n, err)
		}
	}
}

// TestMultipartSizeLarge checks multipartSize's arithmetic for numbers
// of every width.
func TestMultipartSizeLarge(t *testing.T) {
	for _, size := range []int64{10, 1e6, 1e12, 1<<63 - 1} {
		rs := []byteRange{r(0, 1), r(size/2, 2), r(size-1, 1)}
		var hdrs int
		for i, r := range rs {
			h := "--B\r\nContent-Type: x\r\nContent-Range: " + r.contentRange(size) + "\r\n\r\n"
			if i > 0 {
				h = "\r\n" + h
			}
			hdrs += len(h)
		}
		want := int64(hdrs) + 4 + int64(len("\r\n--B--\r\n"))
		if got := multipartSize(rs, "x", size, "B"); got != want {
			t.Errorf("size %d: multipartSize = %d; want %d", size, got, want)
		}
	}
}
