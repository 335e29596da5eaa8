package wharf

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// withWaiter runs f with servers that park through the portable waiter
// (the poller of non-Linux systems) instead of epoll.
func withWaiter(t *testing.T, f func(t *testing.T)) {
	useWaiter = true
	defer func() { useWaiter = false }()
	f(t)
}

// Requests sent around the moment the connection parks are all
// answered at once: none waits for the idle deadline (a lost wake-up).
func TestWaiterParksWithoutLosingWakeups(t *testing.T) {
	withWaiter(t, func(t *testing.T) {
		s := &Server{Handler: remoteHandler}
		addr := startServer(t, s)
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		br := bufio.NewReader(c)
		for i := 0; i < 60; i++ {
			// From 4 ms to 6 ms: before, at and after the 5 ms grace.
			time.Sleep(4*time.Millisecond + time.Duration(i%21)*100*time.Microsecond)
			start := time.Now()
			getOn(t, c, br)
			if d := time.Since(start); d > time.Second {
				t.Fatalf("request %d answered after %v", i, d)
			}
		}
	})
}

func TestWaiterTimeoutsAndShutdown(t *testing.T) {
	withWaiter(t, func(t *testing.T) {
		s := &Server{IdleTimeout: 300 * time.Millisecond, ReadHeaderTimeout: 300 * time.Millisecond}
		addr := startServer(t, s)
		if got := exchangeRaw(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n"); !strings.HasPrefix(got, "HTTP/1.1 408 ") {
			t.Errorf("partial head: got %q, want a 408", got)
		}
		c, br := dialGet(t, addr)
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(3 * time.Second))
		if _, err := br.ReadByte(); err != io.EOF {
			t.Errorf("idle parked connection: read %v, want EOF", err)
		}
	})
}
