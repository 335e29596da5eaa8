package compress

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/wharftest"
)

var page = text(20 << 10) // a 20 KB HTML page

// serve runs h for a request with the given method and Accept-Encoding
// fields (nil: none) and returns the recorder.
func serve(h wharf.Handler, method string, ae ...string) *wharftest.Recorder {
	r := wharftest.NewRequest(method, "/")
	for _, v := range ae {
		r.Header.Add("Accept-Encoding", v)
	}
	rec := wharftest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// writePage returns a handler writing body with the given header
// fields (name, value pairs), status 200.
func writePage(body []byte, fields ...string) wharf.HandlerFunc {
	return func(w wharf.ResponseWriter, r *wharf.Request) {
		for i := 0; i+1 < len(fields); i += 2 {
			w.Header().Add(fields[i], fields[i+1])
		}
		w.Write(body)
	}
}

type releaser struct{ wharf.Handler }

func (releaser) ReleasesRequest() {}

func TestHandler(t *testing.T) {
	html := "text/html; charset=utf-8"
	small := text(DefaultMinSize - 1)
	exact := text(DefaultMinSize)
	for _, tc := range []struct {
		name    string
		next    wharf.Handler
		cfg     Config
		method  string
		ae      []string
		code    int      // default 200
		enc     Encoding // the coding the body must be in
		body    []byte   // the decoded body; nil: page (empty for HEAD)
		vary    bool     // Vary: Accept-Encoding expected
		fields  []string // other name, value pairs expected ("" value: absent)
		noCheck bool     // body not checked
	}{
		{name: "gzip", next: writePage(page, "Content-Type", html), ae: []string{"gzip"}, enc: Gzip, vary: true},
		{name: "zstd", next: writePage(page, "Content-Type", html), ae: []string{"zstd, gzip;q=0.5"}, enc: Zstd, vary: true},
		{name: "br", next: writePage(page, "Content-Type", html), ae: []string{"gzip, deflate, br, zstd"}, enc: Brotli, vary: true},
		{name: "offered set", next: writePage(page, "Content-Type", html), cfg: Config{Encodings: SetOf(Gzip)}, ae: []string{"br, gzip;q=0.1"}, enc: Gzip, vary: true},
		{name: "offered none acceptable", next: writePage(page, "Content-Type", html), cfg: Config{Encodings: SetOf(Gzip)}, ae: []string{"br"}, enc: Identity, vary: true},
		{name: "no Accept-Encoding: Vary anyway", next: writePage(page, "Content-Type", html), enc: Identity, vary: true},
		{name: "identity refused: identity anyway", next: writePage(page, "Content-Type", html), ae: []string{"identity;q=0"}, enc: Identity, vary: true},
		{name: "gzip refused", next: writePage(page, "Content-Type", html), ae: []string{"gzip;q=0"}, enc: Identity, vary: true},
		{name: "image not compressed", next: writePage(page, "Content-Type", "image/png"), ae: []string{"gzip"}, enc: Identity},
		{name: "no Content-Type", next: writePage(page), ae: []string{"gzip"}, enc: Identity},
		{name: "small", next: writePage(small, "Content-Type", html), ae: []string{"gzip"}, enc: Identity, body: small, vary: true},
		{name: "small declared: no Vary", next: writePage(small, "Content-Type", html, "Content-Length", strconv.Itoa(len(small))), ae: []string{"gzip"}, enc: Identity, body: small,
			fields: []string{"Content-Length", strconv.Itoa(len(small))}},
		{name: "exactly MinSize", next: writePage(exact, "Content-Type", html), ae: []string{"gzip"}, enc: Gzip, body: exact, vary: true},
		{name: "MinSize negative", next: writePage([]byte("hi"), "Content-Type", html), cfg: Config{MinSize: -1}, ae: []string{"gzip"}, enc: Gzip, body: []byte("hi"), vary: true},
		{name: "MinSize large", next: writePage(page, "Content-Type", html), cfg: Config{MinSize: 1 << 20}, ae: []string{"gzip"}, enc: Identity, vary: true},
		{name: "declared length removed", next: writePage(page, "Content-Type", html, "Content-Length", strconv.Itoa(len(page)), "Accept-Ranges", "bytes"), ae: []string{"gzip"}, enc: Gzip, vary: true,
			fields: []string{"Content-Length", "", "Accept-Ranges", ""}},
		{name: "declared length kept for identity", next: writePage(page, "Content-Type", html, "Content-Length", strconv.Itoa(len(page))), enc: Identity, vary: true,
			fields: []string{"Content-Length", strconv.Itoa(len(page))}},
		{name: "strong ETag made weak", next: writePage(page, "Content-Type", html, "ETag", `"abc"`), ae: []string{"gzip"}, enc: Gzip, vary: true, fields: []string{"ETag", `W/"abc"`}},
		{name: "weak ETag kept", next: writePage(page, "Content-Type", html, "ETag", `W/"abc"`), ae: []string{"gzip"}, enc: Gzip, vary: true, fields: []string{"ETag", `W/"abc"`}},
		{name: "ETag kept for identity", next: writePage(page, "Content-Type", html, "ETag", `"abc"`), enc: Identity, vary: true, fields: []string{"ETag", `"abc"`}},
		{name: "Vary not duplicated", next: writePage(page, "Content-Type", html, "Vary", "Origin, accept-encoding"), ae: []string{"gzip"}, enc: Gzip, vary: true},
		{name: "Vary star", next: writePage(page, "Content-Type", html, "Vary", "*"), ae: []string{"gzip"}, enc: Gzip},
		{name: "Vary added beside another", next: writePage(page, "Content-Type", html, "Vary", "Origin"), ae: []string{"gzip"}, enc: Gzip, vary: true},
		{name: "already encoded", next: writePage(page, "Content-Type", html, "Content-Encoding", "gzip"), ae: []string{"gzip"}, enc: Identity,
			fields: []string{"Content-Encoding", "gzip"}},
		{name: "no-transform", next: writePage(page, "Content-Type", html, "Cache-Control", "public, no-transform"), ae: []string{"gzip"}, enc: Identity},
		{name: "error page compressed", next: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
			w.Header().Set("Content-Type", html)
			w.WriteHeader(404)
			w.Write(page)
		}), ae: []string{"gzip"}, code: 404, enc: Gzip, vary: true},
		{name: "206 passes", next: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
			w.Header().Set("Content-Type", html)
			w.Header().Set("Content-Range", "bytes 0-20479/40000")
			w.WriteHeader(206)
			w.Write(page)
		}), ae: []string{"gzip"}, code: 206, enc: Identity, vary: true},
		{name: "304", next: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
			w.Header().Set("Content-Type", html)
			w.Header().Set("ETag", `"abc"`)
			w.WriteHeader(304)
		}), ae: []string{"gzip"}, code: 304, enc: Identity, body: []byte{}, vary: true, fields: []string{"ETag", `W/"abc"`, "Content-Encoding", ""}},
		{name: "304 without Content-Type untouched", next: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
			w.Header().Set("ETag", `"abc"`)
			w.WriteHeader(304)
		}), ae: []string{"gzip"}, code: 304, enc: Identity, body: []byte{}, fields: []string{"ETag", `"abc"`}},
		{name: "204", next: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
			w.Header().Set("Content-Type", html)
			w.WriteHeader(204)
		}), ae: []string{"gzip"}, code: 204, enc: Identity, body: []byte{}},
		{name: "nothing written", next: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {}), ae: []string{"gzip"}, enc: Identity, body: []byte{}},
		{name: "HEAD declared", next: writePage(nil, "Content-Type", html, "Content-Length", "20480", "ETag", `"x"`), method: "HEAD", ae: []string{"gzip"}, enc: Identity, body: []byte{}, vary: true,
			fields: []string{"Content-Encoding", "gzip", "Content-Length", "", "ETag", `W/"x"`}},
		{name: "HEAD body written", next: writePage(page, "Content-Type", html), method: "HEAD", ae: []string{"br"}, enc: Identity, body: []byte{}, vary: true,
			fields: []string{"Content-Encoding", "br"}},
		{name: "HEAD identity", next: writePage(nil, "Content-Type", html, "Content-Length", "20480"), method: "HEAD", enc: Identity, body: []byte{}, vary: true,
			fields: []string{"Content-Length", "20480"}},
		{name: "many small writes", next: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
			w.Header().Set("Content-Type", html)
			for i := 0; i < len(page); i += 100 {
				w.Write(page[i:min(i+100, len(page))])
			}
		}), ae: []string{"gzip"}, enc: Gzip, vary: true},
		{name: "WriteString", next: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
			w.Header().Set("Content-Type", html)
			w.WriteString(string(page[:10]))
			w.WriteString(string(page[10:]))
		}), ae: []string{"zstd"}, enc: Zstd, vary: true},
		{name: "ReadFrom compressed", next: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
			w.Header().Set("Content-Type", html)
			w.(io.ReaderFrom).ReadFrom(struct{ io.Reader }{bytes.NewReader(page)})
		}), ae: []string{"br"}, enc: Brotli, vary: true},
		{name: "ReadFrom small", next: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
			w.Header().Set("Content-Type", html)
			w.(io.ReaderFrom).ReadFrom(struct{ io.Reader }{bytes.NewReader(small)})
		}), ae: []string{"br"}, enc: Identity, body: small, vary: true},
		{name: "ReadFrom after Write", next: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
			w.Header().Set("Content-Type", html)
			w.Write(page[:10])
			w.(io.ReaderFrom).ReadFrom(struct{ io.Reader }{bytes.NewReader(page[10:])})
		}), ae: []string{"gzip"}, enc: Gzip, vary: true},
		{name: "ReadFrom passes through", next: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.(io.ReaderFrom).ReadFrom(struct{ io.Reader }{bytes.NewReader(page)})
		}), ae: []string{"gzip"}, enc: Identity},
		{name: "nested: compressed once", next: Handler(writePage(page, "Content-Type", html), Config{}), ae: []string{"gzip"}, enc: Gzip, vary: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, next := range []wharf.Handler{tc.next, releaser{tc.next}} {
				for range 2 { // twice: pooled state must not leak into the next answer
					method := tc.method
					if method == "" {
						method = "GET"
					}
					rec := serve(Handler(next, tc.cfg), method, tc.ae...)
					code, hdr, body := rec.Result()
					wantCode := tc.code
					if wantCode == 0 {
						wantCode = 200
					}
					if code != wantCode {
						t.Errorf("status %d, want %d", code, wantCode)
					}
					if tc.enc != Identity {
						if got := hdr.Get("Content-Encoding"); got != tc.enc.String() {
							t.Fatalf("Content-Encoding %q, want %q", got, tc.enc)
						}
						if n := len(hdr.Values("Content-Encoding")); n != 1 {
							t.Errorf("%d Content-Encoding fields", n)
						}
					}
					if got := countToken(hdr, "Vary", "accept-encoding"); got != b2i(tc.vary) {
						t.Errorf("Accept-Encoding %d times in Vary %q, want %d", got, hdr.Values("Vary"), b2i(tc.vary))
					}
					for i := 0; i+1 < len(tc.fields); i += 2 {
						if got := hdr.Get(tc.fields[i]); got != tc.fields[i+1] {
							t.Errorf("%s: %q, want %q", tc.fields[i], got, tc.fields[i+1])
						}
					}
					want := tc.body
					if want == nil {
						want = page
						if method == "HEAD" {
							want = []byte{}
						}
					}
					got := decode(t, tc.enc, body)
					if !bytes.Equal(got, want) {
						t.Errorf("body: %d bytes (%.40q...), want %d", len(got), got, len(want))
					}
				}
			}
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// countToken counts the list members of fields name equal to token.
func countToken(h wharf.Header, name, token string) int {
	n := 0
	for _, v := range h.Values(name) {
		for m := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(m), token) {
				n++
			}
		}
	}
	return n
}

