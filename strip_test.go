package wharf_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/fileserver"
	"github.com/wharfhttp/wharf/wharftest"
)

func TestStripPrefix(t *testing.T) {
	for _, tc := range []struct {
		prefix, target string
		path           string // the inner handler's Path; "" for 404
	}{
		{"/static/", "/static/a.css?v=1", "/a.css"},
		{"/static/", "/static/", "/"},
		{"/static/", "/static", ""},
		{"/static/", "/static/d/e/", "/d/e/"},
		{"/static", "/static/a.css", "/a.css"},
		{"/static", "/static", "/"},
		{"/static", "/staticfoo", ""},
		{"/static", "/stat", ""},
		{"/static/", "/st%61tic/a%20b", "/a%20b"},
		{"/my files/", "/my%20files/x", "/x"},
		{"/a/b/", "/a%2Fb/x", ""}, // an escaped "/" is not a separator
		{"/a/b", "/a/b%2Fx", ""},
		{"/api", "/API/x", ""},
		{"/", "/x/y", "/x/y"},
		{"/v1/", "/v2/x", ""},
	} {
		var inner *wharf.Request
		h := wharf.StripPrefix(tc.prefix, wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
			inner = r
		}))
		r := wharftest.NewRequest("GET", tc.target)
		r.SetPathValue("v", "1")
		r.Pattern = "/pattern/"
		before := *r
		rec := wharftest.NewRecorder()
		h.ServeHTTP(rec, r)
		code, _, body := rec.Result()
		if tc.path == "" {
			if inner != nil || code != 404 || string(body) != "404 page not found\n" {
				t.Errorf("StripPrefix(%q) %s: %d %q, called %v; want 404", tc.prefix, tc.target, code, body, inner != nil)
			}
			continue
		}
		if inner == nil {
			t.Errorf("StripPrefix(%q) %s: %d, handler not called", tc.prefix, tc.target, code)
			continue
		}
		if inner.Path != tc.path || inner.Target != tc.target || inner.RawQuery != r.RawQuery ||
			inner.PathValue("v") != "1" || inner.Pattern != "/pattern/" {
			t.Errorf("StripPrefix(%q) %s: inner Path %q Target %q RawQuery %q v=%q Pattern %q; want Path %q, the rest unchanged",
				tc.prefix, tc.target, inner.Path, inner.Target, inner.RawQuery, inner.PathValue("v"), inner.Pattern, tc.path)
		}
		if inner == r || r.Path != before.Path {
			t.Errorf("StripPrefix(%q) %s: the caller's Request was changed (Path %q)", tc.prefix, tc.target, r.Path)
		}
	}

	h := wharf.HandlerFunc(func(wharf.ResponseWriter, *wharf.Request) {})
	if got := wharf.StripPrefix("", h); got == nil {
		t.Error("StripPrefix with an empty prefix returned nil")
	}
	fs := fileserver.New(os.DirFS(t.TempDir()), fileserver.Config{})
	defer fs.Close()
	if _, ok := wharf.StripPrefix("/static/", fs).(wharf.RequestReleaser); !ok {
		t.Error("StripPrefix around a RequestReleaser is not one")
	}
	if _, ok := wharf.StripPrefix("/static/", h).(wharf.RequestReleaser); ok {
		t.Error("StripPrefix around a plain handler claims to be a RequestReleaser")
	}
}

