package middleware

import "github.com/wharfhttp/wharf"

// Headers returns a handler that adds fields to every answer of next,
// in order, with Header.Add before calling next: two fields of the
// same name are both sent, and next may replace one with Header.Set or
// remove it with Header.Del. The fields are copied.
//
// Headers does not validate the fields: like any field a handler sets,
// one whose name is not a token or whose value holds CR, LF or NUL is
// dropped by the server when the head is written, and fields the
// server writes itself (Date, Connection, Content-Length,
// Transfer-Encoding) are ignored. Validate input from users before
// (the wharf command does).
func Headers(next wharf.Handler, fields []wharf.Field) wharf.Handler {
	h := &headers{next: next, fields: append([]wharf.Field(nil), fields...)}
	return promise(h, next)
}

type headers struct {
	next   wharf.Handler
	fields []wharf.Field
}

func (h *headers) ServeHTTP(w wharf.ResponseWriter, r *wharf.Request) {
	hdr := w.Header()
	for _, f := range h.fields {
		hdr.Add(f.Name, f.Value)
	}
	h.next.ServeHTTP(w, r)
}
