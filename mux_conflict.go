package wharf

import (
	"fmt"
	"strings"
)

// Precedence and conflicts between ServeMux patterns.
//
// Two patterns are compared as sets of requests, in two independent
// dimensions (method and path; hosts are handled apart, see
// conflictsWith): each dimension gives a relation, and the relations
// combine into the patterns' relation. A pattern that matches a
// strict subset of another's requests is more specific and wins;
// patterns that match the same requests, or overlap without either
// being more specific, conflict, and registering the second panics.
// Because every pair of registered patterns that can match one request
// is ordered this way, the routing tree (mux_tree.go) can find the
// most specific match by trying literals before wildcards before
// multi-segment wildcards, without comparing candidates at run time.

// relation is how the requests matched by p1 relate to those of p2.
type relation uint8

const (
	relEqual    relation = iota // the same requests
	relGeneral                  // p1 matches all of p2's requests and more
	relSpecific                 // p2 matches all of p1's requests and more
	relDisjoint                 // no request matches both
	relOverlap                  // some requests match both, neither is a subset
)

func (r relation) inverse() relation {
	switch r {
	case relGeneral:
		return relSpecific
	case relSpecific:
		return relGeneral
	}
	return r
}

// and combines the relations of two independent parts of a pattern
// (the method and the path, or successive path segments).
func (r relation) and(s relation) relation {
	switch {
	case r == relEqual:
		return s
	case s == relEqual:
		return r
	case r == relDisjoint || s == relDisjoint:
		return relDisjoint
	case r == relOverlap || s == relOverlap || r != s:
		return relOverlap // general one way, specific the other
	}
	return r
}

// conflictsWith reports whether p1 and p2 may not both be registered:
// some request matches both and neither takes precedence. A pattern
// with a host takes precedence over one without, whatever their paths
// (net/http's rule, kept for compatibility), and patterns with
// different hosts never match the same request.
func (p1 *muxPattern) conflictsWith(p2 *muxPattern) bool {
	if p1.host != p2.host {
		return false
	}
	rel := p1.compareMethods(p2).and(p1.comparePaths(p2))
	return rel == relEqual || rel == relOverlap
}

// compareMethods relates the methods: "" matches every method, "GET"
// matches GET and HEAD, any other method only itself.
func (p1 *muxPattern) compareMethods(p2 *muxPattern) relation {
	switch m1, m2 := p1.method, p2.method; {
	case m1 == m2:
		return relEqual
	case m1 == "" || m1 == "GET" && m2 == "HEAD":
		return relGeneral
	case m2 == "" || m2 == "GET" && m1 == "HEAD":
		return relSpecific
	}
	return relDisjoint
}

// comparePaths relates the paths, segment by segment.
func (p1 *muxPattern) comparePaths(p2 *muxPattern) relation {
	rel := relEqual
	n := min(len(p1.segs), len(p2.segs))
	for i := 0; i < n && rel != relDisjoint; i++ {
		rel = rel.and(compareSegments(p1.segs[i], p2.segs[i]))
	}
	switch {
	case len(p1.segs) == len(p2.segs) || rel == relDisjoint:
		return rel
	case len(p1.segs) < len(p2.segs) && p1.last().kind == segMulti:
		return rel.and(relGeneral) // p1's rest-of-path covers p2's extra segments
	case len(p2.segs) < len(p1.segs) && p2.last().kind == segMulti:
		return rel.and(relSpecific)
	}
	return relDisjoint // different lengths, and the shorter one ends
}

// compareSegments relates two segments at the same position.
func compareSegments(s1, s2 segment) relation {
	switch k1, k2 := s1.kind, s2.kind; {
	case k1 == segMulti && k2 == segMulti, k1 == segWild && k2 == segWild, k1 == segEnd && k2 == segEnd:
		return relEqual
	case k1 == segMulti:
		return relGeneral
	case k2 == segMulti:
		return relSpecific
	case k1 == segEnd || k2 == segEnd:
		return relDisjoint // {$} against a segment: one path ends, one goes on
	case k1 == segWild:
		return relGeneral
	case k2 == segWild:
		return relSpecific
	case s1.s == s2.s:
		return relEqual
	}
	return relDisjoint
}

// conflictError is the message of the panic when p conflicts with
// old, which was registered earlier.
func conflictError(p, old *muxPattern) string {
	mrel, prel := p.compareMethods(old), p.comparePaths(old)
	var why string
	switch {
	case mrel.and(prel) == relEqual:
		why = fmt.Sprintf("%s matches the same requests as %s", p, old)
	case prel == relOverlap:
		why = fmt.Sprintf("%s and %s both match some paths, like %q, but neither is more specific than the other",
			p, old, commonPath(p, old))
	case mrel == relGeneral:
		why = fmt.Sprintf("%s matches more methods than %s, but has a more specific path pattern", p, old)
	default:
		why = fmt.Sprintf("%s matches fewer methods than %s, but has a more general path pattern", p, old)
	}
	return fmt.Sprintf("wharf: pattern %q (registered at %s) conflicts with pattern %q (registered at %s):\n%s",
		p, p.loc, old, old.loc, why)
}

// commonPath returns a path that the overlapping patterns p1 and p2
// both match, for conflictError: at each position the more specific
// of the two segments, a wildcard written as its name.
func commonPath(p1, p2 *muxPattern) string {
	var b strings.Builder
	a, c := p1.segs, p2.segs
	if len(a) < len(c) {
		a, c = c, a
	}
	for i, s := range a {
		if i < len(c) && c[i].kind < s.kind && s.kind != segEnd {
			s = c[i] // segKind orders literal, wildcard, multi
		}
		b.WriteByte('/')
		if s.kind == segLit || s.kind == segWild {
			b.WriteString(s.s)
		}
	}
	return b.String()
}
