package nethttp

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

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

// plaintextRequest returns the wrapped plaintext handler, a request
// for it with header, and a writer.
func plaintextRequest(header wharf.Header) (wharf.Handler, *wharf.Request, *discardWriter) {
	r := wharftest.NewRequest("GET", "/plaintext")
	r.Header = header
	return Wrap(plaintext), r, &discardWriter{}
}

func TestAllocsPerRequest(t *testing.T) {
	for _, tc := range adapterAllocs {
		t.Run(tc.name, func(t *testing.T) {
			h, r, w := plaintextRequest(tc.header)
			allocs := testing.AllocsPerRun(1000, func() {
				w.reset()
				h.ServeHTTP(w, r)
			})
			if w.status != 200 || w.written != len(helloBody) {
				t.Fatalf("answer: %d, %d bytes", w.status, w.written)
			}
			t.Logf("%s: %.1f allocations per request in the adapter", tc.name, allocs)
			if allocs > tc.max {
				t.Errorf("%.1f allocations per request, want at most %.0f", allocs, tc.max)
			}
		})
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
	if allocs > 2 {
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
		b.Run(tc.name, func(b *testing.B) {
			h, r, w := plaintextRequest(tc.header)
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, r)
			}
		})
	}
}
