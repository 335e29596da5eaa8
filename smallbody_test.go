package wharf

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// echoLen answers the length of the body it read.
var echoLen = HandlerFunc(func(w ResponseWriter, r *Request) {
	n, err := io.Copy(io.Discard, r.Body)
	if err != nil {
		w.WriteHeader(400)
	}
	fmt.Fprintf(w, "%d\n", n)
})

// TestSlowSmallBodiesHoldNoWorker: clients that trickle a small body
// are parked like slow heads, so with five times the workers' worth of
// them connected, a normal upload is still served (were the workers
// held, it would wait in the queue until the client gives up).
func TestSlowSmallBodiesHoldNoWorker(t *testing.T) {
	s := &Server{Handler: echoLen, Workers: 2}
	addr := startServer(t, s)
	var slow []net.Conn
	defer func() {
		for _, c := range slow {
			c.Close()
		}
	}()
	for i := range 10 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		slow = append(slow, c)
		io.WriteString(c, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\nfirst bytes")
		waitFor(t, "the slow body's connection parked", func() bool { return parkedConns(s) == i+1 })
	}
	client := &http.Client{Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	for i := range 5 {
		resp, err := client.Post("http://"+addr+"/up", "text/plain", strings.NewReader(strings.Repeat("x", 60000)))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "60000\n" {
			t.Fatalf("upload %d beside 10 slow bodies: %d %q", i, resp.StatusCode, body)
		}
	}
	// A slow body that completes is served whole.
	io.WriteString(slow[0], strings.Repeat("y", 4096-len("first bytes")))
	slow[0].SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(slow[0]), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "4096\n" {
		t.Fatalf("completed slow body: %q", body)
	}
}

// TestSmallBodyTimeout: a small body that stops arriving is answered
// 408 after ReadHeaderTimeout + ReadTimeout, and the connection closes.
func TestSmallBodyTimeout(t *testing.T) {
	addr := startServer(t, &Server{Handler: echoLen, ReadHeaderTimeout: 100 * time.Millisecond, ReadTimeout: 200 * time.Millisecond})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	all, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(all), "HTTP/1.1 408 ") {
		t.Fatalf("got %q; want a 408", all)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("408 after %v; the body had ReadHeaderTimeout + ReadTimeout (300ms)", d)
	}
}

// TestSmallBodyParkedManyAtOnce: bodies that arrive in pieces, from
// many clients at once, each reach their handler whole.
func TestSmallBodyParkedManyAtOnce(t *testing.T) {
	addr := startServer(t, &Server{Handler: echoLen, Workers: 4, Queue: 64})
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			size := 1000 + i*1500 // up to about 60 KB
			io.WriteString(c, fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size))
			body := strings.Repeat("z", size)
			for len(body) > 0 {
				n := min(len(body), 7000)
				io.WriteString(c, body[:n])
				body = body[n:]
			}
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Error(err)
				return
			}
			got, _ := io.ReadAll(resp.Body)
			if want := fmt.Sprintf("%d\n", size); string(got) != want {
				t.Errorf("body of %d bytes: handler read %q", size, got)
			}
		}()
	}
	wg.Wait()
}
