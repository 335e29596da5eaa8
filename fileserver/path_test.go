package fileserver

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/wharftest"
)

var resolvePathTests = []struct {
	raw    string
	name   string
	dir    bool
	status int
}{
	{"/", ".", true, 0},
	{"/a", "a", false, 0},
	{"/a/", "a", true, 0},
	{"/a/b.txt", "a/b.txt", false, 0},
	{"/a%20b", "a b", false, 0},
	{"/%41", "A", false, 0},
	{"/%e2%9c%93", "\u2713", false, 0},
	{"/a%3Fb", "a?b", false, 0},
	{"/a%25b", "a%b", false, 0},
	{"/a;b=c", "a;b=c", false, 0},
	{"/...", "", false, 404}, // a dotfile
	{"/.well-known", ".well-known", false, 0},
	{"/.well-known/", ".well-known", true, 0},
	{"/.well-known/acme-challenge/tok", ".well-known/acme-challenge/tok", false, 0},
	{"/%2ewell-known/x", ".well-known/x", false, 0},

	// 400: not origin-form, or a malformed escape.
	{"", "", false, 400},
	{"*", "", false, 400},
	{"a", "", false, 400},
	{"http://h/a", "", false, 400},
	{"\\a", "", false, 400},
	{"/%", "", false, 400},
	{"/%4", "", false, 400},
	{"/%4g", "", false, 400},
	{"/%g4", "", false, 400},
	{"/%%41", "", false, 400},
	{"/a%", "", false, 400},
	{"/%u002e", "", false, 400},

	// 404: dot-segments, empty segments, encoded slashes, backslashes,
	// controls, invalid UTF-8.
	{"/.", "", false, 404},
	{"/..", "", false, 404},
	{"/../", "", false, 404},
	{"/../a", "", false, 404},
	{"/a/..", "", false, 404},
	{"/a/../b", "", false, 404},
	{"/a/./b", "", false, 404},
	{"/%2e", "", false, 404},
	{"/%2e%2e", "", false, 404},
	{"/%2E%2e/", "", false, 404},
	{"/.%2e/", "", false, 404},
	{"/..%2f", "", false, 404},
	{"/..%2F..%2Fetc%2Fpasswd", "", false, 404},
	{"/%2f", "", false, 404},
	{"/a%2fb", "", false, 404},
	{"/%5c", "", false, 404},
	{"/\\..\\", "", false, 404},
	{"/a\\b", "", false, 404},
	{"/%00", "", false, 404},
	{"/a%00.txt", "", false, 404},
	{"/a\x00", "", false, 404},
	{"/%0d%0a", "", false, 404},
	{"/%1f", "", false, 404},
	{"/%7f", "", false, 404},
	{"/%c0%ae", "", false, 404},
	{"/%c0%ae%c0%ae/", "", false, 404},
	{"/%c0%af", "", false, 404},
	{"/%e0%80%ae", "", false, 404},
	{"/%ed%a0%80", "", false, 404}, // a UTF-16 surrogate
	{"/%ff", "", false, 404},
	{"/\xc0\xae", "", false, 404},
	{"//", "", false, 404},
	{"//a", "", false, 404},
	{"///a", "", false, 404},
	{"/a//b", "", false, 404},
	{"/a//", "", false, 404},
	{"/a/b//", "", false, 404},
	{"//etc/passwd", "", false, 404},
	{"/a/../../etc/passwd", "", false, 404},

	// Dotfiles.
	{"/.env", "", false, 404},
	{"/a/.git/config", "", false, 404},
	{"/a/.git/", "", false, 404},
	{"/.well-known/.x", "", false, 404},
	{"/a/.well-known/x", "", false, 404},
	{"/.well-knownx", "", false, 404},
}

func TestResolvePath(t *testing.T) {
	for _, tt := range resolvePathTests {
		got, status := resolvePath(tt.raw, false)
		if status != tt.status || got.name != tt.name || got.dir != tt.dir {
			t.Errorf("resolvePath(%q) = %q, dir %v, status %d; want %q, %v, %d",
				tt.raw, got.name, got.dir, status, tt.name, tt.dir, tt.status)
		}
	}
}

func TestResolvePathDotfiles(t *testing.T) {
	tests := []struct {
		raw    string
		name   string
		status int
	}{
		{"/.env", ".env", 0},
		{"/a/.git/config", "a/.git/config", 0},
		{"/...", "...", 0},
		{"/.well-known/.x", ".well-known/.x", 0},
		{"/..", "", 404},
		{"/.", "", 404},
		{"/./", "", 404},
		{"/a/./.env", "", 404},
	}
	for _, tt := range tests {
		got, status := resolvePath(tt.raw, true)
		if status != tt.status || got.name != tt.name {
			t.Errorf("resolvePath(%q, allowDotfiles) = %q, status %d; want %q, %d", tt.raw, got.name, status, tt.name, tt.status)
		}
	}
}

