package wharf

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// upgradeHandler switches /echo to a line echo protocol after a 101,
// on a goroutine of its own (as WebSocket libraries do), which it adds
// to wg; other paths answer "http".
func upgradeHandler(t *testing.T, wg *sync.WaitGroup) Handler {
	return HandlerFunc(func(w ResponseWriter, r *Request) {
		if r.Path != "/echo" {
			w.WriteString("http\n")
			return
		}
		w.Header().Set("Upgrade", "echo")
		w.Header().Set("Connection", "Upgrade")
		w.WriteHeader(101)
		nc, rw, err := w.(Hijacker).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		if _, err := w.Write([]byte("x")); err != ErrHijacked {
			t.Errorf("Write after Hijack: %v; want ErrHijacked", err)
		}
		if _, _, err := w.(Hijacker).Hijack(); err != ErrHijacked {
			t.Errorf("second Hijack: %v; want ErrHijacked", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer nc.Close()
			for {
				line, err := rw.ReadString('\n')
				if err != nil {
					return
				}
				rw.WriteString("echo: " + line)
				rw.Flush()
			}
		}()
	})
}

func TestHijack(t *testing.T) {
	var wg sync.WaitGroup
	defer wg.Wait()
	s := &Server{Handler: upgradeHandler(t, &wg), ReadHeaderTimeout: 200 * time.Millisecond, IdleTimeout: 200 * time.Millisecond}
	addr := startServer(t, s)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// An earlier pipelined request is answered before the switch, and
	// bytes sent right behind the upgrade request reach the handler.
	io.WriteString(c, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /echo HTTP/1.1\r\nHost: x\r\n\r\nfirst\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("pipelined answer: %v %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp, err = http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 || resp.Header.Get("Upgrade") != "echo" || resp.Header.Get("Connection") != "Upgrade" {
		t.Fatalf("upgrade answer: %v %v", resp, err)
	}
	readLine := func() string {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if l := readLine(); l != "echo: first\n" {
		t.Fatalf("buffered bytes: %q", l)
	}
	// Past the server's timeouts, the connection is still the
	// handler's: no 408, no close.
	time.Sleep(400 * time.Millisecond) // the timeouts that must not fire
	io.WriteString(c, "second\n")
	if l := readLine(); l != "echo: second\n" {
		t.Fatalf("after the server's timeouts: %q", l)
	}
	// Shutdown neither waits for nor closes it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with a hijacked connection: %v", err)
	}
	io.WriteString(c, "third\n")
	if l := readLine(); !strings.HasPrefix(l, "echo: third") {
		t.Fatalf("after Shutdown: %q", l)
	}
	c.Close()
}

// TestHijackBeforeHeader: a handler that hijacks before writing
// anything writes the whole answer itself.
func TestHijackBeforeHeader(t *testing.T) {
	var wg sync.WaitGroup
	defer wg.Wait()
	addr := startServer(t, &Server{Handler: HandlerFunc(func(w ResponseWriter, r *Request) {
		nc, rw, err := w.(Hijacker).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nmine")
		rw.Flush()
		nc.Close()
	})})
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "mine" || resp.Header.Get("Date") != "" {
		t.Fatalf("answer %q, header %v", body, resp.Header)
	}
}
