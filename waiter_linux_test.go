package wharf

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// These tests run servers that park through the portable waiter (the
// poller of non-Linux systems) instead of epoll: Server.testWaiter.

// Requests sent around the moment the connection parks are all
// answered at once: none waits for the idle deadline (a lost wake-up).
func TestWaiterParksWithoutLosingWakeups(t *testing.T) {
	s := &Server{Handler: remoteHandler, testWaiter: true}
	addr := startServer(t, s)
	if s.parked.WaitsWritable() {
		t.Fatal("the set waits with epoll, want the waiter")
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for i := 0; i < 60; i++ {
		// The behaviour under test is the timing of the client: it
		// pauses from 4 ms to 6 ms, before, at and after the 5 ms
		// grace, so that requests arrive around the moment of parking.
		time.Sleep(4*time.Millisecond + time.Duration(i%21)*100*time.Microsecond)
		start := time.Now()
		getOn(t, c, br)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("request %d answered after %v", i, d)
		}
	}
}

func TestWaiterTimeoutsAndShutdown(t *testing.T) {
	s := &Server{IdleTimeout: 300 * time.Millisecond, ReadHeaderTimeout: 300 * time.Millisecond, testWaiter: true}
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
}
