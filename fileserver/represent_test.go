package fileserver

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/compress"
	"github.com/wharfhttp/wharf/wharftest"
)

// page is a compressible HTML page above compress.DefaultMinSize.
var page = "<!DOCTYPE html><title>t</title>" + strings.Repeat("<p>wharf serves files, compressed or not.</p>\n", 60)

// decode undoes the content coding enc.
func decode(t *testing.T, enc string, b []byte) string {
	t.Helper()
	var r io.Reader
	var err error
	switch enc {
	case "", "identity":
		return string(b)
	case "gzip":
		r, err = gzip.NewReader(bytes.NewReader(b))
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	case "zstd":
		var d *zstd.Decoder
		d, err = zstd.NewReader(bytes.NewReader(b))
		if d != nil {
			defer d.Close()
		}
		r = d
	default:
		t.Fatalf("unknown coding %q", enc)
	}
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s: %v", enc, err)
	}
	return string(out)
}

// encodingSite writes a site with sidecars: page.html with a fresh
// .br and .gz, app.js with a stale .gz, only.html.gz without an
// original, logo.png (never compressed) and page.html itself
// compressible.
func encodingSite(t *testing.T) string {
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("sidecar gzip body"))
	zw.Close()
	writeFile(t, dir, "page.html", page, past)
	writeFile(t, dir, "page.html.gz", gz.String(), past.Add(time.Second))
	writeFile(t, dir, "page.html.br", "BROTLI-BYTES", past.Add(time.Second))
	writeFile(t, dir, "app.js", strings.Repeat("let a = 1;\n", 200), past)
	writeFile(t, dir, "app.js.gz", "STALE", past.Add(-time.Hour))
	writeFile(t, dir, "only.html.gz", gz.String(), past)
	writeFile(t, dir, "logo.png", strings.Repeat("\x89PNG", 1000), past)
	writeFile(t, dir, "small.txt", "tiny", past)
	return dir
}

func TestEncodings(t *testing.T) {
	dir := encodingSite(t)
	for _, cached := range []bool{true, false} {
		cfg := Config{Precompressed: true, Compress: &compress.Config{}}
		if !cached {
			cfg.CacheMaxFileSize = -1
		}
		h := newDirHandler(t, dir, cfg)
		name := map[bool]string{true: "cached", false: "uncached"}[cached]
		tests := []struct {
			target, accept string
			code           int
			enc            string // Content-Encoding; "" none
			body           string // decoded
			vary           bool
		}{
			// Sidecars, as they are, by preference br > zstd > gzip.
			{"/page.html", "gzip, br", 200, "br", "", true},
			{"/page.html", "gzip", 200, "gzip", "sidecar gzip body", true},
			{"/page.html", "br;q=0.5, gzip", 200, "gzip", "sidecar gzip body", true},
			// No sidecar for zstd: made on the fly from the original.
			{"/page.html", "zstd", 200, "zstd", page, true},
			{"/page.html", "", 200, "", page, true},
			{"/page.html", "identity", 200, "", page, true},
			{"/page.html", "gzip;q=0, br;q=0, zstd;q=0", 200, "", page, true},
			// A stale sidecar is ignored: compressed on the fly instead.
			{"/app.js", "gzip", 200, "gzip", strings.Repeat("let a = 1;\n", 200), true},
			// A sidecar without its original.
			{"/only.html", "gzip", 200, "gzip", "sidecar gzip body", true},
			{"/only.html", "", 406, "", notAcceptableBody, true},
			{"/only.html", "br", 406, "", notAcceptableBody, true},
			// Never compressed: images, and bodies under the minimum.
			{"/logo.png", "gzip, br", 200, "", strings.Repeat("\x89PNG", 1000), false},
			{"/small.txt", "gzip", 200, "", "tiny", false},
		}
		for _, tt := range tests {
			var hd wharf.Header
			if tt.accept != "" {
				hd.Add("Accept-Encoding", tt.accept)
			}
			code, got, body := serve(h, request{"GET", tt.target, hd}).Result()
			what := name + " " + tt.target + " [" + tt.accept + "]"
			if code != tt.code || got.Get("Content-Encoding") != tt.enc {
				t.Errorf("%s: %d %q; want %d %q", what, code, got.Get("Content-Encoding"), tt.code, tt.enc)
				continue
			}
			if tt.enc == "br" && string(body) != "BROTLI-BYTES" {
				t.Errorf("%s: sidecar not served as it is: %q", what, body)
			} else if tt.enc != "br" && tt.body != "" && decode(t, tt.enc, body) != tt.body {
				t.Errorf("%s: body %.40q", what, body)
			}
			if (got.Get("Vary") == "Accept-Encoding") != tt.vary {
				t.Errorf("%s: Vary %q; want it: %v", what, got.Get("Vary"), tt.vary)
			}
			if code == 200 && got.Get("Content-Type") != contentType(strings.TrimSuffix(tt.target, ".gz")) {
				t.Errorf("%s: Content-Type %q", what, got.Get("Content-Type"))
			}
		}
	}
}

