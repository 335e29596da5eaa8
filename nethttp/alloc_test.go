package nethttp

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/wharftest"
)

// discardWriter is a wharf.ResponseWriter that allocates nothing: the
// adapter's own allocations, without the engine's.
type discardWriter struct {
	header  wharf.Header
	status  int
	written int
	src     io.Reader // what ReadFrom was given last
}

func (d *discardWriter) reset()                { d.header, d.status, d.written = d.header[:0], 0, 0 }
func (d *discardWriter) Header() *wharf.Header { return &d.header }
func (d *discardWriter) WriteHeader(code int)  { d.status = code }
func (d *discardWriter) Write(p []byte) (int, error) {
	d.written += len(p)
	return len(p), nil
}
func (d *discardWriter) WriteString(s string) (int, error) {
	d.written += len(s)
	return len(s), nil
}
func (d *discardWriter) Flush() error { return nil }
func (d *discardWriter) ReadFrom(src io.Reader) (int64, error) {
	d.src = src
	n, err := io.Copy(io.Discard, src)
	d.written += int(n)
	return n, err
}

var helloBody = []byte("Hello, World!")

// plaintext is the handler of the benchmark's /plaintext: what
// bench/servers/nethttp serves.
var plaintext = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Write(helloBody)
})

// browserHeader is the header of a browser's page request.
var browserHeader = wharf.Header{
	{Name: "Host", Value: "localhost:7878"},
	{Name: "Connection", Value: "keep-alive"},
	{Name: "Cache-Control", Value: "max-age=0"},
	{Name: "Upgrade-Insecure-Requests", Value: "1"},
	{Name: "User-Agent", Value: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"},
	{Name: "Accept", Value: "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"},
	{Name: "Accept-Encoding", Value: "gzip, deflate, br, zstd"},
	{Name: "Accept-Language", Value: "en-US,en;q=0.9"},
	{Name: "If-Modified-Since", Value: "Wed, 25 Nov 2026 10:00:00 GMT"},
}

// adapterAllocs are the allocations the adapter makes per request
// (the engine adds its one, the exchange; see the package doc):
//
//   - wrk: the adapter's exchange (the http.Request in it), the
//     request header map (empty: Host is not in it) and the []string
//     of the one value the handler sets (Content-Type); the response
//     header map comes from a pool;
//   - browser: the same, and the request map's group for its 8 names.
var adapterAllocs = []struct {
	name   string
	header wharf.Header
	max    float64
}{
	{"wrk", wharf.Header{{Name: "Host", Value: "127.0.0.1:7878"}}, 3},
	{"browser", browserHeader, 4},
}

// releasingAllocs are the allocations per request for the same
// handler when it promises to keep nothing (releasingPlaintext): the
// []string of the one value it sets; the exchange and the request
// header map are pooled (and the engine reuses its own exchange).
var releasingAllocs = map[string]float64{"wrk": 1, "browser": 1}

// releasingPlaintext is plaintext with the promise of a
// wharf.RequestReleaser.
type releasingPlaintext struct{ http.HandlerFunc }

func (releasingPlaintext) ReleasesRequest() {}

// plaintextRequest returns the wrapped plaintext handler (marked as a
// releaser if releasing), a request for it with header, and a writer.
func plaintextRequest(header wharf.Header, releasing bool) (wharf.Handler, *wharf.Request, *discardWriter) {
	r := wharftest.NewRequest("GET", "/plaintext")
	r.Header = header
	var h http.Handler = plaintext
	if releasing {
		h = releasingPlaintext{plaintext}
	}
	return Wrap(h), r, &discardWriter{}
}

func TestAllocsPerRequest(t *testing.T) {
	for _, tc := range adapterAllocs {
		t.Run(tc.name, func(t *testing.T) {
			testAllocs(t, tc.name, tc.header, false, tc.max)
		})
	}
}

// A handler that promises to keep nothing (ReleasesRequest) has its
// exchange and request header map pooled, and Wrap's handler is a
// wharf.RequestReleaser, so the engine reuses its own exchange too.
// (Kept apart from TestAllocsPerRequest, whose log bench/run reports.)
func TestAllocsReleasing(t *testing.T) {
	for _, tc := range adapterAllocs {
		t.Run(tc.name, func(t *testing.T) {
			testAllocs(t, tc.name, tc.header, true, releasingAllocs[tc.name])
		})
	}
}

func testAllocs(t *testing.T, name string, header wharf.Header, releasing bool, max float64) {
	h, r, w := plaintextRequest(header, releasing)
	if _, ok := h.(wharf.RequestReleaser); ok != releasing {
		t.Fatalf("Wrap's handler is a wharf.RequestReleaser: %v, want %v", ok, releasing)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		w.reset()
		h.ServeHTTP(w, r)
	})
	if w.status != 200 || w.written != len(helloBody) {
		t.Fatalf("answer: %d, %d bytes", w.status, w.written)
	}
	if releasing {
		t.Logf("%s: %.1f allocations per request (the engine adds none: it reuses its exchange)", name, allocs)
	} else {
		t.Logf("%s: %.1f allocations per request in the adapter", name, allocs)
	}
	if raceEnabled {
		return // pooled maps and exchanges are dropped at random
	}
	if allocs > max {
		t.Errorf("%.1f allocations per request, want at most %.0f", allocs, max)
	}
}

