package wharf

import (
	"unsafe"

	"github.com/wharfhttp/wharf/internal/http1"
)

// interner turns the byte slices of a parsed head into the strings of
// a Request without allocating when they repeat: keep-alive clients send
// the same target, host and field values request after request, and a
// string, being immutable, can be shared by every Request that carries
// it. The first occurrence allocates; nothing aliases the read buffer.
type interner struct {
	target string
	fields []Field // the previous request's fields (name, value) for reuse
}

func (in *interner) fill(r *Request, h *http1.Head, dst []Field) {
	r.Method = method(h.Method)
	if string(h.Target) != in.target {
		in.target = string(h.Target)
	}
	r.Target = in.target
	r.Path, r.RawQuery = "", ""
	if len(h.Path) > 0 {
		r.Path = substr(in.target, h.Target, h.Path)
	}
	if len(h.Query) > 0 {
		r.RawQuery = substr(in.target, h.Target, h.Query)
	}
	r.ProtoMajor, r.ProtoMinor = 1, h.Minor
	for i, f := range h.Fields {
		var prev *Field
		if i < len(in.fields) {
			prev = &in.fields[i]
		}
		var nf Field
		if prev != nil && string(f.Name) == prev.Name {
			nf.Name = prev.Name
		} else {
			nf.Name = fieldName(f.Name)
		}
		if prev != nil && string(f.Value) == prev.Value {
			nf.Value = prev.Value
		} else {
			nf.Value = string(f.Value)
		}
		dst = append(dst, nf)
	}
	r.Header = Header(dst)
	// The next request compares against these; the Header itself is the
	// handler's and is never written to again.
	in.fields = append(in.fields[:0], dst...)
	r.Host = ""
	if len(h.Host) > 0 {
		if sub := substr(in.target, h.Target, h.Host); sub != "" {
			r.Host = sub // absolute-form: the host is in the target
		} else if v := r.Header.Get("Host"); v == string(h.Host) {
			r.Host = v
		} else {
			r.Host = string(h.Host)
		}
	}
}

// substr returns the part of s (a copy of b) that sub occupies in b,
// or "" if sub is not a slice of b.
func substr(s string, b, sub []byte) string {
	if len(sub) == 0 || len(b) == 0 {
		return ""
	}
	base := &b[:cap(b)][0]
	p := &sub[0]
	off := int(uintptrOf(p) - uintptrOf(base))
	if off < 0 || off+len(sub) > len(b) {
		return ""
	}
	return s[off : off+len(sub)]
}

// method returns a constant string for the common methods.
func method(b []byte) string {
	switch string(b) {
	case "GET":
		return "GET"
	case "HEAD":
		return "HEAD"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "DELETE":
		return "DELETE"
	case "OPTIONS":
		return "OPTIONS"
	case "PATCH":
		return "PATCH"
	case "CONNECT":
		return "CONNECT"
	case "TRACE":
		return "TRACE"
	}
	return string(b)
}

// fieldName returns a constant string for common field names as
// clients spell them.
func fieldName(b []byte) string {
	switch string(b) {
	case "Host":
		return "Host"
	case "User-Agent":
		return "User-Agent"
	case "Accept":
		return "Accept"
	case "Accept-Encoding":
		return "Accept-Encoding"
	case "Accept-Language":
		return "Accept-Language"
	case "Connection":
		return "Connection"
	case "Content-Length":
		return "Content-Length"
	case "Content-Type":
		return "Content-Type"
	case "Cookie":
		return "Cookie"
	case "Referer":
		return "Referer"
	case "If-Modified-Since":
		return "If-Modified-Since"
	case "If-None-Match":
		return "If-None-Match"
	case "Cache-Control":
		return "Cache-Control"
	case "Upgrade-Insecure-Requests":
		return "Upgrade-Insecure-Requests"
	case "Range":
		return "Range"
	case "Origin":
		return "Origin"
	case "Authorization":
		return "Authorization"
	case "Transfer-Encoding":
		return "Transfer-Encoding"
	case "Expect":
		return "Expect"
	case "Pragma":
		return "Pragma"
	case "host":
		return "host"
	case "user-agent":
		return "user-agent"
	case "accept":
		return "accept"
	case "connection":
		return "connection"
	case "content-length":
		return "content-length"
	case "content-type":
		return "content-type"
	}
	return string(b)
}

func uintptrOf(p *byte) uintptr { return uintptr(unsafe.Pointer(p)) }