// A streamed answer is compressed from its first Flush, whatever its
// size, and each Flush makes what was written decodable.
func TestHandlerFlush(t *testing.T) {
	for _, e := range codings {
		t.Run(e.String(), func(t *testing.T) {
			rec := wharftest.NewRecorder()
			h := Handler(wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
				w.Header().Set("Content-Type", "text/plain")
				for i := range 3 {
					w.Write([]byte("event " + strconv.Itoa(i) + "\n"))
					if err := w.Flush(); err != nil {
						t.Fatal(err)
					}
					if !rec.Flushed {
						t.Fatal("Flush did not reach the server's writer")
					}
					// The prefix sent so far decodes to what was written.
					want := []byte("event 0\nevent 1\nevent 2\n")[:8*(i+1)]
					got := make([]byte, len(want))
					zr := decoder(t, e, bytes.NewReader(bytes.Clone(rec.Body.Bytes())))
					if _, err := io.ReadFull(zr, got); err != nil || !bytes.Equal(got, want) {
						t.Fatalf("after Flush %d: %q, %v; want %q", i, got, err, want)
					}
				}
			}), Config{})
			r := wharftest.NewRequest("GET", "/")
			r.Header.Add("Accept-Encoding", e.String())
			h.ServeHTTP(rec, r)
			if got := rec.HeaderMap.Get("Content-Encoding"); got != e.String() {
				t.Fatalf("Content-Encoding %q", got)
			}
			if got := decode(t, e, rec.Body.Bytes()); string(got) != "event 0\nevent 1\nevent 2\n" {
				t.Fatalf("body %q", got)
			}
		})
	}
}