// An exchange stays in the 768-byte size class, counting the 8-byte
// header the allocator adds to objects of more than 512 bytes with
// pointers.
func TestExchangeSize(t *testing.T) {
	if n := unsafe.Sizeof(exchange{}) + 8; n > 768 {
		t.Errorf("exchange: %d bytes with the allocator's header, want at most 768", n)
	}
}

// A handler that sets no Content-Type has its body's first bytes held
// in a pooled buffer to sniff the type: no allocation beyond the
// exchange and the request's header map.
func TestAllocsSniffed(t *testing.T) {
	h := Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(helloBody)
	}))
	r := wharftest.NewRequest("GET", "/hello")
	w := &discardWriter{}
	allocs := testing.AllocsPerRun(1000, func() {
		w.reset()
		h.ServeHTTP(w, r)
	})
	if w.written != len(helloBody) || w.header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("answer: %d bytes, %v", w.written, w.header)
	}
	if allocs > 2 && !raceEnabled {
		t.Errorf("%.1f allocations per request, want at most 2", allocs)
	}
}

// ServeContent's file body reaches the engine's ReadFrom as a limited
// file it can send with sendfile(2).
func TestReadFromShowsFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f.txt")
	os.WriteFile(p, []byte(strings.Repeat("z", 10000)), 0o644)
	h := Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, p)
	}))
	for _, rng := range []string{"", "bytes=100-9099"} {
		r := wharftest.NewRequest("GET", "/f.txt")
		if rng != "" {
			r.Header = append(r.Header, wharf.Field{Name: "Range", Value: rng})
		}
		w := &discardWriter{}
		h.ServeHTTP(w, r)
		if _, ok := w.src.(fileLike); !ok {
			t.Errorf("range %q: ReadFrom got %T, want a file the engine can send", rng, w.src)
		}
		if want := map[string]int{"": 10000, "bytes=100-9099": 9000}[rng]; w.written != want {
			t.Errorf("range %q: %d bytes, want %d", rng, w.written, want)
		}
	}
}

func BenchmarkWrapPlaintext(b *testing.B) {
	for _, tc := range adapterAllocs {
		for _, releasing := range []bool{false, true} {
			name := tc.name
			if releasing {
				name += "-releasing"
			}
			b.Run(name, func(b *testing.B) {
				h, r, w := plaintextRequest(tc.header, releasing)
				b.ReportAllocs()
				for b.Loop() {
					w.reset()
					h.ServeHTTP(w, r)
				}
			})
		}
	}
}
