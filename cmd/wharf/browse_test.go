package main

import (
	"strings"
	"testing"
)

func TestBrowseFlag(t *testing.T) {
	dir, _ := makeSite(t)
	writeFiles(t, dir, map[string]string{"docs/guide.txt": "guide\n", "docs/more/x.txt": "x\n"})

	r := startRun(t, "--addr", "127.0.0.1:0", dir)
	if got := ask(t, newClient(), "GET", r.url("/docs/")); got.status != 404 {
		t.Errorf("GET /docs/ without --browse: %d, want 404", got.status)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}

	r = startRun(t, "--addr", "127.0.0.1:0", "--browse", dir)
	got := ask(t, newClient(), "GET", r.url("/docs/"), "Accept", "text/html")
	if got.status != 200 || !strings.HasPrefix(got.header.Get("Content-Type"), "text/html") ||
		!strings.Contains(got.body, "guide.txt") || !strings.Contains(got.body, "more/") {
		t.Errorf("GET /docs/ with --browse: %d %q %q", got.status, got.header.Get("Content-Type"), got.body)
	}
	got = ask(t, newClient(), "GET", r.url("/docs/"), "Accept", "application/json")
	if got.status != 200 || !strings.HasPrefix(got.header.Get("Content-Type"), "application/json") || !strings.Contains(got.body, `"guide.txt"`) {
		t.Errorf("GET /docs/ as JSON with --browse: %d %q %q", got.status, got.header.Get("Content-Type"), got.body)
	}
	// A directory with an index.html still serves it.
	if got := ask(t, newClient(), "GET", r.url("/sub/")); got.status != 200 || !strings.Contains(got.body, "sub index") {
		t.Errorf("GET /sub/ with --browse: %d %q", got.status, got.body)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
}
