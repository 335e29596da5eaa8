package wharf

import "strings"

// The routing table: a decision tree built from the registered
// patterns. Its first level is the host, its second the method, the
// others the path's segments. It is immutable once built (ServeMux
// builds a new one after a registration), so lookups take no lock.
//
// A lookup walks the path once, trying at each segment the literal
// child before the single-segment wildcard before the multi-segment
// one, and backtracking on failure. Registration has ruled out
// conflicts (mux_conflict.go), so the first match found this way is
// the most specific one. A lookup allocates nothing: segments are
// substrings of the path, decoded into a stack buffer when they hold
// an escape.

// A muxRoute is a registered pattern and its handler.
type muxRoute struct {
	pat *muxPattern
	h   Handler
}

// muxTable is the root of the tree.
type muxTable struct {
	hosts  map[string]*methodNode // patterns with a host, by host
	noHost *methodNode            // patterns without a host, or nil
}

// A methodNode branches on the method.
type methodNode struct {
	methods map[string]*segNode // patterns with a method, by method
	anyMeth *segNode            // patterns without a method, or nil
}

// A segNode is where the path walk stands after some segments.
type segNode struct {
	route *muxRoute           // a pattern that ends here (the path is consumed)
	lits  map[string]*segNode // next segment a literal, by its decoded value
	wild  *segNode            // next segment a {name}
	multi *muxRoute           // a {name...} or final "/" here
	end   *muxRoute           // a {$} here: the rest of the path is "/"
}

func newMuxTable(routes []*muxRoute) *muxTable {
	t := &muxTable{}
	for _, r := range routes {
		m := t.noHost
		if r.pat.host != "" {
			if t.hosts == nil {
				t.hosts = map[string]*methodNode{}
			}
			m = t.hosts[r.pat.host]
		}
		if m == nil {
			m = &methodNode{}
			if r.pat.host == "" {
				t.noHost = m
			} else {
				t.hosts[r.pat.host] = m
			}
		}
		m.add(r)
	}
	return t
}

func (m *methodNode) add(r *muxRoute) {
	n := m.anyMeth
	if meth := r.pat.method; meth != "" {
		if m.methods == nil {
			m.methods = map[string]*segNode{}
		}
		n = m.methods[meth]
		if n == nil {
			n = &segNode{}
			m.methods[meth] = n
		}
	} else if n == nil {
		n = &segNode{}
		m.anyMeth = n
	}
	for _, s := range r.pat.segs {
		switch s.kind {
		case segLit:
			c := n.lits[s.s]
			if c == nil {
				if n.lits == nil {
					n.lits = map[string]*segNode{}
				}
				c = &segNode{}
				n.lits[s.s] = c
			}
			n = c
		case segWild:
			if n.wild == nil {
				n.wild = &segNode{}
			}
			n = n.wild
		case segMulti:
			n.multi = r
			return
		case segEnd:
			n.end = r
			return
		}
	}
	n.route = r
}

// lookup returns the route for host (without its port), method and
// the clean raw path, and whether the match is exact: no
// multi-segment wildcard took a non-empty rest of the path. With
// slash, the path is matched as if it ended in one more "/" (for the
// trailing-slash redirect, without building that string).
func (t *muxTable) lookup(host, method, path string, slash bool) (*muxRoute, bool) {
	if host != "" && t.hosts != nil {
		if r, exact := t.hosts[host].lookup(method, path, slash); r != nil {
			return r, exact
		}
	}
	return t.noHost.lookup(method, path, slash)
}

func (m *methodNode) lookup(method, path string, slash bool) (*muxRoute, bool) {
	if m == nil {
		return nil, false
	}
	if m.methods != nil {
		if r, exact := m.methods[method].match(path, slash); r != nil {
			return r, exact
		}
		if method == "HEAD" {
			if r, exact := m.methods["GET"].match(path, slash); r != nil {
				return r, exact
			}
		}
	}
	return m.anyMeth.match(path, slash)
}

// match matches rest, what is left of the path ("" or starting with
// "/"), against the subtree at n.
func (n *segNode) match(rest string, slash bool) (*muxRoute, bool) {
	if n == nil {
		return nil, false
	}
	if rest == "" {
		if !slash {
			return n.route, n.route != nil
		}
		rest, slash = "/", false
	}
	if rest == "/" && !slash {
		// The path ends in "/": only {$} and a multi match that (a
		// single wildcard needs a non-empty segment).
		if n.end != nil {
			return n.end, true
		}
		return n.multi, n.multi != nil
	}
	seg, next := nextSegment(rest)
	if n.lits != nil {
		var c *segNode
		if strings.IndexByte(seg, '%') < 0 {
			c = n.lits[seg]
		} else {
			var buf [128]byte
			c = n.lits[string(appendDecoded(buf[:0], seg))] // no copy for a lookup
		}
		if r, exact := c.match(next, slash); r != nil {
			return r, exact
		}
	}
	if r, exact := n.wild.match(next, slash); r != nil {
		return r, exact
	}
	return n.multi, false // the multi takes a non-empty rest
}

// methods adds to allow the methods of patterns with a method that
// match the host and path (for 405's Allow field).
func (t *muxTable) methods(host, path string, slash bool, allow []string) []string {
	if host != "" && t.hosts != nil {
		allow = t.hosts[host].allowed(path, slash, allow)
	}
	return t.noHost.allowed(path, slash, allow)
}

func (m *methodNode) allowed(path string, slash bool, allow []string) []string {
	if m == nil {
		return allow
	}
	for meth, n := range m.methods {
		if r, _ := n.match(path, slash); r != nil {
			allow = append(allow, meth)
		}
	}
	return allow
}

// nextSegment splits rest, which starts with "/", into its first
// segment (without the "/") and what follows it.
func nextSegment(rest string) (seg, next string) {
	rest = rest[1:]
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[:i], rest[i:]
	}
	return rest, ""
}

// appendDecoded appends the percent-decoded seg to buf. A malformed
// escape (which the server's parser refuses) is appended as it is,
// the whole segment then undecoded, as unescapeValue leaves it.
func appendDecoded(buf []byte, seg string) []byte {
	n := len(buf)
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if c == '%' {
			if i+2 >= len(seg) || !isHexDigit(seg[i+1]) || !isHexDigit(seg[i+2]) {
				return append(buf[:n], seg...)
			}
			c = unhex(seg[i+1])<<4 | unhex(seg[i+2])
			i += 2
		}
		buf = append(buf, c)
	}
	return buf
}
