package wharf

// A Field is one header field line: a name and its value.
type Field struct {
	Name  string
	Value string
}

// Header is an ordered list of header fields. Names compare
// case-insensitively (RFC 9110 5.1); the order and spelling of fields
// are kept as they were sent or added.
//
// A request's Header is the handler's to keep: it is never modified by
// the server after the handler returns. A response's Header (from
// ResponseWriter.Header) belongs to the server and may only be used
// until the handler returns.
type Header []Field

// Get returns the value of the first field named name, or "".
func (h Header) Get(name string) string {
	for i := range h {
		if equalFold(h[i].Name, name) {
			return h[i].Value
		}
	}
	return ""
}

// Has reports whether a field named name is present.
func (h Header) Has(name string) bool {
	for i := range h {
		if equalFold(h[i].Name, name) {
			return true
		}
	}
	return false
}

// Next returns the index of the first field named name at or after
// index i, or -1. It walks a field's repeated lines without allocating:
//
//	for i := h.Next("Accept", 0); i >= 0; i = h.Next("Accept", i+1) {
//		use(h[i].Value)
//	}
func (h Header) Next(name string, i int) int {
	for ; i < len(h); i++ {
		if equalFold(h[i].Name, name) {
			return i
		}
	}
	return -1
}

// Values returns the values of every field named name, in order.
func (h Header) Values(name string) []string {
	var vs []string
	for i := range h {
		if equalFold(h[i].Name, name) {
			vs = append(vs, h[i].Value)
		}
	}
	return vs
}

// Add appends a field.
func (h *Header) Add(name, value string) {
	*h = append(*h, Field{Name: name, Value: value})
}

// Set replaces every field named name with one field name: value.
func (h *Header) Set(name, value string) {
	for i := range *h {
		if equalFold((*h)[i].Name, name) {
			(*h)[i].Value = value
			h.delFrom(i+1, name)
			return
		}
	}
	h.Add(name, value)
}

// Del removes every field named name.
func (h *Header) Del(name string) { h.delFrom(0, name) }

func (h *Header) delFrom(start int, name string) {
	s := *h
	j := start
	for i := start; i < len(s); i++ {
		if !equalFold(s[i].Name, name) {
			s[j] = s[i]
			j++
		}
	}
	clear(s[j:])
	*h = s[:j]
}

// equalFold reports whether ASCII strings a and b are equal ignoring
// case. Field names are tokens (ASCII), so this is all RFC 9110 needs,
// and unlike strings.EqualFold it does no Unicode folding.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
