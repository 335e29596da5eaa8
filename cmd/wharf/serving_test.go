package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// The flags of issue 8, end to end: run serves, Go's net/http client
// asks.

// answer is a result with what only the response knows.
type answer struct {
	result
	uncompressed bool // the client undid a Content-Encoding it asked for
	encoding     string
}

// ask makes one request with extra fields (name, value pairs) and
// reads the whole answer. Unless the fields set Accept-Encoding, the
// client asks for gzip and decodes it itself (resp.Uncompressed).
func ask(t *testing.T, c *http.Client, method, url string, fields ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(fields); i += 2 {
		req.Header.Add(fields[i], fields[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return answer{
		result:       result{resp.StatusCode, resp.Header, string(body)},
		uncompressed: resp.Uncompressed,
		encoding:     resp.Header.Get("Content-Encoding"),
	}
}

// writeFiles writes name -> content under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// lowCostHash is a bcrypt hash at the lowest cost, so tests run fast.
func lowCostHash(t *testing.T, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func TestHeaderFlag(t *testing.T) {
	dir, _ := makeSite(t)
	r := startRun(t, "--addr", "127.0.0.1:0",
		"--header", "X-Frame-Options: DENY",
		"--header", "Link:</style.css>; rel=preload",
		"--header", "Link: </a.json>; rel=preload  ",
		"--header", "Cache-Control: no-cache",
		dir)
	c := newClient()
	for _, p := range []string{"/", "/style.css", "/missing", "/sub"} {
		got := ask(t, c, "GET", r.url(p))
		if v := got.header.Get("X-Frame-Options"); v != "DENY" {
			t.Errorf("GET %s (%d): X-Frame-Options %q", p, got.status, v)
		}
		if v := got.header.Values("Link"); len(v) != 2 || v[0] != "</style.css>; rel=preload" || v[1] != "</a.json>; rel=preload" {
			t.Errorf("GET %s: Link %q", p, v)
		}
		if v := got.header.Values("Cache-Control"); len(v) != 1 || v[0] != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q", p, v)
		}
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	r.checkGoroutines()
}

// WHARF_HEADER holds one field per line; the repeatable flags'
// variables all do.
func TestRepeatableFlagsFromEnv(t *testing.T) {
	hashA, hashB := lowCostHash(t, "pw-a"), lowCostHash(t, "pw-b")
	t.Setenv("WHARF_HEADER", "X-A: 1, 2\r\n\nX-B: three\n")
	t.Setenv("WHARF_CORS", "https://a.example, https://b.example\nhttps://c.example")
	t.Setenv("WHARF_BASIC_AUTH", "alice:"+hashA+"\nbob:"+hashB)
	o, err := parseFlags(nil, new(bytes.Buffer))
	if err != nil {
		t.Fatal(err)
	}
	if len(o.headers) != 2 || o.headers[0].Name != "X-A" || o.headers[0].Value != "1, 2" || o.headers[1].Value != "three" {
		t.Errorf("headers %q", o.headers)
	}
	if got := o.corsArgs.values; strings.Join(got, " ") != "https://a.example https://b.example https://c.example" {
		t.Errorf("cors %q", got)
	}
	if got := o.basicAuth.values; len(got) != 2 || got[1] != "bob:"+hashB {
		t.Errorf("basic auth %q", got)
	}

	// A flag on the command line replaces the variable's values.
	o, err = parseFlags([]string{"--header", "X-C: 4"}, new(bytes.Buffer))
	if err != nil {
		t.Fatal(err)
	}
	if len(o.headers) != 1 || o.headers[0].Name != "X-C" {
		t.Errorf("headers %q, want only the command line's", o.headers)
	}

	// End to end.
	t.Setenv("WHARF_ADDR", "127.0.0.1:0")
	r := startRun(t)
	c := newClient()
	got := ask(t, c, "GET", r.url("/"), "Origin", "https://c.example")
	if got.status != 401 || got.header.Get("X-A") != "1, 2" || got.header.Get("X-B") != "three" ||
		got.header.Get("Access-Control-Allow-Origin") != "https://c.example" {
		t.Errorf("GET / without credentials: %d %v", got.status, got.header)
	}
	for _, cred := range [][2]string{{"alice", "pw-a"}, {"bob", "pw-b"}} {
		req, _ := http.NewRequest("GET", r.url("/"), nil)
		req.SetBasicAuth(cred[0], cred[1])
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET / as %s: %d", cred[0], resp.StatusCode)
		}
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
}

func TestCORSFlag(t *testing.T) {
	dir, _ := makeSite(t)
	hash := lowCostHash(t, "builder")
	r := startRun(t, "--addr", "127.0.0.1:0", "--cors", "https://a.example,HTTPS://B.example:443",
		"--basic-auth", "bob:"+hash, dir)
	c := newClient()

	// A preflight needs no credentials: CORS answers it outside auth.
	got := ask(t, c, "OPTIONS", r.url("/a.json"), "Origin", "https://a.example",
		"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization,range")
	if got.status != 204 {
		t.Errorf("preflight: %d, want 204", got.status)
	}
	for name, want := range map[string]string{
		"Access-Control-Allow-Origin":  "https://a.example",
		"Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
		"Access-Control-Allow-Headers": "Authorization, Range",
		"Access-Control-Max-Age":       "7200",
		"Vary":                         "Origin",
		"Www-Authenticate":             "",
	} {
		if v := got.header.Get(name); v != want {
			t.Errorf("preflight: %s %q, want %q", name, v, want)
		}
	}

	// The request itself: with credentials, readable by the origin.
	req, _ := http.NewRequest("GET", r.url("/a.json"), nil)
	req.Header.Set("Origin", "https://b.example")
	req.SetBasicAuth("bob", "builder")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "https://b.example" ||
		!strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "ETag") {
		t.Errorf("GET with Origin and credentials: %d %v", resp.StatusCode, resp.Header)
	}

	// Without credentials: 401, which the origin's script can read.
	got = ask(t, c, "GET", r.url("/a.json"), "Origin", "https://a.example")
	if got.status != 401 || got.header.Get("Access-Control-Allow-Origin") != "https://a.example" {
		t.Errorf("GET without credentials: %d %v", got.status, got.header)
	}

	// Another origin: no CORS fields, and its preflight goes to auth.
	got = ask(t, c, "OPTIONS", r.url("/a.json"), "Origin", "https://evil.example", "Access-Control-Request-Method", "GET")
	if got.status != 401 || got.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin: %d %v", got.status, got.header)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}

	// "*": any origin, on every answer.
	r = startRun(t, "--addr", "127.0.0.1:0", "--cors", "*", dir)
	got = ask(t, c, "GET", r.url("/style.css"), "Origin", "https://any.example")
	if got.status != 200 || got.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("--cors '*': %d %v", got.status, got.header)
	}
	got = ask(t, c, "OPTIONS", r.url("/style.css"), "Origin", "https://any.example", "Access-Control-Request-Method", "GET")
	if got.status != 204 || got.header.Get("Access-Control-Allow-Methods") != "GET, HEAD, OPTIONS" {
		t.Errorf("--cors '*' preflight: %d %v", got.status, got.header)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	r.checkGoroutines()
}

func TestBasicAuthFlag(t *testing.T) {
	dir, _ := makeSite(t)
	r := startRun(t, "--addr", "127.0.0.1:0", "--access-log",
		"--basic-auth", "alice:"+lowCostHash(t, "wonder land"),
		"--basic-auth", "bob:"+lowCostHash(t, "builder"), dir)
	c := newClient()

	got := ask(t, c, "GET", r.url("/"))
	if got.status != 401 || got.header.Get("Www-Authenticate") != `Basic realm="wharf", charset="UTF-8"` || got.body != "401 Unauthorized\n" {
		t.Errorf("GET / without credentials: %d %v %q", got.status, got.header, got.body)
	}
	for _, tc := range []struct {
		user, pass string
		status     int
	}{
		{"bob", "nope", 401},
		{"carol", "builder", 401},
		{"alice", "builder", 401},
		{"bob", "builder", 200},
		{"bob", "builder", 200}, // from the cache
		{"alice", "wonder land", 200},
	} {
		req, _ := http.NewRequest("GET", r.url("/"), nil)
		req.SetBasicAuth(tc.user, tc.pass)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("GET / as %s:%s: %d, want %d", tc.user, tc.pass, resp.StatusCode, tc.status)
		}
		if tc.status == 200 && !strings.Contains(string(body), "root index") {
			t.Errorf("GET / as %s: body %q", tc.user, body)
		}
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	// The access log records the refusals, and never the credentials.
	log := r.stderr.String()
	if !strings.Contains(log, `"GET / HTTP/1.1" 401 `) || strings.Contains(log, "builder") || strings.Contains(log, "Ym9i") {
		t.Errorf("access log:\n%s", log)
	}
}

func TestHashPassword(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"--hash-password"}, strings.NewReader("correct horse\n"), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	out := stdout.String()
	if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
		t.Fatalf("printed %q, want one line", out)
	}
	hash := []byte(strings.TrimSuffix(out, "\n"))
	if err := bcrypt.CompareHashAndPassword(hash, []byte("correct horse")); err != nil {
		t.Errorf("hash %q does not verify: %v", hash, err)
	}
	if cost, err := bcrypt.Cost(hash); err != nil || cost != 12 {
		t.Errorf("cost %d, %v; want 12", cost, err)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr %q", stderr.String())
	}
	// The hash is what --basic-auth takes.
	if _, err := parseFlags([]string{"--basic-auth", "u:" + string(hash)}, io.Discard); err != nil {
		t.Errorf("--basic-auth with the printed hash: %v", err)
	}
}

func TestReadPassword(t *testing.T) {
	for in, want := range map[string]string{
		"pw\n":                         "pw",
		"pw\r\n":                       "pw",
		"pw":                           "pw",
		"pw\nsecond line\n":            "pw",
		" spaced pw \n":                " spaced pw ",
		"\r\n":                         "", // error
		"\n":                           "",
		"":                             "",
		strings.Repeat("x", 72) + "\n": strings.Repeat("x", 72),
		strings.Repeat("x", 73) + "\n": "",
		strings.Repeat("x", 9000):      "",
	} {
		pw, err := readPassword(strings.NewReader(in))
		if want == "" {
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Errorf("readPassword(%.20q) = %q, %v; want a usage error", in, pw, err)
			}
			continue
		}
		if err != nil || string(pw) != want {
			t.Errorf("readPassword(%.20q) = %q, %v; want %q", in, pw, err, want)
		}
	}
}

