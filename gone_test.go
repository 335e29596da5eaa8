package wharf

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// goneServer starts a server whose /wait handler reports on seen
// whether its context ended ("cancelled") or wait passed first
// ("waited"), then answers "done".
func goneServer(t *testing.T, wait time.Duration) (s *Server, addr string, seen chan string) {
	t.Helper()
	seen = make(chan string, 4)
	s = &Server{}
	s.Handler = HandlerFunc(func(w ResponseWriter, r *Request) {
		if r.Path != "/wait" {
			w.WriteString("other\n")
			return
		}
		select {
		case <-r.Context().Done():
			if r.Context().Err() != context.Canceled {
				seen <- "wrong error: " + r.Context().Err().Error()
				return
			}
			seen <- "cancelled"
		case <-time.After(wait):
			seen <- "waited"
		}
		w.WriteString("done\n")
	})
	addr = startServer(t, s)
	if !s.parked.WaitsWritable() { // epoll
		t.Skip("the disconnect watch needs epoll")
	}
	return s, addr, seen
}

// within returns what arrives on seen, failing after d.
func within(t *testing.T, seen <-chan string, d time.Duration) string {
	t.Helper()
	select {
	case s := <-seen:
		return s
	case <-time.After(d):
		t.Fatalf("the handler did not finish within %v", d)
		return ""
	}
}

func TestContextCancelledWhenClientCloses(t *testing.T) {
	for _, how := range []string{"close", "reset"} {
		t.Run(how, func(t *testing.T) {
			s, addr, seen := goneServer(t, time.Minute)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
			// Wait until the handler runs (it then waits on Done),
			// then go away.
			waitHandlerWaiting(t, s)
			if how == "reset" {
				c.(*net.TCPConn).SetLinger(0)
			}
			c.Close()
			if got := within(t, seen, 10*time.Second); got != "cancelled" {
				t.Fatalf("handler: %s; want cancelled", got)
			}
		})
	}
}

// TestContextHalfClose: a client that half-closes after its request
// counts as gone, but still gets the answer.
func TestContextHalfClose(t *testing.T) {
	s, addr, seen := goneServer(t, time.Minute)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
	waitHandlerWaiting(t, s)
	c.(*net.TCPConn).CloseWrite()
	if got := within(t, seen, 10*time.Second); got != "cancelled" {
		t.Fatalf("handler: %s; want cancelled", got)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer after a half-close: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "done\n" {
		t.Fatalf("answer %d %q", resp.StatusCode, body)
	}
}

// TestContextPipelinedHalfClose: a client that pipelined another
// request and then half-closed is still there: its first handler's
// context is not cancelled, and both answers arrive.
func TestContextPipelinedHalfClose(t *testing.T) {
	// The handler waits 300 ms for a cancellation that must not come:
	// a bounded wait is the only way to see that nothing happens.
	s, addr, seen := goneServer(t, 300*time.Millisecond)
	for _, second := range []string{"in the same write", "after the handler started"} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		req := "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n"
		next := "GET /other HTTP/1.1\r\nHost: x\r\n\r\n"
		if second == "in the same write" {
			io.WriteString(c, req+next)
		} else {
			io.WriteString(c, req)
			waitHandlerWaiting(t, s)
			io.WriteString(c, next)
		}
		c.(*net.TCPConn).CloseWrite()
		if got := within(t, seen, 10*time.Second); got != "waited" {
			t.Errorf("%s: handler %s; want waited", second, got)
		}
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		all, _ := io.ReadAll(c)
		if n := strings.Count(string(all), "HTTP/1.1 200 OK"); n != 2 {
			t.Errorf("%s: %d answers; want 2:\n%s", second, n, all)
		}
		c.Close()
	}
}

// TestContextAfterHandler: the context ends when the handler returns,
// and one that nobody waited on reads as cancelled afterwards.
func TestContextAfterHandler(t *testing.T) {
	kept := make(chan context.Context, 2)
	addr := startServer(t, &Server{Handler: HandlerFunc(func(w ResponseWriter, r *Request) {
		if r.Path == "/done" {
			r.Context().Done() // armed
		}
		if r.Context().Err() != nil {
			t.Errorf("%s: context ended while the handler runs: %v", r.Path, r.Context().Err())
		}
		kept <- r.Context()
	})})
	for _, p := range []string{"/done", "/never"} {
		resp, err := http.Get("http://" + addr + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		ctx := <-kept
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: context not done after the handler returned", p)
		}
		if ctx.Err() != context.Canceled {
			t.Errorf("%s: Err %v", p, ctx.Err())
		}
	}
	http.DefaultClient.CloseIdleConnections()
}

// waitHandlerWaiting waits until a handler of s has armed its watch:
// the set of parked connections then holds a gone-watch.
func waitHandlerWaiting(t *testing.T, s *Server) {
	t.Helper()
	waitFor(t, "a handler waiting on its context", func() bool {
		return s.parked.Watching() > 0
	})
}
