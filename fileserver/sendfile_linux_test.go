package fileserver

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/wharftest"
	"golang.org/x/sys/unix"
)

// These tests serve through a wharf.Server on loopback, so that file
// bodies take the server's sendfile path, which holds the open-file
// cache's descriptors (fileSection.HoldFile) instead of duplicating
// them.

// openFDs counts the process's open descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(ents)
}

// waitFDs waits until the process has at most n open descriptors.
func waitFDs(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := openFDs(t)
		if got <= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d descriptors open, want at most %d (a leak)", got, n)
		}
		time.Sleep(10 * time.Millisecond) // the polling interval
	}
}

// serveReal serves h on a loopback listener until the test ends, and
// returns the address.
func serveReal(t *testing.T, h *Handler) string {
	t.Helper()
	addr, _ := serveRealServer(t, h)
	return addr
}

// serveRealServer is serveReal that also returns the server, whose
// Stats a test may watch.
func serveRealServer(t *testing.T, h *Handler) (string, *wharf.Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &wharf.Server{Handler: h}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
			s.Close()
		}
		if err := <-done; !errors.Is(err, wharf.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String(), s
}

// client is one keep-alive connection.
type client struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialClient(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{t: t, c: c, br: bufio.NewReader(c)}
}

// get sends GET path (with Range rng unless empty) and returns the
// response, its body unread.
func (cl *client) get(path, rng string) *http.Response {
	cl.t.Helper()
	req := "GET " + path + " HTTP/1.1\r\nHost: x\r\n"
	if rng != "" {
		req += "Range: " + rng + "\r\n"
	}
	if _, err := io.WriteString(cl.c, req+"\r\n"); err != nil {
		cl.t.Fatal(err)
	}
	resp, err := http.ReadResponse(cl.br, nil)
	if err != nil {
		cl.t.Fatal(err)
	}
	return resp
}

// want checks a whole answer.
func (cl *client) want(path, rng string, code int, body string) {
	cl.t.Helper()
	resp := cl.get(path, rng)
	got, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != code || string(got) != body {
		cl.t.Fatalf("GET %s (Range %q): %d, %d bytes (%v); want %d, %d bytes", path, rng, resp.StatusCode, len(got), err, code, len(body))
	}
}

