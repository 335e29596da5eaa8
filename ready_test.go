package wharf

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// Many busy keep-alive clients on few workers: every request is
// answered, in order on each connection, and the workers took ready
// connections from the parked set themselves (doc.go, "Readiness")
// rather than only through the pool's queue. The queue holds every
// client, so that no 503 is due (a ready connection that finds the
// pool full is answered 503: that policy is unchanged).
func TestBusyConnectionsAreTakenReady(t *testing.T) {
	s := &Server{Workers: 2, Queue: 64, Handler: HandlerFunc(func(w ResponseWriter, r *Request) {
		w.WriteString("ok " + r.RawQuery)
	})}
	addr := startServer(t, s)
	const clients, requests = 64, 40
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
	for e := range errs {
		t.Error(e)
	}
	if !s.parked.Polls() {
		return // no epoll: connections go through the queue only
	}
	if st := s.Stats(); st.Taken == 0 {
		t.Errorf("Stats.Taken = 0 after %d busy clients on %d workers: no worker took a ready connection", clients, st.Workers)
	}
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
