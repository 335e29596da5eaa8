package corpus

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func dir(t *testing.T) string {
	t.Helper()
	dir, err := Dir()
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("no corpus (../shared/conformance beside the repository): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoad(t *testing.T) {
	dir := dir(t)
	ll, err := LoadLLHTTP(dir)
	if err != nil {
		t.Fatal(err)
	}
	pico, err := LoadPico(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ll) < 100 || len(pico) < 50 {
		t.Fatalf("%d llhttp and %d picohttpparser cases; the corpus has more", len(ll), len(pico))
	}
	for _, c := range ll {
		if c.Verdict == "" || c.Name == "" || (len(c.Server) == 0 && c.Verdict != "finish") {
			t.Errorf("llhttp #%d %q: verdict %q, %d bytes", c.ID, c.Name, c.Verdict, len(c.Server))
		}
	}
	for _, c := range pico {
		if c.Fn == "" || len(c.Raw) == 0 && len(c.Chunked) == 0 {
			t.Errorf("pico %s:%d: no bytes", c.Fn, c.Line)
		}
	}
}

func TestMissing(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadLLHTTP(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadLLHTTP(empty dir) = %v, want os.ErrNotExist", err)
	}
	if _, err := LoadPico(filepath.Join(dir, "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadPico(missing dir) = %v, want os.ErrNotExist", err)
	}
}
