package park

// Armed registrations. A descriptor parked to read with a Source.Reg
// stays registered edge-triggered (no EPOLLONESHOT) after its value is
// taken out, so that parking it again, for each request of a busy
// keep-alive client, costs no system call: the value takes its place
// in the registration's record, and an edge that comes later finds it
// there. An edge that comes while the value is out (its owner is
// serving it) is recorded as pending; the next park then re-arms the
// registration with one epoll_ctl(2), which reports the bytes that
// came meanwhile, if the owner has not read them. (A one-shot
// registration needs that call at every park.)
//
// A record is kept by descriptor number, and its registration has a
// number of its own (id), which the owner keeps (Source.Reg) and which
// the kernel's event carries: a descriptor closed and given to another
// socket, a registration changed to wait for Write or watched (Watch),
// or removed (remove, Forget), no longer matches what its owner or a
// late event holds, and is registered again at the next park.

// regBit marks the tokens of armed registrations in the kernel's events
// (watchBit marks watches; neither is set in a slot's token).
const regBit = 1 << 62

// regIDMask is the part of a registration's number its events carry.
const regIDMask = 1<<30 - 1

// regToken is the token the kernel reports for fd's registration id.
func regToken(fd int32, id uint32) uint64 {
	return regBit | uint64(id&regIDMask)<<32 | uint64(uint32(fd))
}

// regOf splits a regToken.
func regOf(tok uint64) (fd int32, id uint32) {
	return int32(uint32(tok)), uint32(tok>>32) & regIDMask
}

// A reg is the record of one descriptor's armed registration: 16
// bytes (the fields in this order; TestRegSize).
type reg struct {
	// tok is the token of the value parked on the descriptor (its
	// slot's), while parked is true; otherwise the value is out.
	tok uint64
	// id is the registration's number, 0 when the descriptor has no
	// armed registration.
	id     uint32
	parked bool
	// pending reports that an edge came while the value was out.
	pending bool
}

// regs holds the records by descriptor number, in pages allocated as
// descriptors of higher numbers are registered. Guarded by the Set's
// lock.
type regs struct {
	pages  []*[regsPerPage]reg
	lastID uint32 // the last registration number given out
}

// regsPerPage is the number of records a page holds (16 KB a page).
const regsPerPage = 1024

// at returns fd's record, growing the table to hold it.
func (t *regs) at(fd int32) *reg {
	p := int(fd) / regsPerPage
	for len(t.pages) <= p {
		t.pages = append(t.pages, new([regsPerPage]reg))
	}
	return &t.pages[p][int(fd)%regsPerPage]
}

// find returns fd's record, or nil when the table does not reach it.
func (t *regs) find(fd int32) *reg {
	if fd < 0 || int(fd)/regsPerPage >= len(t.pages) {
		return nil
	}
	return &t.pages[int(fd)/regsPerPage][int(fd)%regsPerPage]
}

// newID returns a registration number not given out lately (never 0).
func (t *regs) newID() uint32 {
	t.lastID++
	if t.lastID&regIDMask == 0 {
		t.lastID++
	}
	return t.lastID
}

// disarm forgets fd's armed registration, if any: the descriptor was
// registered otherwise, or removed.
func (t *regs) disarm(fd int32) {
	if r := t.find(fd); r != nil {
		*r = reg{}
	}
}

// resolve returns the token of the value an armed registration's event
// names, and with take, takes it out of the record; ok is false when the
// event is stale (the registration is gone or another) or its value is
// out, in which case the edge is recorded as pending, and quiet reports
// that it is the first since the value left: the caller then stops the
// registration's events until the next park re-arms it (a connection
// served without parking, its worker waiting for its next request,
// would otherwise wake the set for each one).
func (t *regs) resolve(tok uint64, take bool) (slot uint64, ok, quiet bool) {
	fd, id := regOf(tok)
	r := t.find(fd)
	if r == nil || r.id == 0 || r.id&regIDMask != id {
		return 0, false, false
	}
	if !r.parked {
		quiet = !r.pending
		r.pending = true
		return 0, false, quiet
	}
	if take {
		r.parked = false
	}
	return r.tok, true, false
}