// Large files are sent from the open-file cache's descriptor, held by
// reference: the bodies are right (whole, ranges), a file replaced or
// deleted on disk is served fresh once the entry is due, and no
// descriptor is left open once the handler is closed.
func TestOpenFilesSendfileFreshAndNoLeak(t *testing.T) {
	dir := t.TempDir()
	old := patterned(3 << 20)
	writeFile(t, dir, "big.bin", old, past)
	before := openFDs(t)

	h, err := NewDir(dir, Config{CacheValidity: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	cl := dialClient(t, serveReal(t, h))
	for range 3 {
		cl.want("/big.bin", "", 200, old)
		cl.want("/big.bin", "bytes=1048576-2097151", 206, old[1<<20:2<<20])
		cl.want("/big.bin", "bytes=1048576-1114111", 206, old[1<<20:1<<20+64<<10])
		cl.want("/big.bin", "bytes=-1000", 206, old[len(old)-1000:])
	}
	if n := openCount(h); n != 1 {
		t.Fatalf("%d files in the open-file cache, want 1", n)
	}

	// Replaced: the old version until the entry is due, then the new.
	fresh := patterned(2<<20 + 5)[5:]
	replaceFile(t, dir, "big.bin", fresh, past.Add(time.Minute))
	cl.want("/big.bin", "bytes=0-99", 206, old[:100])
	due(h, "/big.bin")
	cl.want("/big.bin", "", 200, fresh)
	cl.want("/big.bin", "bytes=1048576-2097151", 206, fresh[1<<20:])

	// Deleted: 404 once due, and the entry (and its descriptor) gone.
	if err := os.Remove(dir + "/big.bin"); err != nil {
		t.Fatal(err)
	}
	due(h, "/big.bin")
	resp := cl.get("/big.bin", "")
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != 404 {
		t.Fatalf("deleted file: %d, want 404", resp.StatusCode)
	}
	if n := openCount(h); n != 0 {
		t.Errorf("%d files in the open-file cache after the file was deleted", n)
	}

	writeFile(t, dir, "big.bin", old, past)
	cl.want("/big.bin", "bytes=1048576-2097151", 206, old[1<<20:2<<20])
	h.Close()
	cl.c.Close()
	// The listener and the server's epoll descriptors may remain until
	// the test's cleanup; the files must not: each one held would be
	// over the count taken before the handler existed, plus the server.
	waitFDs(t, before+4)
	if n := openCount(h); n != 0 {
		t.Errorf("%d files still open after Close", n)
	}
}

// A send in progress keeps the descriptor it holds open when the
// open-file cache drops the entry (the file was replaced), and the
// client gets the version it asked for, whole; the descriptor is
// closed when the send ends.
func TestOpenFilesHeldDuringEviction(t *testing.T) {
	dir := t.TempDir()
	old := patterned(8 << 20)
	writeFile(t, dir, "big.bin", old, past)
	h, err := NewDir(dir, Config{CacheValidity: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	addr, srv := serveRealServer(t, h)

	// A slow client: a small receive buffer, and it stops reading
	// after the head, so the server parks mid-body.
	slow := dialClient(t, addr)
	slow.c.(*net.TCPConn).SetReadBuffer(64 << 10)
	resp := slow.get("/big.bin", "")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	head := make([]byte, 1000)
	if _, err := io.ReadFull(resp.Body, head); err != nil {
		t.Fatal(err)
	}
	if n := openCount(h); n != 1 {
		t.Fatalf("%d files in the open-file cache, want 1", n)
	}
	of := openEntry(h, "/big.bin")
	// The server parks the connection mid-body once the client's
	// buffers are full: wait for that, and for the entry's references
	// to be the cache's and the server's only (the handler's is
	// released when it returns, before the body is sent).
	deadline := time.Now().Add(5 * time.Second)
	for srv.Stats().ParkedConns != 1 || of.refs.Load() != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the send not parked within 5s: %d connections parked, want 1; entry references %d, want the cache's and the server's (2)",
				srv.Stats().ParkedConns, of.refs.Load())
		}
		time.Sleep(time.Millisecond) // the polling interval
	}

	fresh := patterned(1<<20 + 8)[8:]
	replaceFile(t, dir, "big.bin", fresh, past.Add(time.Minute))
	due(h, "/big.bin")
	other := dialClient(t, addr)
	other.want("/big.bin", "", 200, fresh) // drops the old entry
	if openEntry(h, "/big.bin") == of {
		t.Fatal("the old entry is still cached")
	}
	if r := of.refs.Load(); r != 1 {
		t.Errorf("old entry references after eviction: %d, want the send's only", r)
	}

	rest, err := io.ReadAll(resp.Body)
	if err != nil || string(head)+string(rest) != old {
		t.Fatalf("the slow client got %d bytes (%v), not the old version's %d", len(head)+len(rest), err, len(old))
	}
	deadline = time.Now().Add(5 * time.Second)
	for of.refs.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("old entry still referenced (%d) after the send", of.refs.Load())
		}
		time.Sleep(5 * time.Millisecond) // the polling interval
	}
	// Closed: its descriptor no longer reads.
	if _, err := of.f.ReadAt(make([]byte, 1), 0); !errors.Is(err, os.ErrClosed) {
		t.Errorf("old file after the send: ReadAt error %v, want closed", err)
	}
	slow.want("/big.bin", "bytes=0-9", 206, fresh[:10])
}

