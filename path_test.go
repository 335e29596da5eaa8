package wharf_test

import (
	"testing"

	"github.com/wharfhttp/wharf"
)

func TestDecodedPath(t *testing.T) {
	for raw, want := range map[string]string{
		"/":            "/",
		"/a%20b/c":     "/a b/c",
		"/a%2Fb":       "/a/b",
		"/caf%C3%A9+x": "/café+x",
		"/%zz":         "",
		"/%4":          "",
		"/100%25/%7e":  "/100%/~",
	} {
		r := &wharf.Request{Path: raw}
		got, err := r.DecodedPath()
		if want == "" {
			if err == nil {
				t.Errorf("DecodedPath(%q) = %q, want an error", raw, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("DecodedPath(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	r := &wharf.Request{Path: "/static/app.js"}
	if n := testing.AllocsPerRun(100, func() { r.DecodedPath() }); n != 0 {
		t.Errorf("DecodedPath of a path without escapes: %v allocations", n)
	}
}
