package fileserver

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wharfhttp/wharf/compress"
)

// countingFS counts the files opened.
type countingFS struct {
	fs.StatFS
	opens atomic.Int32
}

func (c *countingFS) Open(name string) (fs.File, error) {
	c.opens.Add(1)
	return c.StatFS.Open(name)
}

// patterned returns n bytes in which every 8-byte word says its offset,
// so that a range from the wrong place cannot pass for the right one.
func patterned(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i += 8 {
		fmt.Fprintf(&b, "%07x\n", i)
	}
	return b.String()[:n]
}

func TestOpenFilesKeepsLargeFilesOpen(t *testing.T) {
	dir := t.TempDir()
	big := patterned(200 << 10)
	writeFile(t, dir, "big.bin", big, past)
	cfs := &countingFS{StatFS: os.DirFS(dir).(fs.StatFS)}
	h := New(cfs, Config{CacheValidity: time.Hour})
	defer h.Close()
	for i := range 5 {
		wantBody(t, h, "/big.bin", 200, big)
		check(t, "range", serve(h, request{"GET", "/big.bin", hdr("Range", "bytes=1000-1999")}),
			want{code: 206, body: big[1000:2000]})
		if i == 0 && cfs.opens.Load() != 1 {
			t.Fatalf("opens after the first request: %d", cfs.opens.Load())
		}
	}
	if n := cfs.opens.Load(); n != 1 {
		t.Errorf("%d opens for 10 requests; want 1 (the open-file cache)", n)
	}
	// Close releases it, and requests after it open the file again.
	h.Close()
	if len(h.files.m) != 0 {
		t.Errorf("%d files still open after Close", len(h.files.m))
	}
}

// TestOpenFilesRevalidate: a replaced large file is seen after
// CacheValidity, and the old descriptor is closed once unused.
func TestOpenFilesRevalidate(t *testing.T) {
	dir := t.TempDir()
	old, new := patterned(100<<10), strings.ToUpper(patterned(120<<10))
	writeFile(t, dir, "v.bin", old, past)
	h := newDirHandler(t, dir, Config{CacheValidity: -1})
	wantBody(t, h, "/v.bin", 200, old)
	of := h.files.get("/v.bin")
	if of == nil {
		t.Fatal("not kept open")
	}
	of.release()
	replaceFile(t, dir, "v.bin", new, past.Add(time.Second))
	wantBody(t, h, "/v.bin", 200, new)
	if of.refs.Load() != 0 {
		t.Errorf("the replaced file's descriptor has %d references", of.refs.Load())
	}
	if _, err := of.f.Stat(); err == nil {
		t.Error("the replaced file's descriptor is still open")
	}
}

