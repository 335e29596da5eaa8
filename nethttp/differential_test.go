package nethttp

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// differentialMux is the set of handlers the differential test serves
// with net/http's server and with wharf through Wrap.
func differentialMux(t *testing.T) http.Handler {
	dir := t.TempDir()
	mtime := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for name, content := range map[string]string{
		"a.txt":            "alpha file\n",
		"sub/index.html":   "<h1>index</h1>",
		"big.bin":          strings.Repeat("0123456789", 10000),
		"page.html":        "<p>page</p>",
		"noext":            "\x00\x01binary",
		"sub/other.css":    "body{}",
		"unicode-é.txt":    "é",
		"spaces in it.txt": "spaces",
	} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(content), 0o644)
		os.Chtimes(p, mtime, mtime)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "Hello, World!")
	})
	mux.HandleFunc("/sniff", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<html><body>sniffed</body></html>")
	})
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "n": 3})
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/target?x=1", http.StatusFound)
	})
	mux.HandleFunc("/error", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "I'm a teapot", http.StatusTeapot)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(b)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, strings.Repeat("x", 3000))
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		for i := 0; i < 20; i++ {
			io.WriteString(w, strings.Repeat("y", 1000))
		}
	})
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		for i := 0; i < 3; i++ {
			fmt.Fprintf(w, "part %d\n", i)
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/cookie", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "a", Value: "1", Path: "/", HttpOnly: true})
		http.SetCookie(w, &http.Cookie{Name: "b", Value: "2", MaxAge: 60})
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("/request", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		keys := make([]string, 0, len(r.Header))
		for k := range r.Header {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		fmt.Fprintf(w, "method=%s url=%s path=%q rawpath=%q query=%q host=%s uri=%s proto=%s/%d.%d cl=%d te=%v close=%v nobody=%v\n",
			r.Method, r.URL, r.URL.Path, r.URL.RawPath, r.URL.RawQuery, r.Host, r.RequestURI,
			r.Proto, r.ProtoMajor, r.ProtoMinor, r.ContentLength, r.TransferEncoding, r.Close, r.Body == http.NoBody)
		for _, k := range keys {
			fmt.Fprintf(w, "%s: %q\n", k, r.Header[k])
		}
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "body=%q form=%v\n", b, r.URL.Query())
	})
	mux.HandleFunc("/content", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"c1"`)
		http.ServeContent(w, r, "content.txt", mtime, strings.NewReader("abcdefghijklmnopqrstuvwxyz"))
	})
	mux.HandleFunc("/maxbytes", func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 8)
		if _, err := io.ReadAll(r.Body); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				http.Error(w, "too large", http.StatusRequestEntityTooLarge)
				return
			}
		}
		io.WriteString(w, "fits")
	})
	mux.HandleFunc("/nocontent", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Test", "nc")
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/created", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("/declared", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5000")
		io.WriteString(w, strings.Repeat("d", 5000))
	})
	mux.HandleFunc("/early-hints", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</a.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		io.WriteString(w, "after hints")
	})
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "item %s", r.PathValue("id"))
	})
	mux.HandleFunc("/options", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, OPTIONS")
	})
	mux.Handle("/timeout/", http.TimeoutHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/timeout/slow" {
			<-r.Context().Done()
			return
		}
		io.WriteString(w, "in time")
	}), 30*time.Millisecond, "too slow"))
	mux.Handle("/files/", http.StripPrefix("/files", http.FileServer(http.Dir(dir))))
	return mux
}

// exception names a difference the test allows, and why.
type exception struct {
	what, why string
}

// A differential case: one raw request, sent to both servers.
type diffCase struct {
	name, method, raw string
	except            []exception // differences allowed: "status", "body", "framing", "close", "interim", or a header name
}

var (
	exFraming  = exception{"framing", "net/http sends a body of more than 2 KB that the handler did not size chunked; wharf buffers 4 KB and sends a Content-Length up to that"}
	exClose    = exception{"close", "net/http closes after a MaxBytesReader overflow (it cannot tell what is left unread); wharf discards a small unread rest and keeps the connection"}
	exInterim  = exception{"interim", "wharf sends no interim answer but 100 Continue: 103 Early Hints is dropped"}
	exContinue = exception{"interim", "the client sent its body with the head: wharf sends 100 Continue only while the body is still to come (RFC 9110 10.1.1 allows either); net/http sends it on the first read"}
)

func differentialCases() []diffCase {
	const h = "Host: example.com\r\n"
	get := func(name, target string, hdr string, ex ...exception) diffCase {
		return diffCase{name: name, method: "GET", raw: "GET " + target + " HTTP/1.1\r\n" + h + hdr + "\r\n", except: ex}
	}
	return []diffCase{
		get("hello", "/hello", ""),
		get("sniff", "/sniff", ""),
		get("json", "/json", ""),
		get("redirect", "/redirect", ""),
		get("error", "/error", ""),
		get("not-found", "/nothing-here", ""),
		get("big-unsized", "/big", "", exFraming),
		get("huge-unsized", "/huge", ""),
		get("declared-length", "/declared", ""),
		get("stream", "/stream", ""),
		get("cookie", "/cookie", ""),
		get("request-fields", "/request?a=1&b=%20x&a=2", "accept: */*\r\nx-lower-case: v\r\nX-Multi: 1\r\nX-Multi: 2\r\nPragma: no-cache\r\n"),
		get("request-escaped-path", "/request/a%2Fb%20c?q", ""),
		get("request-odd-path", "/request/it's(1)!*", ""),
		get("request-force-query", "/request?", ""),
		{name: "request-absolute-form", method: "GET", raw: "GET http://other.example/request?z=9 HTTP/1.1\r\nHost: ignored.example\r\n\r\n"},
		{name: "request-http10", method: "GET", raw: "GET /request HTTP/1.0\r\n\r\n"},
		{name: "request-http10-keepalive", method: "GET", raw: "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
		{name: "request-post-length", method: "POST", raw: "POST /request HTTP/1.1\r\n" + h + "Content-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world"},
		{name: "request-post-chunked", method: "POST", raw: "POST /request HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"},
		{name: "request-expect-continue", method: "POST", raw: "POST /echo HTTP/1.1\r\n" + h + "Expect: 100-continue\r\nContent-Length: 4\r\n\r\nbody", except: []exception{exContinue}},
		{name: "options-asterisk", method: "OPTIONS", raw: "OPTIONS * HTTP/1.1\r\n" + h + "\r\n"},
		{name: "head-hello", method: "HEAD", raw: "HEAD /hello HTTP/1.1\r\n" + h + "\r\n"},
		{name: "head-file", method: "HEAD", raw: "HEAD /files/a.txt HTTP/1.1\r\n" + h + "\r\n"},
		get("no-content", "/nocontent", ""),
		get("created-empty", "/created", ""),
		get("early-hints", "/early-hints", "", exInterim),
		get("mux-path-value", "/items/42", ""),
		{name: "mux-405", method: "POST", raw: "POST /items/42 HTTP/1.1\r\n" + h + "Content-Length: 0\r\n\r\n"},
		get("mux-clean-path", "/a/../hello", ""),
		get("content", "/content", ""),
		get("content-range", "/content", "Range: bytes=3-7\r\n"),
		get("content-suffix-range", "/content", "Range: bytes=-4\r\n"),
		get("content-bad-range", "/content", "Range: bytes=40-50\r\n"),
		get("content-if-none-match", "/content", "If-None-Match: \"c1\"\r\n"),
		get("content-if-match-fails", "/content", "If-Match: \"nope\"\r\n"),
		get("content-if-modified-since", "/content", "If-Modified-Since: Fri, 02 Jan 2026 03:04:05 GMT\r\n"),
		get("content-if-unmodified-since", "/content", "If-Unmodified-Since: Thu, 01 Jan 2026 00:00:00 GMT\r\n"),
		get("content-if-range-stale", "/content", "If-Range: \"old\"\r\nRange: bytes=0-1\r\n"),
		{name: "maxbytes-over", method: "POST", raw: "POST /maxbytes HTTP/1.1\r\n" + h + "Content-Length: 20\r\n\r\n01234567890123456789", except: []exception{exClose}},
		{name: "maxbytes-under", method: "POST", raw: "POST /maxbytes HTTP/1.1\r\n" + h + "Content-Length: 3\r\n\r\nabc"},
		get("timeout-slow", "/timeout/slow", ""),
		get("timeout-fast", "/timeout/fast", ""),
		get("files-file", "/files/a.txt", ""),
		get("files-sniffed", "/files/noext", ""),
		get("files-html", "/files/page.html", ""),
		get("files-dir-redirect", "/files/sub", ""),
		get("files-index", "/files/sub/", ""),
		get("files-index-html-redirect", "/files/sub/index.html", ""),
		get("files-listing", "/files/", ""),
		get("files-escaped", "/files/spaces%20in%20it.txt", ""),
		get("files-unicode", "/files/unicode-%C3%A9.txt", ""),
		get("files-big", "/files/big.bin", ""),
		get("files-big-range", "/files/big.bin", "Range: bytes=5000-94999\r\n"),
		get("files-multi-range", "/files/a.txt", "Range: bytes=0-1,3-4\r\n"),
		get("files-missing", "/files/missing", ""),
		get("files-dotdot", "/files/../a.txt", ""),
		get("files-not-modified", "/files/a.txt", "If-Modified-Since: Fri, 02 Jan 2026 03:04:05 GMT\r\n"),
	}
}

// comparedHeaders are the response fields compared between the two
// servers (Date is checked for presence only: its value is the time).
var comparedHeaders = []string{
	"Content-Type", "Content-Encoding", "Content-Range", "Content-Disposition", "Location",
	"Last-Modified", "Etag", "Allow", "Set-Cookie", "Cache-Control", "Vary", "Accept-Ranges",
	"X-Content-Type-Options", "X-Test", "Link",
}

// An answer as the differential test compares it.
type answer struct {
	interim []int
	status  int
	header  http.Header
	body    string
	length  int64 // Content-Length, or -1 when chunked or delimited by close
	close   bool
}

// exchangeOne sends raw on a new connection and reads the answer,
// interim answers (1xx) included.
func exchangeOne(t *testing.T, addr, method, raw string) answer {
	t.Helper()
	c := send(t, addr, raw)
	defer c.Close()
	br := bufio.NewReader(c)
	var a answer
	for range 5 {
		res, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			t.Fatalf("reading the answer: %v", err)
		}
		if res.StatusCode >= 100 && res.StatusCode < 200 {
			a.interim = append(a.interim, res.StatusCode)
			continue
		}
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatalf("reading the body: %v", err)
		}
		a.status, a.header, a.body, a.length, a.close = res.StatusCode, res.Header, string(b), res.ContentLength, res.Close
		return a
	}
	t.Fatal("more than 4 interim answers")
	return a
}

// sameBoundary replaces the random boundary of a multipart answer
// (multi-range) by the other server's, so the rest can be compared.
func sameBoundary(a, b *answer) {
	boundary := func(x *answer) string {
		_, bd, ok := strings.Cut(x.header.Get("Content-Type"), "boundary=")
		if !ok {
			return ""
		}
		return bd
	}
	ba, bb := boundary(a), boundary(b)
	if ba == "" || bb == "" {
		return
	}
	a.body = strings.ReplaceAll(a.body, ba, bb)
	a.header.Set("Content-Type", strings.ReplaceAll(a.header.Get("Content-Type"), ba, bb))
	// Boundaries are of one length (net/http's multipart writer), so
	// Content-Length needs no change.
}

// TestDifferential serves the same handlers with net/http's server and
// with wharf through Wrap, sends both the same requests, and compares
// the status, the body and the fields that matter. Every difference
// allowed is named in the case with its reason.
func TestDifferential(t *testing.T) {
	mux := differentialMux(t)
	std := startNetHTTP(t, mux)
	wh := startWharf(t, mux, nil)
	for _, tc := range differentialCases() {
		t.Run(tc.name, func(t *testing.T) {
			want := exchangeOne(t, std, tc.method, tc.raw)
			got := exchangeOne(t, wh, tc.method, tc.raw)
			sameBoundary(&got, &want)
			allowed := func(what string) bool {
				return slices.ContainsFunc(tc.except, func(e exception) bool { return e.what == what })
			}
			used := map[string]bool{}
			differ := func(what string, g, w any) {
				if allowed(what) {
					used[what] = true
					return
				}
				t.Errorf("%s: wharf %v, net/http %v", what, g, w)
			}
			if !slices.Equal(got.interim, want.interim) {
				differ("interim", got.interim, want.interim)
			}
			if got.status != want.status {
				differ("status", got.status, want.status)
			}
			if got.body != want.body {
				differ("body", fmt.Sprintf("%.200q", got.body), fmt.Sprintf("%.200q", want.body))
			}
			if (got.length >= 0) != (want.length >= 0) || got.length >= 0 && got.length != want.length {
				differ("framing", got.length, want.length)
			}
			if got.close != want.close {
				differ("close", got.close, want.close)
			}
			for _, k := range comparedHeaders {
				if g, w := got.header.Values(k), want.header.Values(k); !slices.Equal(g, w) {
					differ(k, g, w)
				}
			}
			if got.header.Get("Date") == "" || want.header.Get("Date") == "" {
				differ("Date", got.header.Get("Date"), want.header.Get("Date"))
			}
			for _, e := range tc.except {
				if !used[e.what] {
					t.Errorf("exception %q (%s) is not needed any more: remove it", e.what, e.why)
				}
			}
		})
	}
}