func TestSymlinksFlag(t *testing.T) {
	dir, secret := makeSite(t)
	parent := filepath.Dir(dir)
	for link, target := range map[string]string{
		"out.txt":   filepath.Join(parent, "secret.txt"), // leaves DIR
		"outdir":    parent,                              // a directory outside DIR
		"alias.css": "style.css",                         // stays inside
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Skipf("symlinks: %v", err)
		}
	}
	style := readFile(t, filepath.Join(dir, "style.css"))
	for _, tc := range []struct {
		policy              string
		out, outdir, inside int
	}{
		{"", 404, 404, 200}, // the default: inside
		{"inside", 404, 404, 200},
		{"follow", 200, 200, 200},
		{"never", 404, 404, 404},
	} {
		t.Run("policy "+tc.policy, func(t *testing.T) {
			args := []string{"--addr", "127.0.0.1:0"}
			if tc.policy != "" {
				args = append(args, "--symlinks", tc.policy)
			}
			r := startRun(t, append(args, dir)...)
			c := newClient()
			for path, want := range map[string]int{"/out.txt": tc.out, "/outdir/secret.txt": tc.outdir, "/alias.css": tc.inside} {
				got := ask(t, c, "GET", r.url(path))
				if got.status != want {
					t.Errorf("GET %s: %d, want %d", path, got.status, want)
				}
				if want == 200 && path != "/alias.css" && got.body != secret {
					t.Errorf("GET %s: body %q, want the linked file", path, got.body)
				}
				if want == 200 && path == "/alias.css" && got.body != style {
					t.Errorf("GET %s: body %q", path, got.body)
				}
				if want != 200 && strings.Contains(got.body, secret) {
					t.Errorf("GET %s: the secret in a %d", path, got.status)
				}
			}
			// Whatever the policy, a request path cannot climb out.
			for _, p := range []string{"/../secret.txt", "/%2e%2e/secret.txt", "/sub/../../secret.txt", "/outdir/../secret.txt", "/outdir/%2e%2e/site/index.html"} {
				raw := rawRequest(t, r.addr, "GET "+p+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
				if strings.HasPrefix(raw, "HTTP/1.1 200") || strings.Contains(raw, secret) {
					t.Errorf("GET %s: %q", p, raw)
				}
			}
			if err := r.stop(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestCacheValidityFlag(t *testing.T) {
	dir, _ := makeSite(t)
	writeFiles(t, dir, map[string]string{"v.txt": "version 1\n"})
	edit := func(name, content string) { writeFiles(t, dir, map[string]string{name: content}) }

	// 0: every request looks at the file, so an edit shows at once.
	r := startRun(t, "--addr", "127.0.0.1:0", "--cache-validity", "0", dir)
	c := newClient()
	for i, want := range []string{"version 1\n", "version 1\n"} { // the second from memory
		if got := ask(t, c, "GET", r.url("/v.txt")); got.body != want {
			t.Fatalf("GET /v.txt #%d: %q", i, got.body)
		}
	}
	edit("v.txt", "version 22\n")
	if got := ask(t, c, "GET", r.url("/v.txt")); got.body != "version 22\n" {
		t.Errorf("GET /v.txt right after an edit with --cache-validity 0: %q", got.body)
	}
	// The 404 page is read like any file: its edits show too.
	if got := ask(t, c, "GET", r.url("/nope")); got.status != 404 || !strings.Contains(got.body, "custom not found") {
		t.Errorf("GET /nope: %d %q", got.status, got.body)
	}
	edit("404.html", "<!DOCTYPE html><p>edited not found page</p>\n")
	if got := ask(t, c, "GET", r.url("/nope")); got.status != 404 || !strings.Contains(got.body, "edited not found page") {
		t.Errorf("GET /nope after editing 404.html: %d %q", got.status, got.body)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}

	// A long validity serves the cached copy: the flag reaches the
	// file server (and 0 was not taken for its default).
	edit("v.txt", "version 1\n")
	r = startRun(t, "--addr", "127.0.0.1:0", "--cache-validity", "1h", dir)
	ask(t, c, "GET", r.url("/v.txt"))
	edit("v.txt", "version 333\n")
	if got := ask(t, c, "GET", r.url("/v.txt")); got.body != "version 1\n" {
		t.Errorf("GET /v.txt after an edit with --cache-validity 1h: %q, want the cached copy", got.body)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
}

func TestSPAFlag(t *testing.T) {
	dir, _ := makeSite(t)
	index := readFile(t, filepath.Join(dir, "index.html"))
	for _, spa := range []bool{false, true} {
		args := []string{"--addr", "127.0.0.1:0", dir}
		if spa {
			args = append([]string{"--spa"}, args...)
		}
		r := startRun(t, args...)
		c := newClient()
		got := ask(t, c, "GET", r.url("/app/settings/profile"), "Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
		if spa && (got.status != 200 || got.body != index) {
			t.Errorf("--spa: GET a route: %d %q, want 200 and index.html", got.status, got.body)
		}
		if !spa && got.status != 404 {
			t.Errorf("no --spa: GET a route: %d, want 404", got.status)
		}
		// A missing asset is a 404 either way.
		if got := ask(t, c, "GET", r.url("/app/main.js"), "Accept", "*/*"); got.status != 404 {
			t.Errorf("--spa=%v: GET a missing asset: %d, want 404", spa, got.status)
		}
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCacheControlFlag(t *testing.T) {
	dir, _ := makeSite(t)
	r := startRun(t, "--addr", "127.0.0.1:0", "--cache-control", "public, max-age=3600", dir)
	got := ask(t, newClient(), "GET", r.url("/style.css"))
	if got.status != 200 || got.header.Get("Cache-Control") != "public, max-age=3600" {
		t.Errorf("GET /style.css: %d, Cache-Control %q", got.status, got.header.Get("Cache-Control"))
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
}

func TestCompressDemo(t *testing.T) {
	r := startRun(t, "--addr", "127.0.0.1:0", "--access-log")
	c := newClient()
	for _, p := range []string{"/", "/nope", "/style.css"} {
		got := ask(t, c, "GET", r.url(p))
		if !got.uncompressed {
			t.Errorf("GET %s: not gzip-encoded (Content-Encoding %q)", p, got.encoding)
		}
		if !strings.Contains(got.header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("GET %s: Vary %q", p, got.header.Get("Vary"))
		}
	}
	got := ask(t, c, "GET", r.url("/"))
	if got.status != 200 || got.body != string(helloPage) {
		t.Errorf("GET / decoded: %d %q", got.status, got.body)
	}
	// A client that asks for nothing gets the page as it is.
	got = ask(t, c, "GET", r.url("/"), "Accept-Encoding", "identity")
	if got.encoding != "" || got.body != string(helloPage) {
		t.Errorf("GET / identity: %q %q", got.encoding, got.body)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}

	r = startRun(t, "--addr", "127.0.0.1:0", "--compress=false")
	got = ask(t, c, "GET", r.url("/"))
	if got.uncompressed || got.encoding != "" || got.body != string(helloPage) {
		t.Errorf("--compress=false: GET /: encoded %v %q", got.uncompressed, got.encoding)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
}

func TestCompressDir(t *testing.T) {
	dir, _ := makeSite(t)
	big := strings.Repeat("body { margin: 0; padding: 0; }\n", 200)
	writeFiles(t, dir, map[string]string{"big.css": big})
	for _, on := range []bool{true, false} {
		r := startRun(t, "--addr", "127.0.0.1:0", "--compress="+map[bool]string{true: "true", false: "false"}[on], dir)
		got := ask(t, newClient(), "GET", r.url("/big.css"))
		if got.status != 200 || got.body != big || got.uncompressed != on {
			t.Errorf("--compress=%v: GET /big.css: %d, decoded by the client %v", on, got.status, got.uncompressed)
		}
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPrecompressedFlag(t *testing.T) {
	dir, _ := makeSite(t)
	js := strings.Repeat("console.log('hello');\n", 100)
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write([]byte(js))
	zw.Close()
	// The sidecar after its original: an older one is stale, ignored
	// (one map, written in random order, made this test flaky).
	writeFiles(t, dir, map[string]string{"app.js": js})
	writeFiles(t, dir, map[string]string{"app.js.gz": gz.String()})

	for _, on := range []bool{true, false} {
		flag := map[bool]string{true: "--precompressed=true", false: "--precompressed=false"}[on]
		r := startRun(t, "--addr", "127.0.0.1:0", "--compress=false", flag, dir)
		// Accept-Encoding set by hand: the client leaves the body as sent.
		got := ask(t, newClient(), "GET", r.url("/app.js"), "Accept-Encoding", "gzip")
		if on && (got.encoding != "gzip" || got.body != gz.String()) {
			t.Errorf("%s: Content-Encoding %q, %d bytes; want app.js.gz as it is", flag, got.encoding, len(got.body))
		}
		if !on && (got.encoding != "" || got.body != js) {
			t.Errorf("%s: Content-Encoding %q, %d bytes; want app.js", flag, got.encoding, len(got.body))
		}
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
	}
}

// Flags that configure DIR are ignored by the demo site, with a
// warning.
func TestDirOnlyFlagsWarn(t *testing.T) {
	r := startRun(t, "--addr", "127.0.0.1:0", "--spa", "--symlinks", "follow")
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	if log := r.stderr.String(); !strings.Contains(log, `flags="--spa --symlinks"`) {
		t.Errorf("no warning for DIR-only flags:\n%s", log)
	}
	r = startRun(t, "--addr", "127.0.0.1:0")
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	if log := r.stderr.String(); strings.Contains(log, "flags ignored") {
		t.Errorf("a warning without DIR-only flags:\n%s", log)
	}
}
