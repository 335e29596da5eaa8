package wharf_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/wharfhttp/wharf"
)

// A Server with one handler, on a listener of the caller's (here a free
// port on the loopback interface), asked once by net/http's client and
// shut down gracefully.
func Example() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := &wharf.Server{
		// Every other field takes its default (512 workers, a queue of
		// 4 × workers, 10 s to read a request head, ...).
		Handler: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteString("hello from " + r.Path + "\n")
		}),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }() // Serve closes ln when it returns

	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + ln.Addr().String() + "/wharf")
	if err != nil {
		panic(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Status, resp.Header.Get("Content-Type"))
	fmt.Print(string(body))
	client.CloseIdleConnections()

	// Shutdown stops accepting, lets requests in flight finish, and
	// waits for every worker; Serve then returns ErrServerClosed.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		panic(err)
	}
	fmt.Println(<-served)
	// Output:
	// 200 OK text/plain; charset=utf-8
	// hello from /wharf
	// wharf: server closed
}
