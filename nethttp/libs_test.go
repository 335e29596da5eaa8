package nethttp

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	_ "net/http/pprof" // registers on http.DefaultServeMux, served by Wrap(nil)
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	coderws "github.com/coder/websocket"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wharfhttp/wharf"
)

// A chi router with some of its middleware, URL parameters and a
// mounted sub-router.
func TestChi(t *testing.T) {
	r := chi.NewRouter()
	r.Use(middleware.RequestID, middleware.RealIP, middleware.Recoverer, middleware.StripSlashes)
	r.Use(middleware.Heartbeat("/ping"))
	r.Use(middleware.Compress(5, "text/plain"))
	r.Get("/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "user %s from %s, request %s", chi.URLParam(r, "id"), r.RemoteAddr,
			middleware.GetReqID(r.Context()))
	})
	r.Route("/api", func(r chi.Router) {
		r.Post("/echo", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			io.Copy(w, r.Body)
		})
	})
	addr := startWharf(t, r, nil)
	c := newClient(t)
	base := "http://" + addr

	res, body := do(t, c, "GET", base+"/users/42/", nil, "X-Real-IP: 203.0.113.9")
	if res.StatusCode != 200 || !strings.HasPrefix(body, "user 42 from 203.0.113.9, request ") {
		t.Errorf("GET /users/42/: %d %q", res.StatusCode, body)
	}
	res, body = do(t, c, "POST", base+"/api/echo", strings.NewReader("ping pong"))
	if res.StatusCode != 200 || body != "ping pong" {
		t.Errorf("POST /api/echo: %d %q", res.StatusCode, body)
	}
	res, body = do(t, c, "GET", base+"/ping", nil)
	if res.StatusCode != 200 || body != "." {
		t.Errorf("GET /ping: %d %q", res.StatusCode, body)
	}
	res, _ = do(t, c, "DELETE", base+"/users/1", nil)
	if res.StatusCode != 405 {
		t.Errorf("DELETE /users/1: %d, want 405", res.StatusCode)
	}
	res, body = do(t, c, "GET", base+"/users/7", nil, "Accept-Encoding: gzip")
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("compressed: Content-Encoding %q", res.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !strings.HasPrefix(string(plain), "user 7 from 127.0.0.1") {
		t.Errorf("compressed body: %q, %v", plain, err)
	}
}

