package fileserver

import (
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/compress"
	"github.com/wharfhttp/wharf/wharftest"
)

// sendfileWriter is a ResponseWriter whose ReadFrom does what the
// server's does with a file body, without sending it: it asks for the
// offset, the FileInfo and a hold on the descriptor (as newFileSend
// does), releases the hold, and counts the length it was told. So the
// allocations and time reported for a large file are the handler's.
type sendfileWriter struct {
	discardWriter
}

func (w *sendfileWriter) ReadFrom(src io.Reader) (int64, error) {
	w.WriteHeader(200)
	fo, ok1 := src.(interface{ FileOffset() int64 })
	st, ok2 := src.(interface{ Stat() (os.FileInfo, error) })
	if !ok1 || !ok2 {
		return w.discardWriter.ReadFrom(src)
	}
	_ = fo.FileOffset()
	if _, err := st.Stat(); err != nil {
		return 0, err
	}
	if hf, ok := src.(interface{ HoldFile() io.Closer }); ok {
		if c := hf.HoldFile(); c != nil {
			c.Close()
		}
	}
	n := w.header.Get("Content-Length")
	var total int64
	for i := 0; i < len(n); i++ {
		total = total*10 + int64(n[i]-'0')
	}
	w.n += total
	return total, nil
}

// benchSite writes a 10 MB file (large.bin, above the cache's file
// limit: served from the open-file cache with sendfile) and a 20 KB
// page with a .gz sidecar (static.html, cached), as bench/run's
// range10m and gzstatic scenarios serve them.
func benchSite(b *testing.B) string {
	dir := b.TempDir()
	mtime := time.Now().Add(-time.Hour)
	writeFile(b, dir, "large.bin", strings.Repeat("0123456789abcdef", 10<<20/16), mtime)
	page := strings.Repeat("<p>some text of a page</p>\n", 20480/27)
	writeFile(b, dir, "static.html", page, mtime)
	gz, err := compress.Encode(nil, compress.Gzip, []byte(page))
	if err != nil {
		b.Fatal(err)
	}
	writeFile(b, dir, "static.html.gz", string(gz), mtime)
	return dir
}

// BenchmarkRange serves bench/run's range and sidecar requests with
// the command's configuration (-compress -precompressed).
func BenchmarkRange(b *testing.B) {
	h := newDirHandler(b, benchSite(b), Config{Precompressed: true, Compress: &compress.Config{}})
	for _, bc := range []struct {
		name, target string
		header       wharf.Header
		code         int
		n            int64
	}{
		{"64k", "/large.bin", hdr("Range", "bytes=1048576-1114111"), 206, 65536},
		{"1m", "/large.bin", hdr("Range", "bytes=1048576-2097151"), 206, 1 << 20},
		{"whole", "/large.bin", nil, 200, 10 << 20},
		{"gzstatic", "/static.html", hdr("Accept-Encoding", "gzip"), 200, -1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := wharftest.NewRequest("GET", bc.target)
			r.Header = append(r.Header, bc.header...)
			w := &sendfileWriter{discardWriter{header: make(wharf.Header, 0, 16)}}
			h.ServeHTTP(w, r) // fills the caches
			b.ReportAllocs()
			for b.Loop() {
				w.header, w.code, w.n = w.header[:0], 0, 0
				h.ServeHTTP(w, r)
			}
			if w.code != bc.code || bc.n >= 0 && w.n != bc.n {
				b.Fatalf("status %d, %d bytes; want %d, %d", w.code, w.n, bc.code, bc.n)
			}
		})
	}
}
