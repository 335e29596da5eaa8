package wharf

import (
	"net/url"
	"slices"
)

// pathInline is how many wildcard values a Request holds without an
// allocation: routing a pattern with up to this many wildcards (and
// no percent-escape in their segments) allocates nothing.
const pathInline = 4

// pathValues are a Request's path values: those of the wildcards of
// the ServeMux pattern that matched it, and those set by SetPathValue
// for other names. It costs 80 bytes of the Request on 64-bit
// platforms (a pointer, four strings and a pointer); with Pattern,
// routing adds 96 bytes to a Request.
//
// extra is never written in place once set (set replaces it), so a
// shallow copy of a Request (StripPrefix makes one) never sees the
// other's later changes.
type pathValues struct {
	pat   *muxPattern        // the matched pattern (its wildcard names), or nil
	vals  [pathInline]string // values of the pattern's first wildcards, in order
	extra *pathExtra         // the rare rest, or nil
}

// pathExtra holds what does not fit in pathValues: the values of a
// pattern's wildcards after the first pathInline, and SetPathValue's
// names that are not the pattern's.
type pathExtra struct {
	more  []string
	other []pathValue
}

type pathValue struct{ name, value string }

// index returns the position of name among the matched pattern's
// wildcards, or -1. A linear search: patterns have a few wildcards.
func (v *pathValues) index(name string) int {
	if v.pat == nil {
		return -1
	}
	for i, n := range v.pat.names {
		if n == name {
			return i
		}
	}
	return -1
}

func (v *pathValues) get(name string) string {
	switch i := v.index(name); {
	case i < 0:
	case i < pathInline:
		return v.vals[i]
	default:
		return v.extra.more[i-pathInline]
	}
	if v.extra != nil {
		for _, o := range v.extra.other {
			if o.name == name {
				return o.value
			}
		}
	}
	return ""
}

func (v *pathValues) set(name, value string) {
	i := v.index(name)
	if i >= 0 && i < pathInline {
		v.vals[i] = value
		return
	}
	// Copy on write: the old pathExtra may be shared with a copy of
	// the Request.
	var x pathExtra
	if v.extra != nil {
		x.more, x.other = slices.Clone(v.extra.more), slices.Clone(v.extra.other)
	}
	v.extra = &x
	if i >= 0 {
		x.more[i-pathInline] = value
		return
	}
	for j := range x.other {
		if x.other[j].name == name {
			x.other[j].value = value
			return
		}
	}
	x.other = append(x.other, pathValue{name, value})
}

// setMatch replaces the wildcard values with those of p matched
// against the (clean, raw) path; values set by SetPathValue for names
// that are not p's are kept. Each value is percent-decoded; it
// allocates only for a value holding an escape, or past pathInline
// wildcards.
func (v *pathValues) setMatch(p *muxPattern, path string) {
	v.pat, v.vals = p, [pathInline]string{}
	if v.extra != nil && (v.extra.more != nil || len(p.names) > pathInline) {
		v.extra = &pathExtra{other: v.extra.other} // other is never written in place
	}
	if len(p.names) > pathInline {
		if v.extra == nil {
			v.extra = new(pathExtra)
		}
		v.extra.more = make([]string, len(p.names)-pathInline)
	}
	if len(p.names) == 0 {
		return
	}
	i := 0
	rest := path
	for _, s := range p.segs {
		var raw string
		switch s.kind {
		case segLit:
			_, rest = nextSegment(rest)
			continue
		case segWild:
			raw, rest = nextSegment(rest)
		case segMulti:
			if s.s == "" {
				return
			}
			raw = rest[1:]
		case segEnd:
			return
		}
		if i < pathInline {
			v.vals[i] = unescapeValue(raw)
		} else {
			v.extra.more[i-pathInline] = unescapeValue(raw)
		}
		i++
	}
}

// unescapeValue percent-decodes a wildcard's raw value, or returns it
// as it is when it holds a malformed escape (which the server's parser
// refuses, so only a Request built by hand has one). It allocates only
// when raw holds an escape.
func unescapeValue(raw string) string {
	s, err := url.PathUnescape(raw)
	if err != nil {
		return raw
	}
	return s
}
