package compress

import "testing"

var compressibleTests = []struct {
	ct   string
	want bool
}{
	{"text/html", true},
	{"text/html; charset=utf-8", true},
	{"TEXT/HTML;charset=UTF-8", true},
	{"  text/plain  ; format=flowed", true},
	{"text/css", true},
	{"text/csv", true},
	{"text/javascript", true},
	{"text/event-stream", false},
	{"Text/Event-Stream; charset=utf-8", false},
	{"application/javascript", true},
	{"application/json", true},
	{"application/JSON; charset=utf-8", true},
	{"application/ld+json", true},
	{"application/manifest+json", true},
	{"application/problem+json", true},
	{"application/vnd.api+json", true},
	{"application/xml", true},
	{"application/xhtml+xml", true},
	{"application/rss+xml", true},
	{"application/atom+xml", true},
	{"application/wasm", true},
	{"application/x-ndjson", true},
	{"application/yaml", true},
	{"application/vnd.ms-fontobject", true},
	{"image/svg+xml", true},
	{"image/x-icon", true},
	{"image/vnd.microsoft.icon", true},
	{"image/bmp", true},
	{"font/ttf", true},
	{"font/otf", true},
	{"font/collection", true},

	{"font/woff", false},
	{"font/woff2", false},
	{"image/png", false},
	{"image/jpeg", false},
	{"image/gif", false},
	{"image/webp", false},
	{"image/avif", false},
	{"video/mp4", false},
	{"audio/mpeg", false},
	{"application/zip", false},
	{"application/gzip", false},
	{"application/zstd", false},
	{"application/x-xz", false},
	{"application/x-bzip2", false},
	{"application/x-7z-compressed", false},
	{"application/pdf", false},
	{"application/octet-stream", false},
	{"multipart/byteranges; boundary=x", false},
	{"", false},
	{"text", false},
	{"text/", false},
	{"/html", false},
	{"application/+json", false},
	{"json", false},
}

func TestCompressible(t *testing.T) {
	for _, tc := range compressibleTests {
		if got := Compressible(tc.ct); got != tc.want {
			t.Errorf("Compressible(%q) = %v, want %v", tc.ct, got, tc.want)
		}
	}
}

func TestCompressibleAllocs(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		for _, tc := range compressibleTests {
			Compressible(tc.ct)
		}
	})
	if allocs != 0 {
		t.Errorf("Compressible: %.1f allocations, want 0", allocs)
	}
}
