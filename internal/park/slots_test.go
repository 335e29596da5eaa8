package park

import (
	"slices"
	"testing"
	"time"
	"unsafe"
)

// TestSlotSize holds a parked value's cost to what slots' doc claims:
// the map it replaced cost about 53 bytes a value.
func TestSlotSize(t *testing.T) {
	if n := unsafe.Sizeof(slot[*int]{}); n != 32 {
		t.Fatalf("a slot is %d bytes, want 32", n)
	}
}

func TestSlots(t *testing.T) {
	tab := newSlots[*int]()
	vals := make([]int, 3*slotsPerPage+5) // more than one page
	toks := make([]uint64, len(vals))
	seen := map[uint64]bool{}
	for i := range vals {
		toks[i] = tab.put(entry[*int]{v: &vals[i], fd: int32(i)}, 7)
		if toks[i]&watchBit != 0 || seen[toks[i]] {
			t.Fatalf("token %#x: watch bit set or given twice", toks[i])
		}
		seen[toks[i]] = true
	}
	if tab.used != len(vals) || len(tab.pages) != 4 {
		t.Fatalf("used %d in %d pages, want %d in 4", tab.used, len(tab.pages), len(vals))
	}
	for i, tok := range toks {
		sl := tab.lookup(tok)
		if sl == nil || sl.v != &vals[i] || sl.fd != int32(i) || sl.epoch != 7 {
			t.Fatalf("lookup %d: %+v", i, sl)
		}
	}

	// A removed value's token names nothing, also once its slot is
	// used again; the value is no longer referenced.
	e := tab.remove(toks[10])
	if e.v != &vals[10] || e.fd != 10 {
		t.Fatalf("remove gave %+v", e)
	}
	if tab.lookup(toks[10]) != nil {
		t.Fatal("a removed value's token still names it")
	}
	again := tab.put(entry[*int]{v: &vals[0]}, 8)
	if uint32(again) != uint32(toks[10]) {
		t.Fatalf("the freed slot was not used again: %#x after %#x", again, toks[10])
	}
	if again == toks[10] || tab.lookup(toks[10]) != nil {
		t.Fatal("a token kept from the slot's previous value names the new one")
	}
	if tab.lookup(again).v != &vals[0] {
		t.Fatal("the new token does not name the new value")
	}

	// Out of range and never given tokens name nothing.
	if tab.lookup(uint64(len(tab.pages)*slotsPerPage)) != nil || tab.lookup(1<<40|5) != nil {
		t.Fatal("a token never given names a value")
	}

	// each visits every value once and lets f remove it.
	n := 0
	tab.each(func(tok uint64, sl *slot[*int]) {
		n++
		if tab.lookup(tok) != sl {
			t.Fatalf("each gave token %#x for another slot", tok)
		}
		tab.remove(tok)
	})
	if n != len(vals) || tab.used != 0 {
		t.Fatalf("each visited %d of %d; %d left", n, len(vals), tab.used)
	}
	for _, p := range tab.pages {
		for j := range p {
			if p[j].v != nil {
				t.Fatal("a free slot still references its value")
			}
		}
	}
}

// TestSlotsAllocs: parking and unparking in a table that has room
// allocates nothing.
func TestSlotsAllocs(t *testing.T) {
	tab := newSlots[*int]()
	v := new(int)
	tab.remove(tab.put(entry[*int]{v: v}, 0))
	if n := testing.AllocsPerRun(100, func() { tab.remove(tab.put(entry[*int]{v: v}, 0)) }); n != 0 {
		t.Fatalf("put and remove: %v allocations, want 0", n)
	}
}

// nopPoller is a mechanism that waits for nothing, for tests that drive
// a Set's sweeps themselves.
type nopPoller struct{}

func (nopPoller) add(uint64, Source, Mode, time.Time) error { return nil }
func (nopPoller) remove(int32)                              {}
func (nopPoller) poll([]uint64) int                         { return 0 }
func (nopPoller) resolve(uint64, bool) (uint64, bool)       { return 0, false }
func (nopPoller) stop()                                     {}

// TestSweepAgesOnlyOld: a sweep offers Events.Age the values parked
// before the previous sweep, and not those parked since.
func TestSweepAgesOnlyOld(t *testing.T) {
	var asked, aged []string
	s := &Set[string]{
		ev: Events[string]{
			Ready:   func(string) {},
			Expired: func(string) {},
			Age:     func(v string) bool { asked = append(asked, v); return v != "keep" },
			Aged:    func(v string, _ time.Time) { aged = append(aged, v) },
		},
		entries: newSlots[string](),
		poll:    nopPoller{},
	}
	src := Source{FD: -1}
	now := time.Now()
	s.Add("old", src, Read, time.Time{})
	s.Add("keep", src, Read, time.Time{})
	s.Add("writer", src, Write, time.Time{})
	s.sweep(now, true) // the first sweep: nothing parked before a previous one
	s.Add("new", src, Read, time.Time{})
	if len(asked) != 0 {
		t.Fatalf("first sweep asked about %v", asked)
	}
	s.sweep(now, true)
	if !slices.Equal(asked, []string{"old", "keep"}) || !slices.Equal(aged, []string{"old"}) {
		t.Fatalf("second sweep asked %v, aged %v; want [old keep], [old]", asked, aged)
	}
	asked, aged = nil, nil
	s.sweep(now, true)
	if !slices.Equal(asked, []string{"keep", "new"}) || !slices.Equal(aged, []string{"new"}) {
		t.Fatalf("third sweep asked %v, aged %v; want [keep new], [new]", asked, aged)
	}
	if s.Len() != 2 { // keep and writer
		t.Fatalf("Len %d after aging, want 2", s.Len())
	}
}
