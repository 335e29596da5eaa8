package nethttp

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
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
	// entered orders each handler's wait.Add before the test's Wait
	// (the client's having the answer is no synchronisation).
	entered := make(chan struct{}, n)
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
		entered <- struct{}{}
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
	for range n {
		<-entered
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

// releasingFunc is an http.HandlerFunc with the promise of a
// wharf.RequestReleaser.
type releasingFunc func(http.ResponseWriter, *http.Request)

func (f releasingFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) { f(w, r) }
func (releasingFunc) ReleasesRequest()                                   {}

// echoRequest writes what a reused exchange could carry over from one
// request to the next: the URL, the body and its framing, the X-
// fields, the pattern and the path value "id".
func echoRequest(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	var xs []string
	for k, vs := range r.Header {
		if strings.HasPrefix(k, "X-") {
			xs = append(xs, k+"="+strings.Join(vs, ","))
		}
	}
	slices.Sort(xs)
	fmt.Fprintf(w, "%s?%s|%v|%d|%s|%s|%s|%s", r.URL.Path, r.URL.RawQuery, r.TransferEncoding, r.ContentLength, body, xs, r.Pattern, r.PathValue("id"))
}

// With a handler that promises to keep nothing, exchanges and request
// header maps are reused: directly on the server (which then reuses
// its own exchanges too) and behind a wharf.ServeMux, nothing of one
// request shows in the next.
func TestReleasingReuse(t *testing.T) {
	h := Wrap(releasingFunc(echoRequest))
	if _, ok := h.(wharf.RequestReleaser); !ok {
		t.Fatal("Wrap of a handler with ReleasesRequest is not a wharf.RequestReleaser")
	}
	mux := wharf.NewServeMux()
	mux.Handle("/items/{id}", h)
	mux.Handle("/", h)
	type req struct {
		method, target, body string
		chunked              bool
		hdr                  []string
		want                 string
	}
	reqs := []req{
		{"GET", "/a?x=1", "", false, []string{"X-One: 1", "X-Two: 2"}, "/a?x=1|[]|0||[X-One=1 X-Two=2]"},
		{"POST", "/b", "hello", false, nil, "/b?|[]|5|hello|[]"},
		{"POST", "/c?q", "chunky", true, []string{"X-Three: 3"}, "/c?q|[chunked]|-1|chunky|[X-Three=3]"},
		{"GET", "/items/7", "", false, nil, "/items/7?|[]|0||[]"},
		{"GET", "/a?x=2", "", false, []string{"X-One: uno", "X-One: dos"}, "/a?x=2|[]|0||[X-One=uno,dos]"},
		{"GET", "/items/8", "", false, []string{"X-Two: deux"}, "/items/8?|[]|0||[X-Two=deux]"},
		{"GET", "/d", "", false, nil, "/d?|[]|0||[]"},
	}
	for _, srv := range []struct {
		name string
		h    wharf.Handler
	}{{"direct", h}, {"mux", mux}} {
		t.Run(srv.name, func(t *testing.T) {
			addr := startWharfHandler(t, srv.h, nil)
			c := newClient(t)
			for range 3 {
				for _, rq := range reqs {
					var body io.Reader
					if rq.body != "" {
						body = strings.NewReader(rq.body)
						if rq.chunked {
							body = io.MultiReader(body) // no length: sent chunked
						}
					}
					// The pattern and the path value "id".
					want := rq.want + "||"
					if srv.name == "mux" {
						if id, ok := strings.CutPrefix(rq.target, "/items/"); ok {
							want = rq.want + "|/items/{id}|" + id
						} else {
							want = rq.want + "|/|"
						}
					}
					resp, got := do(t, c, rq.method, "http://"+addr+rq.target, body, rq.hdr...)
					if resp.StatusCode != 200 || got != want {
						t.Errorf("%s %s: %d %q, want %q", rq.method, rq.target, resp.StatusCode, got, want)
					}
				}
			}
		})
	}
}