// TestStripPrefixFileServer mounts a file server at /static/ on a
// ServeMux, on a real server, and browses it with net/http's client:
// the mux's and the file server's redirects and the listing's links
// must all stay below /static/.
func TestStripPrefixFileServer(t *testing.T) {
	before := goleak.IgnoreCurrent()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"docs/a.txt":       "file a",
		"docs/sub/b.txt":   "file b",
		"docs/sp ace/c.md": "file c",
		"top.txt":          "top",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, err := fileserver.NewDir(dir, fileserver.Config{Browse: true})
	if err != nil {
		t.Fatal(err)
	}
	defer files.Close()
	mux := wharf.NewServeMux()
	mux.Handle("GET /static/", wharf.StripPrefix("/static/", files))
	mux.HandleFunc("GET /{$}", func(w wharf.ResponseWriter, r *wharf.Request) { w.WriteString("home") })

	base, client := serveForTest(t, before, mux)

	var hops []string
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		hops = append(hops, req.Response.Status+" "+req.Response.Header.Get("Location"))
		if len(via) > 5 {
			return errors.New("too many redirects")
		}
		return nil
	}
	get := func(u string) (*http.Response, string) {
		t.Helper()
		hops = nil
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(b)
	}

	// The mux redirects /static to /static/ (307), the file server
	// /static/docs to docs/ (301, relative), and both land below
	// /static/.
	resp, body := get(base + "/static")
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/static/" || !slices.Equal(hops, []string{"307 Temporary Redirect /static/"}) {
		t.Fatalf("GET /static: %d at %s via %q", resp.StatusCode, resp.Request.URL.Path, hops)
	}
	if !strings.Contains(body, "<title>Index of /static/</title>") {
		t.Errorf("GET /static/: the listing is not titled /static/:\n%s", body)
	}
	resp, body = get(base + "/static/docs?sort=size")
	if resp.StatusCode != 200 || resp.Request.URL.String() != base+"/static/docs/?sort=size" ||
		!slices.Equal(hops, []string{"301 Moved Permanently docs/?sort=size"}) {
		t.Fatalf("GET /static/docs: %d at %s via %q", resp.StatusCode, resp.Request.URL, hops)
	}
	if !strings.Contains(body, "<title>Index of /static/docs/</title>") {
		t.Errorf("GET /static/docs/: the listing is not titled /static/docs/:\n%s", body)
	}

	// Every link of the listing resolves below /static/ and answers
	// 200: the entries, the breadcrumbs and the parent folder.
	listing := resp.Request.URL
	links := regexp.MustCompile(`<a href="([^"#]*)"`).FindAllStringSubmatch(body, -1)
	want := map[string]string{
		"/static/docs/a.txt":   "file a",
		"/static/docs/sub/":    "b.txt",
		"/static/docs/sp ace/": "c.md",
		"/static/":             "docs",
		"/static/docs/":        "a.txt",
	}
	seen := map[string]bool{}
	for _, m := range links {
		ref, err := url.Parse(m[1])
		if err != nil {
			t.Fatalf("link %q: %v", m[1], err)
		}
		u := listing.ResolveReference(ref)
		if !strings.HasPrefix(u.Path, "/static/") {
			t.Errorf("link %q resolves to %s, outside /static/", m[1], u)
			continue
		}
		resp, body := get(u.String())
		if resp.StatusCode != 200 || len(hops) != 0 {
			t.Errorf("link %q (%s): %d via %q", m[1], u, resp.StatusCode, hops)
		}
		if w, ok := want[u.Path]; ok {
			seen[u.Path] = true
			if !strings.Contains(body, w) {
				t.Errorf("link %q (%s): body lacks %q", m[1], u, w)
			}
		}
	}
	for p := range want {
		if !seen[p] {
			t.Errorf("the listing of /static/docs/ has no link to %s; links: %q", p, links)
		}
	}

	// The file itself, the mux's own route, and what is not routed.
	if resp, body := get(base + "/static/top.txt"); resp.StatusCode != 200 || body != "top" {
		t.Errorf("GET /static/top.txt: %d %q", resp.StatusCode, body)
	}
	if resp, body := get(base + "/"); resp.StatusCode != 200 || body != "home" {
		t.Errorf("GET /: %d %q", resp.StatusCode, body)
	}
	if resp, _ := get(base + "/top.txt"); resp.StatusCode != 404 {
		t.Errorf("GET /top.txt: %d, want 404", resp.StatusCode)
	}
	req, _ := http.NewRequest("POST", base+"/static/top.txt", nil)
	if resp, err := client.Do(req); err != nil {
		t.Error(err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("POST /static/top.txt: %d Allow %q, want 405 GET, HEAD", resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
}

// serveForTest serves h on 127.0.0.1 and returns its base URL and a
// client. The cleanup closes the client's connections, shuts the
// server down, waits for Serve to return and checks for leaked
// goroutines against before, a snapshot taken before anything started.
func serveForTest(t *testing.T, before goleak.Option, h wharf.Handler) (string, *http.Client) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &wharf.Server{Handler: h}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	tr := &http.Transport{}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
			s.Close()
		}
		if err := <-done; !errors.Is(err, wharf.ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
		goleak.VerifyNone(t, before)
	})
	return "http://" + ln.Addr().String(), client
}