func TestHandlerReleaser(t *testing.T) {
	if _, ok := Handler(writePage(nil), Config{}).(wharf.RequestReleaser); ok {
		t.Error("Handler(plain handler) is a RequestReleaser")
	}
	if _, ok := Handler(releaser{writePage(nil)}, Config{}).(wharf.RequestReleaser); !ok {
		t.Error("Handler(RequestReleaser) is not a RequestReleaser")
	}
}

// A ResponseWriter kept past the handler's return writes nothing.
func TestHandlerLateUse(t *testing.T) {
	var kept wharf.ResponseWriter
	h := Handler(wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(page)
		kept = w
	}), Config{})
	rec := serve(h, "GET", "gzip")
	before := rec.Body.Len()
	if _, err := kept.Write(page); !errors.Is(err, wharf.ErrHandlerDone) {
		t.Errorf("Write after return: %v, want ErrHandlerDone", err)
	}
	if _, err := kept.WriteString("x"); !errors.Is(err, wharf.ErrHandlerDone) {
		t.Errorf("WriteString after return: %v, want ErrHandlerDone", err)
	}
	if err := kept.Flush(); !errors.Is(err, wharf.ErrHandlerDone) {
		t.Errorf("Flush after return: %v, want ErrHandlerDone", err)
	}
	if _, err := kept.(io.ReaderFrom).ReadFrom(strings.NewReader("x")); !errors.Is(err, wharf.ErrHandlerDone) {
		t.Errorf("ReadFrom after return: %v, want ErrHandlerDone", err)
	}
	kept.Header().Set("X-Late", "1")
	kept.WriteHeader(500)
	if rec.Body.Len() != before || rec.Header().Has("X-Late") {
		t.Error("a late call reached the server's writer")
	}
}

