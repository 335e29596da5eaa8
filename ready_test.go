package wharf

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Many busy keep-alive clients on few workers: every request is
// answered, in order on each connection, and the workers took ready
// connections from the parked set themselves (doc.go, "Readiness")
// rather than only through the pool's queue.
func TestBusyConnectionsAreTakenReady(t *testing.T) {
	s := &Server{Workers: 2, Queue: 64, Handler: HandlerFunc(func(w ResponseWriter, r *Request) {
		w.WriteString("ok " + r.RawQuery)
	})}
	addr := startServer(t, s)
	for _, e := range busyClients(addr, 64, 40) {
		t.Error(e)
	}
	if !s.parked.Polls() {
		return // no epoll: connections go through the queue only
	}
	if st := s.Stats(); st.Taken == 0 {
		t.Errorf("Stats.Taken = 0 after %d busy clients on %d workers: no worker took a ready connection", 64, st.Workers)
	}
}

// busyClients runs clients keep-alive clients against addr at once,
// each sending requests requests one after the other, and returns what
// went wrong: every answer must be "ok " and the query, in order.
func busyClients(addr string, clients, requests int) []string {
	var wg sync.WaitGroup
	errs := make(chan string, clients)
	for i := range clients {
		wg.Go(func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err.Error()
				return
			}
			defer c.Close()
			br := bufio.NewReader(c)
			for j := range requests {
				q := strings.Repeat("x", i%7) + string(rune('a'+j%26))
				io.WriteString(c, "GET /?"+q+" HTTP/1.1\r\nHost: x\r\n\r\n")
				body, err := readBody(br)
				if err != nil {
					errs <- err.Error()
					return
				}
				if body != "ok "+q {
					errs <- "client got " + body + ", want ok " + q
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	var out []string
	for e := range errs {
		out = append(out, e)
	}
	return out
}

// readBody reads one response from br and returns its body.
func readBody(br *bufio.Reader) (string, error) {
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return "", err
	}
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// More busy keep-alive clients than the pool's workers and queue hold,
// with fast handlers: the server keeps up with them at the CPU's rate,
// so none is answered 503. Ready connections wait in the parked set for
// a worker (parkRoom) instead of flooding the pool's queue, which
// answered 503 to clients served at their own pace (10,000 busy clients
// on one core: 69,000 503s in 5 s).
func TestManyBusyClientsBeyondTheQueue(t *testing.T) {
	noOverload(t, 200, 20, HandlerFunc(func(w ResponseWriter, r *Request) {
		w.WriteString("ok " + r.RawQuery)
	}))
}

// Handlers that compute hold every worker, yet that is the server
// working at its CPUs' rate, not overload: their busy clients wait in
// the parked set for a worker and none is answered 503 (parkRoom's
// onCPU; overload is handlers that wait, TestOverloadAnswers503).
func TestComputingHandlersAreNotOverload(t *testing.T) {
	noOverload(t, 40, 5, HandlerFunc(func(w ResponseWriter, r *Request) {
		for end := time.Now().Add(3 * time.Millisecond); time.Now().Before(end); {
		}
		w.WriteString("ok " + r.RawQuery)
	}))
}

// noOverload runs clients busy keep-alive clients of requests requests
// each against h on 2 workers with a queue of 2, and fails if any
// answer is wrong or any was 503.
func noOverload(t *testing.T, clients, requests int, h Handler) {
	t.Helper()
	s := &Server{Workers: 2, Queue: 2, Handler: h}
	addr := startServer(t, s)
	if !s.parked.Polls() {
		t.Skip("no epoll: ready connections go through the queue, 503 past it")
	}
	errs := busyClients(addr, clients, requests)
	for i, e := range errs {
		if i == 5 {
			t.Errorf("and %d more", len(errs)-i)
			break
		}
		t.Error(e)
	}
	if st := s.Stats(); st.Overload != 0 {
		t.Errorf("Stats.Overload = %d: busy clients were answered 503", st.Overload)
	}
}
