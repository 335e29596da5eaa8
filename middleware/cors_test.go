package middleware

import (
	"strings"
	"testing"

	"github.com/wharfhttp/wharf"
)

func TestNewCORSErrors(t *testing.T) {
	for _, tc := range []struct {
		origins []string
		want    string // in the error
	}{
		{nil, "no origins"},
		{[]string{}, "no origins"},
		{[]string{""}, `""`},
		{[]string{"*", "https://a.example"}, `"*" must be the only origin`},
		{[]string{"https://a.example", "*"}, `"*" must be the only origin`},
		{[]string{"a.example"}, `"a.example"`},
		{[]string{"https://a.example/"}, `"https://a.example/": want scheme://host[:port] with no path`},
		{[]string{"https://a.example/app"}, "no path"},
		{[]string{"https://a.example?x"}, "no path"},
		{[]string{"https://a.example#x"}, "no path"},
		{[]string{"https://user@a.example"}, "no user info"},
		{[]string{"https://"}, "bad host"},
		{[]string{"https://a example"}, "bad host"},
		{[]string{"https://a.example:"}, "empty port"},
		{[]string{"https://a.example:0"}, "port"},
		{[]string{"https://a.example:65536"}, "port"},
		{[]string{"https://a.example:08080"}, "port"},
		{[]string{"https://a.example:x"}, "port"},
		{[]string{"https://[::1"}, "IPv6"},
		{[]string{"https://[zz::1]"}, "IPv6"},
		{[]string{"https://[127.0.0.1]"}, "IPv6"},
		{[]string{"https://[::1]x"}, "want scheme"},
		{[]string{"1http://a.example"}, "want scheme"},
		{[]string{"null"}, `"null"`},
		{[]string{"https://ok.example", "https://bad.example/"}, `"https://bad.example/"`},
	} {
		h, err := NewCORS(&okHandler{}, tc.origins)
		if err == nil {
			t.Errorf("NewCORS(%q) = nil error", tc.origins)
			continue
		}
		if h != nil {
			t.Errorf("NewCORS(%q): a handler with the error", tc.origins)
		}
		if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "middleware: ") {
			t.Errorf("NewCORS(%q): error %q, want it to hold %q", tc.origins, err, tc.want)
		}
	}
}

func TestParseOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://a.example":        "https://a.example",
		"HTTPS://A.Example":        "https://a.example",
		"https://a.example:443":    "https://a.example",
		"http://a.example:80":      "http://a.example",
		"http://a.example:443":     "http://a.example:443",
		"https://a.example:8443":   "https://a.example:8443",
		"http://127.0.0.1:7878":    "http://127.0.0.1:7878",
		"http://[::1]:8080":        "http://[::1]:8080",
		"http://[2001:DB8::1]":     "http://[2001:db8::1]",
		"app-x+y.z://host_1.local": "app-x+y.z://host_1.local",
	} {
		got, err := parseOrigin(in)
		if err != nil || got != want {
			t.Errorf("parseOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// corsFields are the CORS fields an answer may carry.
var corsFields = []string{
	"Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers", "Access-Control-Max-Age", "Vary",
}

func TestCORS(t *testing.T) {
	const (
		a    = "https://a.example"
		b    = "http://b.example:8080"
		evil = "https://evil.example"
	)
	list := []string{a, "HTTP://B.example:8080"} // normalized: b
	for _, tc := range []struct {
		name    string
		origins []string
		req     *wharf.Request
		code    int
		next    bool              // next was called
		want    map[string]string // the CORS fields sent ("" for absent)
	}{
		{
			name: "any: GET with Origin", origins: []string{"*"},
			req: request("GET", "/f", "Origin", evil), code: 200, next: true,
			want: map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": corsExpose},
		},
		{
			name: "any: GET without Origin (same answer: no Vary needed)", origins: []string{"*"},
			req: request("GET", "/f"), code: 200, next: true,
			want: map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": corsExpose},
		},
		{
			name: "any: preflight", origins: []string{"*"},
			req: request("OPTIONS", "/f", "Origin", evil, "Access-Control-Request-Method", "GET",
				"Access-Control-Request-Headers", "range,if-none-match"),
			code: 204, next: false,
			want: map[string]string{
				"Access-Control-Allow-Origin":  "*",
				"Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
				"Access-Control-Allow-Headers": "Range, If-None-Match",
				"Access-Control-Max-Age":       "7200",
			},
		},
		{
			name: "list: GET from an allowed origin", origins: list,
			req: request("GET", "/f", "Origin", a), code: 200, next: true,
			want: map[string]string{"Access-Control-Allow-Origin": a, "Access-Control-Expose-Headers": corsExpose, "Vary": "Origin"},
		},
		{
			name: "list: HEAD from the second origin, given in another case", origins: list,
			req: request("HEAD", "/f", "Origin", b), code: 200, next: true,
			want: map[string]string{"Access-Control-Allow-Origin": b, "Access-Control-Expose-Headers": corsExpose, "Vary": "Origin"},
		},
		{
			name: "list: GET from another origin: no CORS fields", origins: list,
			req: request("GET", "/f", "Origin", evil), code: 200, next: true,
			want: map[string]string{"Vary": "Origin"},
		},
		{
			name: "list: origin matches exactly, not by prefix", origins: list,
			req: request("GET", "/f", "Origin", a+".evil.example"), code: 200, next: true,
			want: map[string]string{"Vary": "Origin"},
		},
		{
			name: "list: GET without Origin", origins: list,
			req: request("GET", "/f"), code: 200, next: true,
			want: map[string]string{"Vary": "Origin"},
		},
		{
			name: "list: preflight from an allowed origin", origins: list,
			req: request("OPTIONS", "/f", "Origin", a, "Access-Control-Request-Method", "GET",
				"Access-Control-Request-Headers", "authorization, x-custom, RANGE",
				"Access-Control-Request-Headers", "if-range,range"),
			code: 204, next: false,
			want: map[string]string{
				"Access-Control-Allow-Origin":  a,
				"Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
				"Access-Control-Allow-Headers": "Authorization, Range, If-Range",
				"Access-Control-Max-Age":       "7200",
				"Vary":                         "Origin",
			},
		},
		{
			name: "list: preflight asking for no fields", origins: list,
			req:  request("OPTIONS", "/f", "Origin", a, "Access-Control-Request-Method", "HEAD"),
			code: 204, next: false,
			want: map[string]string{
				"Access-Control-Allow-Origin":  a,
				"Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
				"Access-Control-Max-Age":       "7200",
				"Vary":                         "Origin",
			},
		},
		{
			name: "list: preflight from another origin goes to next", origins: list,
			req:  request("OPTIONS", "/f", "Origin", evil, "Access-Control-Request-Method", "GET"),
			code: 200, next: true,
			want: map[string]string{"Vary": "Origin"},
		},
		{
			name: "list: OPTIONS without Access-Control-Request-Method is no preflight", origins: list,
			req:  request("OPTIONS", "/f", "Origin", a),
			code: 200, next: true,
			want: map[string]string{"Access-Control-Allow-Origin": a, "Access-Control-Expose-Headers": corsExpose, "Vary": "Origin"},
		},
		{
			name: "any: OPTIONS with Access-Control-Request-Method but no Origin is no preflight", origins: []string{"*"},
			req:  request("OPTIONS", "/f", "Access-Control-Request-Method", "GET"),
			code: 200, next: true,
			want: map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": corsExpose},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := &okHandler{}
			h, err := NewCORS(next, tc.origins)
			if err != nil {
				t.Fatal(err)
			}
			code, hdr, body := serve(h, tc.req)
			if code != tc.code {
				t.Errorf("status %d, want %d", code, tc.code)
			}
			if called := next.calls > 0; called != tc.next {
				t.Errorf("next called: %v, want %v", called, tc.next)
			}
			if !tc.next && body != "" {
				t.Errorf("preflight body %q", body)
			}
			for _, name := range corsFields {
				if got := strings.Join(hdr.Values(name), " | "); got != tc.want[name] {
					t.Errorf("%s: %q, want %q", name, got, tc.want[name])
				}
			}
		})
	}
}

// A Vary that the handler inside adds is kept beside Origin.
func TestCORSVaryKept(t *testing.T) {
	h, err := NewCORS(wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		w.Header().Add("Vary", "Accept-Encoding")
	}), []string{"https://a.example"})
	if err != nil {
		t.Fatal(err)
	}
	_, hdr, _ := serve(h, request("GET", "/", "Origin", "https://a.example"))
	if got := hdr.Values("Vary"); len(got) != 2 || got[0] != "Origin" || got[1] != "Accept-Encoding" {
		t.Errorf("Vary %q", got)
	}
}

func TestCORSReleaser(t *testing.T) {
	for _, origins := range [][]string{{"*"}, {"https://a.example"}} {
		h, _ := NewCORS(&okHandler{}, origins)
		if !isReleaser(h) {
			t.Errorf("NewCORS(releaser, %q) is not a RequestReleaser", origins)
		}
		h, _ = NewCORS(plainHandler, origins)
		if isReleaser(h) {
			t.Errorf("NewCORS(plain, %q) is a RequestReleaser", origins)
		}
	}
}