// A panicking handler leaves no completed stream behind, and the
// pooled state serves the next request correctly.
func TestHandlerPanic(t *testing.T) {
	var n int
	h := Handler(releaser{wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		w.Header().Set("Content-Type", "text/html")
		n++
		switch n {
		case 1:
			w.Write(page[:100]) // held back
			panic("before the head")
		case 2:
			w.Write(page) // compressing
			panic("in the body")
		}
		w.Write(page)
	})}, Config{})
	rec := wharftest.NewRecorder()
	func() {
		defer func() { recover() }()
		r := wharftest.NewRequest("GET", "/")
		r.Header.Add("Accept-Encoding", "gzip")
		h.ServeHTTP(rec, r)
	}()
	if rec.Code != 0 || rec.Body.Len() != 0 {
		t.Errorf("panic before MinSize: status %d and %d body bytes sent, want nothing", rec.Code, rec.Body.Len())
	}
	rec = wharftest.NewRecorder()
	func() {
		defer func() { recover() }()
		r := wharftest.NewRequest("GET", "/")
		r.Header.Add("Accept-Encoding", "gzip")
		h.ServeHTTP(rec, r)
	}()
	if _, err := io.ReadAll(decoder(t, Gzip, bytes.NewReader(rec.Body.Bytes()))); err == nil {
		t.Error("panic mid-body: the gzip stream is complete, want it cut")
	}
	rec = serve(h, "GET", "gzip")
	if got := decode(t, Gzip, rec.Body.Bytes()); !bytes.Equal(got, page) {
		t.Error("the request after the panics was answered wrong")
	}
}

