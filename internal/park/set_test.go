//go:build unix

package park

import (
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// pair returns both ends of a loopback TCP connection.
func pair(t *testing.T) (server, client *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); c.Close() })
	return s.(*net.TCPConn), c.(*net.TCPConn)
}

func source(t *testing.T, c *net.TCPConn) Source {
	t.Helper()
	raw, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	src := Source{FD: -1, Raw: raw, Conn: c}
	raw.Control(func(fd uintptr) { src.FD = int32(fd) })
	return src
}

// outcome is what a Set said about a value.
type outcome struct {
	v    string
	what string
}

func newTestSet(t *testing.T, waiterOnly bool) (*Set[string], chan outcome) {
	t.Helper()
	got := make(chan outcome, 16)
	s := New(Events[string]{
		Ready:   func(v string) { got <- outcome{v, "ready"} },
		Expired: func(v string) { got <- outcome{v, "expired"} },
	}, slog.New(slog.DiscardHandler), waiterOnly)
	t.Cleanup(func() { s.Drain(nil); s.Stop() })
	if !waiterOnly && !s.WaitsWritable() {
		t.Skip("no epoll here: the waiter case covers this system")
	}
	return s, got
}

func next(t *testing.T, got chan outcome) outcome {
	t.Helper()
	select {
	case o := <-got:
		return o
	case <-time.After(5 * time.Second):
		t.Fatal("no outcome within 5 s")
		return outcome{}
	}
}