// The body handed to the server says its offset, its FileInfo without a
// system call, and lets the server hold the open-file cache's
// descriptor; a file the request closes is not held.
func TestFileSectionHold(t *testing.T) {
	dir := t.TempDir()
	big := patterned(200 << 10)
	writeFile(t, dir, "big.bin", big, past)
	h := newDirHandler(t, dir, Config{CacheValidity: time.Hour})
	var src io.Reader
	var off int64 = -1
	w := &readFromFunc{discardWriter: discardWriter{header: make(wharf.Header, 0, 8)}, f: func(r io.Reader) {
		src = r
		if fo, ok := r.(interface{ FileOffset() int64 }); ok {
			off = fo.FileOffset() // before ReadFrom reads
		}
	}}
	r := wharftest.NewRequest("GET", "/big.bin")
	r.Header.Add("Range", "bytes=1000-1999")
	h.ServeHTTP(w, r)
	fsec, ok := src.(*fileSection)
	if !ok {
		t.Fatalf("ReadFrom got %T", src)
	}
	if off != 1000 || w.n != 1000 {
		t.Errorf("offset %d, %d bytes", off, w.n)
	}
	if fi, err := fsec.Stat(); err != nil || fi.Size() != int64(len(big)) || fi != fsec.of.fi {
		t.Errorf("Stat: %v, %v: not the entry's FileInfo", fi, err)
	}
	of := openEntry(h, "/big.bin")
	if of == nil || fsec.of != of {
		t.Fatal("the body is not the open-file cache's entry")
	}
	if r := of.refs.Load(); r != 1 {
		t.Fatalf("references after the request: %d, want the cache's", r)
	}
	// (The request is over, but the entry is still cached, so holding
	// it here is as safe as during a request.)
	hold := fsec.HoldFile()
	if hold == nil || of.refs.Load() != 2 {
		t.Fatalf("HoldFile: %v, references %d", hold, of.refs.Load())
	}
	h.files.remove("/big.bin", of)
	if _, err := of.f.ReadAt(make([]byte, 1), 0); err != nil {
		t.Errorf("held file closed when the cache dropped it: %v", err)
	}
	hold.Close()
	if _, err := of.f.ReadAt(make([]byte, 1), 0); !errors.Is(err, os.ErrClosed) {
		t.Errorf("file after the last release: ReadAt error %v, want closed", err)
	}

	// A file opened for one request (no cache) is not held.
	h2 := newDirHandler(t, dir, Config{CacheMaxBytes: -1})
	src = nil
	h2.ServeHTTP(w, wharftest.NewRequest("GET", "/big.bin"))
	if fs2, ok := src.(*fileSection); !ok || fs2.HoldFile() != nil {
		t.Errorf("uncached file: %T, held", src)
	}
}

// readFromFunc is a discardWriter that shows f the reader its ReadFrom
// is given.
type readFromFunc struct {
	discardWriter
	f func(io.Reader)
}

func (w *readFromFunc) ReadFrom(src io.Reader) (int64, error) {
	w.f(src)
	return w.discardWriter.ReadFrom(src)
}

// openCount and openEntry look at h's open-file cache under its lock
// (which also orders the test after the server's use of the cache).
func openCount(h *Handler) int {
	h.files.mu.RLock()
	defer h.files.mu.RUnlock()
	return len(h.files.m)
}

func openEntry(h *Handler, key string) *openFile {
	h.files.mu.RLock()
	defer h.files.mu.RUnlock()
	return h.files.m[key]
}

// due makes h's open-file cache entry for key due for revalidation
// (an atomic store: the server may be using the entry).
func due(h *Handler, key string) {
	if of := openEntry(h, key); of != nil {
		of.checkAt.Store(0)
	}
}

// A file that is not in the page cache (dropped with fadvise) is sent
// intact (sendfile reads it from the disk as it goes).
func TestOpenFilesColdFile(t *testing.T) {
	dir := t.TempDir()
	big := patterned(4 << 20)
	writeFile(t, dir, "cold.bin", big, past)
	f, err := os.Open(dir + "/cold.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	drop := func() {
		f.Sync()
		unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
	}
	h := newDirHandler(t, dir, Config{CacheValidity: time.Hour})
	cl := dialClient(t, serveReal(t, h))
	for range 2 {
		drop()
		cl.want("/cold.bin", "", 200, big)
		drop()
		cl.want("/cold.bin", "bytes=1048576-2097151", 206, big[1<<20:2<<20])
	}
}
