package wharf

import (
	"strings"
	"testing"
)

func TestHostname(t *testing.T) {
	for in, want := range map[string]string{
		"example.com": "example.com", "example.com:80": "example.com", "example.com:": "example.com",
		"[::1]:8080": "::1", "[::1]": "[::1]", "a:b:80": "a:b:80", ":0]": ":0]",
	} {
		if got := hostname(in); got != want {
			t.Errorf("hostname(%q) = %q, want %q", in, got, want)
		}
		if n := testing.AllocsPerRun(10, func() { hostname(in) }); n != 0 && strings.Contains(in, "example") {
			t.Errorf("hostname(%q): %v allocations", in, n)
		}
	}
}

func TestCleanPathAllocs(t *testing.T) {
	for _, p := range []string{"/", "/a/b", "/a/b/", "/static/app.js"} {
		if n := testing.AllocsPerRun(100, func() { cleanPath(p) }); n != 0 || cleanPath(p) != p {
			t.Errorf("cleanPath(%q) = %q, %v allocations", p, cleanPath(p), n)
		}
	}
}
