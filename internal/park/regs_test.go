//go:build linux

package park

import (
	"fmt"
	"io"
	"net"
	"testing"
	"time"
	"unsafe"

	"go.uber.org/goleak"
)

// TestRegSize holds a record's cost to what regs.go and the docs claim
// (16 bytes a descriptor).
func TestRegSize(t *testing.T) {
	if n := unsafe.Sizeof(reg{}); n != 16 {
		t.Fatalf("a reg is %d bytes, want 16", n)
	}
}

// armed parks v on c's armed registration, whose number the test keeps
// in *reg, and returns the Source it used.
func armed(t *testing.T, s *Set[string], v string, c *net.TCPConn, reg *uint32) Source {
	t.Helper()
	src := source(t, c)
	src.Reg = reg
	if err := s.Add(v, src, Read, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if *reg == 0 {
		t.Fatal("Add left the registration number at 0")
	}
	return src
}

// armedWoken parks v on c's armed registration and wakes it with a
// byte from c's peer cc.
func armedWoken(t *testing.T, s *Set[string], got chan outcome, v string, c, cc *net.TCPConn, reg *uint32) Source {
	t.Helper()
	src := armed(t, s, v, c, reg)
	io.WriteString(cc, "x")
	wantReady(t, got, v, "the first byte")
	return src
}

// drain reads what c holds (a few bytes, sent by the test).
func drain(t *testing.T, c *net.TCPConn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 64)); err != nil {
		t.Fatal(err)
	}
}

// wantReady fails the test unless the set's next outcome is v ready.
func wantReady(t *testing.T, got chan outcome, v, when string) {
	t.Helper()
	if o := next(t, got); o != (outcome{v, "ready"}) {
		t.Fatalf("%s: got %v, want %s ready", when, o, v)
	}
}

// regOfFD returns a copy of fd's record, read under the set's lock.
func regOfFD(s *Set[string], fd int32) reg {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.poll.(*epoller[string]).regs.find(fd); r != nil {
		return *r
	}
	return reg{}
}

// A value parked again on its registration, after its owner read what
// came, keeps the registration (no system call: a new number would mean
// a new epoll_ctl) and is woken by the next bytes, round after round.
func TestArmedParkKeepsRegistration(t *testing.T) {
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) }) // after the set's Stop
	s, got := newTestSet(t, false)
	a, ac := pair(t)
	var reg uint32
	armed(t, s, "a", a, &reg)
	first := reg
	for round := range 5 {
		io.WriteString(ac, "x")
		wantReady(t, got, "a", fmt.Sprintf("round %d", round))
		drain(t, a)
		armed(t, s, "a", a, &reg)
		if reg != first {
			t.Fatalf("round %d: registration %d, want %d kept", round, reg, first)
		}
	}
}

// Bytes that come while the value is out (its owner serving it) are an
// edge the set sees with no value to wake: it records it, and the next
// Add re-arms the registration, which reports the bytes.
func TestArmedEdgeWhileOut(t *testing.T) {
	s, got := newTestSet(t, false)
	a, ac := pair(t)
	var reg uint32
	src := armedWoken(t, s, got, "a", a, ac, &reg)
	drain(t, a)
	io.WriteString(ac, "y") // while "a" is out
	deadline := time.Now().Add(5 * time.Second)
	for !regOfFD(s, src.FD).pending {
		if time.Now().After(deadline) {
			t.Fatal("the edge that came while the value was out was not recorded")
		}
		time.Sleep(time.Millisecond) // polling interval
	}
	before := reg
	armed(t, s, "a", a, &reg)
	if reg == before {
		t.Fatal("parked again on a registration with an edge pending, without re-arming it")
	}
	wantReady(t, got, "a", "for the bytes that came while it was out")
}

// The same, when the edge is still in the kernel's ready list as the
// value is parked again: whichever comes first, the value is woken.
func TestArmedEdgeRacesAdd(t *testing.T) {
	s, got := newTestSet(t, false)
	a, ac := pair(t)
	var reg uint32
	armed(t, s, "a", a, &reg)
	for round := range 50 {
		io.WriteString(ac, "x")
		wantReady(t, got, "a", fmt.Sprintf("round %d", round))
		drain(t, a)
		io.WriteString(ac, "y")
		armed(t, s, "a", a, &reg)
		wantReady(t, got, "a", fmt.Sprintf("round %d", round))
		drain(t, a)
		armed(t, s, "a", a, &reg)
		// Left parked for the next round's "x".
	}
}

// An owner that did not read all the socket holds zeroes its number:
// Add then re-arms, and the bytes already there wake the value (the
// registration is edge-triggered, so they would not otherwise).
func TestArmedOwnerLeftBytes(t *testing.T) {
	s, got := newTestSet(t, false)
	a, ac := pair(t)
	var reg uint32
	armed(t, s, "a", a, &reg)
	io.WriteString(ac, "xy")
	next(t, got)
	waitPending(t, a)
	a.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(a, make([]byte, 1)); err != nil { // "y" stays
		t.Fatal(err)
	}
	reg = 0
	armed(t, s, "a", a, &reg)
	wantReady(t, got, "a", "for the byte left in the socket")
}

// A descriptor closed and given to a new socket, whose owner starts
// with number 0, is registered anew; Forget and a Write park end an
// armed registration, and the owner's old number no longer matches.
func TestArmedRegistrationEnds(t *testing.T) {
	s, got := newTestSet(t, false)

	a, ac := pair(t)
	var ra uint32
	src := armedWoken(t, s, got, "a", a, ac, &ra)
	a.Close()
	ac.Close()
	b, bc := pair(t)
	var rb uint32
	bsrc := armed(t, s, "b", b, &rb)
	if bsrc.FD == src.FD && rb == ra {
		t.Fatal("a new socket on the same descriptor took the old registration")
	}
	io.WriteString(bc, "x")
	wantReady(t, got, "b", "a new socket on the descriptor")
	drain(t, b)

	// Forget: the registration is gone, and its edges are not kept.
	s.Forget(bsrc.FD)
	if r := regOfFD(s, bsrc.FD); r.id != 0 {
		t.Fatalf("record after Forget: %+v", r)
	}
	before := rb
	armed(t, s, "b", b, &rb)
	if rb == before {
		t.Fatal("parked on a forgotten registration without registering again")
	}
	io.WriteString(bc, "y")
	wantReady(t, got, "b", "after Forget")
	drain(t, b)

	// A Write park registers the descriptor one-shot.
	wsrc := source(t, b)
	if err := s.Add("bw", wsrc, Write, time.Time{}); err != nil {
		t.Fatal(err)
	}
	wantReady(t, got, "bw", "room to write at once")
	before = rb
	armed(t, s, "b", b, &rb)
	if rb == before {
		t.Fatal("parked to read after a Write park without registering again")
	}
	io.WriteString(bc, "z")
	wantReady(t, got, "b", "after Write")
}