// TestEncodingETags: each representation has its own ETag, and
// preconditions and Range apply to the one chosen.
func TestEncodingETags(t *testing.T) {
	dir := encodingSite(t)
	h := newDirHandler(t, dir, Config{Precompressed: true, Compress: &compress.Config{}})
	tags := map[string]string{}
	for _, ae := range []string{"", "gzip", "br", "zstd"} {
		_, got, _ := serve(h, request{"GET", "/page.html", hdr("Accept-Encoding", ae)}).Result()
		tag := got.Get("ETag")
		if tag == "" {
			t.Fatalf("%q: no ETag", ae)
		}
		for other, ot := range tags {
			if ot == tag {
				t.Errorf("ETag %s for both %q and %q", tag, ae, other)
			}
		}
		tags[ae] = tag
	}
	if !strings.HasPrefix(tags["zstd"], "W/") || strings.HasPrefix(tags["gzip"], "W/") {
		t.Errorf("on-the-fly form's tag %s should be weak, sidecar's %s strong", tags["zstd"], tags["gzip"])
	}
	// 304 for the representation's own tag, with Vary.
	check(t, "gzip 304", serve(h, request{"GET", "/page.html", hdr("Accept-Encoding", "gzip", "If-None-Match", tags["gzip"])}),
		want{code: 304, header: map[string]string{"Vary": "Accept-Encoding", "ETag": tags["gzip"]}})
	// Another representation's tag does not match.
	if code, _, _ := serve(h, request{"GET", "/page.html", hdr("Accept-Encoding", "gzip", "If-None-Match", tags[""])}).Result(); code != 200 {
		t.Errorf("identity tag matched the gzip form: %d", code)
	}
	// Range on a sidecar: bytes of the sidecar.
	check(t, "br range", serve(h, request{"GET", "/page.html", hdr("Accept-Encoding", "br", "Range", "bytes=0-5")}),
		want{code: 206, header: map[string]string{"Content-Encoding": "br", "Content-Range": "bytes 0-5/12", "Vary": "Accept-Encoding"}, body: "BROTLI"})
	// Range with only an on-the-fly form acceptable: identity bytes.
	check(t, "zstd range", serve(h, request{"GET", "/page.html", hdr("Accept-Encoding", "zstd", "Range", "bytes=0-8")}),
		want{code: 206, header: map[string]string{"Content-Encoding": absent, "Vary": "Accept-Encoding"}, body: page[:9]})
}

// TestEncodingsRevalidate: a sidecar that appears, changes or goes is
// seen at the next validation.
func TestEncodingsRevalidate(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.txt", strings.Repeat("a", 2000), past)
	h := newDirHandler(t, dir, Config{Precompressed: true, CacheValidity: -1})
	ae := hdr("Accept-Encoding", "gzip")
	if _, got, _ := serve(h, request{"GET", "/a.txt", ae}).Result(); got.Has("Content-Encoding") || got.Has("Vary") {
		t.Fatalf("no sidecar yet: %v", got)
	}
	writeFile(t, dir, "a.txt.gz", "GZ", past.Add(time.Second))
	check(t, "appeared", serve(h, request{"GET", "/a.txt", ae}), want{code: 200, header: map[string]string{"Content-Encoding": "gzip"}, body: "GZ"})
	writeFile(t, dir, "a.txt.gz", "GZ2", past.Add(2*time.Second))
	check(t, "changed", serve(h, request{"GET", "/a.txt", ae}), want{code: 200, body: "GZ2"})
	// The original edited after its sidecar: the sidecar is stale.
	writeFile(t, dir, "a.txt", "new", past.Add(3*time.Second))
	check(t, "stale", serve(h, request{"GET", "/a.txt", ae}), want{code: 200, header: map[string]string{"Content-Encoding": absent}, body: "new"})
}

