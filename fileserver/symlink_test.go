package fileserver

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// linkSite makes DIR with a file, a link inside, a link to a file
// outside and a link to a directory outside, and returns DIR.
func linkSite(t *testing.T) string {
	outside := t.TempDir()
	writeFile(t, outside, "secret.txt", "outside", past)
	writeFile(t, outside, "lib/jquery.js", "jquery", past)
	dir := t.TempDir()
	writeFile(t, dir, "page.html", "page", past)
	for link, to := range map[string]string{
		"in.html":  "page.html",
		"out.txt":  filepath.Join(outside, "secret.txt"),
		"_static":  filepath.Join(outside, "lib"),
		"loop.txt": "loop.txt",
	} {
		if err := os.Symlink(to, filepath.Join(dir, link)); err != nil {
			t.Skipf("symlinks: %v", err)
		}
	}
	return dir
}

func TestSymlinkPolicies(t *testing.T) {
	dir := linkSite(t)
	tests := []struct {
		target string
		codes  map[SymlinkPolicy]int
		body   string
	}{
		{"/page.html", map[SymlinkPolicy]int{SymlinksInside: 200, SymlinksFollow: 200, SymlinksNever: 200}, "page"},
		{"/in.html", map[SymlinkPolicy]int{SymlinksInside: 200, SymlinksFollow: 200, SymlinksNever: 404}, "page"},
		{"/out.txt", map[SymlinkPolicy]int{SymlinksInside: 404, SymlinksFollow: 200, SymlinksNever: 404}, "outside"},
		{"/_static/jquery.js", map[SymlinkPolicy]int{SymlinksInside: 404, SymlinksFollow: 200, SymlinksNever: 404}, "jquery"},
		{"/loop.txt", map[SymlinkPolicy]int{SymlinksInside: 404, SymlinksFollow: 404, SymlinksNever: 404}, ""},
		// Request paths still cannot climb out, whatever the policy.
		{"/../" + filepath.Base(dir) + "/page.html", map[SymlinkPolicy]int{SymlinksInside: 404, SymlinksFollow: 404, SymlinksNever: 404}, ""},
		{"/_static/%2e%2e/secret.txt", map[SymlinkPolicy]int{SymlinksInside: 404, SymlinksFollow: 404, SymlinksNever: 404}, ""},
	}
	for _, policy := range []SymlinkPolicy{SymlinksInside, SymlinksFollow, SymlinksNever} {
		var logs bytes.Buffer
		h := newDirHandler(t, dir, Config{Symlinks: policy, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		for _, tt := range tests {
			for range 2 {
				code, _, body := serve(h, request{"GET", tt.target, nil}).Result()
				want := tt.codes[policy]
				if code != want || want == 200 && string(body) != tt.body {
					t.Errorf("policy %d %s: %d %q; want %d", policy, tt.target, code, body, want)
				}
			}
		}
		// A refused link is logged once, at warn, with the reason.
		if policy != SymlinksFollow {
			if n := strings.Count(logs.String(), "name=out.txt"); n != 1 {
				t.Errorf("policy %d: out.txt logged %d times:\n%s", policy, n, logs.String())
			}
			if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "reason=") {
				t.Errorf("policy %d: no warning with a reason:\n%s", policy, logs.String())
			}
		}
	}
	if _, err := NewDir(dir, Config{Symlinks: 7}); err == nil {
		t.Error("NewDir accepted an unknown SymlinkPolicy")
	}
}
