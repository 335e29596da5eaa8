package wharf

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wharfhttp/wharf/internal/park"
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
	waitFor(t, "the connection to park", func() bool { return parkedConns(s) == 1 })
	s.parked.Each(func(pc *conn, _ park.Mode) {
		v, err := unix.GetsockoptInt(int(pc.fd), unix.IPPROTO_TCP, unix.TCP_CORK)
		if err != nil || v != 0 {
			t.Errorf("TCP_CORK = %d (%v) after the file was sent, want 0", v, err)
		}
	})
}

// A client that reads a large answer slowly must not hold the only
// worker: the file is sent by parking the connection when it is not
// writable (Linux: elsewhere a file body is copied by the handler).
func TestSlowReaderHoldsNoWorker(t *testing.T) {
	path, sum := bigFile(t, 16<<20)
	s := &Server{Workers: 1, Queue: 4, Handler: fileHandler(t, path)}
	addr := startServer(t, s)
	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	// The client reads nothing for a while: the 16 MB answer cannot fit
	// in the socket buffers, so the server has to wait for it.
	io.WriteString(slow, "GET /file HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReaderSize(slow, 4096)
	waitFor(t, "the answer to park for writing", func() bool { return parkedForWrite(s) == 1 })
	for i := 0; i < 5; i++ {
		start := time.Now()
		got := exchangeRaw(t, addr, "GET /small HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if !strings.HasSuffix(got, "small") {
			t.Fatalf("other client while a slow reader downloads:\n%s", got)
		}
		t.Logf("other client answered in %v", time.Since(start))
	}
	// The slow reader still gets every byte, then its next answer.
	slow.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, resp.Body); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(h.Sum(nil), sum[:]) {
		t.Fatal("slow reader's body differs")
	}
	resp, err = http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "small" {
		t.Fatalf("pipelined answer after the file: %q", b)
	}
}

// parkedForWrite returns how many connections are parked until they are
// writable.
func parkedForWrite(s *Server) int {
	n := 0
	s.parked.Each(func(_ *conn, m park.Mode) {
		if m == park.Write {
			n++
		}
	})
	return n
}