func TestEscape(t *testing.T) {
	paths := []struct{ in, want string }{
		{"a", "a"},
		{"a/b.txt", "a/b.txt"},
		{"a b", "a%20b"},
		{"a?b#c", "a%3Fb%23c"},
		{"100%", "100%25"},
		{"\u00e9", "%C3%A9"},
		{"a;b=c,d:e@f!$&'()*+~_-.", "a;b=c,d:e@f!$&'()*+~_-."},
		{"<>\"`{}|^[]", "%3C%3E%22%60%7B%7D%7C%5E%5B%5D"},
	}
	for _, tt := range paths {
		if got := escapePath(tt.in); got != tt.want {
			t.Errorf("escapePath(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
	queries := []struct{ in, want string }{
		{"", ""},
		{"a=1&b=2", "a=1&b=2"},
		{"a=%41%4a", "a=%41%4a"},
		{"q=/x?y:z@", "q=/x?y:z@"},
		{"a b", "a%20b"},
		{"%", "%25"},
		{"%4", "%254"},
		{"%zz", "%25zz"},
		{"\r\nX: y", "%0D%0AX:%20y"},
		{"#frag", "%23frag"},
		{"\xff\x00", "%FF%00"},
	}
	for _, tt := range queries {
		if got := escapeQuery(tt.in); got != tt.want {
			t.Errorf("escapeQuery(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzPath checks, for any request target and any raw path, that the
// handler never panics, never serves anything but the files of its
// root (in particular never the secret beside it, which symlinks in
// the root point to), and only ever sends a Location that names a
// directory right below the requested one ("dir/": see childRedirect),
// made of URI characters.
func FuzzPath(f *testing.F) {
	for _, tt := range resolvePathTests {
		f.Add(tt.raw)
	}
	for _, s := range []string{
		"/link-out", "/link-abs", "/dirlink-out/other.txt", "/dirlink-out", "/link-in",
		"/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/secret.txt", "/sub/../../secret.txt",
		"/dirlink-in", "/sub?a=%0d%0a", "//evil.com", "/\\evil.com", "http://evil.com/..",
		"/.env", "/fifo", "/loop", "/sub/",
	} {
		f.Add(s)
	}
	site, secret := makeSite(f, f.TempDir())
	// The cache must not change any answer: every request is served
	// by an uncached handler and twice (a fill, then a hit) by a
	// cached one, and the three answers must agree. The cache is
	// emptied before each input and its validity is long, so that the
	// coverage of an input does not depend on earlier inputs or on
	// the clock (the fuzzer's minimizer needs that).
	h, err := NewDir(site, Config{CacheValidity: time.Hour})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { h.Close() })
	uncached, err := NewDir(site, Config{CacheMaxFileSize: -1})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { uncached.Close() })
	// What the root may serve: its files, the 404 page, fixed bodies.
	served := map[string]bool{"": true, "<h1>home</h1>": true, "hello": true, "page": true,
		defaultNotFoundPage: true, badRequestBody: true, methodNotAllowedBody: true}

	f.Fuzz(func(t *testing.T, target string) {
		h.cache.purge()
		r1 := wharftest.NewRequest("GET", target)
		r2 := wharftest.NewRequest("GET", "/")
		r2.Path = target
		for _, r := range []*wharf.Request{r1, r2, r1, r2} {
			rec := serveReq(h, r)
			code, hdr, body := rec.Result()
			if bytes.Contains(body, []byte(secret)) {
				t.Fatalf("target %q: the secret was served", target)
			}
			if !served[string(body)] {
				t.Fatalf("target %q: unexpected body %q", target, body)
			}
			switch code {
			case 200, 301, 400, 404:
			default:
				t.Fatalf("target %q: status %d", target, code)
			}
			loc := hdr.Get("Location")
			if (code == 301) != (loc != "") {
				t.Fatalf("target %q: status %d with Location %q", target, code, loc)
			}
			if loc != "" && (!childRedirect(loc) || !uriChars(loc)) {
				t.Fatalf("target %q: unsafe Location %q", target, loc)
			}
			ucode, uhdr, ubody := serveReq(uncached, r).Result()
			if code != ucode || !bytes.Equal(body, ubody) || fmt.Sprint(hdr) != fmt.Sprint(uhdr) {
				t.Fatalf("target %q: cached %d %q %q; uncached %d %q %q", target, code, hdr, body, ucode, uhdr, ubody)
			}
		}
	})
}

func serveReq(h *Handler, r *wharf.Request) *wharftest.Recorder {
	rec := wharftest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// childRedirect reports whether the Location loc names a directory
// right below the request's (what redirectToDir writes): "seg/" or
// "./seg/", with seg a single segment other than "." and "..", and a
// colon only after "./" (else "seg:" would read as a scheme), then
// maybe a query. So it can neither climb nor leave for another host.
func childRedirect(loc string) bool {
	p, _, _ := strings.Cut(loc, "?")
	dotSlash := strings.HasPrefix(p, "./")
	seg, ok := strings.CutSuffix(strings.TrimPrefix(p, "./"), "/")
	return ok && seg != "" && seg != "." && seg != ".." && !strings.ContainsAny(seg, "/\\") &&
		(dotSlash || !strings.Contains(seg, ":"))
}

// uriChars reports whether s holds only characters allowed in a URI
// reference (RFC 3986 2: unreserved, reserved and "%").
func uriChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isPchar(c) && !strings.ContainsRune("/?#[]%", rune(c)) {
			return false
		}
	}
	return true
}

// TestFuzzSecretIsReachable makes sure the fuzz test's secret would be
// noticed: it is where the links point, and readable.
func TestFuzzSecretIsReachable(t *testing.T) {
	dir := t.TempDir()
	site, secret := makeSite(t, dir)
	for _, name := range []string{"link-out", "link-abs"} {
		b, err := os.ReadFile(filepath.Join(site, name))
		if err != nil || string(b) != secret {
			t.Fatalf("reading %s through the OS: %q, %v; want the secret", name, b, err)
		}
	}
}
