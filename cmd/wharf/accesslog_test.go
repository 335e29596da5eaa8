package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/wharfhttp/wharf"
)

// fakeWriter is a ResponseWriter that records calls; it implements
// io.ReaderFrom like the server's.
type fakeWriter struct {
	header   wharf.Header
	codes    []int
	body     bytes.Buffer
	readFrom int // calls of ReadFrom
}

func (f *fakeWriter) Header() *wharf.Header             { return &f.header }
func (f *fakeWriter) WriteHeader(code int)              { f.codes = append(f.codes, code) }
func (f *fakeWriter) Write(p []byte) (int, error)       { return f.body.Write(p) }
func (f *fakeWriter) WriteString(s string) (int, error) { return f.body.WriteString(s) }
func (f *fakeWriter) Flush() error                      { return nil }
func (f *fakeWriter) ReadFrom(r io.Reader) (int64, error) {
	f.readFrom++
	return f.body.ReadFrom(r)
}

// plainWriter hides fakeWriter's ReadFrom.
type plainWriter struct{ wharf.ResponseWriter }

func logged(t *testing.T, buf *bytes.Buffer) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatalf("log %q: %v", buf.String(), err)
	}
	return m
}

func serveLogged(t *testing.T, w wharf.ResponseWriter, h wharf.HandlerFunc, path string) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	req := &wharf.Request{Method: "GET", Target: path, Path: path, RemoteAddr: "192.0.2.1:1234", Body: strings.NewReader("")}
	accessLog(h, log).ServeHTTP(w, req)
	return logged(t, &buf)
}

func TestAccessLogReadFrom(t *testing.T) {
	f := new(fakeWriter)
	rec := serveLogged(t, f, func(w wharf.ResponseWriter, r *wharf.Request) {
		w.Header().Set("Content-Type", "text/plain")
		// io.Copy must find the wrapper's ReadFrom (sendfile path).
		// (A reader with no WriteTo, like *os.File's fallback path.)
		io.Copy(w, struct{ io.Reader }{strings.NewReader("hello world")})
	}, "/file")
	if f.readFrom != 1 {
		t.Errorf("ReadFrom reached the server's writer %d times, want 1", f.readFrom)
	}
	if f.body.String() != "hello world" || f.header.Get("Content-Type") != "text/plain" {
		t.Errorf("wrote %q, header %v", f.body.String(), f.header)
	}
	if rec["msg"] != "request" || rec["status"] != float64(200) || rec["bytes"] != float64(11) ||
		rec["method"] != "GET" || rec["path"] != "/file" || rec["remote"] != "192.0.2.1:1234" {
		t.Errorf("record %v", rec)
	}
	if _, ok := rec["duration"]; !ok {
		t.Errorf("record has no duration: %v", rec)
	}

	// Without ReadFrom below, the copy still works (and does not recurse).
	f = new(fakeWriter)
	rec = serveLogged(t, plainWriter{f}, func(w wharf.ResponseWriter, r *wharf.Request) {
		io.Copy(w, strings.NewReader("abc"))
	}, "/plain")
	if f.readFrom != 0 || f.body.String() != "abc" || rec["bytes"] != float64(3) {
		t.Errorf("plain writer: readFrom %d, body %q, record %v", f.readFrom, f.body.String(), rec)
	}
}

func TestAccessLogStatus(t *testing.T) {
	for _, tc := range []struct {
		name   string
		h      wharf.HandlerFunc
		status float64
		bytes  float64
	}{
		{"nothing written", func(w wharf.ResponseWriter, r *wharf.Request) {}, 200, 0},
		{"404", func(w wharf.ResponseWriter, r *wharf.Request) {
			w.WriteHeader(404)
			w.WriteHeader(500) // ignored: only the first counts
			w.WriteString("nope")
		}, 404, 4},
		{"103 then 200", func(w wharf.ResponseWriter, r *wharf.Request) {
			w.WriteHeader(103) // informational: ignored by the server
			w.Write([]byte("ok"))
		}, 200, 2},
		{"flush", func(w wharf.ResponseWriter, r *wharf.Request) {
			w.Flush()
			w.WriteHeader(404) // too late
		}, 200, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := serveLogged(t, new(fakeWriter), tc.h, "/")
			if rec["status"] != tc.status || rec["bytes"] != tc.bytes {
				t.Errorf("record %v, want status %v bytes %v", rec, tc.status, tc.bytes)
			}
		})
	}
}

func TestAccessLogPanic(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	h := accessLog(wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) { panic("boom") }), log)
	func() {
		defer func() {
			if v := recover(); v != "boom" {
				t.Errorf("recovered %v, want the handler's panic to pass through", v)
			}
		}()
		h.ServeHTTP(new(fakeWriter), &wharf.Request{Method: "GET", Path: "/p", Body: strings.NewReader("")})
	}()
	rec := logged(t, &buf)
	if rec["status"] != float64(500) || rec["panic"] != true {
		t.Errorf("record %v", rec)
	}
}

// The text handler quotes a path that needs it, so a request cannot
// forge fields in the log line.
func TestAccessLogQuotesPath(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	req := &wharf.Request{Method: "GET", Path: `/a=b status=999`, Body: strings.NewReader("")}
	accessLog(wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {}), log).ServeHTTP(new(fakeWriter), req)
	if got := buf.String(); !strings.Contains(got, `path="/a=b status=999" status=200`) {
		t.Errorf("log line %q", got)
	}
}