func TestSetReadyAndExpired(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, mech := range []struct {
		name   string
		waiter bool
	}{{"epoll", false}, {"waiter", true}} {
		t.Run(mech.name, func(t *testing.T) {
			s, got := newTestSet(t, mech.waiter)
			a, ac := pair(t)
			b, _ := pair(t)
			if err := s.Add("a", source(t, a), Read, time.Now().Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if err := s.Add("b", source(t, b), Read, time.Now().Add(300*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
			if n := s.Len(); n != 2 {
				t.Fatalf("Len = %d, want 2", n)
			}
			io.WriteString(ac, "x")
			if o := next(t, got); o != (outcome{"a", "ready"}) {
				t.Fatalf("got %v, want a ready", o)
			}
			if o := next(t, got); o != (outcome{"b", "expired"}) {
				t.Fatalf("got %v, want b expired", o)
			}
			if n := s.Len(); n != 0 {
				t.Fatalf("Len = %d after both left, want 0", n)
			}
		})
	}
}

// Bytes that arrived before Add wake the value at once (one-shot
// readiness is level-checked at registration; the waiter looks first).
func TestSetReadyBeforeAdd(t *testing.T) {
	for _, waiter := range []bool{false, true} {
		s, got := newTestSet(t, waiter)
		a, ac := pair(t)
		io.WriteString(ac, "x")
		waitPending(t, a)
		if err := s.Add("a", source(t, a), Read, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if o := next(t, got); o != (outcome{"a", "ready"}) {
			t.Fatalf("waiter=%v: got %v, want a ready", waiter, o)
		}
	}
}

func waitPending(t *testing.T, c *net.TCPConn) {
	t.Helper()
	raw, _ := c.SyscallConn()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var ok bool
		raw.Control(func(fd uintptr) {
			var b [1]byte
			n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			ok = err == nil && n > 0
		})
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the byte never arrived")
		}
		time.Sleep(time.Millisecond) // polling interval
	}
}

func TestSetDrain(t *testing.T) {
	s, got := newTestSet(t, false)
	r, _ := pair(t)
	w, _ := pair(t)
	if err := s.Add("r", source(t, r), Read, time.Time{}); err != nil {
		t.Fatal(err)
	}
	// A socket with room is writable at once: fill it first.
	fill(t, w)
	if err := s.Add("w", source(t, w), Write, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if out := s.Drain(func(_ string, m Mode) bool { return m == Write }); len(out) != 1 || out[0] != "r" {
		t.Fatalf("Drain(keep writers) = %v, want [r]", out)
	}
	r2, _ := pair(t)
	if err := s.Add("r2", source(t, r2), Read, time.Time{}); err != ErrDraining {
		t.Fatalf("Add(Read) while draining: %v, want ErrDraining", err)
	}
	if out := s.Drain(nil); len(out) != 1 || out[0] != "w" {
		t.Fatalf("Drain(nil) = %v, want [w]", out)
	}
	select {
	case o := <-got:
		t.Fatalf("a drained value was delivered: %v", o)
	default:
	}
}

// fill writes to c until its buffers are full.
func fill(t *testing.T, c *net.TCPConn) {
	t.Helper()
	c.SetWriteBuffer(4096)
	buf := make([]byte, 64<<10)
	for i := 0; i < 1000; i++ {
		c.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
		if _, err := c.Write(buf); err != nil {
			c.SetWriteDeadline(time.Time{})
			return
		}
	}
	t.Fatal("the socket never filled")
}

type goneRecorder chan [2]bool

func (g goneRecorder) Gone(reset, pending bool) { g <- [2]bool{reset, pending} }

// A watch fires on the peer's FIN, telling whether bytes are pending.
func TestSetWatch(t *testing.T) {
	s, _ := newTestSet(t, false)
	for _, tc := range []struct {
		name        string
		sendFirst   bool
		wantPending bool
	}{{"FIN alone", false, false}, {"FIN after bytes", true, true}} {
		a, ac := pair(t)
		g := make(goneRecorder, 1)
		if tok := s.Watch(source(t, a).FD, g); tok == 0 {
			t.Fatal("Watch returned 0 with epoll")
		}
		if s.Watching() != 1 {
			t.Fatalf("Watching = %d, want 1", s.Watching())
		}
		if tc.sendFirst {
			io.WriteString(ac, "x")
		}
		ac.CloseWrite()
		select {
		case ev := <-g:
			if ev[0] || ev[1] != tc.wantPending {
				t.Errorf("%s: reset=%v pending=%v, want reset=false pending=%v", tc.name, ev[0], ev[1], tc.wantPending)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: the watch did not fire", tc.name)
		}
		if s.Watching() != 0 {
			t.Fatalf("Watching = %d after it fired, want 0", s.Watching())
		}
	}
}

// The waiter cannot wait for Write nor watch: it says so.
func TestWaiterLimits(t *testing.T) {
	s, _ := newTestSet(t, true)
	w, _ := pair(t)
	if s.WaitsWritable() || s.Ages() {
		t.Fatal("waiter claims epoll's abilities")
	}
	if err := s.Add("w", source(t, w), Write, time.Time{}); err == nil {
		t.Fatal("the waiter accepted a Write value")
	}
	if tok := s.Watch(source(t, w).FD, make(goneRecorder, 1)); tok != 0 {
		t.Fatal("the waiter accepted a watch")
	}
}

// With no Room, values found ready wait in the set, counted by Waiting,
// in the order they became ready: Poll takes the first, and the rest
// are delivered in order once there is room.
func TestSetRoom(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var room atomic.Int64
	got := make(chan outcome, 16)
	s := New(Events[string]{
		Ready:   func(v string) { got <- outcome{v, "ready"} },
		Expired: func(v string) { got <- outcome{v, "expired"} },
		Room:    func() int { return int(room.Load()) },
	}, slog.New(slog.DiscardHandler), false)
	defer func() { s.Drain(nil); s.Stop() }()
	if !s.Polls() {
		t.Skip("no epoll here: the waiter delivers every ready value")
	}
	names := []string{"a", "b", "c", "d"}
	var clients []*net.TCPConn
	for _, v := range names {
		srv, cl := pair(t)
		if err := s.Add(v, source(t, srv), Read, time.Time{}); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, cl)
	}
	for i, cl := range clients {
		io.WriteString(cl, "x")
		// One at a time, so that the order they became ready is known.
		deadline := time.Now().Add(5 * time.Second)
		for s.Waiting() < i+1 {
			if time.Now().After(deadline) {
				t.Fatalf("Waiting() = %d after %d values became ready with no room", s.Waiting(), i+1)
			}
			time.Sleep(time.Millisecond) // polling interval
		}
	}
	select {
	case o := <-got:
		t.Fatalf("%v delivered with no room", o)
	default:
	}
	if v, ok := s.Poll(); !ok || v != "a" {
		t.Fatalf("Poll() = %q, %v; want the first ready, a", v, ok)
	}
	if w := s.Waiting(); w != 3 {
		t.Errorf("Waiting() after a Poll = %d, want 3", w)
	}
	room.Store(1 << 20)
	for _, want := range names[1:] {
		if o := next(t, got); o != (outcome{want, "ready"}) {
			t.Fatalf("got %v, want %s ready (in the order they became ready)", o, want)
		}
	}
	if w := s.Waiting(); w != 0 {
		t.Errorf("Waiting() after all were delivered = %d, want 0", w)
	}
}

// RawIO's reads and sends allocate nothing (a func literal given to
// RawConn.Control would, at each call).
func TestRawIOAllocs(t *testing.T) {
	a, b := pair(t)
	raw, err := a.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var r RawIO
	r.Init()
	r.Use(raw)
	msg := []byte("ping")
	buf := make([]byte, 64)
	allocs := testing.AllocsPerRun(100, func() {
		if n := r.WriteNow(msg); n != len(msg) {
			t.Fatalf("WriteNow = %d, want %d", n, len(msg))
		}
	})
	if allocs != 0 {
		t.Errorf("WriteNow: %v allocations, want 0", allocs)
	}
	b.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(b, make([]byte, 101*len(msg))); err != nil {
		t.Fatal(err)
	}
	allocs = testing.AllocsPerRun(100, func() { r.ReadNow(buf) })
	if allocs != 0 {
		t.Errorf("ReadNow: %v allocations, want 0", allocs)
	}
}
