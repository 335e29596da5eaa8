package wharf

import (
	"crypto/sha256"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// fileHandler serves the file at path the way fileserver does: it
// declares Content-Length and copies with the writer's ReadFrom.
func fileHandler(t *testing.T, path string) Handler {
	return HandlerFunc(func(w ResponseWriter, r *Request) {
		if r.Path != "/file" {
			w.WriteString("small")
			return
		}
		f, err := os.Open(path)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close() // the server must not need f after this
		st, _ := f.Stat()
		w.Header().Set("Content-Length", strconv.FormatInt(st.Size(), 10))
		// io.Copy as handlers write it: os.File's WriteTo hands the
		// response a wrapped file.
		n, err := io.Copy(w, f)
		if err != nil || n != st.Size() {
			t.Errorf("io.Copy = %d, %v", n, err)
		}
	})
}

func bigFile(t *testing.T, size int) (string, [32]byte) {
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*7 + i/251)
	}
	path := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, sha256.Sum256(data)
}

func TestFileBodyIntact(t *testing.T) {
	path, sum := bigFile(t, 8<<20+123)
	addr := startServer(t, &Server{Handler: fileHandler(t, path)})
	// Keep-alive: the file, then a small answer on the same connection,
	// several times.
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	for i := 0; i < 3; i++ {
		resp, err := client.Get("http://" + addr + "/file")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if sha256.Sum256(b) != sum {
			t.Fatalf("round %d: body differs (%d bytes)", i, len(b))
		}
		resp, err = client.Get("http://" + addr + "/small")
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "small" {
			t.Fatalf("after file: %q", b)
		}
	}
}

// A client that stops reading is cut off after WriteTimeout.
func TestStalledReaderTimesOut(t *testing.T) {
	path, _ := bigFile(t, 32<<20)
	s := &Server{WriteTimeout: 300 * time.Millisecond, Handler: fileHandler(t, path)}
	addr := startServer(t, s)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /file HTTP/1.1\r\nHost: x\r\n\r\n")
	// Read nothing until the server gives up on the connection.
	waitFor(t, "the server to accept the connection", func() bool { return openConns(s) == 1 })
	waitFor(t, "the server to close the stalled connection", func() bool { return openConns(s) == 0 })
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := io.Copy(io.Discard, c)
	if n >= 32<<20 {
		t.Fatalf("read the whole file (%d bytes) from a stalled connection", n)
	}
	if err == nil || isTimeout(err) {
		t.Fatalf("after %d bytes: %v, want a reset", n, err)
	}
	t.Logf("connection ended after %d bytes: %v", n, err)
}

// A file answer's head goes with MSG_MORE and its body, sent in one
// sendfile, is not corked: nothing may hold either back waiting for
// more (TCP_CORK would for 200 ms, a head left with MSG_MORE for
// good). Sequential keep-alive requests each answer at once.
// (TestFileBodyIntact and TestFileSendUncorks send bodies that take
// many sendfile calls.)
func TestFileAnswersNotHeldBack(t *testing.T) {
	for _, size := range []int{100 << 10, 300 << 10} {
		path, sum := bigFile(t, size)
		addr := startServer(t, &Server{Handler: fileHandler(t, path)})
		tr := &http.Transport{}
		client := &http.Client{Transport: tr}
		start := time.Now()
		const n = 20
		for i := 0; i < n; i++ {
			resp, err := client.Get("http://" + addr + "/file")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if sha256.Sum256(b) != sum {
				t.Fatalf("%d bytes: body differs (%d bytes)", size, len(b))
			}
		}
		tr.CloseIdleConnections()
		// 20 answers held back 200 ms each would take 4 s; on loopback
		// they take milliseconds (a race build on a busy machine may
		// take some hundreds).
		t.Logf("%d answers of %d bytes: %v", n, size, time.Since(start))
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%d answers of %d bytes took %v: held back", n, size, d)
		}
	}
}
