package wharf

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// bodyLenHandler answers the length of the request body it read.
var bodyLenHandler = HandlerFunc(func(w ResponseWriter, r *Request) {
	n, err := io.Copy(io.Discard, r.Body)
	if err != nil {
		return // the server answers the body's error itself
	}
	w.WriteString(strconv.FormatInt(n, 10))
})

// Clients that trickle bodies larger than the parked-body bound hold no
// worker: on a one-worker server, other clients are answered while
// they trickle, and each trickled body arrives whole.
func TestSlowLargeBodiesHoldNoWorker(t *testing.T) {
	s := &Server{Handler: bodyLenHandler, Workers: 1, Queue: 8}
	addr := startServer(t, s)
	const size = maxParkedBody + 1000
	var slow []net.Conn
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size)
		c.Write(make([]byte, 100)) // a start, then nothing for now
		slow = append(slow, c)
	}
	// Each trickler's handler reads its body: wait until all three are
	// detached from the pool (none running).
	waitFor(t, "three handlers waiting for their bodies", func() bool {
		st := s.Stats()
		return st.HandlersBusy == 3 && st.Busy == 0
	})
	for i := 0; i < 3; i++ {
		got := exchangeRaw(t, addr, "POST /quick HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
		if !strings.HasSuffix(got, "\r\n\r\n5") {
			t.Fatalf("a normal client while three trickle: %q", got)
		}
	}
	for i, c := range slow {
		c.Write(make([]byte, size-100))
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		b := make([]byte, 4096)
		n, _ := c.Read(b)
		if want := strconv.Itoa(size); !strings.HasSuffix(string(b[:n]), "\r\n\r\n"+want) {
			t.Errorf("trickler %d: %q, want a body of %s", i, b[:n], want)
		}
	}
	waitFor(t, "the pool back to one worker", func() bool { return s.Stats().Busy == 0 })
}

// A large body that stops arriving ends with ReadTimeout, holding no
// worker meanwhile, and the handler sees the timeout.
func TestSlowLargeBodyTimesOut(t *testing.T) {
	s := &Server{Handler: bodyLenHandler, Workers: 1, ReadTimeout: 300 * time.Millisecond}
	addr := startServer(t, s)
	got := exchangeRaw(t, addr, fmt.Sprintf("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", maxParkedBody+10, strings.Repeat("x", 10)))
	if !strings.HasPrefix(got, "HTTP/1.1 408 ") || !strings.Contains(got, "Connection: close") {
		t.Errorf("a body that stopped: %q", got)
	}
	if st := s.Stats(); st.BodyTimeouts != 1 {
		t.Errorf("BodyTimeouts = %d, want 1", st.BodyTimeouts)
	}
}
