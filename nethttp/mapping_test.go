package nethttp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/tlsconfig"
)

// A net/http handler routed by wharf's ServeMux sees its pattern and
// path values.
func TestWrapUnderWharfMux(t *testing.T) {
	mux := wharf.NewServeMux()
	mux.Handle("GET /items/{id}/{rest...}", Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s|%s|%s|%s", r.Pattern, r.PathValue("id"), r.PathValue("rest"), r.PathValue("none"))
	})))
	addr := startWharfHandler(t, mux, nil)
	res, body := rawExchange(t, addr, "GET", "GET /items/42/a/b%20c HTTP/1.1\r\nHost: h\r\n\r\n")
	if want := "GET /items/{id}/{rest...}|42|a/b c|"; res.StatusCode != 200 || body != want {
		t.Errorf("%d %q, want %q", res.StatusCode, body, want)
	}
}

// A wharf handler routed by net/http's ServeMux sees its pattern, path
// values and the request's context.
func TestToHTTPUnderNetHTTPMux(t *testing.T) {
	type key struct{}
	mux := http.NewServeMux()
	mux.Handle("GET /w/{name}/{$}", ToHTTP(wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		fmt.Fprintf(w, "%s|%s|%v", r.Pattern, r.PathValue("name"), r.Context().Value(key{}))
	})))
	withValue := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), key{}, "carried")))
	})
	addr := startNetHTTP(t, withValue)
	res, body := rawExchange(t, addr, "GET", "GET /w/x%2Fy/ HTTP/1.1\r\nHost: h\r\n\r\n")
	if want := "GET /w/{name}/{$}|x/y|carried"; res.StatusCode != 200 || body != want {
		t.Errorf("%d %q, want %q", res.StatusCode, body, want)
	}
}

func TestNextWildcard(t *testing.T) {
	for pattern, want := range map[string]string{
		"/":                               "",
		"GET /a/{x}/b/{y...}":             "x,y",
		"example.com/{$}":                 "",
		"/a/{x}/{$}":                      "x",
		"POST h.example/{a}{b}/{rest...}": "a,b,rest",
		"/{unclosed":                      "",
	} {
		var names []string
		for name, i := nextWildcard(pattern, 0); i >= 0; name, i = nextWildcard(pattern, i) {
			names = append(names, name)
		}
		if got := strings.Join(names, ","); got != want {
			t.Errorf("%q: %q, want %q", pattern, got, want)
		}
	}
}

// Over TLS, the handler's Request.TLS is the connection's state.
func TestWrapTLS(t *testing.T) {
	cert, err := tlsconfig.SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	addr := startWharf(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			io.WriteString(w, "no TLS")
			return
		}
		fmt.Fprintf(w, "TLS %s, handshake %v", tls.VersionName(r.TLS.Version), r.TLS.HandshakeComplete)
	}), func(s *wharf.Server) {
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	})
	c := newClient(t)
	c.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: pool}
	res, body := do(t, c, "GET", "https://"+addr+"/", nil)
	if res.StatusCode != 200 || !strings.HasPrefix(body, "TLS TLS 1.3, handshake true") {
		t.Errorf("%d %q", res.StatusCode, body)
	}
}