// A gorilla/websocket echo server, dialed by gorilla's client.
func TestGorillaWebSocket(t *testing.T) {
	upgrader := websocket.Upgrader{}
	addr := startWharf(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return // Upgrade answered the error
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			mt, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(mt, append([]byte("echo: "), msg...)); err != nil {
				return
			}
		}
	}), nil)
	checkLeaks(t)
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	c, res, err := d.Dial("ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c.Close()
	if res.StatusCode != 101 {
		t.Fatalf("handshake status %d", res.StatusCode)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for i, msg := range []string{"hello", strings.Repeat("big", 10000), "bye"} {
		if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		mt, got, err := c.ReadMessage()
		if err != nil || mt != websocket.TextMessage || string(got) != "echo: "+msg {
			t.Fatalf("message %d: type %d, %d bytes, %v", i, mt, len(got), err)
		}
	}
	c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
}

// A coder/websocket echo server: it answers with WriteHeader(101) and
// then hijacks, so the adapter writes the 101 head itself.
func TestCoderWebSocket(t *testing.T) {
	addr := startWharf(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := coderws.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for {
			mt, msg, err := c.Read(ctx)
			if err != nil {
				return
			}
			if err := c.Write(ctx, mt, append([]byte("echo: "), msg...)); err != nil {
				return
			}
		}
	}), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, res, err := coderws.Dial(ctx, "ws://"+addr+"/ws", &coderws.DialOptions{HTTPClient: newClient(t)})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c.CloseNow()
	if res.StatusCode != 101 || !strings.EqualFold(res.Header.Get("Connection"), "Upgrade") {
		t.Fatalf("handshake: %d, Connection %q", res.StatusCode, res.Header.Get("Connection"))
	}
	for i, msg := range []string{"hello", "bye"} {
		if err := c.Write(ctx, coderws.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		mt, got, err := c.Read(ctx)
		if err != nil || mt != coderws.MessageText || string(got) != "echo: "+msg {
			t.Fatalf("message %d: %v %q %v", i, mt, got, err)
		}
	}
	if err := c.Close(coderws.StatusNormalClosure, ""); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// promhttp's handler, plain and gzip-compressed.
func TestPromhttp(t *testing.T) {
	reg := prometheus.NewRegistry()
	requests := prometheus.NewCounter(prometheus.CounterOpts{Name: "test_requests_total", Help: "Requests."})
	reg.MustRegister(requests)
	requests.Add(3)
	addr := startWharf(t, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), nil)
	c := newClient(t)
	res, body := do(t, c, "GET", "http://"+addr+"/metrics", nil)
	if res.StatusCode != 200 || !strings.Contains(body, "test_requests_total 3") ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("metrics: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	res, body = do(t, c, "GET", "http://"+addr+"/metrics", nil, "Accept-Encoding: gzip")
	zr, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("gzip metrics (Content-Encoding %q): %v", res.Header.Get("Content-Encoding"), err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Contains(plain, []byte("test_requests_total 3")) {
		t.Errorf("gzip metrics: %q", plain)
	}
}

// net/http/pprof on http.DefaultServeMux, through Wrap(nil): the index,
// a goroutine dump, and a one-second CPU profile.
func TestPprof(t *testing.T) {
	addr := startWharf(t, nil, nil)
	c := newClient(t)
	base := "http://" + addr + "/debug/pprof/"
	res, body := do(t, c, "GET", base, nil)
	if res.StatusCode != 200 || !strings.Contains(body, "goroutine") || !strings.Contains(body, "heap") {
		t.Errorf("index: %d %q", res.StatusCode, body)
	}
	res, body = do(t, c, "GET", base+"goroutine?debug=1", nil)
	if res.StatusCode != 200 || !strings.Contains(body, "goroutine profile:") {
		t.Errorf("goroutine: %d %.100q", res.StatusCode, body)
	}
	res, body = do(t, c, "GET", base+"profile?seconds=1", nil)
	if res.StatusCode != 200 || !strings.HasPrefix(body, "\x1f\x8b") {
		t.Errorf("profile: %d %q, %d bytes", res.StatusCode, res.Header.Get("Content-Type"), len(body))
	}
}

// http.FileServer and http.ServeContent: ranges, conditionals, HEAD;
// a large file goes through the engine's ReadFrom.
func TestFileServer(t *testing.T) {
	dir := t.TempDir()
	small := "0123456789abcdef"
	large := strings.Repeat("wharf-", 20000) // 120,000 bytes: past the engine's body buffer
	os.WriteFile(filepath.Join(dir, "small.txt"), []byte(small), 0o644)
	os.WriteFile(filepath.Join(dir, "large.bin"), []byte(large), 0o644)
	mtime := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	os.Chtimes(filepath.Join(dir, "small.txt"), mtime, mtime)

	mux := http.NewServeMux()
	mux.Handle("/files/", http.StripPrefix("/files", http.FileServer(http.Dir(dir))))
	mux.HandleFunc("/content", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		http.ServeContent(w, r, "data.txt", mtime, strings.NewReader(small))
	})
	addr := startWharf(t, mux, nil)
	c := newClient(t)
	base := "http://" + addr
	lm := mtime.Format(http.TimeFormat)

	for _, tc := range []struct {
		method, path string
		hdr          []string
		status       int
		body         string
		header       map[string]string
	}{
		{"GET", "/files/small.txt", nil, 200, small, map[string]string{"Content-Type": "text/plain; charset=utf-8", "Last-Modified": lm, "Accept-Ranges": "bytes"}},
		{"HEAD", "/files/small.txt", nil, 200, "", map[string]string{"Content-Length": "16"}},
		{"GET", "/files/small.txt", []string{"Range: bytes=2-5"}, 206, "2345", map[string]string{"Content-Range": "bytes 2-5/16"}},
		{"GET", "/files/small.txt", []string{"Range: bytes=99-"}, 416, "", map[string]string{"Content-Range": "bytes */16"}},
		{"GET", "/files/small.txt", []string{"If-Modified-Since: " + lm}, 304, "", map[string]string{"Content-Type": ""}},
		{"GET", "/files/large.bin", nil, 200, large, map[string]string{"Content-Length": "120000"}},
		{"GET", "/files/large.bin", []string{"Range: bytes=6000-105999"}, 206, large[6000:106000], map[string]string{"Content-Range": "bytes 6000-105999/120000"}},
		{"GET", "/files/", nil, 200, "", map[string]string{"Content-Type": "text/html; charset=utf-8"}},
		{"GET", "/files/nothing", nil, 404, "404 page not found\n", nil},
		{"GET", "/content", []string{`If-None-Match: "v1"`}, 304, "", map[string]string{"Etag": `"v1"`}},
		{"GET", "/content", []string{`If-Range: "v1"`, "Range: bytes=0-3"}, 206, "0123", nil},
		{"GET", "/content", []string{`If-Match: "v2"`}, 412, "", nil},
	} {
		name := tc.method + " " + tc.path + " " + strings.Join(tc.hdr, ", ")
		res, body := do(t, c, tc.method, base+tc.path, nil, tc.hdr...)
		if res.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", name, res.StatusCode, tc.status)
		}
		if tc.body != "" && body != tc.body {
			t.Errorf("%s: body of %d bytes %.40q, want %d bytes", name, len(body), body, len(tc.body))
		}
		for k, want := range tc.header {
			if got := res.Header.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", name, k, got, want)
			}
		}
	}
	// Two ranges: a multipart/byteranges body.
	res, body := do(t, c, "GET", base+"/files/small.txt", nil, "Range: bytes=0-1,4-5")
	if res.StatusCode != 206 || !strings.HasPrefix(res.Header.Get("Content-Type"), "multipart/byteranges") ||
		!strings.Contains(body, "\r\n\r\n01\r\n") || !strings.Contains(body, "\r\n\r\n45\r\n") {
		t.Errorf("multi-range: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
}

// http.MaxBytesReader: the handler sees *http.MaxBytesError and answers
// 413; under the limit the body is read whole.
func TestMaxBytesReader(t *testing.T) {
	addr := startWharf(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 10)
		b, err := io.ReadAll(r.Body)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, fmt.Sprintf("body over %d bytes", mbe.Limit), http.StatusRequestEntityTooLarge)
			return
		}
		fmt.Fprintf(w, "read %d", len(b))
	}), nil)
	c := newClient(t)
	res, body := do(t, c, "POST", "http://"+addr+"/", strings.NewReader(strings.Repeat("x", 100)))
	if res.StatusCode != 413 || body != "body over 10 bytes\n" {
		t.Errorf("over the limit: %d %q", res.StatusCode, body)
	}
	res, body = do(t, c, "POST", "http://"+addr+"/", strings.NewReader("0123456789"))
	if res.StatusCode != 200 || body != "read 10" {
		t.Errorf("at the limit: %d %q", res.StatusCode, body)
	}
}

