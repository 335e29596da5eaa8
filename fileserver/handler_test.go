package fileserver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/wharftest"
)

var (
	// t0 is the modification time of the test files.
	t0   = time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	t0LM = "Mon, 06 May 2024 07:08:09 GMT"
	// testNow is the handlers' clock in tests.
	testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
)

func etagOf(mtime time.Time, size int) string {
	return fmt.Sprintf(`"%x-%x"`, mtime.UnixNano(), size)
}

func testFS() fstest.MapFS {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s), ModTime: t0} }
	return fstest.MapFS{
		"index.html":               file("<h1>home</h1>"),
		"hello.txt":                file("hello"),
		"notime.txt":               {Data: []byte("no time")},
		"future.txt":               {Data: []byte("future"), ModTime: testNow.Add(time.Hour)},
		"docs/index.html":          file("<h1>docs</h1>"),
		"docs/page.html":           file("page"),
		"noindex/a.txt":            file("a"),
		"idxdir/index.html/x":      file("x"),
		"a b.txt":                  file("a b"),
		"sp ace/index.html":        file("space"),
		"q?.txt":                   file("question"),
		"q?dir/index.html":         file("qdir"),
		"pct%dir/index.html":       file("pct"),
		"\u2713":                   file("check"),
		"\u00e9/index.html":        file("e-acute"),
		"style.CSS":                file("b{}"),
		"app.mjs":                  file("export{}"),
		"blob.unknownzzz":          file("blob"),
		"noext":                    file("noext"),
		".env":                     file("SECRET=1"),
		".well-known/security.txt": file("Contact: x"),
		".well-known/.hidden":      file("hidden"),
		"dir/.git/config":          file("[core]"),
		"fifo":                     {Mode: fs.ModeNamedPipe},
	}
}

// A want describes an expected response. Header fields listed with
// the value absent must not be present.
type want struct {
	code   int
	header map[string]string
	body   string
}

const absent = "\x00absent"

var (
	notFound = want{code: 404, header: map[string]string{
		"Content-Type":           "text/html; charset=utf-8",
		"Content-Length":         fmt.Sprint(len(defaultNotFoundPage)),
		"X-Content-Type-Options": "nosniff",
		"Location":               absent,
		"ETag":                   absent,
	}, body: defaultNotFoundPage}
	badRequest = want{code: 400, header: map[string]string{
		"Content-Type":   "text/plain; charset=utf-8",
		"Content-Length": fmt.Sprint(len(badRequestBody)),
	}, body: badRequestBody}
)

func ok(ctype, body string, mtime time.Time) want {
	w := want{code: 200, header: map[string]string{
		"Content-Type":           ctype,
		"Content-Length":         fmt.Sprint(len(body)),
		"X-Content-Type-Options": "nosniff",
		"Accept-Ranges":          "bytes",
		"ETag":                   absent,
		"Last-Modified":          absent,
	}, body: body}
	if !mtime.IsZero() {
		w.header["ETag"] = etagOf(mtime, len(body))
		w.header["Last-Modified"] = mtime.UTC().Format(timeFormat)
	}
	return w
}

func redirect(loc string) want {
	return want{code: 301, header: map[string]string{"Location": loc, "Content-Length": "0"}}
}

func notModified(etag, lm string) want {
	if etag == "" {
		etag, lm = absent, absent
	}
	return want{code: 304, header: map[string]string{
		"ETag": etag, "Last-Modified": lm, "Content-Type": absent, "Content-Length": absent,
	}}
}

var (
	helloOK   = ok("text/plain; charset=utf-8", "hello", t0)
	helloETag = etagOf(t0, 5)
	failed    = want{code: 412, header: map[string]string{"Content-Length": "0", "ETag": absent}}
)

// check compares a recorded response with w.
func check(t *testing.T, what string, rec *wharftest.Recorder, w want) {
	t.Helper()
	code, h, body := rec.Result()
	if code != w.code {
		t.Errorf("%s: status %d; want %d (header %q, body %.80q)", what, code, w.code, h, body)
		return
	}
	for name, v := range w.header {
		got, has := h.Get(name), h.Has(name)
		switch {
		case v == absent && has:
			t.Errorf("%s: %s: %q; want none", what, name, got)
		case v != absent && got != v:
			t.Errorf("%s: %s: %q; want %q", what, name, got, v)
		}
	}
	if string(body) != w.body {
		t.Errorf("%s: body %.80q; want %.80q", what, body, w.body)
	}
}