// TestOpenFilesConcurrentRanges: requests sharing one descriptor each
// get their own bytes, through the server's sendfile path.
func TestOpenFilesConcurrentRanges(t *testing.T) {
	dir := t.TempDir()
	big := patterned(1 << 20)
	writeFile(t, dir, "big.bin", big, past)
	h := newDirHandler(t, dir, Config{})
	url := startServer(t, h)
	client := &http.Client{}
	defer client.CloseIdleConnections()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				start := (g*20 + i) * 4099 % (len(big) - 70000)
				end := start + 65536 + g
				req, _ := http.NewRequest("GET", url+"/big.bin", nil)
				req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", start, end))
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 206 || !bytes.Equal(body, []byte(big[start:end+1])) {
					t.Errorf("range %d-%d: %d, %d bytes, wrong content", start, end, resp.StatusCode, len(body))
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestOpenFilesAnswerFields: the header values an open file's answers
// carry, worked out once when the file is opened, are those the
// uncached path gives; a Last-Modified in the future (sent as now)
// follows the clock, and a large text file compressed as it is sent
// has the weak ETag its cached form would have (the identity tag with
// the coding).
func TestOpenFilesAnswerFields(t *testing.T) {
	dir := t.TempDir()
	big := patterned(100 << 10)
	future := time.Now().Add(time.Hour).Truncate(time.Second)
	writeFile(t, dir, "future.bin", big, future)
	writeFile(t, dir, "big.txt", big, past)
	h := newDirHandler(t, dir, Config{CacheMaxFileSize: 1 << 10, Compress: &compress.Config{}})
	now := future.Add(-time.Minute)
	h.now = func() time.Time { return now }
	first := serve(h, request{"GET", "/future.bin", hdr("Range", "bytes=10-19")})
	if of := h.files.get("/future.bin"); of == nil {
		t.Fatal("future.bin not kept open")
	} else {
		of.release()
	}
	for i := range 2 {
		now = now.Add(time.Duration(i) * time.Second)
		rec := serve(h, request{"GET", "/future.bin", hdr("Range", "bytes=10-19")})
		check(t, "future.bin", rec, want{code: 206, header: map[string]string{
			"Content-Range":  "bytes 10-19/" + strconv.Itoa(len(big)),
			"Content-Length": "10",
			"Content-Type":   defaultType,
			"Last-Modified":  now.UTC().Format(timeFormat),
			"ETag":           first.Header().Get("ETag"),
			"Vary":           absent,
		}, body: big[10:20]})
	}

	id := serve(h, request{"GET", "/big.txt", nil})
	etag := id.Header().Get("ETag")
	if etag == "" || !strings.HasPrefix(etag, `"`) {
		t.Fatalf("big.txt: ETag %q", etag)
	}
	for range 2 { // uncached, then from the open-file cache
		rec := serve(h, request{"HEAD", "/big.txt", hdr("Accept-Encoding", "gzip")})
		check(t, "big.txt gzip", rec, want{code: 200, header: map[string]string{
			"Content-Encoding": "gzip",
			"ETag":             weakETag(etag, compress.Gzip),
			"Vary":             "Accept-Encoding",
			"Last-Modified":    past.UTC().Format(timeFormat),
		}})
	}
}

// TestOpenFilesKeepSidecarsOpen: a large file's sidecars are kept
// open with it, and answered (whole, by range, over a real connection
// with sendfile) with the bytes and header values the path without the
// open-file cache gives, opening nothing more.
func TestOpenFilesKeepSidecarsOpen(t *testing.T) {
	dir := t.TempDir()
	big, gz, br := patterned(100<<10), "GZ"+patterned(30<<10), "BR"+patterned(20<<10)
	writeFile(t, dir, "big.js", big, past)
	writeFile(t, dir, "big.js.gz", gz, past)
	writeFile(t, dir, "big.js.br", br, past.Add(time.Second))
	cfs := &countingFS{StatFS: os.DirFS(dir).(fs.StatFS)}
	h := New(cfs, Config{Precompressed: true, CacheValidity: time.Hour})
	defer h.Close()
	plain := New(os.DirFS(dir), Config{Precompressed: true, CacheMaxFileSize: -1})
	reqs := []struct {
		req  request
		code int
		body string
	}{
		{request{"GET", "/big.js", hdr("Accept-Encoding", "gzip")}, 200, gz},
		{request{"GET", "/big.js", hdr("Accept-Encoding", "br, gzip")}, 200, br},
		{request{"GET", "/big.js", hdr("Accept-Encoding", "gzip", "Range", "bytes=10-19")}, 206, gz[10:20]},
		{request{"HEAD", "/big.js", hdr("Accept-Encoding", "br")}, 200, ""},
		{request{"GET", "/big.js", nil}, 200, big},
	}
	fields := []string{"Content-Type", "Content-Encoding", "Content-Length", "Content-Range", "ETag", "Last-Modified", "Vary", "Accept-Ranges"}
	for round := range 3 {
		for _, rq := range reqs {
			code, got, body := serve(h, rq.req).Result()
			_, want, _ := serve(plain, rq.req).Result()
			if code != rq.code || string(body) != rq.body {
				t.Fatalf("%v: %d, %d bytes; want %d, %d bytes", rq.req.header, code, len(body), rq.code, len(rq.body))
			}
			for _, f := range fields {
				if got.Get(f) != want.Get(f) {
					t.Errorf("%v: %s %q; without the open-file cache %q", rq.req.header, f, got.Get(f), want.Get(f))
				}
			}
		}
		if n := cfs.opens.Load(); n != 3 {
			t.Fatalf("round %d: %d opens; want 3 (the file and its two sidecars, once)", round, n)
		}
	}
	if h.files.fds != 3 {
		t.Errorf("the open-file cache counts %d descriptors; want 3", h.files.fds)
	}

	// Through a server, which sends the sidecar from the held descriptor.
	d := newDirHandler(t, dir, Config{Precompressed: true})
	url := startServer(t, d)
	client := &http.Client{}
	defer client.CloseIdleConnections()
	for range 3 {
		req, _ := http.NewRequest("GET", url+"/big.js", nil)
		req.Header.Set("Accept-Encoding", "gzip") // set by hand: the client leaves the body as it is
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" || string(body) != gz {
			t.Fatalf("over a connection: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Encoding"), len(body))
		}
	}
}

// TestOpenFilesSidecarReplaced: a replaced sidecar is served once the
// entry is validated again, and the old one's descriptor is closed.
func TestOpenFilesSidecarReplaced(t *testing.T) {
	dir := t.TempDir()
	big := patterned(100 << 10)
	writeFile(t, dir, "big.js", big, past)
	writeFile(t, dir, "big.js.gz", "old", past)
	h := newDirHandler(t, dir, Config{Precompressed: true, CacheValidity: -1})
	gzip := request{"GET", "/big.js", hdr("Accept-Encoding", "gzip")}
	check(t, "old", serve(h, gzip), want{code: 200, body: "old"})
	of := h.files.get("/big.js")
	if of == nil || of.res.open[compress.Gzip] == nil {
		t.Fatal("the sidecar is not kept open")
	}
	old := of.res.open[compress.Gzip].f
	of.release()
	replaceFile(t, dir, "big.js.gz", "new!", past.Add(time.Second))
	check(t, "new", serve(h, gzip), want{code: 200, body: "new!"})
	if _, err := old.Stat(); err == nil {
		t.Error("the replaced sidecar's descriptor is still open")
	}
	h.Close()
	if h.files.fds != 0 {
		t.Errorf("%d descriptors counted after Close", h.files.fds)
	}
}