// http.TimeoutHandler: a slow handler is answered 503 with the message,
// a fast one passes through.
func TestTimeoutHandler(t *testing.T) {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-r.Context().Done() // cancelled by TimeoutHandler
			return
		}
		w.Header().Set("X-Inner", "1")
		io.WriteString(w, "fast")
	})
	addr := startWharf(t, http.TimeoutHandler(inner, 50*time.Millisecond, "timed out"), nil)
	c := newClient(t)
	res, body := do(t, c, "GET", "http://"+addr+"/slow", nil)
	if res.StatusCode != 503 || body != "timed out" {
		t.Errorf("slow: %d %q", res.StatusCode, body)
	}
	res, body = do(t, c, "GET", "http://"+addr+"/fast", nil)
	if res.StatusCode != 200 || body != "fast" || res.Header.Get("X-Inner") != "1" {
		t.Errorf("fast: %d %q %v", res.StatusCode, body, res.Header)
	}
}

// http.FileServer mounted with wharf.StripPrefix: the handler sees the
// stripped path.
func TestFileServerUnderWharfStripPrefix(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "my file.txt"), []byte("spaced"), 0o644)
	mux := wharf.NewServeMux()
	mux.Handle("/static/", wharf.StripPrefix("/static", Wrap(http.FileServer(http.Dir(dir)))))
	addr := startWharfHandler(t, mux, nil)
	res, body := rawExchange(t, addr, "GET", "GET /static/my%20file.txt HTTP/1.1\r\nHost: h\r\n\r\n")
	if res.StatusCode != 200 || body != "spaced" {
		t.Errorf("%d %q", res.StatusCode, body)
	}
}
