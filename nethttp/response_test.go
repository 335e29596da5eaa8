package nethttp

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The answers of handlers that lean on net/http's response rules.
func TestResponseRules(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/sniff-html", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<!DOCTYPE html><p>")
		io.WriteString(w, "hi")
	})
	mux.HandleFunc("/sniff-split", func(w http.ResponseWriter, r *http.Request) {
		// The type is sniffed from both writes together, as net/http
		// does with what it buffered.
		io.WriteString(w, "<!DOC")
		io.WriteString(w, "TYPE html><p>")
	})
	mux.HandleFunc("/sniff-big", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("\x89PNG\r\n\x1a\n" + strings.Repeat("x", 10000)))
	})
	mux.HandleFunc("/sniff-suppressed", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = nil
		io.WriteString(w, "<html>")
	})
	mux.HandleFunc("/sniff-encoded", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		io.WriteString(w, "<html>")
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/after-writeheader", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Before", "1")
		w.WriteHeader(202)
		w.Header().Set("X-After", "1") // no effect, as in net/http
		w.WriteHeader(500)             // superfluous: ignored
		io.WriteString(w, "accepted")
	})
	mux.HandleFunc("/values", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["x-raw-key"] = []string{"kept as is"}
		h.Set("X-Split", "a\r\nSet-Cookie: evil=1")
		h.Set("X-Space", "  padded\t")
		h.Add("X-Multi", "1")
		h.Add("X-Multi", "2")
		h["Bad Name"] = []string{"dropped"}
		h.Set("Trailer", "X-T")
		h.Set(http.TrailerPrefix+"X-U", "dropped")
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("/not-modified", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("ETag", `"x"`)
		w.WriteHeader(304)
		if _, err := io.WriteString(w, "body"); !errors.Is(err, http.ErrBodyNotAllowed) {
			panic("Write after 304 returned " + errString(err))
		}
	})
	mux.HandleFunc("/early-hints", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(103) // dropped: the engine sends no interim answer
		w.WriteHeader(200)
		io.WriteString(w, "final")
	})
	mux.HandleFunc("/content-length", func(w http.ResponseWriter, r *http.Request) {
		// As net/http: a write past the declared length writes
		// nothing of it (the type is still being sniffed here).
		w.Header().Set("Content-Length", "3")
		io.WriteString(w, "abc")
		n, err := io.WriteString(w, "def")
		if n != 0 || !errors.Is(err, http.ErrContentLength) {
			panic("over-long write: " + errString(err))
		}
	})
	mux.HandleFunc("/close", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		io.WriteString(w, "bye")
	})
	addr := startWharf(t, mux, nil)
	c := newClient(t)
	base := "http://" + addr

	for _, tc := range []struct {
		path, status, body string
		header             map[string]string // "" means absent
	}{
		{"/sniff-html", "200", "<!DOCTYPE html><p>hi", map[string]string{"Content-Type": "text/html; charset=utf-8"}},
		{"/sniff-split", "200", "<!DOCTYPE html><p>", map[string]string{"Content-Type": "text/html; charset=utf-8"}},
		{"/sniff-big", "200", "", map[string]string{"Content-Type": "image/png"}},
		{"/sniff-suppressed", "200", "<html>", map[string]string{"Content-Type": ""}},
		{"/sniff-encoded", "200", "<html>", map[string]string{"Content-Type": "", "Content-Encoding": "gzip"}},
		{"/empty", "200", "", map[string]string{"Content-Type": "", "Content-Length": "0"}},
		{"/after-writeheader", "202", "accepted", map[string]string{"X-Before": "1", "X-After": "", "Content-Type": "text/plain; charset=utf-8"}},
		{"/values", "200", "ok", map[string]string{
			"X-Raw-Key": "kept as is", "X-Split": "a  Set-Cookie: evil=1", "Set-Cookie": "",
			"X-Space": "padded", "X-Multi": "1, 2", "Bad Name": "", "Trailer": "", "X-U": "",
		}},
		{"/not-modified", "304", "", map[string]string{"Content-Type": "", "Etag": `"x"`}},
		{"/early-hints", "200", "final", map[string]string{"Link": "</style.css>; rel=preload"}},
		{"/content-length", "200", "abc", map[string]string{"Content-Length": "3"}},
		{"/close", "200", "bye", map[string]string{"Connection": "close"}},
	} {
		res, body := do(t, c, "GET", base+tc.path, nil)
		if got := res.Status[:3]; got != tc.status {
			t.Errorf("%s: status %s, want %s", tc.path, got, tc.status)
		}
		if tc.body != "" && body != tc.body {
			t.Errorf("%s: body %q, want %q", tc.path, body, tc.body)
		}
		for k, want := range tc.header {
			got := strings.Join(res.Header.Values(k), ", ")
			if k == "Connection" && res.Close {
				got = "close" // the client takes it out of the map
			}
			if got != want {
				t.Errorf("%s: %s = %q, want %q", tc.path, k, got, want)
			}
		}
	}
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

