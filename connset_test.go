package wharf

import (
	"slices"
	"testing"
)

func TestConnSet(t *testing.T) {
	var l connSet
	cs := make([]*conn, 4)
	for i := range cs {
		cs[i] = &conn{fd: int32(i)}
		l.add(cs[i])
	}
	members := func() []int32 {
		var fds []int32
		for c := range l.all() {
			fds = append(fds, c.fd)
		}
		slices.Sort(fds)
		return fds
	}
	if got := members(); !slices.Equal(got, []int32{0, 1, 2, 3}) || l.len() != 4 {
		t.Fatalf("after 4 adds: %v, len %d", got, l.len())
	}
	l.remove(cs[2]) // middle
	l.remove(cs[3]) // head (the last added)
	l.remove(cs[0]) // tail
	l.remove(cs[0]) // again: nothing
	if got := members(); !slices.Equal(got, []int32{1}) || l.len() != 1 {
		t.Fatalf("after removes: %v, len %d, want [1] 1", got, l.len())
	}
	l.remove(cs[1])
	if l.head != nil || l.len() != 0 {
		t.Fatalf("emptied set: head %v, len %d", l.head, l.len())
	}
	l.add(cs[2]) // a removed connection can be added again
	if got := members(); !slices.Equal(got, []int32{2}) {
		t.Fatalf("re-added: %v", got)
	}
}
