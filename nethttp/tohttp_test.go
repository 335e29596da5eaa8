package nethttp

import (
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/fileserver"
)

// wharf's file server behind net/http's server and http.StripPrefix.
func TestToHTTPFileServer(t *testing.T) {
	dir := t.TempDir()
	content := strings.Repeat("static ", 2000)
	os.WriteFile(filepath.Join(dir, "site.txt"), []byte(content), 0o644)
	files, err := fileserver.NewDir(dir, fileserver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { files.Close() })
	mux := http.NewServeMux()
	mux.Handle("/static/", http.StripPrefix("/static", ToHTTP(files)))
	addr := startNetHTTP(t, mux)
	c := newClient(t)
	base := "http://" + addr + "/static/site.txt"

	res, body := do(t, c, "GET", base, nil)
	if res.StatusCode != 200 || body != content || res.Header.Get("Last-Modified") == "" {
		t.Fatalf("GET: %d, %d bytes, %v", res.StatusCode, len(body), res.Header)
	}
	res, body = do(t, c, "GET", base, nil, "Range: bytes=7-13")
	if res.StatusCode != 206 || body != "static " {
		t.Errorf("range: %d %q", res.StatusCode, body)
	}
	res, _ = do(t, c, "GET", base, nil, "If-Modified-Since: "+res.Header.Get("Last-Modified"))
	if res.StatusCode != 304 {
		t.Errorf("conditional: %d, want 304", res.StatusCode)
	}
	res, _ = do(t, c, "GET", "http://"+addr+"/static/missing", nil)
	if res.StatusCode != 404 {
		t.Errorf("missing: %d, want 404", res.StatusCode)
	}
}

// A wharf handler under net/http keeps wharf's rules: no sniffed
// Content-Type, an out-of-range code sent as 500, wharf's errors.
func TestToHTTPRules(t *testing.T) {
	errs := make(chan error, 1)
	mux := http.NewServeMux()
	mux.Handle("/nosniff", ToHTTP(wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		w.Header().Add("X-Order", "1")
		w.WriteString("<html>not sniffed")
	})))
	mux.Handle("/code", ToHTTP(wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		w.WriteHeader(1000)
	})))
	mux.Handle("/request/", ToHTTP(wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		w.Header().Set("Content-Type", "text/plain")
		b, _ := io.ReadAll(r.Body)
		io.WriteString(w, r.Method+" "+r.Target+" "+r.Path+" "+r.RawQuery+" "+r.Host+" "+r.Proto()+" "+
			r.Header.Get("Host")+" "+r.Header.Get("X-In")+" "+string(b))
	})))
	mux.Handle("/nobody", ToHTTP(wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		w.WriteHeader(204)
		_, err := w.WriteString("x")
		if !errors.Is(err, wharf.ErrBodyNotAllowed) {
			errs <- errors.New("Write after 204: " + errString(err))
			return
		}
		errs <- nil
	})))
	mux.Handle("/abort", ToHTTP(wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		panic(wharf.ErrAbortHandler)
	})))
	mux.Handle("/hijack", ToHTTP(wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		c, rw, err := w.(wharf.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		rw.Flush()
	})))
	mux.Handle("/flush", ToHTTP(wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteString("flushed")
		if err := w.Flush(); err != nil {
			w.WriteString(" " + err.Error())
		}
	})))
	addr := startNetHTTP(t, mux)
	c := newClient(t)
	base := "http://" + addr

	res, body := do(t, c, "GET", base+"/nosniff", nil)
	if _, ok := res.Header["Content-Type"]; ok || body != "<html>not sniffed" || res.Header.Get("X-Order") != "1" {
		t.Errorf("nosniff: %v %q", res.Header, body)
	}
	res, _ = do(t, c, "GET", base+"/code", nil)
	if res.StatusCode != 500 {
		t.Errorf("code 1000: %d, want 500", res.StatusCode)
	}
	_, body = do(t, c, "POST", base+"/request/a%20b?q=1", strings.NewReader("data"), "X-In: in")
	if want := "POST /request/a%20b?q=1 /request/a%20b q=1 " + addr + " HTTP/1.1 " + addr + " in data"; body != want {
		t.Errorf("request:\n got %q\nwant %q", body, want)
	}
	res, _ = do(t, c, "GET", base+"/nobody", nil)
	if err := <-errs; err != nil || res.StatusCode != 204 {
		t.Errorf("nobody: %d, %v", res.StatusCode, err)
	}
	if got := rawAll(t, addr, "GET /abort HTTP/1.1\r\nHost: h\r\n\r\n"); got != "" {
		t.Errorf("abort: %q, want nothing", got)
	}
	if got := rawAll(t, addr, "GET /hijack HTTP/1.1\r\nHost: h\r\n\r\n"); !strings.HasSuffix(got, "\r\n\r\nhijacked") {
		t.Errorf("hijack: %q", got)
	}
	_, body = do(t, c, "GET", base+"/flush", nil)
	if body != "flushed" {
		t.Errorf("flush: %q", body)
	}
}

// A wharf handler behind chi's middleware, the whole served by wharf:
// ToHTTP and Wrap in one chain.
func TestToHTTPInChain(t *testing.T) {
	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	r.Method("GET", "/hello/{name}", ToHTTP(wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteString("hello " + r.Path)
	})))
	addr := startWharf(t, r, nil)
	res, body := rawExchange(t, addr, "GET", "GET /hello/you HTTP/1.1\r\nHost: h\r\n\r\n")
	if res.StatusCode != 200 || body != "hello /hello/you" {
		t.Errorf("%d %q", res.StatusCode, body)
	}
}

type plainHTTP struct{}

func (plainHTTP) ServeHTTP(http.ResponseWriter, *http.Request) {}

type plainWharf struct{}

func (plainWharf) ServeHTTP(wharf.ResponseWriter, *wharf.Request) {}

// Wrap and ToHTTP undo each other instead of stacking.
func TestRoundTrip(t *testing.T) {
	if h := ToHTTP(Wrap(plainHTTP{})); h != (plainHTTP{}) {
		t.Errorf("ToHTTP(Wrap(h)) = %T, want h", h)
	}
	if h := Wrap(ToHTTP(plainWharf{})); h != (plainWharf{}) {
		t.Errorf("Wrap(ToHTTP(h)) = %T, want h", h)
	}
	if h := Wrap(nil); h.(*wharfHandler).h != http.DefaultServeMux {
		t.Errorf("Wrap(nil) serves %v, want http.DefaultServeMux", h.(*wharfHandler).h)
	}
}
