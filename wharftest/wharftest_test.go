package wharftest

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/wharfhttp/wharf"
)

func TestNewRequest(t *testing.T) {
	tests := []struct {
		method, target            string
		wantMethod                string
		wantPath, wantQuery, host string
	}{
		{"GET", "/a?b", "GET", "/a", "b", "example.com"},
		{"", "/", "GET", "/", "", "example.com"},
		{"HEAD", "/a%20b/c?x=1?y", "HEAD", "/a%20b/c", "x=1?y", "example.com"},
		{"GET", "/?", "GET", "/", "", "example.com"},
		{"GET", "http://h.example:8080/p/q?z", "GET", "/p/q", "z", "h.example:8080"},
		{"GET", "http://u@h.example", "GET", "/", "", "h.example"},
		{"GET", "https://h.example?q", "GET", "/", "q", "h.example"},
		{"OPTIONS", "*", "OPTIONS", "", "", "example.com"},
		{"CONNECT", "h.example:443", "CONNECT", "", "", "example.com"},
		{"GET", "", "GET", "", "", "example.com"},
		{"GET", "1http://x/y", "GET", "", "", "example.com"},
	}
	for _, tt := range tests {
		r := NewRequest(tt.method, tt.target)
		if r.Method != tt.wantMethod || r.Target != tt.target || r.Path != tt.wantPath ||
			r.RawQuery != tt.wantQuery || r.Host != tt.host {
			t.Errorf("NewRequest(%q, %q) = method %q target %q path %q query %q host %q; want %q %q %q %q %q",
				tt.method, tt.target, r.Method, r.Target, r.Path, r.RawQuery, r.Host,
				tt.wantMethod, tt.target, tt.wantPath, tt.wantQuery, tt.host)
		}
		if r.ProtoMinor != 1 || r.ContentLength != 0 || r.Header.Get("Host") != r.Host || r.RemoteAddr != RemoteAddr {
			t.Errorf("NewRequest(%q, %q): ProtoMinor %d ContentLength %d Host field %q RemoteAddr %q",
				tt.method, tt.target, r.ProtoMinor, r.ContentLength, r.Header.Get("Host"), r.RemoteAddr)
		}
		if n, err := r.Body.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Errorf("NewRequest(%q, %q).Body.Read = %d, %v; want 0, EOF", tt.method, tt.target, n, err)
		}
		if r.Context() != context.Background() {
			t.Errorf("NewRequest(%q, %q).Context() is not context.Background()", tt.method, tt.target)
		}
	}
}

func TestRecorder(t *testing.T) {
	tests := []struct {
		name     string
		handler  func(w wharf.ResponseWriter, note func(error))
		code     int
		header   wharf.Header
		body     string
		flushed  bool
		wantErrs []error // errors returned by the handler's writes, in order
	}{
		{
			name:    "nothing written",
			handler: func(w wharf.ResponseWriter, note func(error)) {},
			code:    200,
		},
		{
			name: "first Write sends 200",
			handler: func(w wharf.ResponseWriter, note func(error)) {
				w.Header().Set("Content-Type", "text/plain")
				w.Write([]byte("hello, "))
				w.WriteString("world")
			},
			code:   200,
			header: wharf.Header{{Name: "Content-Type", Value: "text/plain"}},
			body:   "hello, world",
		},
		{
			name: "header changes after the head are not sent",
			handler: func(w wharf.ResponseWriter, note func(error)) {
				w.Header().Set("A", "1")
				w.WriteHeader(201)
				w.Header().Set("A", "2")
				w.Header().Add("B", "3")
				w.WriteHeader(500) // ignored
			},
			code:   201,
			header: wharf.Header{{Name: "A", Value: "1"}},
		},
		{
			name: "1xx is ignored",
			handler: func(w wharf.ResponseWriter, note func(error)) {
				w.WriteHeader(103)
				w.WriteHeader(404)
			},
			code: 404,
		},
		{
			name: "304 has no body",
			handler: func(w wharf.ResponseWriter, note func(error)) {
				w.WriteHeader(304)
				note(second(w.Write([]byte("x"))))
			},
			code:     304,
			wantErrs: []error{wharf.ErrBodyNotAllowed},
		},
		{
			name: "Content-Length is enforced",
			handler: func(w wharf.ResponseWriter, note func(error)) {
				w.Header().Set("Content-Length", "5")
				note(second(w.WriteString("abc")))
				note(second(w.Write([]byte("defg"))))
				note(second(w.WriteString("h")))
			},
			code:     200,
			header:   wharf.Header{{Name: "Content-Length", Value: "5"}},
			body:     "abcde",
			wantErrs: []error{nil, wharf.ErrContentLength, wharf.ErrContentLength},
		},
		{
			name: "ReadFrom",
			handler: func(w wharf.ResponseWriter, note func(error)) {
				w.Header().Set("Content-Length", "3")
				_, err := io.Copy(w, strings.NewReader("abc"))
				note(err)
				_, err = w.(io.ReaderFrom).ReadFrom(strings.NewReader("d"))
				note(err)
			},
			code:     200,
			header:   wharf.Header{{Name: "Content-Length", Value: "3"}},
			body:     "abc",
			wantErrs: []error{nil, wharf.ErrContentLength},
		},
		{
			name: "ReadFrom without Content-Length",
			handler: func(w wharf.ResponseWriter, note func(error)) {
				_, err := w.(io.ReaderFrom).ReadFrom(strings.NewReader("long body"))
				note(err)
			},
			code:     200,
			body:     "long body",
			wantErrs: []error{nil},
		},
		{
			name: "Flush",
			handler: func(w wharf.ResponseWriter, note func(error)) {
				w.WriteString("a")
				w.Flush()
			},
			code:    200,
			body:    "a",
			flushed: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errs []error
			rec := NewRecorder()
			tt.handler(rec, func(err error) { errs = append(errs, err) })
			code, h, body := rec.Result()
			if code != tt.code || string(body) != tt.body || rec.Flushed != tt.flushed {
				t.Errorf("got %d %q flushed=%v; want %d %q flushed=%v", code, body, rec.Flushed, tt.code, tt.body, tt.flushed)
			}
			if !equalHeader(h, tt.header) {
				t.Errorf("header %q; want %q", h, tt.header)
			}
			if len(errs) != len(tt.wantErrs) {
				t.Fatalf("write errors %v; want %v", errs, tt.wantErrs)
			}
			for i := range errs {
				if !errors.Is(errs[i], tt.wantErrs[i]) {
					t.Errorf("write %d: error %v; want %v", i, errs[i], tt.wantErrs[i])
				}
			}
		})
	}
}

// second returns the error of a write.
func second(_ int, err error) error { return err }

func equalHeader(a, b wharf.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRecorderCodeBeforeWrite(t *testing.T) {
	rec := NewRecorder()
	if rec.Code != 0 || rec.HeaderMap != nil {
		t.Fatalf("new Recorder: Code %d HeaderMap %q; want 0, nil", rec.Code, rec.HeaderMap)
	}
	rec.Header().Set("X", "1")
	code, h, _ := rec.Result()
	if code != 200 || h.Get("X") != "1" {
		t.Fatalf("Result before any write = %d %q; want 200 with X: 1", code, h)
	}
}
