package nethttp

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/wharftest"
)

// urlTargets are request-targets the server's parser accepts (visible
// ASCII), for the URL built without parsing and with it.
var urlTargets = []string{
	"/", "/plaintext", "/a/b/c", "/a?x=1&y=2", "/a?", "/a??", "/a?b?", "/?",
	"/a%20b", "/a%2Fb", "/%zz", "/a+b", "/a!b", "/a'b(c)*", "/a#frag", "/a;b=c",
	"/a:b@c", "/$&+,;=:@", "/~user/.x", "//double/slash", "/a b", "/é",
	"/a?q=%20&r=+", "/a?x#y", "/\\", "/a|b", "/a[b]", "/a{b}", "/a\"b", "/a<b>",
	"*", "http://example.com/x?y", "http://example.com", "HTTP://EXAMPLE.COM/A",
	"https://h:8443/p%2f", "http://[::1]:80/", "http://h#x/p", "http://h?q", "http://h/p#f",
}

// fillURL gives what url.ParseRequestURI gives, the fast path included.
func TestFillURL(t *testing.T) {
	for _, target := range urlTargets {
		checkURL(t, target)
	}
}

func checkURL(t *testing.T, target string) {
	t.Helper()
	r := wharftest.NewRequest("GET", target)
	var got url.URL
	ok := fillURL(&got, r)
	want, err := url.ParseRequestURI(target)
	if ok != (err == nil) {
		t.Errorf("%q: fillURL ok=%v, url.ParseRequestURI error %v", target, ok, err)
		return
	}
	if ok && !reflect.DeepEqual(got, *want) {
		t.Errorf("%q: fillURL gave %#v, url.ParseRequestURI %#v", target, got, *want)
	}
}

func FuzzFillURL(f *testing.F) {
	for _, target := range urlTargets {
		f.Add(target)
	}
	f.Fuzz(func(t *testing.T, target string) {
		// Only the targets the server's parser lets through: visible
		// ASCII; origin-form, "*", or an http(s) absolute-form without
		// userinfo.
		for i := 0; i < len(target); i++ {
			if target[i] <= ' ' || target[i] >= 0x7f {
				return
			}
		}
		lower := strings.ToLower(target)
		switch {
		case strings.HasPrefix(target, "/"), target == "*":
		case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"):
			if strings.Contains(target, "@") {
				return
			}
		default:
			return
		}
		checkURL(t, target)
	})
}

func TestFillHeader(t *testing.T) {
	fields := wharf.Header{
		{Name: "host", Value: "example.com"},
		{Name: "accept", Value: "a"},
		{Name: "X-Multi", Value: "1"},
		{Name: "x-multi", Value: "2"},
		{Name: "Pragma", Value: "no-cache"},
		{Name: "X_Under", Value: "u"},
	}
	n := countNames(fields)
	if n != 5 {
		t.Fatalf("countNames = %d, want 5", n)
	}
	h := make(http.Header)
	fillHeader(h, fields, make([]string, n))
	want := http.Header{
		"Accept":        {"a"},
		"X-Multi":       {"1", "2"},
		"Pragma":        {"no-cache"},
		"Cache-Control": {"no-cache"},
		"X_under":       {"u"},
	}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("got %v, want %v", h, want)
	}
}

