package wharf

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// After a file body the connection is uncorked: TCP_CORK would hold a
// later small answer back for up to 200 ms.
func TestFileSendUncorks(t *testing.T) {
	path, _ := bigFile(t, 1<<20+7)
	s := &Server{Handler: fileHandler(t, path)}
	addr := startServer(t, s)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /file HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := io.Copy(io.Discard, resp.Body); err != nil || n != 1<<20+7 {
		t.Fatalf("body: %d bytes, %v", n, err)
	}
	for i := 0; ; i++ {
		if _, all := deepParked(s); all == 1 {
			break
		}
		if i == 500 {
			t.Fatal("connection never parked")
		}
		time.Sleep(5 * time.Millisecond)
	}
	p := s.parker
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pc := range p.conns {
		v, err := unix.GetsockoptInt(int(pc.fd), unix.IPPROTO_TCP, unix.TCP_CORK)
		if err != nil || v != 0 {
			t.Errorf("TCP_CORK = %d (%v) after the file was sent, want 0", v, err)
		}
	}
}
