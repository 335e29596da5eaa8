package wharf

import (
	"bufio"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestPipelinedPartialHeadTimeout: a head whose first bytes arrive
// with the previous request gets the whole ReadHeaderTimeout from when
// the server starts waiting for its rest. (It used to be measured from
// the monotonic epoch, so in a process older than the timeout the
// second request was answered 408 at once.)
func TestPipelinedPartialHeadTimeout(t *testing.T) {
	const timeout = 500 * time.Millisecond
	if young := mono(timeout) - monoNow(); young >= 0 {
		// The bug shows only in a process older than the timeout:
		// this sleep is the condition under test, not a wait for
		// another goroutine.
		time.Sleep(time.Duration(young) + time.Millisecond)
	}
	addr := startServer(t, &Server{ReadHeaderTimeout: timeout})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("first answer: %v %v", resp, err)
	}
	resp.Body.Close()
	if _, err := c.Write([]byte("Host: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	resp, err = http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("second, pipelined request: %d; want 200", resp.StatusCode)
	}
}
