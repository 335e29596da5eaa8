package compress_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"go.uber.org/goleak"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/compress"
)

// startServer serves h on a loopback port and returns a client for it
// and the base URL. The cleanup closes the client's connections, shuts
// the server down, and checks that no goroutine started since the call
// is left.
func startServer(t *testing.T, h wharf.Handler) (*http.Client, string) {
	t.Helper()
	leaks := goleak.IgnoreCurrent() // the snapshot, before the server starts
	s := &wharf.Server{Handler: h}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	tr := &http.Transport{}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
			s.Close()
		}
		if err := <-done; !errors.Is(err, wharf.ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
		goleak.VerifyNone(t, leaks)
	})
	return &http.Client{Transport: tr}, "http://" + ln.Addr().String()
}

// body returns n bytes of HTML-like text.
func body(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		b.WriteString("<li>item ")
		b.WriteString(strings.Repeat("abcdefghij"[i%10:i%10+1], i%7+1))
		b.WriteString(" of the end-to-end test list</li>\n")
	}
	return b.String()[:n]
}

var (
	bigPage   = body(50 << 10)
	smallPage = body(300)
)

// testSite is the handler of the end-to-end tests, wrapped by
// compress.Handler.
func testSite(proceed <-chan struct{}) wharf.Handler {
	return wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		h := w.Header()
		switch r.Path {
		case "/page":
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("ETag", `"v1"`)
			h.Set("Content-Length", "51200")
			io.WriteString(w, bigPage)
		case "/small":
			h.Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, smallPage)
		case "/image":
			h.Set("Content-Type", "image/png")
			io.WriteString(w, bigPage)
		case "/pre.js":
			// Precompressed by the handler: passes untouched.
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			io.WriteString(zw, bigPage)
			zw.Close()
			h.Set("Content-Type", "text/javascript")
			h.Set("Content-Encoding", "gzip")
			h.Set("Vary", "Accept-Encoding")
			w.Write(gz.Bytes())
		case "/range":
			h.Set("Content-Type", "text/plain")
			h.Set("Content-Range", "bytes 0-9999/51200")
			h.Set("Content-Length", "10000")
			w.WriteHeader(206)
			io.WriteString(w, bigPage[:10000])
		case "/stream":
			h.Set("Content-Type", "text/plain")
			io.WriteString(w, "first\n")
			w.Flush()
			select { // the client reads "first" before the rest is written
			case <-proceed:
			case <-time.After(10 * time.Second):
			}
			for i := 0; i < 100; i++ {
				io.WriteString(w, bigPage[:10000])
				w.Flush()
			}
		}
	})
}