// discard is a ResponseWriter that keeps its header's memory and
// discards the body, like the server's own for a RequestReleaser.
type discard struct {
	h    wharf.Header
	code int
	n    int
}

func (d *discard) Header() *wharf.Header               { return &d.h }
func (d *discard) WriteHeader(code int)                { d.code = code }
func (d *discard) Write(p []byte) (int, error)         { d.n += len(p); return len(p), nil }
func (d *discard) WriteString(s string) (int, error)   { d.n += len(s); return len(s), nil }
func (d *discard) Flush() error                        { return nil }
func (d *discard) ReadFrom(r io.Reader) (int64, error) { return io.Copy(io.Discard, r) }
func (d *discard) reset()                              { d.h, d.code, d.n = d.h[:0], 0, 0 }

// Answers that are not compressed cost no allocation through a
// RequestReleaser.
func TestHandlerAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	small := text(500)
	for _, tc := range []struct {
		name string
		ae   string
		next wharf.HandlerFunc
	}{
		{"no Accept-Encoding, compressible", "", writePage(page, "Content-Type", "text/html")},
		{"identity only", "identity", writePage(page, "Content-Type", "text/html")},
		{"image", "gzip, br", writePage(page, "Content-Type", "image/png")},
		{"small declared", "gzip, br", writePage(small, "Content-Type", "text/html", "Content-Length", "500")},
		{"small held back", "gzip, br", writePage(small, "Content-Type", "text/html")},
		{"already encoded", "gzip, br", writePage(page, "Content-Type", "text/html", "Content-Encoding", "br")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := Handler(releaser{tc.next}, Config{})
			r := wharftest.NewRequest("GET", "/")
			if tc.ae != "" {
				r.Header.Add("Accept-Encoding", tc.ae)
			}
			d := &discard{}
			allocs := testing.AllocsPerRun(200, func() {
				d.reset()
				h.ServeHTTP(d, r)
			})
			if allocs != 0 {
				t.Errorf("%.1f allocations per request, want 0", allocs)
			}
			if d.code != 200 || d.n == 0 {
				t.Errorf("status %d, %d bytes", d.code, d.n)
			}
		})
	}
}

// A compressed answer through a RequestReleaser allocates at most a
// couple of small objects in steady state.
func TestHandlerCompressAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	for _, e := range codings {
		h := Handler(releaser{writePage(page, "Content-Type", "text/html")}, Config{})
		r := wharftest.NewRequest("GET", "/")
		r.Header.Add("Accept-Encoding", e.String())
		d := &discard{}
		allocs := testing.AllocsPerRun(50, func() {
			d.reset()
			h.ServeHTTP(d, r)
		})
		if allocs > 1 {
			t.Errorf("%v: %.1f allocations per request, want at most 1", e, allocs)
		}
	}
}

func BenchmarkHandlerGzip(b *testing.B) {
	h := Handler(releaser{wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		for i := 0; i < len(page); i += 4096 {
			w.Write(page[i:min(i+4096, len(page))])
		}
	})}, Config{})
	r := wharftest.NewRequest("GET", "/")
	r.Header.Add("Accept-Encoding", "gzip, deflate")
	d := &discard{}
	b.ReportAllocs()
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		d.reset()
		h.ServeHTTP(d, r)
	}
}