// The http.Request a wrapped handler sees, from a real connection.
func TestRequestFields(t *testing.T) {
	type seen struct {
		Method, URL, Path, RawQuery, Proto, Host, RequestURI string
		ProtoMajor, ProtoMinor                               int
		Header                                               http.Header
		Body                                                 string
		NoBody                                               bool
		ContentLength                                        int64
		TransferEncoding                                     []string
		Close, TLSNil, TrailerNil                            bool
		RemoteIP                                             bool
	}
	got := make(chan seen, 1)
	addr := startWharf(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		buf := make([]byte, 100)
		for {
			n, err := r.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		got <- seen{
			Method: r.Method, URL: r.URL.String(), Path: r.URL.Path, RawQuery: r.URL.RawQuery,
			Proto: r.Proto, Host: r.Host, RequestURI: r.RequestURI,
			ProtoMajor: r.ProtoMajor, ProtoMinor: r.ProtoMinor, Header: r.Header,
			Body: b.String(), NoBody: r.Body == http.NoBody, ContentLength: r.ContentLength,
			TransferEncoding: r.TransferEncoding, Close: r.Close,
			TLSNil: r.TLS == nil, TrailerNil: r.Trailer == nil,
			RemoteIP: strings.HasPrefix(r.RemoteAddr, "127.0.0.1:"),
		}
	}), nil)
	for _, tc := range []struct {
		name, raw string
		want      seen
	}{
		{"get", "GET /a%20b/c?x=1 HTTP/1.1\r\nHost: example.com\r\nx-lower: v\r\nAccept: a\r\nAccept: b\r\n\r\n", seen{
			Method: "GET", URL: "/a%20b/c?x=1", Path: "/a b/c", RawQuery: "x=1", Proto: "HTTP/1.1",
			Host: "example.com", RequestURI: "/a%20b/c?x=1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"X-Lower": {"v"}, "Accept": {"a", "b"}}, NoBody: true,
		}},
		{"absolute-form", "GET http://other.example/p?q HTTP/1.1\r\nHost: ignored\r\n\r\n", seen{
			Method: "GET", URL: "http://other.example/p?q", Path: "/p", RawQuery: "q", Proto: "HTTP/1.1",
			Host: "other.example", RequestURI: "http://other.example/p?q", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, NoBody: true,
		}},
		{"post-length", "POST /p HTTP/1.0\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", seen{
			Method: "POST", URL: "/p", Path: "/p", Proto: "HTTP/1.0",
			Host: "h", RequestURI: "/p", ProtoMajor: 1, ProtoMinor: 0,
			Header: http.Header{"Content-Length": {"5"}}, Body: "hello", ContentLength: 5, Close: true,
		}},
		{"post-chunked", "POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", seen{
			Method: "POST", URL: "/p", Path: "/p", Proto: "HTTP/1.1",
			Host: "h", RequestURI: "/p", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Connection": {"close"}},
			Body:   "abcde", ContentLength: -1, TransferEncoding: []string{"chunked"}, Close: true,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, _ := rawExchange(t, addr, "GET", tc.raw)
			if res.StatusCode != 200 {
				t.Fatalf("status %d", res.StatusCode)
			}
			s := <-got
			tc.want.TLSNil, tc.want.TrailerNil, tc.want.RemoteIP = true, true, true
			if !reflect.DeepEqual(s, tc.want) {
				t.Errorf("handler saw\n%+v\nwant\n%+v", s, tc.want)
			}
		})
	}
}

// A wharf.StripPrefix in front of Wrap changes the URL's path, as
// net/http's StripPrefix does, and keeps RequestURI.
func TestFillURLStripped(t *testing.T) {
	for _, tc := range []struct {
		target, path, wantPath, wantRaw, wantQuery string
	}{
		{"/static/a.txt?v=1", "/a.txt", "/a.txt", "", "v=1"},
		{"/static/my%20file", "/my%20file", "/my file", "", ""},
		{"/static/a%2Fb", "/a%2Fb", "/a/b", "/a%2Fb", ""},
		{"http://h.example/static/x?q", "/x", "/x", "", "q"},
	} {
		r := wharftest.NewRequest("GET", tc.target)
		r.Path = tc.path
		var u url.URL
		if !fillURL(&u, r) {
			t.Errorf("%q: not parsed", tc.target)
			continue
		}
		if u.Path != tc.wantPath || u.RawPath != tc.wantRaw || u.RawQuery != tc.wantQuery {
			t.Errorf("%q with Path %q: URL path %q raw %q query %q, want %q %q %q",
				tc.target, tc.path, u.Path, u.RawPath, u.RawQuery, tc.wantPath, tc.wantRaw, tc.wantQuery)
		}
	}
}
