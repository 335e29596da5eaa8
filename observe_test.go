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

// recorder is an Observer that keeps copies of the answers.
type recorder struct {
	mu  sync.Mutex
	got []Answer
}

func (r *recorder) Answered(a *Answer) {
	c := *a
	if a.Request != nil {
		rq := *a.Request
		c.Request = &rq
	}
	r.mu.Lock()
	r.got = append(r.got, c)
	r.mu.Unlock()
}

func (r *recorder) answers() []Answer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Answer(nil), r.got...)
}

// waitAnswers waits until rec has n answers and returns them.
func waitAnswers(t *testing.T, rec *recorder, n int) []Answer {
	t.Helper()
	waitFor(t, "the observer to be told", func() bool { return len(rec.answers()) >= n })
	return rec.answers()
}

// Pipelined answers are observed one by one, with the bytes each put on
// the wire (which the client counts), the request, and timings.
func TestObserverCountsWhatWasSent(t *testing.T) {
	rec := new(recorder)
	addr := startServer(t, &Server{Handler: helloHandler(), Observer: rec})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /a?q=1 HTTP/1.1\r\nHost: x\r\nUser-Agent: ua\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	all, _ := io.ReadAll(c)
	got := waitAnswers(t, rec, 2)
	wire := strings.SplitAfter(string(all), "Hello, World!")
	for i, a := range got {
		if a.Request == nil || a.Status != 200 || a.Err != nil || a.Reason != "" {
			t.Fatalf("answer %d: %+v", i, a)
		}
		if a.Bytes != int64(len(wire[i])) || a.BodyBytes != int64(len(helloBody)) {
			t.Errorf("answer %d: Bytes %d BodyBytes %d; the client got %d bytes, %d of body", i, a.Bytes, a.BodyBytes, len(wire[i]), len(helloBody))
		}
		if a.Start.IsZero() || a.Duration < a.Handler || a.Duration <= 0 || a.RemoteAddr != c.LocalAddr().String() {
			t.Errorf("answer %d: start %v duration %v handler %v remote %q", i, a.Start, a.Duration, a.Handler, a.RemoteAddr)
		}
	}
	if got[0].Request.Target != "/a?q=1" || got[0].Request.Header.Get("User-Agent") != "ua" || got[1].Request.Path != "/b" {
		t.Errorf("requests: %q %q", got[0].Request.Target, got[1].Request.Path)
	}
}

// The server's own answers are observed, without a request, with a
// reason, and counted in Stats.
func TestObserverSeesServerAnswers(t *testing.T) {
	rec := new(recorder)
	hold := make(chan struct{})
	handler := HandlerFunc(func(w ResponseWriter, r *Request) {
		if r.Path == "/hold" {
			<-hold
		}
		w.WriteString("ok")
	})
	s := &Server{Observer: rec, MaxBodyBytes: 10, ReadHeaderTimeout: 300 * time.Millisecond, Handler: handler}
	addr := startServer(t, s)

	bad := exchangeRaw(t, addr, "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n")
	big := exchangeRaw(t, addr, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n")
	slow := exchangeRaw(t, addr, "GET / HTTP/1.1\r\n") // then nothing: 408
	want := []struct {
		status int
		reason string
		wire   string
		req    bool
	}{{400, "bad-request", bad, false}, {413, "body-too-large", big, true}, {408, "head-timeout", slow, false}}
	got := waitAnswers(t, rec, 3)
	for i, w := range want {
		a := got[i]
		if a.Status != w.status || a.Reason != w.reason || (a.Request != nil) != w.req || a.Bytes != int64(len(w.wire)) || a.RemoteAddr == "" {
			t.Errorf("answer %d: status %d reason %q request %v bytes %d (client got %d); want %d %q", i, a.Status, a.Reason, a.Request != nil, a.Bytes, len(w.wire), w.status, w.reason)
		}
	}

	st := s.Stats()
	if st.BadRequests != 2 || st.HeadTimeouts != 1 || st.Accepted != 3 || st.Workers != DefaultWorkers {
		t.Errorf("stats: %+v", st)
	}

	// Overload: the only worker holds a request, the one queue slot
	// another; a new connection gets 503.
	rec = new(recorder)
	s = &Server{Observer: rec, Workers: 1, Queue: 1, Handler: handler}
	addr = startServer(t, s)
	for i, busy := range []func() bool{
		func() bool { return s.Stats().HandlersBusy == 1 },
		func() bool { return s.Stats().Queued == 1 },
	} {
		held, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer held.Close()
		io.WriteString(held, "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n")
		waitFor(t, fmt.Sprintf("held connection %d to be served or queued", i), busy)
	}
	over := exchangeRaw(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	close(hold)
	got = waitAnswers(t, rec, 1)
	if a := got[0]; a.Status != 503 || a.Reason != "overload" || a.Bytes != int64(len(over)) || a.BodyBytes <= 0 {
		t.Errorf("503: %+v (client got %d bytes)", a, len(over))
	}
	if st := s.Stats(); st.Overload != 1 || st.Workers != 1 {
		t.Errorf("stats: %+v", st)
	}
}

// A file body sent after its handler returned is observed when it is
// sent, with its real size; one cut short by the client, with what went
// out and an error.
func TestObserverWaitsForTheFile(t *testing.T) {
	const size = 8 << 20
	path, _ := bigFile(t, size)
	rec := new(recorder)
	s := &Server{Observer: rec, Handler: fileHandler(t, path)}
	addr := startServer(t, s)

	resp, err := http.Get("http://" + addr + "/file")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	a := waitAnswers(t, rec, 1)[0]
	if n != size || a.BodyBytes != size || a.Err != nil || a.Status != 200 {
		t.Fatalf("whole file: client read %d; observed %+v", n, a)
	}

	// A client that reads 1 MiB and leaves.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.(*net.TCPConn).SetReadBuffer(64 << 10)
	io.WriteString(c, "GET /file HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	io.CopyN(io.Discard, br, 1<<20)
	c.(*net.TCPConn).SetLinger(0)
	c.Close() // reset: the server's next send fails
	a = waitAnswers(t, rec, 2)[1]
	if a.Err == nil || a.BodyBytes >= size || a.BodyBytes < 1<<20-4096 {
		t.Errorf("cut short after 1 MiB: observed BodyBytes %d, Err %v", a.BodyBytes, a.Err)
	}
}

// An Observer costs a RequestReleaser no allocation.
func TestAllocsPerRequestObserved(t *testing.T) {
	rec := new(countingObserver)
	s := &Server{Handler: releasingHandler{helloHandler()}, Observer: rec}
	defer s.Close()
	c, _ := newLoopConn(t, s, browserRequest)
	serveOne(t, c)
	if allocs := testing.AllocsPerRun(1000, func() { serveOne(t, c) }); allocs != 0 {
		t.Errorf("%.1f allocations per observed request, want 0", allocs)
	}
	if rec.n < 1000 || rec.bytes == 0 {
		t.Errorf("observer told of %d answers, %d bytes", rec.n, rec.bytes)
	}
}

type countingObserver struct{ n, bytes int64 }

func (o *countingObserver) Answered(a *Answer) { o.n++; o.bytes += a.Bytes }
