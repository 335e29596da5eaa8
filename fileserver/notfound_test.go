package fileserver

import (
	"testing"
	"time"
)

func TestSPA(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "index.html", "<app>", past)
	writeFile(t, dir, "app.js", "js", past)
	h := newDirHandler(t, dir, Config{SPA: true})
	browser := "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	tests := []struct {
		method, target, accept string
		code                   int
		body                   string
	}{
		{"GET", "/app/route/42", browser, 200, "<app>"},
		{"HEAD", "/settings", browser, 200, ""},
		{"GET", "/settings", "application/xhtml+xml", 200, "<app>"},
		{"GET", "/app.js", "*/*", 200, "js"},
		// A missing asset is still a 404.
		{"GET", "/missing.js", "*/*", 404, defaultNotFoundPage},
		{"GET", "/missing.js", "", 404, defaultNotFoundPage},
		{"GET", "/missing", "text/html;q=0", 404, defaultNotFoundPage},
		{"GET", "/missing", "text/html; q=0.000", 404, defaultNotFoundPage},
		{"GET", "/missing", "text/html;level=1;q=0.5", 200, "<app>"},
	}
	for _, tt := range tests {
		check(t, tt.method+" "+tt.target+" ["+tt.accept+"]",
			serve(h, request{tt.method, tt.target, hdr("Accept", tt.accept)}), want{code: tt.code, body: tt.body})
	}
	// Without index.html, the fallback is the 404 it replaces.
	writeFile(t, t.TempDir(), "x", "", past)
	h = newDirHandler(t, t.TempDir(), Config{SPA: true})
	check(t, "no index", serve(h, request{"GET", "/route", hdr("Accept", browser)}), notFound)
}

// TestNotFoundFile: the 404 page is read like any file, so an edit is
// served once the cache sees it.
func TestNotFoundFile(t *testing.T) {
	dir := t.TempDir()
	h := newDirHandler(t, dir, Config{NotFoundFile: "404.html", NotFoundPage: []byte("fallback"), CacheValidity: -1})
	check(t, "absent", serve(h, request{"GET", "/nope", nil}), want{code: 404, body: "fallback"})
	writeFile(t, dir, "404.html", "<h1>lost</h1>", past)
	check(t, "present", serve(h, request{"GET", "/nope", nil}), want{code: 404, header: map[string]string{"Content-Length": "13"}, body: "<h1>lost</h1>"})
	writeFile(t, dir, "404.html", "<h1>gone</h1>", past.Add(time.Second))
	check(t, "edited", serve(h, request{"GET", "/nope", nil}), want{code: 404, body: "<h1>gone</h1>"})
	check(t, "HEAD", serve(h, request{"HEAD", "/nope", nil}), want{code: 404, header: map[string]string{"Content-Length": "13"}})
	// The 404 page is also served as itself.
	check(t, "itself", serve(h, request{"GET", "/404.html", nil}), want{code: 200, body: "<h1>gone</h1>"})
}

func TestCacheControl(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.txt", "0123456789", past)
	h := newDirHandler(t, dir, Config{CacheControl: "public, max-age=60"})
	cc := map[string]string{"Cache-Control": "public, max-age=60"}
	check(t, "200", serve(h, request{"GET", "/a.txt", nil}), want{code: 200, header: cc, body: "0123456789"})
	check(t, "206", serve(h, request{"GET", "/a.txt", hdr("Range", "bytes=0-1")}), want{code: 206, header: cc, body: "01"})
	_, got, _ := serve(h, request{"GET", "/a.txt", nil}).Result()
	check(t, "304", serve(h, request{"GET", "/a.txt", hdr("If-None-Match", got.Get("ETag"))}), want{code: 304, header: cc})
	check(t, "404", serve(h, request{"GET", "/b.txt", nil}), want{code: 404, header: map[string]string{"Cache-Control": absent}, body: defaultNotFoundPage})
}

// TestNotFoundFileSidecars: the cache entry a 404 fills is also the one
// a request for the page itself is served from, sidecars included.
func TestNotFoundFileSidecars(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "404.html", "<h1>lost</h1>", past)
	writeFile(t, dir, "404.html.gz", "GZ", past.Add(time.Second))
	h := newDirHandler(t, dir, Config{NotFoundFile: "404.html", Precompressed: true, CacheValidity: time.Hour})
	check(t, "404", serve(h, request{"GET", "/nope", nil}), want{code: 404, body: "<h1>lost</h1>"})
	check(t, "the page, gzip", serve(h, request{"GET", "/404.html", hdr("Accept-Encoding", "gzip")}),
		want{code: 200, header: map[string]string{"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}, body: "GZ"})
}
