package wharf

import "iter"

// connSet is the server's set of open connections (not hijacked ones):
// a list threaded through the connections themselves (conn.prev and
// conn.next), so that an open connection costs no map slot. With
// 10,000 idle keep-alive clients a map[*conn]struct{} held about 52
// bytes a connection; the two pointers cost 16. Guarded by Server.mu,
// as are the pointers.
type connSet struct {
	head *conn
	n    int
}

// add puts c, which is in no set, in l.
func (l *connSet) add(c *conn) {
	c.prev, c.next = nil, l.head
	if l.head != nil {
		l.head.prev = c
	}
	l.head = c
	l.n++
}

// remove takes c out of l; it does nothing if c is not in l.
func (l *connSet) remove(c *conn) {
	if c.prev == nil && l.head != c {
		return
	}
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		l.head = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	}
	c.prev, c.next = nil, nil
	l.n--
}

// len reports how many connections are in l.
func (l *connSet) len() int { return l.n }

// all yields every connection in l; the caller must not remove any
// meanwhile (it holds Server.mu, which remove needs).
func (l *connSet) all() iter.Seq[*conn] {
	return func(yield func(*conn) bool) {
		for c := l.head; c != nil; c = c.next {
			if !yield(c) {
				return
			}
		}
	}
}
