package middleware

import (
	"testing"

	"github.com/wharfhttp/wharf"
)

// The pass-through path of every middleware allocates nothing, so that
// a cached file served through them still costs no allocation.
func TestAllocs(t *testing.T) {
	next := &okHandler{}
	headers := Headers(next, []wharf.Field{{Name: "X-A", Value: "1"}, {Name: "Strict-Transport-Security", Value: "max-age=1"}})
	anyOrigin, err := NewCORS(next, []string{"*"})
	if err != nil {
		t.Fatal(err)
	}
	someOrigins, err := NewCORS(next, []string{"https://a.example", "https://b.example"})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := NewBasicAuth(next, "wharf", []string{"bob:" + mustHash(t, "builder")})
	if err != nil {
		t.Fatal(err)
	}
	// The whole chain the command builds, outermost first.
	chainAuth, err := NewBasicAuth(next, "wharf", []string{"bob:" + mustHash(t, "builder")})
	if err != nil {
		t.Fatal(err)
	}
	chainCORS, err := NewCORS(chainAuth, []string{"https://a.example"})
	if err != nil {
		t.Fatal(err)
	}
	chain := Headers(chainCORS, []wharf.Field{{Name: "X-A", Value: "1"}})
	if !isReleaser(chain) {
		t.Fatal("the chain is not a RequestReleaser")
	}

	creds := basic("bob:builder")
	for _, tc := range []struct {
		name string
		h    wharf.Handler
		req  *wharf.Request
		code int
	}{
		{"Headers", headers, request("GET", "/"), 200},
		{"CORS * with Origin", anyOrigin, request("GET", "/", "Origin", "https://x.example"), 200},
		{"CORS * without Origin", anyOrigin, request("GET", "/"), 200},
		{"CORS list, allowed origin", someOrigins, request("GET", "/", "Origin", "https://b.example"), 200},
		{"CORS list, other origin", someOrigins, request("GET", "/", "Origin", "https://x.example"), 200},
		{"CORS list, no Origin", someOrigins, request("GET", "/"), 200},
		{"CORS preflight, no requested fields", someOrigins, request("OPTIONS", "/", "Origin", "https://a.example", "Access-Control-Request-Method", "GET"), 204},
		{"BasicAuth, cached credentials", auth, request("GET", "/", "Authorization", creds), 200},
		{"BasicAuth, no credentials (401)", auth, request("GET", "/"), 401},
		{"chain", chain, request("GET", "/", "Origin", "https://a.example", "Authorization", creds), 200},
	} {
		w := newDiscardWriter()
		tc.h.ServeHTTP(w, tc.req) // warm up: the credentials get cached
		allocs := testing.AllocsPerRun(100, func() {
			w.reset()
			tc.h.ServeHTTP(w, tc.req)
		})
		if w.code != tc.code {
			t.Errorf("%s: status %d, want %d", tc.name, w.code, tc.code)
		}
		if allocs != 0 {
			t.Errorf("%s: %v allocations per request, want 0", tc.name, allocs)
		}
	}
}

func BenchmarkBasicAuthCached(b *testing.B) {
	h, err := NewBasicAuth(&okHandler{}, "wharf", []string{"bob:" + mustHash(b, "builder")})
	if err != nil {
		b.Fatal(err)
	}
	r := request("GET", "/", "Authorization", basic("bob:builder"))
	w := newDiscardWriter()
	h.ServeHTTP(w, r)
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		h.ServeHTTP(w, r)
	}
}
