package fileserver

import (
	"testing"
	"time"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/compress"
)

func TestParseHTTPDate(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	want := time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		// The three forms of RFC 9110 5.6.7.
		{"Sun, 06 Nov 1994 08:49:37 GMT", want, true},
		{"Sunday, 06-Nov-94 08:49:37 GMT", want, true},
		{"Sun Nov  6 08:49:37 1994", want, true},
		// Two-digit years: at most 50 years ahead, else the past century.
		{"Monday, 01-Jan-76 00:00:00 GMT", time.Date(2076, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"Friday, 01-Jan-77 00:00:00 GMT", time.Date(1977, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"Wednesday, 01-Jan-25 00:00:00 GMT", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"Thursday, 01-Jan-70 00:00:00 GMT", time.Date(2070, 1, 1, 0, 0, 0, 0, time.UTC), true},
		// Not HTTP-dates.
		{"", time.Time{}, false},
		{"Sun, 06 Nov 1994 08:49:37 UTC", time.Time{}, false},
		{"Sun, 06 Nov 1994 08:49:37 +0000", time.Time{}, false},
		{"Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT", time.Time{}, false},
		{"1994-11-06T08:49:37Z", time.Time{}, false},
		{"Sun, 06 Nov 1994", time.Time{}, false},
		{"784111777", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := parseHTTPDate(tt.in, now)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("parseHTTPDate(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestLastModified(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		mtime time.Time
		want  string
	}{
		{time.Date(2024, 5, 6, 7, 8, 9, 999999999, time.UTC), "Mon, 06 May 2024 07:08:09 GMT"},
		{time.Date(2024, 5, 6, 9, 8, 9, 0, time.FixedZone("CEST", 2*3600)), "Mon, 06 May 2024 07:08:09 GMT"},
		{now.Add(time.Hour), "Fri, 02 Jan 2026 03:04:05 GMT"},
	}
	for _, tt := range tests {
		if got := lastModified(tt.mtime, now); got != tt.want {
			t.Errorf("lastModified(%v) = %q; want %q", tt.mtime, got, tt.want)
		}
	}
}

func TestMakeETag(t *testing.T) {
	tests := []struct {
		mtime time.Time
		size  int64
		enc   compress.Encoding
		want  string
	}{
		{time.Unix(0, 0), 0, compress.Identity, `"0-0"`},
		{time.Unix(1, 2), 255, compress.Identity, `"3b9aca02-ff"`},
		{time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC), 5, compress.Identity, `"17ccd493bd5b0715-5"`},
		{time.Unix(-1, 0), 1, compress.Identity, `"ffffffffc4653600-1"`}, // before 1970: wraps, still a valid etag
		// Sidecars: the coding keeps each representation's tag its own.
		{time.Unix(1, 2), 255, compress.Brotli, `"3b9aca02-ff-br"`},
		{time.Unix(1, 2), 255, compress.Gzip, `"3b9aca02-ff-gzip"`},
		{time.Unix(1, 2), 255, compress.Zstd, `"3b9aca02-ff-zstd"`},
	}
	for _, tt := range tests {
		if got := makeETag(tt.mtime, tt.size, tt.enc); got != tt.want {
			t.Errorf("makeETag(%v, %d) = %s; want %s", tt.mtime, tt.size, got, tt.want)
		}
	}
}

func TestMatchETag(t *testing.T) {
	const e = `"abc-1"`
	tests := []struct {
		values      []string
		etag        string
		weak, match bool
	}{
		{[]string{e}, e, true, true},
		{[]string{e}, e, false, true},
		{[]string{`W/"abc-1"`}, e, true, true},
		{[]string{`W/"abc-1"`}, e, false, false},
		{[]string{`"x"`}, e, true, false},
		{[]string{`"x", "abc-1"`}, e, true, true},
		{[]string{`"x","abc-1"`}, e, true, true},
		{[]string{` "x" ,	"abc-1" `}, e, true, true},
		{[]string{`"x"`, `"abc-1"`}, e, true, true},
		{[]string{`, ,"abc-1"`}, e, true, true},
		{[]string{"*"}, e, true, true},
		{[]string{"*"}, e, false, true},
		{[]string{"*"}, "", true, true},
		{[]string{e}, "", true, false},
		{[]string{""}, e, true, false},
		// Malformed: no match from the error on.
		{[]string{`abc-1`}, e, true, false},
		{[]string{`"abc-1`}, e, true, false},
		{[]string{`"x" "abc-1"`}, e, true, false},
		{[]string{`"x"y, "abc-1"`}, e, true, false},
		{[]string{`w/"abc-1"`}, e, true, false},
		{[]string{`"a"b"`}, e, true, false},
		{[]string{"\"abc\x7f-1\""}, "\"abc\x7f-1\"", true, false},
		{[]string{`"abc-1", garbage`}, e, true, true}, // matched before the error
	}
	for _, tt := range tests {
		// Each value is a field of its own, among unrelated fields and
		// in any spelling of the name.
		h := wharf.Header{{Name: "Host", Value: "x"}}
		for i, v := range tt.values {
			name := "If-None-Match"
			if i%2 == 1 {
				name = "if-none-match"
			}
			h = append(h, wharf.Field{Name: name, Value: v}, wharf.Field{Name: "If-Match", Value: `"abc-1"`})
		}
		if got := matchETag(h, "If-None-Match", tt.etag, tt.weak); got != tt.match {
			t.Errorf("matchETag(%q, %s, weak=%v) = %v; want %v", tt.values, tt.etag, tt.weak, got, tt.match)
		}
	}
}

func TestParseIMFFixdate(t *testing.T) {
	// Every well-formed IMF-fixdate takes the fast path, with
	// time.Parse's result.
	for _, tm := range []time.Time{
		time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC),
		time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC),
		time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
	} {
		for d := range 400 {
			s := tm.AddDate(0, 0, -d).Add(time.Duration(d) * 7919 * time.Second).Format(timeFormat)
			got, ok := parseIMFFixdate(s)
			want, err := time.Parse(timeFormat, s)
			if !ok || err != nil || !got.Equal(want) {
				t.Fatalf("parseIMFFixdate(%q) = %v, %v; time.Parse: %v, %v", s, got, ok, want, err)
			}
		}
	}
	// Anything else is left to time.Parse (which may still accept it).
	for _, s := range []string{
		"",
		"sun, 06 Nov 1994 08:49:37 GMT",
		"Sun, 06 nov 1994 08:49:37 GMT",
		"Sun, 6 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 08:49:37 UTC",
		"Sun, 06 Nov 1994 08:49:37 GMT ",
		"Sun, 29 Feb 1900 08:49:37 GMT",
		"Sun, 31 Apr 1994 08:49:37 GMT",
		"Sun, 00 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 24:00:00 GMT",
		"Sun, 06 Nov 1994 08:60:37 GMT",
		"Sun, 06 Nov 1994 08:49:60 GMT",
		"Sun, 06 Nov 19x4 08:49:37 GMT",
		"Sun, +6 Nov 1994 08:49:37 GMT",
		"Xyz, 06 Nov 1994 08:49:37 GMT",
		"Sunday, 06-Nov-94 08:49:37 GMT",
	} {
		if got, ok := parseIMFFixdate(s); ok {
			t.Errorf("parseIMFFixdate(%q) = %v; want no fast-path answer", s, got)
		}
	}
	if n := testing.AllocsPerRun(100, func() { parseHTTPDate("Sun, 06 Nov 1994 08:49:37 GMT", time.Time{}) }); n != 0 {
		t.Errorf("parseHTTPDate of an IMF-fixdate: %v allocations", n)
	}
}

// FuzzParseIMFFixdate checks that the fast path never accepts what
// time.Parse refuses, nor answers differently.
func FuzzParseIMFFixdate(f *testing.F) {
	for _, s := range []string{
		"Sun, 06 Nov 1994 08:49:37 GMT", "Thu, 29 Feb 2024 23:59:59 GMT", "Mon, 31 Jun 2024 00:00:00 GMT",
		"Sat, 00 Jan 0000 00:00:00 GMT",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseIMFFixdate(s)
		if !ok {
			return
		}
		want, err := time.Parse(timeFormat, s)
		if err != nil || !got.Equal(want) {
			t.Fatalf("parseIMFFixdate(%q) = %v; time.Parse: %v, %v", s, got, want, err)
		}
	})
}
