package wharf

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// A connection accepted before Shutdown began that has not sent its
// request yet is not closed under it: its request, sent once Shutdown
// began, is answered (with Connection: close). One that never sends is
// closed newConnGrace into Shutdown.
func TestShutdownServesNewConnections(t *testing.T) {
	s := &Server{Handler: testHandler()}
	addr, wait := serve(t, s)
	fresh, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	waitFor(t, "both connections to park", func() bool { return parkedConns(s) == 2 })

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- s.Shutdown(ctx)
	}()
	waitFor(t, "Shutdown to begin", s.closing.Load)

	io.WriteString(fresh, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	fresh.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(fresh), nil)
	if err != nil {
		t.Fatalf("the request of a connection accepted before Shutdown: %v", err)
	}
	if resp.StatusCode != 200 || !resp.Close {
		t.Errorf("answer: %d, close %v; want 200 closing", resp.StatusCode, resp.Close)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	silent.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := silent.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Errorf("the silent connection after Shutdown: %d bytes, %v; want EOF", n, err)
	}
	if err := wait(); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve: %v", err)
	}
}