// Panics: http.ErrAbortHandler aborts silently, others answer 500, an
// invalid status code panics as net/http's WriteHeader does.
func TestPanics(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/abort", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "partial")
		panic(http.ErrAbortHandler)
	})
	mux.HandleFunc("/abort-after-flush", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	})
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<html>") // held back for sniffing: never sent
		panic("boom")
	})
	mux.HandleFunc("/bad-code", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(1000)
	})
	addr := startWharf(t, mux, nil)

	if got := rawAll(t, addr, "GET /abort HTTP/1.1\r\nHost: h\r\n\r\n"); got != "" {
		t.Errorf("abort: got %q, want the connection closed with nothing sent", got)
	}
	got := rawAll(t, addr, "GET /abort-after-flush HTTP/1.1\r\nHost: h\r\n\r\n")
	if !strings.HasPrefix(got, "HTTP/1.1 200 OK\r\n") || !strings.Contains(got, "partial") || strings.HasSuffix(got, "0\r\n\r\n") {
		t.Errorf("abort after flush: got %q, want a head and a body cut short", got)
	}
	for _, path := range []string{"/panic", "/bad-code"} {
		res, body := rawExchange(t, addr, "GET", "GET "+path+" HTTP/1.1\r\nHost: h\r\n\r\n")
		if res.StatusCode != 500 || strings.Contains(body, "<html>") || !res.Close {
			t.Errorf("%s: %d %q close=%v, want 500 without the handler's bytes, connection closing", path, res.StatusCode, body, res.Close)
		}
	}
}

// Flush sends what was written at once (a client reads it while the
// handler still runs), and the context is cancelled when the client
// goes away.
func TestFlushAndClientGone(t *testing.T) {
	next := make(chan struct{})
	gone := make(chan error, 1)
	addr := startWharf(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 0; i < 2; i++ {
			io.WriteString(w, "data: tick\n\n")
			w.(http.Flusher).Flush()
			select {
			case <-next:
			case <-time.After(5 * time.Second):
				gone <- errors.New("the client did not ask for the next event")
				return
			}
		}
		select {
		case <-r.Context().Done():
			gone <- nil
		case <-time.After(5 * time.Second):
			gone <- errors.New("the context was not cancelled within 5 s of the client leaving")
		}
	}), nil)
	conn := send(t, addr, "GET /events HTTP/1.1\r\nHost: h\r\n\r\n")
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Header.Get("Content-Type") != "text/event-stream" || res.TransferEncoding == nil {
		t.Errorf("head: %v %v, want the handler's type and a chunked body", res.Header, res.TransferEncoding)
	}
	for i := 0; i < 2; i++ {
		event := make([]byte, len("data: tick\n\n"))
		if _, err := io.ReadFull(res.Body, event); err != nil || string(event) != "data: tick\n\n" {
			t.Fatalf("event %d: %q, %v", i, event, err)
		}
		next <- struct{}{}
	}
	conn.Close()
	if err := <-gone; err != nil {
		t.Error(err)
	}
}

// What http.ResponseController finds on the ResponseWriter.
func TestResponseController(t *testing.T) {
	errs := make(chan []error, 1)
	addr := startWharf(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		e := []error{
			rc.SetReadDeadline(time.Now().Add(time.Second)),
			rc.SetWriteDeadline(time.Now().Add(time.Second)),
			rc.EnableFullDuplex(),
		}
		io.WriteString(w, "x")
		e = append(e, rc.Flush())
		errs <- e
	}), nil)
	res, _ := rawExchange(t, addr, "GET", "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	if res.StatusCode != 200 {
		t.Fatal(res.Status)
	}
	e := <-errs
	if !errors.Is(e[0], http.ErrNotSupported) || !errors.Is(e[1], http.ErrNotSupported) {
		t.Errorf("deadlines: %v, %v; want errors wrapping http.ErrNotSupported", e[0], e[1])
	}
	if e[2] != nil || e[3] != nil {
		t.Errorf("EnableFullDuplex: %v, Flush: %v; want nil", e[2], e[3])
	}
}

// A raw Hijack after a head was set sends that head first; writes after
// it fail with http.ErrHijacked.
func TestHijack(t *testing.T) {
	errs := make(chan error, 1)
	addr := startWharf(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Before", "1")
		w.WriteHeader(200)
		c, rw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			errs <- err
			return
		}
		defer c.Close()
		rw.WriteString("raw bytes")
		rw.Flush()
		_, err = io.WriteString(w, "late")
		if !errors.Is(err, http.ErrHijacked) {
			errs <- errors.New("Write after Hijack: " + errString(err))
			return
		}
		errs <- nil
	}), nil)
	got := rawAll(t, addr, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "HTTP/1.1 200 OK\r\n") || !strings.Contains(got, "X-Before: 1\r\n") || !strings.HasSuffix(got, "\r\n\r\nraw bytes") {
		t.Errorf("got %q", got)
	}
}

// A handler that waits on its context before answering sees it
// cancelled when the client closes the connection.
func TestContextCancelledWhenClientLeaves(t *testing.T) {
	started := make(chan struct{})
	result := make(chan error, 1)
	addr := startWharf(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		select {
		case <-r.Context().Done():
			result <- nil
		case <-time.After(5 * time.Second):
			result <- errors.New("the context was not cancelled within 5 s of the client leaving")
		}
	}), nil)
	c := send(t, addr, "GET /wait HTTP/1.1\r\nHost: h\r\n\r\n")
	<-started
	c.Close()
	if err := <-result; err != nil {
		t.Error(err)
	}
}
