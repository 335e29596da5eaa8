package fileserver

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/wharftest"
)

// tick is the CacheValidity of tests that wait for revalidation. They
// advance the cache's clock past it (advance) instead of waiting, so it
// is long: no entry becomes due on its own while a slow test runs.
const tick = time.Minute

// advance moves h's cache clock d forward, as if d had passed: entries
// due within d become due. The clock is the time since the cache's
// epoch, so moving the epoch back advances it, and the tests wait for
// revalidation without sleeping. Call it while no request is served.
func advance(h *Handler, d time.Duration) {
	h.cache.epoch = h.cache.epoch.Add(-d)
}

// past is a modification time old enough that entries are not racy.
var past = time.Now().Add(-time.Hour).Truncate(time.Second)

func newDirHandler(t testing.TB, dir string, cfg Config) *Handler {
	t.Helper()
	h, err := NewDir(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// writeFile writes data to dir/name with modification time mtime.
func writeFile(t testing.TB, dir, name, data string, mtime time.Time) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

// replaceFile replaces dir/name atomically (a new inode, by rename),
// as deployments do.
func replaceFile(t testing.TB, dir, name, data string, mtime time.Time) {
	t.Helper()
	tmp := name + ".tmp"
	writeFile(t, dir, tmp, data, mtime)
	if err := os.Rename(filepath.Join(dir, tmp), filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// get serves GET target and returns the status, header and body.
func get(h *Handler, target string, kv ...string) (int, wharf.Header, string) {
	code, hdr, body := serve(h, request{"GET", target, hdr(kv...)}).Result()
	return code, hdr, string(body)
}

func wantBody(t *testing.T, h *Handler, target string, code int, body string) wharf.Header {
	t.Helper()
	gotCode, hdr, gotBody := get(h, target)
	if gotCode != code || gotBody != body {
		t.Fatalf("GET %s: %d %.60q; want %d %.60q", target, gotCode, gotBody, code, body)
	}
	if code == 200 && hdr.Get("Content-Length") != strconv.Itoa(len(body)) {
		t.Fatalf("GET %s: Content-Length %q for %d bytes", target, hdr.Get("Content-Length"), len(body))
	}
	return hdr
}

func TestCacheServesFromMemory(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.txt", "one", past)
	writeFile(t, dir, "index.html", "home", past)
	writeFile(t, dir, "sub/index.html", "sub", past)
	h := newDirHandler(t, dir, Config{CacheValidity: time.Hour})

	h1 := wantBody(t, h, "/a.txt", 200, "one")
	wantBody(t, h, "/", 200, "home")
	wantBody(t, h, "/sub/", 200, "sub")
	wantBody(t, h, "/sub", 301, "") // redirects are not cached
	for _, key := range []string{"/a.txt", "/", "/sub/"} {
		if h.cache.lookup(key) == nil {
			t.Errorf("%s not cached", key)
		}
	}
	if n := h.cache.len(); n != 3 {
		t.Errorf("%d entries; want 3", n)
	}

	// Within CacheValidity the file system is not looked at: a change
	// (even a deletion) is not seen yet. This is the documented
	// contract, not a wish.
	replaceFile(t, dir, "a.txt", "two", past.Add(time.Second))
	h2 := wantBody(t, h, "/a.txt", 200, "one")
	if h1.Get("ETag") != h2.Get("ETag") || h1.Get("ETag") == "" {
		t.Errorf("ETag %q then %q", h1.Get("ETag"), h2.Get("ETag"))
	}
	os.Remove(filepath.Join(dir, "a.txt"))
	wantBody(t, h, "/a.txt", 200, "one")

	// The same entry serves an encoded path that decodes to its key,
	// HEAD, and conditional requests.
	wantBody(t, h, "/%61.txt", 200, "one")
	check(t, "HEAD", serve(h, request{"HEAD", "/a.txt", nil}), want{code: 200, header: map[string]string{
		"Content-Length": "3", "ETag": h1.Get("ETag"), "Content-Type": "text/plain; charset=utf-8"}})
	check(t, "If-None-Match", serve(h, request{"GET", "/a.txt", hdr("If-None-Match", h1.Get("ETag"))}),
		notModified(h1.Get("ETag"), h1.Get("Last-Modified")))
	check(t, "If-Modified-Since", serve(h, request{"GET", "/a.txt", hdr("If-Modified-Since", h1.Get("Last-Modified"))}),
		notModified(h1.Get("ETag"), h1.Get("Last-Modified")))
	check(t, "If-Match", serve(h, request{"GET", "/a.txt", hdr("If-Match", `"other"`)}), failed)
}

func TestCacheRevalidation(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.txt", "one", past)
	h := newDirHandler(t, dir, Config{CacheValidity: tick})
	h1 := wantBody(t, h, "/a.txt", 200, "one")
	e1 := h.cache.lookup("/a.txt")

	// Unchanged: the entry is kept after revalidation.
	advance(h, 2*tick)
	wantBody(t, h, "/a.txt", 200, "one")
	if e := h.cache.lookup("/a.txt"); e != e1 {
		t.Errorf("unchanged file re-read")
	}

	// Rewritten in place, new content and modification time.
	writeFile(t, dir, "a.txt", "two!", past.Add(time.Second))
	advance(h, 2*tick)
	h2 := wantBody(t, h, "/a.txt", 200, "two!")
	if h2.Get("ETag") == h1.Get("ETag") {
		t.Errorf("ETag unchanged: %q", h2.Get("ETag"))
	}

	// Same size and same modification time, but a new file (renamed
	// over the old one): the inode tells.
	replaceFile(t, dir, "a.txt", "TWO!", past.Add(time.Second))
	advance(h, 2*tick)
	wantBody(t, h, "/a.txt", 200, "TWO!")

	// A mode change is a change (it may make the file unreadable).
	e2 := h.cache.lookup("/a.txt")
	if err := os.Chmod(filepath.Join(dir, "a.txt"), 0o600); err != nil {
		t.Fatal(err)
	}
	advance(h, 2*tick)
	wantBody(t, h, "/a.txt", 200, "TWO!")
	if e := h.cache.lookup("/a.txt"); e == e2 {
		t.Errorf("chmod not noticed")
	}

	// Deleted: 404, and the entry is gone.
	if err := os.Remove(filepath.Join(dir, "a.txt")); err != nil {
		t.Fatal(err)
	}
	advance(h, 2*tick)
	wantBody(t, h, "/a.txt", 404, defaultNotFoundPage)
	if h.cache.lookup("/a.txt") != nil || h.cache.len() != 0 || h.cache.total.Load() != 0 {
		t.Errorf("deleted file still cached (%d entries, %d bytes)", h.cache.len(), h.cache.total.Load())
	}

	// Back, as a directory: the uncached path redirects.
	writeFile(t, dir, "a.txt/index.html", "dir", past)
	wantBody(t, h, "/a.txt", 301, "")
	wantBody(t, h, "/a.txt/", 200, "dir")
}

func TestCacheDirectoryIndex(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "sub/index.html", "v1", past)
	h := newDirHandler(t, dir, Config{CacheValidity: tick})
	wantBody(t, h, "/sub/", 200, "v1")
	writeFile(t, dir, "sub/index.html", "v22", past.Add(time.Second))
	advance(h, 2*tick)
	wantBody(t, h, "/sub/", 200, "v22")

	// The directory becomes a file: "/sub/" names no directory any
	// more.
	if err := os.RemoveAll(filepath.Join(dir, "sub")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "sub", "file", past)
	advance(h, 2*tick)
	wantBody(t, h, "/sub/", 404, defaultNotFoundPage)
	wantBody(t, h, "/sub", 200, "file")
}

func TestCacheSymlinkRetargeted(t *testing.T) {
	site, secret := makeSite(t, t.TempDir())
	h := newDirHandler(t, site, Config{CacheValidity: tick})
	wantBody(t, h, "/link-in", 200, "hello")
	wantBody(t, h, "/dirlink-in/page.html", 200, "page")

	// Point both links out of the root: the cache must drop them, as
	// the uncached path refuses them.
	for name, target := range map[string]string{"link-in": "../secret.txt", "dirlink-in": "../outside"} {
		p := filepath.Join(site, name)
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	advance(h, 2*tick)
	for _, target := range []string{"/link-in", "/dirlink-in/other.txt", "/dirlink-in/page.html"} {
		_, _, body := get(h, target)
		if strings.Contains(body, secret) {
			t.Fatalf("%s: the secret was served", target)
		}
		wantBody(t, h, target, 404, defaultNotFoundPage)
	}
}

func TestCacheRacyEntry(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "fresh.txt", "fresh", time.Now())
	writeFile(t, dir, "old.txt", "old", past)
	h := newDirHandler(t, dir, Config{CacheValidity: tick})
	wantBody(t, h, "/fresh.txt", 200, "fresh")
	wantBody(t, h, "/old.txt", 200, "old")
	fresh, old := h.cache.lookup("/fresh.txt"), h.cache.lookup("/old.txt")
	if !fresh.racy || old.racy {
		t.Fatalf("racy: fresh %v, old %v", fresh.racy, old.racy)
	}
	// A racy entry is re-read when its validity ends, even though its
	// mtime and size are unchanged: a write in the same timestamp tick
	// would leave both unchanged.
	advance(h, 2*tick)
	wantBody(t, h, "/fresh.txt", 200, "fresh")
	wantBody(t, h, "/old.txt", 200, "old")
	if h.cache.lookup("/fresh.txt") == fresh {
		t.Errorf("racy entry not re-read")
	}
	if h.cache.lookup("/old.txt") != old {
		t.Errorf("settled entry re-read")
	}
}

// srcRecorder records the type of the reader given to ReadFrom.
type srcRecorder struct {
	discardWriter
	src string
}

func (w *srcRecorder) ReadFrom(src io.Reader) (int64, error) {
	w.src = fmt.Sprintf("%T", src)
	return w.discardWriter.ReadFrom(src)
}

func TestCacheLargeFile(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("x", 100)
	writeFile(t, dir, "big.txt", big, past)
	writeFile(t, dir, "small.txt", "small", past)
	h := newDirHandler(t, dir, Config{CacheMaxFileSize: 99})
	for range 2 {
		wantBody(t, h, "/big.txt", 200, big)
		wantBody(t, h, "/small.txt", 200, "small")
	}
	if h.cache.lookup("/big.txt") != nil || h.cache.lookup("/small.txt") == nil {
		t.Errorf("cached: big %v, small %v", h.cache.lookup("/big.txt") != nil, h.cache.lookup("/small.txt") != nil)
	}

	// A file that grows past the limit is dropped and streamed.
	writeFile(t, dir, "small.txt", big, past.Add(time.Second))
	h.cache.lookup("/small.txt").checkAt.Store(0) // due now
	wantBody(t, h, "/small.txt", 200, big)
	if h.cache.lookup("/small.txt") != nil {
		t.Errorf("grown file still cached")
	}

	// The streaming path hands ReadFrom the file with its descriptor
	// visible (so the server can use sendfile), with Content-Length
	// set first.
	w := &srcRecorder{discardWriter: discardWriter{header: make(wharf.Header, 0, 8)}}
	h.ServeHTTP(w, wharftest.NewRequest("GET", "/big.txt"))
	if w.src != "*fileserver.fileSection" || w.n != 100 || w.header.Get("Content-Length") != "100" {
		t.Errorf("ReadFrom got %s, %d bytes, Content-Length %q", w.src, w.n, w.header.Get("Content-Length"))
	}
}

func TestCacheDisabled(t *testing.T) {
	for _, cfg := range []Config{{CacheMaxFileSize: -1}, {CacheMaxBytes: -1}, {CacheMaxBytes: 100}} {
		if h := New(testFS(), cfg); h.cache != nil {
			t.Errorf("%+v: cache enabled", cfg)
		}
	}
	h := New(testFS(), Config{CacheMaxFileSize: -1})
	h.now = func() time.Time { return testNow }
	check(t, "uncached", serve(h, request{"GET", "/hello.txt", nil}), helloOK)
	check(t, "uncached 304", serve(h, request{"GET", "/hello.txt", hdr("If-None-Match", helloETag)}), notModified(helloETag, t0LM))

	h = New(testFS(), Config{})
	if h.cache == nil || h.cache.maxFile != 64<<10 || h.cache.maxBytes != 64<<20 || h.cache.validity != int64(time.Second) {
		t.Errorf("defaults: %+v", h.cache)
	}
	// A negative validity re-validates on every request.
	h = New(testFS(), Config{CacheValidity: -1})
	check(t, "first", serve(h, request{"GET", "/hello.txt", nil}), want{code: 200, body: "hello"})
	e := h.cache.lookup("/hello.txt")
	if e == nil || e.checkAt.Load() > h.cache.clock() {
		t.Errorf("entry %v not due at once", e)
	}
}

func TestCacheBounded(t *testing.T) {
	dir := t.TempDir()
	const files, size = 200, 100
	for i := range files {
		writeFile(t, dir, fmt.Sprintf("f%03d.txt", i), strings.Repeat(string(rune('a'+i%26)), size), past)
	}
	const maxBytes = 10 * (entryOverhead + size + 20)
	h := newDirHandler(t, dir, Config{CacheMaxBytes: maxBytes, CacheValidity: time.Hour})
	for round := range 3 {
		for i := range files {
			name := fmt.Sprintf("/f%03d.txt", i)
			wantBody(t, h, name, 200, strings.Repeat(string(rune('a'+i%26)), size))
			// A hot file, hit often, tends to stay.
			wantBody(t, h, "/f000.txt", 200, strings.Repeat("a", size))
			if total := h.cache.total.Load(); total > maxBytes {
				t.Fatalf("round %d, %s: cache holds %d bytes; limit %d", round, name, total, maxBytes)
			}
		}
	}
	var sum int64
	for i := range h.cache.shards {
		for _, e := range h.cache.shards[i].m {
			sum += e.cost
		}
	}
	if n := h.cache.len(); n < 5 || sum != h.cache.total.Load() {
		t.Errorf("%d entries of %d bytes; accounted %d", n, sum, h.cache.total.Load())
	}
	if h.cache.lookup("/f000.txt") == nil {
		t.Errorf("the hot file was evicted")
	}
}

func TestCacheConcurrent(t *testing.T) {
	dir := t.TempDir()
	version := func(i int) string { return strings.Repeat(strconv.Itoa(i%10), 1+i%7) }
	writeFile(t, dir, "index.html", version(0), past)
	writeFile(t, dir, "v.txt", version(0), past)
	h := newDirHandler(t, dir, Config{CacheValidity: time.Millisecond, CacheMaxBytes: 3 * (entryOverhead + 64)})

	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			target := []string{"/", "/v.txt", "/index.html"}[g%3]
			for {
				select {
				case <-stop:
					return
				default:
				}
				code, hdr, body := get(h, target)
				// Each answer is one whole version, and its validators
				// describe it (the ETag ends in the size).
				etag := hdr.Get("ETag")
				if code != 200 || body == "" || strings.Trim(body, body[:1]) != "" ||
					hdr.Get("Content-Length") != strconv.Itoa(len(body)) ||
					etag != "" && !strings.HasSuffix(etag, fmt.Sprintf("-%x\"", len(body))) {
					errs <- fmt.Errorf("GET %s: %d %q %q", target, code, hdr, body)
					return
				}
			}
		}()
	}
	deadline := time.Now().Add(300 * time.Millisecond)
	for i := 1; time.Now().Before(deadline); i++ {
		replaceFile(t, dir, "v.txt", version(i), past.Add(time.Duration(i)*time.Second))
		replaceFile(t, dir, "index.html", version(i), past.Add(time.Duration(i)*time.Second))
		// The behaviour under test: versions replaced over real time,
		// about once per CacheValidity, while readers revalidate.
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if total := h.cache.total.Load(); total > 3*(entryOverhead+64) || total < 0 {
		t.Errorf("cache accounts %d bytes", total)
	}
	// Settled: the last version is served once its entry is due.
	advance(h, time.Second)
	_, _, last := get(h, "/v.txt")
	_, _, onDisk := get(newDirHandler(t, dir, Config{CacheMaxFileSize: -1}), "/v.txt")
	if last != onDisk {
		t.Errorf("served %q after the writes; file holds %q", last, onDisk)
	}
}

func TestCacheClose(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.txt", "a", past)
	h := newDirHandler(t, dir, Config{CacheValidity: time.Hour})
	wantBody(t, h, "/a.txt", 200, "a")
	h.Close()
	wantBody(t, h, "/a.txt", 500, internalErrorBody)
	if h.cache.len() != 0 || h.cache.total.Load() != 0 {
		t.Errorf("cache not purged by Close")
	}
}

// TestCacheSecurity replays the security table of TestServeHTTP and
// TestNewDir twice against warm caches: an answer must not change
// once the cache holds entries.
func TestCacheSecurity(t *testing.T) {
	site, secret := makeSite(t, t.TempDir())
	h := newDirHandler(t, site, Config{CacheValidity: time.Hour})
	targets := []string{
		"/hello.txt", "/", "/index.html", "/sub/page.html", "/link-in", "/dirlink-in/page.html",
		"/link-out", "/link-abs", "/dirlink-out/other.txt", "/dirlink-out/", "/loop", "/fifo",
		"/.env", "/%2eenv", "/../secret.txt", "/%2e%2e/secret.txt", "/sub/..%2f..%2fsecret.txt",
		"/hello.txt/", "/hello.txt%00", "//hello.txt", "/sub", "/sub/", "/%68ello.txt",
	}
	first := map[string]string{}
	for round := range 3 {
		for _, target := range targets {
			rec := serve(h, request{"GET", target, nil})
			code, hdr, body := rec.Result()
			if bytes.Contains(body, []byte(secret)) {
				t.Fatalf("%s: the secret was served", target)
			}
			got := fmt.Sprintf("%d %s %s %q", code, hdr.Get("Location"), hdr.Get("ETag"), body)
			if round == 0 {
				first[target] = got
			} else if got != first[target] {
				t.Errorf("%s: %s; first answer %s", target, got, first[target])
			}
		}
	}
}

// lookup returns the entry for key without marking it used.
func (c *cache) lookup(key string) *entry {
	s := c.shard(key)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m[key]
}

// len returns the number of entries.
func (c *cache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}

func benchHandler(b *testing.B, cfg Config) *Handler {
	site, _ := makeSite(b, b.TempDir())
	return newDirHandler(b, site, cfg)
}

// benchServe serves each case to a ResponseWriter that allocates
// nothing itself, so the allocations reported are the handler's.
func benchServe(b *testing.B, h *Handler) {
	for _, bc := range []struct {
		name, target string
		header       wharf.Header
	}{
		{"file", "/hello.txt", nil},
		{"index", "/", nil},
		{"304", "/hello.txt", hdr("If-None-Match", "")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := wharftest.NewRequest("GET", bc.target)
			w := &discardWriter{header: make(wharf.Header, 0, 8)}
			h.ServeHTTP(w, r)
			if bc.header != nil {
				bc.header[0].Value = w.header.Get("ETag")
				r.Header = append(r.Header, bc.header...)
			}
			b.ReportAllocs()
			for b.Loop() {
				w.header, w.code, w.n = w.header[:0], 0, 0
				h.ServeHTTP(w, r)
			}
			if w.code != 200 && w.code != 304 {
				b.Fatalf("status %d", w.code)
			}
		})
	}
}

func BenchmarkServeCached(b *testing.B) {
	benchServe(b, benchHandler(b, Config{CacheValidity: time.Hour}))
}

func BenchmarkServeUncached(b *testing.B) {
	benchServe(b, benchHandler(b, Config{CacheMaxFileSize: -1}))
}
