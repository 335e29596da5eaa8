package park

import "github.com/wharfhttp/wharf/internal/monotime"

// slots holds a Set's parked values, each in a slot named by a token
// (see put). It replaces a map[uint64]entry, which cost about 53 bytes
// a value with 10,000 idle connections parked (the map's slots, its
// control words and the room it grows into); a slot costs 32, in pages
// of slotsPerPage allocated as the number of values parked at once
// grows. Pages are kept when the values leave (as a map keeps its
// buckets): the set's memory follows its peak. Not safe for concurrent
// use: the Set guards it with its lock.
type slots[T any] struct {
	pages []*[slotsPerPage]slot[T]
	free  int32 // first free slot, linked through slot.nextFree; -1: none
	used  int   // slots in use
}

// slotsPerPage is the number of slots a page holds (8 KB a page).
const slotsPerPage = 256

// A slot holds an entry's fields, flat (an embedded entry would carry
// its padding: 40 bytes instead of 32), its generation and whether it
// is in use.
type slot[T any] struct {
	v        T
	deadline monotime.Time
	fd       int32 // the entry's; the next free slot's index while free
	// gen is the slot's generation, part of its tokens: it changes
	// each time the slot is freed, so that a token kept after its value
	// left (in the kernel's ready list, in the stash) names nothing.
	gen uint32
	// epoch is the number of sweeps the set had made when the value
	// was parked (Set.sweep ages values parked before the previous
	// sweep).
	epoch uint32
	mode  Mode
	bare  bool
	inUse bool
}

// entry returns the slot's entry.
func (s *slot[T]) entry() entry[T] {
	return entry[T]{v: s.v, deadline: s.deadline, fd: s.fd, mode: s.mode, bare: s.bare}
}

// nextFree is where a free slot keeps the index of the next free one
// (in the fd field, which a free slot does not use).
func (s *slot[T]) nextFree() int32     { return s.fd }
func (s *slot[T]) setNextFree(i int32) { s.fd = i }

// genMask keeps a slot's generation below the tokens' watchBit and
// regBit.
const genMask = 1<<30 - 1

// tokenOf names slot i of generation gen.
func tokenOf(i int32, gen uint32) uint64 { return uint64(gen)<<32 | uint64(uint32(i)) }

// newSlots makes an empty table.
func newSlots[T any]() slots[T] { return slots[T]{free: -1} }

// at returns slot i.
func (t *slots[T]) at(i int32) *slot[T] { return &t.pages[i/slotsPerPage][i%slotsPerPage] }

// put stores e, parked at epoch, and returns its token (watchBit and
// regBit are never set in it).
func (t *slots[T]) put(e entry[T], epoch uint32) uint64 {
	if t.free < 0 {
		t.grow()
	}
	i := t.free
	sl := t.at(i)
	t.free = sl.nextFree()
	sl.v, sl.deadline, sl.fd, sl.mode, sl.bare = e.v, e.deadline, e.fd, e.mode, e.bare
	sl.epoch, sl.inUse = epoch, true
	t.used++
	return tokenOf(i, sl.gen)
}

// grow adds a page of free slots.
func (t *slots[T]) grow() {
	base := int32(len(t.pages) * slotsPerPage)
	p := new([slotsPerPage]slot[T])
	for i := slotsPerPage - 1; i >= 0; i-- {
		p[i].setNextFree(t.free)
		t.free = base + int32(i)
	}
	t.pages = append(t.pages, p)
}

// lookup returns the slot tok names, or nil if its value has left.
func (t *slots[T]) lookup(tok uint64) *slot[T] {
	i, gen := int32(uint32(tok)), uint32(tok>>32)
	if i < 0 || int(i) >= len(t.pages)*slotsPerPage {
		return nil
	}
	sl := t.at(i)
	if !sl.inUse || sl.gen != gen {
		return nil
	}
	return sl
}

// remove frees the slot tok names, which is in use, and returns its
// entry.
func (t *slots[T]) remove(tok uint64) entry[T] {
	i := int32(uint32(tok))
	sl := t.at(i)
	e := sl.entry()
	var zero T
	sl.v = zero // the value is no longer referenced
	sl.inUse = false
	sl.gen = (sl.gen + 1) & genMask
	sl.setNextFree(t.free)
	t.free = i
	t.used--
	return e
}

// each calls f with the token and slot of every value, in slot order;
// f may remove the slot it is given.
func (t *slots[T]) each(f func(tok uint64, sl *slot[T])) {
	for p, page := range t.pages {
		for j := range page {
			if sl := &page[j]; sl.inUse {
				f(tokenOf(int32(p*slotsPerPage+j), sl.gen), sl)
			}
		}
	}
}