// TestCompressedHitAllocs: a cached compressed hit costs no
// allocation, as an identity hit does.
func TestCompressedHitAllocs(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "page.html", page, past)
	h := newDirHandler(t, dir, Config{Compress: &compress.Config{}, CacheValidity: time.Hour})
	for _, ae := range []string{"gzip", "br", "zstd", "gzip, deflate, br, zstd", ""} {
		r := wharftest.NewRequest("GET", "/page.html")
		if ae != "" {
			r.Header.Add("Accept-Encoding", ae)
		}
		w := &discardWriter{header: make(wharf.Header, 0, 8)}
		h.ServeHTTP(w, r) // fills the cache and makes the form
		allocs := testing.AllocsPerRun(100, func() {
			w.header, w.code, w.n = w.header[:0], 0, 0
			h.ServeHTTP(w, r)
		})
		if w.code != 200 || allocs != 0 {
			t.Errorf("[%s]: %d, %v allocations; want 200, 0", ae, w.code, allocs)
		}
	}
}

func TestCompressedHead(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "page.html", page, past)
	h := newDirHandler(t, dir, Config{Compress: &compress.Config{}})
	_, get, gbody := serve(h, request{"GET", "/page.html", hdr("Accept-Encoding", "gzip")}).Result()
	_, head, hbody := serve(h, request{"HEAD", "/page.html", hdr("Accept-Encoding", "gzip")}).Result()
	if len(hbody) != 0 {
		t.Errorf("HEAD body %d bytes", len(hbody))
	}
	for _, f := range []string{"Content-Encoding", "Content-Length", "ETag", "Vary", "Content-Type"} {
		if get.Get(f) != head.Get(f) {
			t.Errorf("%s: GET %q, HEAD %q", f, get.Get(f), head.Get(f))
		}
	}
	if get.Get("Content-Length") != strconv.Itoa(len(gbody)) {
		t.Errorf("Content-Length %s for %d bytes", get.Get("Content-Length"), len(gbody))
	}
}

// TestStreamCompressed: a file too large for the cache is compressed
// as it is sent, without a Content-Length.
func TestStreamCompressed(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("<p>a large page</p>\n", 10000)
	writeFile(t, dir, "big.html", big, past)
	h := newDirHandler(t, dir, Config{Compress: &compress.Config{}, CacheMaxFileSize: 1000})
	for _, enc := range []string{"gzip", "br", "zstd"} {
		code, got, body := serve(h, request{"GET", "/big.html", hdr("Accept-Encoding", enc)}).Result()
		if code != 200 || got.Get("Content-Encoding") != enc || got.Has("Content-Length") || !strings.HasPrefix(got.Get("ETag"), "W/") {
			t.Fatalf("%s: %d %v", enc, code, got)
		}
		if decode(t, enc, body) != big || len(body) >= len(big)/4 {
			t.Errorf("%s: %d bytes do not decode to the page", enc, len(body))
		}
	}
	// A Range gets identity bytes, with sendfile's path.
	check(t, "range", serve(h, request{"GET", "/big.html", hdr("Accept-Encoding", "gzip", "Range", "bytes=20-39")}),
		want{code: 206, header: map[string]string{"Content-Encoding": absent, "Content-Range": "bytes 20-39/200000"}, body: big[20:40]})

	// An acceptable sidecar wins over an on-the-fly coding the client
	// ranks higher: it goes out with sendfile.
	writeFile(t, dir, "big.html.gz", "GZ-SIDECAR", past.Add(time.Second))
	h = newDirHandler(t, dir, Config{Compress: &compress.Config{}, Precompressed: true, CacheMaxFileSize: 1000})
	check(t, "sidecar first", serve(h, request{"GET", "/big.html", hdr("Accept-Encoding", "br, zstd, gzip;q=0.5")}),
		want{code: 200, header: map[string]string{"Content-Encoding": "gzip", "Content-Length": "10"}, body: "GZ-SIDECAR"})
	code, got, body := serve(h, request{"GET", "/big.html", hdr("Accept-Encoding", "zstd, gzip;q=0")}).Result()
	if code != 200 || got.Get("Content-Encoding") != "zstd" || decode(t, "zstd", body) != big {
		t.Errorf("no sidecar acceptable: %d %q", code, got.Get("Content-Encoding"))
	}
}
