package nethttp

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/wharftest"
)

// The response header maps and sniffing buffers the adapter reuses
// carry nothing from one answer to the next.
func TestPooledStateNotCarried(t *testing.T) {
	h := Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/typed":
			w.Header().Set("X-Typed", "1")
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Add("Vary", "Accept")
			w.Header().Add("Vary", "Origin")
			io.WriteString(w, "typed")
		case "/html": // sniffed: text/html
			io.WriteString(w, "<html><body>hello")
		case "/text": // sniffed: text/plain
			io.WriteString(w, "hello")
		case "/none": // no header, no body
		}
	}))
	want := map[string]wharf.Header{
		"/typed": {{Name: "Content-Type", Value: "text/plain"}, {Name: "Vary", Value: "Accept"}, {Name: "Vary", Value: "Origin"}, {Name: "X-Typed", Value: "1"}},
		"/html":  {{Name: "Content-Type", Value: "text/html; charset=utf-8"}},
		"/text":  {{Name: "Content-Type", Value: "text/plain; charset=utf-8"}},
		"/none":  {},
	}
	w := &discardWriter{}
	for i, p := range []string{"/typed", "/html", "/none", "/typed", "/text", "/typed", "/none", "/html", "/text"} {
		w.reset()
		h.ServeHTTP(w, wharftest.NewRequest("GET", p))
		if got := fmt.Sprint(w.header); got != fmt.Sprint(want[p]) {
			t.Errorf("request %d, %s: header %s, want %s", i, p, got, fmt.Sprint(want[p]))
		}
	}
}

// A handler that keeps its ResponseWriter past its return (which
// net/http forbids) gets ErrHandlerDone from it and a map of its own
// from Header, never the pooled map a later request gets.
func TestWriterUsedAfterReturn(t *testing.T) {
	var kept http.ResponseWriter
	h := Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if kept == nil {
			kept = w
		}
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ok")
	}))
	w := &discardWriter{}
	h.ServeHTTP(w, wharftest.NewRequest("GET", "/"))
	kept.Header().Set("X-Late", "1")
	if _, err := io.WriteString(kept, "late"); err != wharf.ErrHandlerDone {
		t.Errorf("Write after return: %v, want wharf.ErrHandlerDone", err)
	}
	kept.WriteHeader(500)
	for range 3 {
		w.reset()
		h.ServeHTTP(w, wharftest.NewRequest("GET", "/"))
		if w.status != 200 || w.header.Has("X-Late") || len(w.header) != 1 {
			t.Fatalf("next answer: %d %v", w.status, w.header)
		}
	}
}

// A *http.Request kept by a goroutine after its handler returned (as
// net/http allows) keeps its own values while the same connection
// serves later requests, and its context stays cancelled: nothing
// reachable from it is reused.
func TestRequestKeptAfterReturn(t *testing.T) {
	checkLeaks(t)
	const n = 20
	release := make(chan struct{})
	type seen struct{ id, path, query, hdr, host, ctxErr string }
	var (
		mu   sync.Mutex
		got  = map[string]seen{}
		wait sync.WaitGroup
	)
	addr := startWharf(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wait.Add(1)
		go func() {
			defer wait.Done()
			<-release
			<-r.Context().Done()
			s := seen{r.Header.Get("X-Id"), r.URL.Path, r.URL.RawQuery, r.Header.Get("X-Other"), r.Host, fmt.Sprint(r.Context().Err())}
			mu.Lock()
			got[s.id] = s
			mu.Unlock()
		}()
		w.Header().Set("X-Echo", r.Header.Get("X-Id"))
		io.WriteString(w, "ok")
	}), nil)
	c := newClient(t)
	for i := range n {
		id := strconv.Itoa(i)
		resp, body := do(t, c, "GET", "http://"+addr+"/p"+id+"?q="+id, nil, "X-Id: "+id, "X-Other: o"+id)
		if resp.StatusCode != 200 || body != "ok" || resp.Header.Get("X-Echo") != id {
			t.Fatalf("request %d: %d %q %v", i, resp.StatusCode, body, resp.Header)
		}
	}
	close(release)
	wait.Wait()
	for i := range n {
		id := strconv.Itoa(i)
		want := seen{id, "/p" + id, "q=" + id, "o" + id, addr, context.Canceled.Error()}
		if got[id] != want {
			t.Errorf("request %d kept: %+v, want %+v", i, got[id], want)
		}
	}
}