func get(t *testing.T, c *http.Client, method, url, ae string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ae != "" {
		req.Header.Set("Accept-Encoding", ae)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func decodeBody(t *testing.T, coding string, b []byte) string {
	t.Helper()
	var r io.Reader
	switch coding {
	case "", "identity":
		return string(b)
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(b), zstd.WithDecoderConcurrency(1))
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	default:
		t.Fatalf("unknown coding %q", coding)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s: %v", coding, err)
	}
	return string(out)
}

func TestServerEndToEnd(t *testing.T) {
	c, base := startServer(t, compress.Handler(testSite(nil), compress.Config{}))

	// net/http asks for gzip itself and decodes it transparently.
	resp, b := get(t, c, "GET", base+"/page", "")
	if !resp.Uncompressed || string(b) != bigPage {
		t.Errorf("transparent gzip: Uncompressed=%v, %d bytes", resp.Uncompressed, len(b))
	}
	if v := resp.Header.Get("Vary"); v != "Accept-Encoding" {
		t.Errorf("Vary %q", v)
	}
	if et := resp.Header.Get("ETag"); et != `W/"v1"` {
		t.Errorf("ETag %q, want weak", et)
	}

	for _, tc := range []struct {
		path, method, ae string
		coding           string // Content-Encoding expected
		vary             bool
		want             string // the decoded body
	}{
		{"/page", "GET", "br", "br", true, bigPage},
		{"/page", "GET", "zstd", "zstd", true, bigPage},
		{"/page", "GET", "gzip;q=0.5, zstd;q=0.4", "gzip", true, bigPage},
		{"/page", "GET", "identity", "", true, bigPage},
		{"/page", "HEAD", "br", "br", true, ""},
		{"/page", "HEAD", "identity", "", true, ""},
		{"/small", "GET", "gzip, br", "", true, smallPage},
		{"/image", "GET", "gzip, br", "", false, bigPage},
		{"/pre.js", "GET", "gzip, br", "gzip", true, bigPage},
		{"/range", "GET", "gzip, br", "", true, bigPage[:10000]},
	} {
		resp, b := get(t, c, tc.method, base+tc.path, tc.ae)
		name := tc.method + " " + tc.path + " (" + tc.ae + ")"
		if got := resp.Header.Get("Content-Encoding"); got != tc.coding {
			t.Errorf("%s: Content-Encoding %q, want %q", name, got, tc.coding)
		}
		if got := resp.Header.Values("Vary"); (len(got) == 1 && got[0] == "Accept-Encoding") != tc.vary {
			t.Errorf("%s: Vary %q, want Accept-Encoding: %v", name, got, tc.vary)
		}
		if tc.method == "HEAD" {
			if len(b) != 0 {
				t.Errorf("%s: %d body bytes", name, len(b))
			}
		} else if got := decodeBody(t, tc.coding, b); got != tc.want {
			t.Errorf("%s: body of %d bytes, want %d", name, len(got), len(tc.want))
		}
		if tc.coding != "" && tc.coding != "gzip" && resp.ContentLength >= 0 && resp.ContentLength != int64(len(b)) {
			t.Errorf("%s: Content-Length %d for %d bytes", name, resp.ContentLength, len(b))
		}
		if tc.method == "HEAD" && tc.coding != "" && resp.Header.Get("Content-Length") != "" {
			t.Errorf("%s: Content-Length %q on a compressed HEAD answer", name, resp.Header.Get("Content-Length"))
		}
	}
}

// A large streamed body goes out chunked, compressed, and each Flush
// reaches the client.
func TestServerStream(t *testing.T) {
	proceed := make(chan struct{})
	c, base := startServer(t, compress.Handler(testSite(proceed), compress.Config{}))
	for _, coding := range []string{"gzip", "br", "zstd"} {
		t.Run(coding, func(t *testing.T) {
			req, _ := http.NewRequest("GET", base+"/stream", nil)
			req.Header.Set("Accept-Encoding", coding)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if got := resp.Header.Get("Content-Encoding"); got != coding {
				t.Fatalf("Content-Encoding %q", got)
			}
			if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
				t.Errorf("Transfer-Encoding %q, want chunked", resp.TransferEncoding)
			}
			var zr io.Reader
			switch coding {
			case "gzip":
				zr, err = gzip.NewReader(resp.Body)
			case "br":
				zr = brotli.NewReader(resp.Body)
			case "zstd":
				var d *zstd.Decoder
				d, err = zstd.NewReader(resp.Body, zstd.WithDecoderConcurrency(1))
				defer d.Close()
				zr = d
			}
			if err != nil {
				t.Fatal(err)
			}
			// The handler waits until we have read "first": only a
			// flushed compressed stream lets us.
			first := make([]byte, 6)
			if _, err := io.ReadFull(zr, first); err != nil || string(first) != "first\n" {
				t.Fatalf("first: %q, %v", first, err)
			}
			proceed <- struct{}{}
			rest, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			if len(rest) != 100*10000 || string(rest[:10000]) != bigPage[:10000] {
				t.Errorf("rest: %d bytes", len(rest))
			}
		})
	}
}

// TestHandlerHijack: a WebSocket-style upgrade through the middleware,
// with Accept-Encoding as browsers send it, reaches the connection.
func TestHandlerHijack(t *testing.T) {
	done := make(chan struct{})
	h := compress.Handler(wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		w.Header().Set("Upgrade", "echo")
		w.WriteHeader(101)
		hj, ok := w.(wharf.Hijacker)
		if !ok {
			t.Errorf("the middleware's writer %T is no wharf.Hijacker", w)
			close(done)
			return
		}
		nc, rw, err := hj.Hijack()
		if err != nil {
			t.Errorf("Hijack through the middleware: %v", err)
			close(done)
			return
		}
		go func() {
			defer close(done)
			defer nc.Close()
			line, _ := rw.ReadString('\n')
			rw.WriteString("echo: " + line)
			rw.Flush()
		}()
	}), compress.Config{})
	_, url := startServer(t, h)
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip, deflate, br, zstd\r\n\r\nhi\n")
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	all, _ := io.ReadAll(c)
	<-done
	if !strings.HasPrefix(string(all), "HTTP/1.1 101 ") || !strings.HasSuffix(string(all), "\r\n\r\necho: hi\n") {
		t.Fatalf("got %q", all)
	}
}