type request struct {
	method, target string
	header         wharf.Header
}

func (r request) String() string {
	s := r.method + " " + r.target
	for _, f := range r.header {
		s += fmt.Sprintf(" [%s: %s]", f.Name, f.Value)
	}
	return fmt.Sprintf("%q", s)
}

func serve(h *Handler, req request) *wharftest.Recorder {
	r := wharftest.NewRequest(req.method, req.target)
	r.Header = append(r.Header, req.header...)
	rec := wharftest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// head returns w as it is for a HEAD request: the same header, no
// body.
func head(w want) want {
	w.body = ""
	return w
}

func hdr(kv ...string) wharf.Header {
	var h wharf.Header
	for i := 0; i < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func TestServeHTTP(t *testing.T) {
	h := New(testFS(), Config{})
	h.now = func() time.Time { return testNow }
	tests := []struct {
		req  request
		want want
	}{
		// Files.
		{request{"GET", "/", nil}, ok("text/html; charset=utf-8", "<h1>home</h1>", t0)},
		{request{"GET", "/index.html", nil}, ok("text/html; charset=utf-8", "<h1>home</h1>", t0)},
		{request{"GET", "/hello.txt", nil}, helloOK},
		{request{"GET", "/hello.txt?x=1", nil}, helloOK},
		{request{"GET", "http://example.com/hello.txt", nil}, helloOK},
		{request{"HEAD", "/hello.txt", nil}, head(helloOK)},
		{request{"GET", "/notime.txt", nil}, ok("text/plain; charset=utf-8", "no time", time.Time{})},
		{request{"GET", "/a%20b.txt", nil}, ok("text/plain; charset=utf-8", "a b", t0)},
		{request{"GET", "/q%3F.txt", nil}, ok("text/plain; charset=utf-8", "question", t0)},
		{request{"GET", "/%E2%9C%93", nil}, ok(defaultType, "check", t0)},
		{request{"GET", "/style.CSS", nil}, ok("text/css; charset=utf-8", "b{}", t0)},
		{request{"GET", "/app.mjs", nil}, ok("text/javascript; charset=utf-8", "export{}", t0)},
		{request{"GET", "/blob.unknownzzz", nil}, ok(defaultType, "blob", t0)},
		{request{"GET", "/noext", nil}, ok(defaultType, "noext", t0)},
		{request{"GET", "/h%65llo.txt", nil}, helloOK},

		// A future modification time is sent as now (RFC 9110 8.8.2.1).
		{request{"GET", "/future.txt", nil}, want{code: 200, header: map[string]string{
			"Last-Modified": testNow.Format(timeFormat),
			"ETag":          etagOf(testNow.Add(time.Hour), 6),
		}, body: "future"}},

		// Directories.
		{request{"GET", "/docs/", nil}, ok("text/html; charset=utf-8", "<h1>docs</h1>", t0)},
		{request{"GET", "/docs/page.html", nil}, ok("text/html; charset=utf-8", "page", t0)},
		{request{"GET", "/docs", nil}, redirect("docs/")},
		{request{"HEAD", "/docs", nil}, redirect("docs/")},
		{request{"GET", "/d%6fcs", nil}, redirect("docs/")},
		{request{"GET", "/docs?x=1&y=%41", nil}, redirect("docs/?x=1&y=%41")},
		{request{"GET", "/docs?a b", nil}, redirect("docs/?a%20b")},
		{request{"GET", "/docs?%zz%4", nil}, redirect("docs/?%25zz%254")},
		{request{"GET", "/docs?\r\nSet-Cookie: a=b", nil}, redirect("docs/?%0D%0ASet-Cookie:%20a=b")},
		{request{"GET", "/docs?/x?y", nil}, redirect("docs/?/x?y")},
		{request{"GET", "/docs?\xff<script>", nil}, redirect("docs/?%FF%3Cscript%3E")},
		{request{"GET", "/sp%20ace", nil}, redirect("sp%20ace/")},
		{request{"GET", "/sp%20ace/", nil}, ok("text/html; charset=utf-8", "space", t0)},
		{request{"GET", "/q%3Fdir", nil}, redirect("q%3Fdir/")},
		{request{"GET", "/pct%25dir", nil}, redirect("pct%25dir/")},
		{request{"GET", "/%C3%A9", nil}, redirect("%C3%A9/")},
		{request{"GET", "/noindex", nil}, redirect("noindex/")},
		{request{"GET", "/noindex/", nil}, notFound},
		{request{"GET", "/idxdir/", nil}, notFound}, // index.html is a directory
		{request{"GET", "/hello.txt/", nil}, notFound},
		{request{"GET", "/docs/page.html/", nil}, notFound},

		// Open redirects: a Location must never start with "//".
		{request{"GET", "//docs", nil}, notFound},
		{request{"GET", "//evil.com", nil}, notFound},
		{request{"GET", "///evil.com", nil}, notFound},
		{request{"GET", "/%2Fevil.com", nil}, notFound},
		{request{"GET", "/%2fdocs", nil}, notFound},
		{request{"GET", "/\\evil.com", nil}, notFound},
		{request{"GET", "/%5Cevil.com", nil}, notFound},
		{request{"GET", "/%09/evil.com", nil}, notFound},

		// Traversal and disguised paths.
		{request{"GET", "/..", nil}, notFound},
		{request{"GET", "/../", nil}, notFound},
		{request{"GET", "/%2e%2e", nil}, notFound},
		{request{"GET", "/%2E%2e/", nil}, notFound},
		{request{"GET", "/..%2f", nil}, notFound},
		{request{"GET", "/..%2fhello.txt", nil}, notFound},
		{request{"GET", "/%2f", nil}, notFound},
		{request{"GET", "/%5c", nil}, notFound},
		{request{"GET", "/\\..\\", nil}, notFound},
		{request{"GET", "/..\\hello.txt", nil}, notFound},
		{request{"GET", "/%00", nil}, notFound},
		{request{"GET", "/hello.txt%00", nil}, notFound},
		{request{"GET", "/hello.txt%00.png", nil}, notFound},
		{request{"GET", "/ctl%0a", nil}, notFound},
		{request{"GET", "/del%7f", nil}, notFound},
		{request{"GET", "/a/../../etc/passwd", nil}, notFound},
		{request{"GET", "/docs/../hello.txt", nil}, notFound},
		{request{"GET", "/./hello.txt", nil}, notFound},
		{request{"GET", "/docs/./", nil}, notFound},
		{request{"GET", "/docs//page.html", nil}, notFound},
		{request{"GET", "/docs//", nil}, notFound},
		{request{"GET", "//etc/passwd", nil}, notFound},
		{request{"GET", "//", nil}, notFound},
		{request{"GET", "/%c0%ae%c0%ae/", nil}, notFound},
		{request{"GET", "/%c0%ae%c0%ae/hello.txt", nil}, notFound},
		{request{"GET", "/%e0%80%ae", nil}, notFound},
		{request{"GET", "/%ff", nil}, notFound},
		{request{"GET", "/\xff", nil}, notFound},
		{request{"GET", "/missing", nil}, notFound},
		{request{"HEAD", "/missing", nil}, head(notFound)},
		{request{"GET", "/fifo", nil}, notFound},
		{request{"GET", "/hello.txt/x", nil}, notFound},

		// Dotfiles.
		{request{"GET", "/.env", nil}, notFound},
		{request{"GET", "/%2eenv", nil}, notFound},
		{request{"GET", "/dir/.git/config", nil}, notFound},
		{request{"GET", "/dir/.git", nil}, notFound},
		{request{"GET", "/.well-known/security.txt", nil}, ok("text/plain; charset=utf-8", "Contact: x", t0)},
		{request{"GET", "/%2Ewell-known/security.txt", nil}, ok("text/plain; charset=utf-8", "Contact: x", t0)},
		{request{"GET", "/.well-known", nil}, redirect(".well-known/")},
		{request{"GET", "/.well-known/", nil}, notFound},
		{request{"GET", "/.well-known/.hidden", nil}, notFound},

		// Malformed paths.
		{request{"GET", "/%", nil}, badRequest},
		{request{"GET", "/%4", nil}, badRequest},
		{request{"GET", "/%zz", nil}, badRequest},
		{request{"GET", "/%%", nil}, badRequest},
		{request{"GET", "/a%g1", nil}, badRequest},
		{request{"GET", "/%2", nil}, badRequest},
		{request{"HEAD", "/%", nil}, head(badRequest)},
		{request{"GET", "*", nil}, badRequest},
		{request{"GET", "example.com:443", nil}, badRequest},

		// Methods.
		{request{"POST", "/hello.txt", nil}, want{code: 405, header: map[string]string{
			"Allow": allowed, "Content-Length": fmt.Sprint(len(methodNotAllowedBody)),
		}, body: methodNotAllowedBody}},
		{request{"get", "/hello.txt", nil}, want{code: 405, header: map[string]string{"Allow": allowed}, body: methodNotAllowedBody}},
		{request{"DELETE", "/missing", nil}, want{code: 405, header: map[string]string{"Allow": allowed}, body: methodNotAllowedBody}},
		{request{"OPTIONS", "/hello.txt", nil}, want{code: 204, header: map[string]string{"Allow": allowed, "Content-Length": absent}}},
		{request{"OPTIONS", "*", nil}, want{code: 204, header: map[string]string{"Allow": allowed}}},

		// If-None-Match (weak comparison) and If-Modified-Since.
		{request{"GET", "/hello.txt", hdr("If-None-Match", helloETag)}, notModified(helloETag, t0LM)},
		{request{"HEAD", "/hello.txt", hdr("If-None-Match", helloETag)}, notModified(helloETag, t0LM)},
		{request{"GET", "/hello.txt", hdr("If-None-Match", "W/"+helloETag)}, notModified(helloETag, t0LM)},
		{request{"GET", "/hello.txt", hdr("If-None-Match", `"x", `+helloETag)}, notModified(helloETag, t0LM)},
		{request{"GET", "/hello.txt", hdr("If-None-Match", `"x"`, "If-None-Match", helloETag)}, notModified(helloETag, t0LM)},
		{request{"GET", "/hello.txt", hdr("If-None-Match", "*")}, notModified(helloETag, t0LM)},
		{request{"GET", "/hello.txt", hdr("If-None-Match", `"x"`)}, helloOK},
		{request{"GET", "/hello.txt", hdr("If-None-Match", strings.Trim(helloETag, `"`))}, helloOK},
		{request{"GET", "/hello.txt", hdr("If-None-Match", `"x"`, "If-Modified-Since", t0LM)}, helloOK},
		{request{"GET", "/hello.txt", hdr("If-Modified-Since", t0LM)}, notModified(helloETag, t0LM)},
		{request{"GET", "/hello.txt", hdr("If-Modified-Since", "Mon, 06 May 2024 07:08:08 GMT")}, helloOK},
		{request{"GET", "/hello.txt", hdr("If-Modified-Since", "Tue, 07 May 2024 00:00:00 GMT")}, notModified(helloETag, t0LM)},
		{request{"GET", "/hello.txt", hdr("If-Modified-Since", "Monday, 06-May-24 07:08:09 GMT")}, notModified(helloETag, t0LM)},
		{request{"GET", "/hello.txt", hdr("If-Modified-Since", "Mon May  6 07:08:09 2024")}, notModified(helloETag, t0LM)},
		{request{"GET", "/hello.txt", hdr("If-Modified-Since", "2024-05-07T00:00:00Z")}, helloOK},
		{request{"GET", "/hello.txt", hdr("If-Modified-Since", t0LM, "If-Modified-Since", t0LM)}, helloOK},
		{request{"GET", "/notime.txt", hdr("If-Modified-Since", t0LM)}, ok("text/plain; charset=utf-8", "no time", time.Time{})},
		{request{"GET", "/notime.txt", hdr("If-None-Match", "*")}, notModified("", "")},
		{request{"GET", "/notime.txt", hdr("If-None-Match", `"0-7"`)}, ok("text/plain; charset=utf-8", "no time", time.Time{})},
		{request{"GET", "/missing", hdr("If-None-Match", "*")}, notFound},

		// If-Match (strong comparison) and If-Unmodified-Since.
		{request{"GET", "/hello.txt", hdr("If-Match", helloETag)}, helloOK},
		{request{"GET", "/hello.txt", hdr("If-Match", "*")}, helloOK},
		{request{"GET", "/hello.txt", hdr("If-Match", `"x"`)}, failed},
		{request{"GET", "/hello.txt", hdr("If-Match", "W/"+helloETag)}, failed},
		{request{"GET", "/hello.txt", hdr("If-Match", "garbage")}, failed},
		{request{"GET", "/hello.txt", hdr("If-Unmodified-Since", t0LM)}, helloOK},
		{request{"GET", "/hello.txt", hdr("If-Unmodified-Since", "Mon, 06 May 2024 07:08:08 GMT")}, failed},
		{request{"GET", "/hello.txt", hdr("If-Match", helloETag, "If-Unmodified-Since", "Mon, 06 May 2024 07:08:08 GMT")}, helloOK},
		{request{"GET", "/hello.txt", hdr("If-Match", helloETag, "If-None-Match", helloETag)}, notModified(helloETag, t0LM)},
	}
	for _, tt := range tests {
		check(t, tt.req.String(), serve(h, tt.req), tt.want)
	}
}

func TestServeHTTPRawPath(t *testing.T) {
	// Paths the server's parser would not produce from origin-form,
	// set directly: the handler must still refuse them.
	h := New(testFS(), Config{})
	for _, p := range []string{"", "hello.txt", "http://evil.com/hello.txt", "*", "\\hello.txt", "%2Fhello.txt"} {
		r := wharftest.NewRequest("GET", "/")
		r.Path = p
		rec := wharftest.NewRecorder()
		h.ServeHTTP(rec, r)
		check(t, fmt.Sprintf("Path %q", p), rec, badRequest)
	}
}

func TestConfig(t *testing.T) {
	page := []byte("<p>gone</p>")
	h := New(testFS(), Config{NotFoundPage: page, AllowDotfiles: true})
	page[0] = 'X' // New keeps its own copy
	nf := want{code: 404, header: map[string]string{"Content-Type": "text/html; charset=utf-8", "Content-Length": "11"}, body: "<p>gone</p>"}
	tests := []struct {
		req  request
		want want
	}{
		{request{"GET", "/missing", nil}, nf},
		{request{"HEAD", "/missing", nil}, head(nf)},
		{request{"GET", "/.env", nil}, ok(defaultType, "SECRET=1", t0)},
		{request{"GET", "/.well-known/.hidden", nil}, ok(defaultType, "hidden", t0)},
		{request{"GET", "/dir/.git/config", nil}, ok(defaultType, "[core]", t0)},
		{request{"GET", "/dir/.git", nil}, redirect(".git/")},
		// Dot-segments stay refused.
		{request{"GET", "/..", nil}, nf},
		{request{"GET", "/./.env", nil}, nf},
		{request{"GET", "/.", nil}, nf},
		{request{"GET", "/./", nil}, nf},
		{request{"GET", "/%2e", nil}, nf},
	}
	for _, tt := range tests {
		check(t, tt.req.String(), serve(h, tt.req), tt.want)
	}

	// An empty, non-nil page is an empty page, not the default.
	h = New(testFS(), Config{NotFoundPage: []byte{}})
	check(t, "empty page", serve(h, request{"GET", "/missing", nil}), want{code: 404, header: map[string]string{"Content-Length": "0"}})
}

// errFS fails Stat and Open with err for every name but "ok.txt".
type errFS struct {
	fstest.MapFS
	err error
}

func (f errFS) Open(name string) (fs.File, error) {
	if name == "ok.txt" {
		return f.MapFS.Open(name)
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: f.err}
}

func (f errFS) Stat(name string) (fs.FileInfo, error) {
	if name == "ok.txt" {
		return f.MapFS.Stat(name)
	}
	return nil, &fs.PathError{Op: "stat", Path: name, Err: f.err}
}

func TestFileSystemErrors(t *testing.T) {
	internal := want{code: 500, header: map[string]string{"Content-Length": fmt.Sprint(len(internalErrorBody))}, body: internalErrorBody}
	tests := []struct {
		err   error
		want  want
		level slog.Level // of the log record; -100 for none
	}{
		{fs.ErrNotExist, notFound, -100},
		{syscall.ENOENT, notFound, -100},
		{syscall.ENOTDIR, notFound, -100},
		{syscall.ENAMETOOLONG, notFound, -100},
		{fs.ErrPermission, notFound, slog.LevelDebug},
		{syscall.EACCES, notFound, slog.LevelDebug},
		// Refused symbolic links: a warning, once per name, with why.
		{syscall.ELOOP, notFound, slog.LevelWarn},
		{errors.New("path escapes from parent"), notFound, slog.LevelWarn},
		{syscall.EMFILE, internal, slog.LevelError},
		{syscall.EIO, internal, slog.LevelError},
		{fs.ErrClosed, internal, slog.LevelError},
	}
	for _, tt := range tests {
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		h := New(errFS{fstest.MapFS{"ok.txt": {Data: []byte("ok")}}, tt.err}, Config{Logger: log})
		check(t, tt.err.Error(), serve(h, request{"GET", "/x%0Ay\"z", nil}), notFound) // control byte: refused before the FS
		check(t, tt.err.Error(), serve(h, request{"GET", `/a"b`, nil}), tt.want)
		check(t, "ok.txt", serve(h, request{"GET", "/ok.txt", nil}), ok("text/plain; charset=utf-8", "ok", time.Time{}))
		switch {
		case tt.level == -100 && logs.Len() != 0:
			t.Errorf("%v: logged %q; want nothing", tt.err, logs.String())
		case tt.level != -100 && !strings.Contains(logs.String(), "level="+tt.level.String()):
			t.Errorf("%v: logged %q; want a record at %v", tt.err, logs.String(), tt.level)
		case tt.level != -100 && !strings.Contains(logs.String(), `path="/a\"b"`):
			t.Errorf("%v: logged %q; want the quoted path", tt.err, logs.String())
		}
	}
}

// makeSite builds, in a temporary directory:
//
//	secret.txt                  (outside the served root)
//	outside/other.txt           (outside the served root)
//	site/index.html, hello.txt, sub/page.html, .env, fifo
//	site/link-in -> hello.txt, site/dirlink-in -> sub
//	site/link-out -> ../secret.txt, site/link-abs -> /.../secret.txt
//	site/dirlink-out -> ../outside, site/loop -> loop
//
// and returns the path of site and the secret.
func makeSite(t testing.TB, dir string) (site, secret string) {
	t.Helper()
	secret = fmt.Sprintf("TOP-SECRET-%d", time.Now().UnixNano())
	site = filepath.Join(dir, "site")
	files := map[string]string{
		"secret.txt":         secret,
		"outside/other.txt":  secret,
		"site/index.html":    "<h1>home</h1>",
		"site/hello.txt":     "hello",
		"site/sub/page.html": "page",
		"site/.env":          secret,
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"link-in":     "hello.txt",
		"dirlink-in":  "sub",
		"link-out":    "../secret.txt",
		"link-abs":    filepath.Join(dir, "secret.txt"),
		"dirlink-out": "../outside",
		"loop":        "loop",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(site, name)); err != nil {
			t.Skipf("symlinks not supported: %v", err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(site, "fifo"), 0o644); err != nil {
		t.Logf("no FIFO: %v", err)
	}
	return site, secret
}

func TestNewDir(t *testing.T) {
	site, secret := makeSite(t, t.TempDir())
	var logs bytes.Buffer
	h, err := NewDir(site, Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	fi, err := os.Stat(filepath.Join(site, "hello.txt"))
	if err != nil {
		t.Fatal(err)
	}
	hello := ok("text/plain; charset=utf-8", "hello", fi.ModTime())
	tests := []struct {
		req  request
		want want
	}{
		{request{"GET", "/hello.txt", nil}, hello},
		{request{"HEAD", "/hello.txt", nil}, head(hello)},
		{request{"GET", "/", nil}, want{code: 200, body: "<h1>home</h1>"}},
		{request{"GET", "/sub", nil}, redirect("sub/")},
		{request{"GET", "/sub/page.html", nil}, want{code: 200, body: "page"}},
		// os.Root allows symlinks that stay inside the root...
		{request{"GET", "/link-in", nil}, want{code: 200, header: map[string]string{"Content-Length": "5"}, body: "hello"}},
		{request{"GET", "/dirlink-in/page.html", nil}, want{code: 200, body: "page"}},
		{request{"GET", "/dirlink-in", nil}, redirect("dirlink-in/")},
		// ...and refuses those that leave it.
		{request{"GET", "/link-out", nil}, notFound},
		{request{"GET", "/link-abs", nil}, notFound},
		{request{"GET", "/dirlink-out/other.txt", nil}, notFound},
		{request{"GET", "/dirlink-out/", nil}, notFound},
		{request{"GET", "/dirlink-out", nil}, notFound},
		{request{"GET", "/loop", nil}, notFound},
		{request{"GET", "/fifo", nil}, notFound},
		{request{"GET", "/.env", nil}, notFound},
		{request{"GET", "/../secret.txt", nil}, notFound},
		{request{"GET", "/%2e%2e/secret.txt", nil}, notFound},
		{request{"GET", "/sub/..%2f..%2fsecret.txt", nil}, notFound},
		{request{"GET", "/hello.txt/", nil}, notFound},
		{request{"GET", "/hello.txt/x", nil}, notFound},
		{request{"GET", "/" + strings.Repeat("a", 300), nil}, notFound}, // ENAMETOOLONG
	}
	for _, tt := range tests {
		rec := serve(h, tt.req)
		check(t, tt.req.String(), rec, tt.want)
		if bytes.Contains(rec.Body.Bytes(), []byte(secret)) {
			t.Errorf("%s: the response holds the secret", tt.req)
		}
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("unexpected errors logged:\n%s", logs.String())
	}

	// After Close, files cannot be served: 500.
	if err := h.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := h.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	check(t, "after Close", serve(h, request{"GET", "/hello.txt", nil}),
		want{code: 500, body: internalErrorBody})
}

func TestNewDirErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		dir  string
		want error
	}{
		{filepath.Join(dir, "missing"), fs.ErrNotExist},
		{file, syscall.ENOTDIR},
	}
	for _, tt := range tests {
		h, err := NewDir(tt.dir, Config{})
		if err == nil {
			h.Close()
			t.Errorf("NewDir(%q) succeeded; want an error", tt.dir)
			continue
		}
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.dir) || !strings.HasPrefix(err.Error(), "fileserver: ") {
			t.Errorf("NewDir(%q) = %q; want an error wrapping %v naming the directory", tt.dir, err, tt.want)
		}
	}
	h, err := NewDir(dir, Config{})
	if err != nil {
		t.Fatalf("NewDir(%q): %v", dir, err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := New(fstest.MapFS{}, Config{}).Close(); err != nil {
		t.Fatalf("Close of a New Handler: %v", err)
	}
}

// discardWriter is a minimal ResponseWriter that keeps nothing, for
// counting the handler's own allocations.
type discardWriter struct {
	header wharf.Header
	code   int
	n      int64
	buf    [512]byte
}

func (w *discardWriter) Header() *wharf.Header { return &w.header }
func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(200)
	w.n += int64(len(p))
	return len(p), nil
}
func (w *discardWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }
func (w *discardWriter) Flush() error                      { return nil }

// ReadFrom reads into a fixed buffer, as the server's ReadFrom uses
// its own buffer or sendfile: io.Copy's 32 KiB buffer is not the
// handler's cost.
func (w *discardWriter) ReadFrom(src io.Reader) (int64, error) {
	w.WriteHeader(200)
	var total int64
	for {
		n, err := src.Read(w.buf[:])
		total += int64(n)
		w.n += int64(n)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// TestAllocs asserts that a cache hit allocates nothing: a small
// file, a directory's index.html, HEAD, and 304s from If-None-Match
// and If-Modified-Since. Other answers are logged.
func TestAllocs(t *testing.T) {
	site, _ := makeSite(t, t.TempDir())
	// A long validity: a revalidation (which allocates) must not fall
	// inside the measured runs, however slow the machine.
	h, err := NewDir(site, Config{CacheValidity: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	uncached, err := NewDir(site, Config{CacheMaxFileSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer uncached.Close()
	fi, err := os.Stat(filepath.Join(site, "hello.txt"))
	if err != nil {
		t.Fatal(err)
	}
	siteETag, siteLM := etagOf(fi.ModTime(), 5), fi.ModTime().UTC().Format(timeFormat)
	mapFS := New(testFS(), Config{CacheValidity: time.Hour})
	for _, tc := range []struct {
		name string
		h    *Handler
		req  request
		max  float64 // -1: just log
		code int
	}{
		{"os.Root GET /hello.txt", h, request{"GET", "/hello.txt", nil}, 0, 200},
		{"os.Root HEAD /hello.txt", h, request{"HEAD", "/hello.txt", nil}, 0, 200},
		{"os.Root GET / (index.html)", h, request{"GET", "/", nil}, 0, 200},
		{"os.Root GET /sub/page.html?q", h, request{"GET", "/sub/page.html?q=1", nil}, 0, 200},
		{"os.Root GET /hello.txt If-None-Match", h, request{"GET", "/hello.txt", hdr("If-None-Match", siteETag)}, 0, 304},
		{"os.Root GET /hello.txt If-Modified-Since", h, request{"GET", "/hello.txt", hdr("If-Modified-Since", siteLM)}, 0, 304},
		{"os.Root GET /hello.txt If-None-Match other", h, request{"GET", "/hello.txt", hdr("If-None-Match", `"x"`)}, 0, 200},
		{"MapFS GET /hello.txt", mapFS, request{"GET", "/hello.txt", nil}, 0, 200},
		{"MapFS GET /hello.txt If-None-Match", mapFS, request{"GET", "/hello.txt", hdr("If-None-Match", helloETag)}, 0, 304},
		{"os.Root GET /h%65llo.txt (decoded key)", h, request{"GET", "/h%65llo.txt", nil}, -1, 200},
		{"os.Root GET /missing", h, request{"GET", "/missing", nil}, -1, 404},
		{"uncached os.Root GET /hello.txt", uncached, request{"GET", "/hello.txt", nil}, -1, 200},
		{"uncached os.Root GET /", uncached, request{"GET", "/", nil}, -1, 200},
	} {
		r := wharftest.NewRequest(tc.req.method, tc.req.target)
		r.Header = append(r.Header, tc.req.header...)
		w := &discardWriter{header: make(wharf.Header, 0, 8)}
		allocs := testing.AllocsPerRun(100, func() {
			w.header, w.code, w.n = w.header[:0], 0, 0
			tc.h.ServeHTTP(w, r)
		})
		if w.code != tc.code {
			t.Errorf("%s: status %d; want %d", tc.name, w.code, tc.code)
		}
		if tc.max >= 0 && allocs > tc.max {
			t.Errorf("%s: %v allocations per request; want at most %v", tc.name, allocs, tc.max)
		}
		t.Logf("%s: %v allocations per request (status %d, %d body bytes)", tc.name, allocs, w.code, w.n)
	}
}

var _ wharf.RequestReleaser = (*Handler)(nil)

// TestRedirectToDirIsRelative checks that a directory redirect names
// the directory relative to the request ("dir/"), so that it works
// wherever the handler is mounted, and that a name with a colon is
// not read as a URI scheme.
func TestRedirectToDirIsRelative(t *testing.T) {
	h := New(fstest.MapFS{
		"a:b/x":       {Data: []byte("x")},
		"docs/deep/x": {Data: []byte("x")},
	}, Config{})
	for target, want := range map[string]string{
		"/a:b":         "./a:b/",
		"/a%3Ab?q=1":   "./a:b/?q=1",
		"/docs/deep":   "deep/",
		"/docs/de%65p": "deep/",
		"/docs":        "docs/",
	} {
		code, hdr, _ := serve(h, request{"GET", target, nil}).Result()
		if loc := hdr.Get("Location"); code != 301 || loc != want {
			t.Errorf("GET %s: %d Location %q, want 301 %q", target, code, loc, want)
		}
	}
}
