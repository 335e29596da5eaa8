package nethttp_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/nethttp"
)

// A net/http mux, served by wharf.
func ExampleWrap() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "Hello, %s!\n", r.PathValue("name"))
	})
	srv := &wharf.Server{Handler: nethttp.Wrap(mux)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()

	res, err := http.Get("http://" + ln.Addr().String() + "/hello/wharf")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Print(res.Status, " ", res.Header.Get("Content-Type"), "\n", string(body))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	<-done
	http.DefaultClient.CloseIdleConnections()
	// Output:
	// 200 OK text/plain
	// Hello, wharf!
}

// A wharf handler behind net/http's server.
func ExampleToHTTP() {
	hello := wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteString("served by a wharf handler at " + r.Path + "\n")
	})
	mux := http.NewServeMux()
	mux.Handle("/wharf/", nethttp.ToHTTP(hello))
	srv := &http.Server{Handler: mux}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()

	res, err := http.Get("http://" + ln.Addr().String() + "/wharf/page")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Print(string(body))

	srv.Close()
	<-done
	http.DefaultClient.CloseIdleConnections()
	// Output:
	// served by a wharf handler at /wharf/page
}

// plaintext is a net/http handler that keeps nothing of a request
// after it returns, and says so with a ReleasesRequest method, as a
// wharf.RequestReleaser does.
type plaintext struct{}

func (plaintext) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, "Hello, World!")
}

// ReleasesRequest promises that ServeHTTP keeps nothing of r or w
// (no goroutine of its own reading them) after it returns.
func (plaintext) ReleasesRequest() {}

// A net/http handler that promises to keep nothing of its request:
// Wrap makes it a wharf.RequestReleaser, whose requests' memory is
// reused by the engine and the adapter.
func ExampleWrap_releasesRequest() {
	h := nethttp.Wrap(plaintext{})
	_, ok := h.(wharf.RequestReleaser)
	fmt.Println(ok)
	// Output:
	// true
}
