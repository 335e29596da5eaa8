package nethttp

import (
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/internal/http1"
)

// sniffLen is how many body bytes http.DetectContentType looks at.
const sniffLen = 512

// A responseWriter is the http.ResponseWriter a wrapped handler gets,
// over the engine's wharf.ResponseWriter. It keeps net/http's rules
// where they differ from wharf's:
//
//   - the header is an http.Header map, copied into the engine's
//     ordered header when the status is set (WriteHeader, or the first
//     Write or Flush); later changes to the map have no effect;
//   - without a Content-Type (and without Content-Encoding and
//     Transfer-Encoding), the first 512 body bytes are held back and
//     the type is sniffed from them (http.DetectContentType), as
//     net/http does; a map entry with a nil value suppresses it;
//   - "101 Switching Protocols" is written by the adapter itself, on
//     the taken-over connection, because the engine writes its own
//     Connection field and the upgrade needs the handler's
//     ("Connection: Upgrade"); see switchProtocols.
//
// Like any ResponseWriter it is not safe for concurrent use, and it
// may not be used after the handler returns (its methods then return
// wharf.ErrHandlerDone). Every field is owned by the goroutine running
// the handler.
//
// The header map and the sniffing buffer come from pools and go back
// to them when the handler returns (finish): net/http's Handler
// contract makes using the ResponseWriter after ServeHTTP returned
// invalid, and the map is the ResponseWriter's (reached through
// Header). The writer itself is not reused, so that a handler that
// calls its methods after returning anyway gets ErrHandlerDone (and a
// throwaway map from Header) rather than another request's answer.
type responseWriter struct {
	ww     wharf.ResponseWriter // the engine's; immutable
	header http.Header          // the handler's map; from headerPool at the first Header call

	status   int    // set by WriteHeader (or the first Write); 0 before
	declared int64  // the Content-Length the handler set, or -1
	accepted int64  // body bytes the handler wrote, held back or not
	written  int64  // body bytes handed to ww
	sniff    []byte // body bytes held back to sniff a Content-Type; from sniffPool when first needed
	sniffing bool   // the Content-Type is to be sniffed from the first body bytes
	headSent bool   // ww.WriteHeader was called (or the 101 head written)
	hijacked bool   // the handler took the connection (Hijack)
	done     bool   // the handler returned

	// A 101 head is written on the connection taken from the engine;
	// until the handler calls Hijack, the connection is kept here (and
	// closed if the handler returns without taking it).
	up upgraded
}

func (w *responseWriter) init(ww wharf.ResponseWriter) {
	w.ww = ww
	w.declared = -1
}

// Header implements http.ResponseWriter.
func (w *responseWriter) Header() http.Header {
	if w.header == nil {
		if w.done {
			// Called after the handler returned: a map of its own, so
			// that it cannot reach the pool (see finish).
			return make(http.Header)
		}
		w.header = getHeader()
	}
	return w.header
}

// Pools of response header maps and sniffing buffers, shared by every
// wrapped handler: a map or buffer is put back, emptied, when the
// handler that had it returned (responseWriter.finish).
var (
	headerPool sync.Pool // of http.Header, empty
	sniffPool  sync.Pool // of *[sniffLen]byte
)

// maxPooledHeader is the most names a response header map may have
// had to be put back in headerPool: clear keeps a map's capacity, and
// an exceptional answer's big map is not kept for every later one.
const maxPooledHeader = 32

func getHeader() http.Header {
	if h, _ := headerPool.Get().(http.Header); h != nil {
		return h
	}
	return make(http.Header)
}

// newSniff returns an empty buffer of sniffLen bytes for w.sniff.
func newSniff() []byte {
	if b, _ := sniffPool.Get().(*[sniffLen]byte); b != nil {
		return b[:0]
	}
	return make([]byte, 0, sniffLen)
}

// release puts the header map and the sniffing buffer back in their
// pools; w no longer refers to them.
func (w *responseWriter) release() {
	if h := w.header; h != nil && len(h) <= maxPooledHeader {
		clear(h)
		headerPool.Put(h)
	}
	w.header = nil
	if cap(w.sniff) == sniffLen {
		sniffPool.Put((*[sniffLen]byte)(w.sniff[:sniffLen]))
	}
	w.sniff = nil
}

// WriteHeader implements http.ResponseWriter. As in net/http, a code
// outside 100-999 panics and only the first call counts. Informational
// codes other than 101 are dropped: the engine sends no interim
// answers (103 Early Hints is not sent; "100 Continue" is sent by the
// engine itself when the handler first reads a body the client
// waits to send).
func (w *responseWriter) WriteHeader(code int) {
	if w.done || w.hijacked || w.status != 0 {
		return
	}
	if code < 100 || code > 999 {
		// net/http's checkWriteHeaderCode, word for word.
		panic("invalid WriteHeader code " + strconv.Itoa(code))
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		return
	}
	w.status = code
	w.copyHeader()
}

// copyHeader copies the handler's map into the engine's header, as
// net/http writes it: keys sorted, invalid names dropped, CR and LF in
// values turned into spaces and the values trimmed; nil values, the
// "Trailer:" keys and Trailer itself (trailers are not sent: the
// engine has none), and the Content-Type of a 304 (net/http's
// suppressedHeaders304) left out. It also decides whether the
// Content-Type is to be sniffed and notes a declared Content-Length.
func (w *responseWriter) copyHeader() {
	code := w.status
	wh := w.ww.Header()
	var kbuf [32]string
	haveType := false
	var enc, te, cl string
	for _, k := range sortedKeys(kbuf[:0], w.header) {
		vs := w.header[k]
		// What net/http's Header.Get of these canonical names would
		// return, noted on the way instead of looked up again.
		switch k {
		case "Content-Type":
			haveType = true // even with a nil value: no sniffing
		case "Content-Encoding":
			enc = firstOf(vs)
		case "Transfer-Encoding":
			te = firstOf(vs)
		case "Content-Length":
			cl = firstOf(vs)
		}
		switch {
		case len(vs) == 0, k == "Trailer", strings.HasPrefix(k, http.TrailerPrefix):
			continue
		case code == http.StatusNotModified && k == "Content-Type":
			continue
		case !http1.ValidFieldName(k):
			continue
		}
		for _, v := range vs {
			v = cleanValue(v)
			if http1.ValidFieldValue(v) {
				wh.Add(k, v)
			}
		}
	}
	w.sniffing = bodyAllowed(code) && !haveType && enc == "" && te == ""
	if cl != "" {
		if v, err := strconv.ParseInt(cl, 10, 64); err == nil && v >= 0 {
			w.declared = v
		}
	}
}

// sortedKeys appends h's keys to keys, sorted. A map whose one key is
// Content-Type (the usual handler's) is not ranged over: a range draws
// a random starting point, which costs more than a lookup.
func sortedKeys(keys []string, h http.Header) []string {
	if len(h) == 1 {
		if _, ok := h["Content-Type"]; ok {
			return append(keys, "Content-Type")
		}
	}
	for k := range h {
		keys = append(keys, k)
	}
	if len(keys) > 1 {
		slices.Sort(keys)
	}
	return keys
}

// firstOf is the first of vs, or "" (http.Header.Get's answer).
func firstOf(vs []string) string {
	if len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// cleanValue is a value as net/http's Header.Write sends it: CR and LF
// replaced by spaces, leading and trailing spaces and tabs trimmed.
func cleanValue(v string) string {
	if strings.ContainsAny(v, "\r\n") {
		v = strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return ' '
			}
			return r
		}, v)
	}
	if v != "" && (v[0] == ' ' || v[0] == '\t' || v[len(v)-1] == ' ' || v[len(v)-1] == '\t') {
		v = strings.Trim(v, " \t")
	}
	return v
}

// bodyAllowed is net/http's bodyAllowedForStatus.
func bodyAllowed(code int) bool {
	return code >= 200 && code != http.StatusNoContent && code != http.StatusNotModified
}

// Write implements http.ResponseWriter.
func (w *responseWriter) Write(p []byte) (int, error) { return w.write(p, "") }

// WriteString implements io.StringWriter without converting s.
func (w *responseWriter) WriteString(s string) (int, error) { return w.write(nil, s) }

// begin is the start of every method that writes: the error to return
// once the handler returned or hijacked, else nil, with the status
// decided (200 if the handler set none).
func (w *responseWriter) begin() error {
	switch {
	case w.done:
		return wharf.ErrHandlerDone
	case w.hijacked:
		return http.ErrHijacked
	}
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return nil
}

// write writes p, or s if p is nil.
func (w *responseWriter) write(p []byte, s string) (int, error) {
	if err := w.begin(); err != nil {
		return 0, err
	}
	if w.status == http.StatusSwitchingProtocols {
		return 0, http.ErrBodyNotAllowed
	}
	n := len(p) + len(s)
	// As net/http: a write past the declared Content-Length fails
	// whole, and so does every later one.
	w.accepted += int64(n)
	if w.declared >= 0 && w.accepted > w.declared {
		return 0, http.ErrContentLength
	}
	if w.sniffing {
		if len(w.sniff)+n < sniffLen {
			if w.sniff == nil {
				w.sniff = newSniff()
			}
			w.sniff = append(w.sniff, p...)
			w.sniff = append(w.sniff, s...)
			return n, nil
		}
		w.detect(p, s)
	}
	if !w.headSent {
		if err := w.sendHead(); err != nil {
			return 0, err
		}
	}
	var m int
	var err error
	if p != nil {
		m, err = w.ww.Write(p)
	} else {
		m, err = w.ww.WriteString(s)
	}
	w.written += int64(m)
	return m, toHTTPError(err)
}

// detect sets the Content-Type sniffed from the held-back bytes and
// then p (or s), and ends sniffing. With no bytes at all it sets none,
// as net/http.
func (w *responseWriter) detect(p []byte, s string) {
	w.sniffing = false
	held := len(w.sniff)
	if held+len(p)+len(s) == 0 {
		return
	}
	var b []byte
	if held == 0 && len(p) >= sniffLen {
		b = p
	} else {
		if w.sniff == nil {
			w.sniff = newSniff()
		}
		b = w.sniff
		if p != nil {
			b = append(b, p[:min(len(p), sniffLen-held)]...)
		} else {
			b = append(b, s[:min(len(s), sniffLen-held)]...)
		}
	}
	w.ww.Header().Add("Content-Type", http.DetectContentType(b))
}

// sendHead hands the status to the engine, then the body bytes held
// back for sniffing.
func (w *responseWriter) sendHead() error {
	w.headSent = true
	if w.status == http.StatusSwitchingProtocols {
		return w.switchProtocols()
	}
	w.ww.WriteHeader(w.status)
	if len(w.sniff) == 0 {
		return nil
	}
	n, err := w.ww.Write(w.sniff)
	w.written += int64(n)
	w.sniff = w.sniff[:0]
	return toHTTPError(err)
}

// Flush implements http.Flusher.
func (w *responseWriter) Flush() { w.FlushError() }

// FlushError sends what was written so far to the client
// (http.ResponseController.Flush). Without a status it sends 200.
func (w *responseWriter) FlushError() error {
	if err := w.begin(); err != nil {
		return err
	}
	if err := w.endHead(); err != nil {
		return err
	}
	if w.up.conn != nil {
		return nil // the 101 head went out with the take-over
	}
	return toHTTPError(w.ww.Flush())
}

// endHead settles the head without more body bytes to come before it:
// the status (200 if none), the sniffed type from what was held back.
func (w *responseWriter) endHead() error {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.sniffing {
		w.detect(nil, "")
	}
	if w.headSent {
		return nil
	}
	return w.sendHead()
}

// finish completes the answer after the handler returned normally:
// the head and the held-back bytes go to the engine, which frames and
// ends the body. A connection taken over for a 101 answer that the
// handler did not Hijack is closed (the engine has let go of it).
func (w *responseWriter) finish() {
	if !w.hijacked && !w.done {
		if w.up.conn != nil {
			w.dropUpgrade()
		} else {
			w.endHead()
		}
	}
	w.done = true
	w.release()
}

// SetReadDeadline is for http.ResponseController: the engine has no
// per-request read deadline (the body is bounded by Server.ReadTimeout),
// so it returns an error wrapping http.ErrNotSupported.
func (w *responseWriter) SetReadDeadline(time.Time) error { return errReadDeadline }

// SetWriteDeadline is for http.ResponseController: the engine has no
// per-request write deadline (each write is bounded by
// Server.WriteTimeout), so it returns an error wrapping
// http.ErrNotSupported.
func (w *responseWriter) SetWriteDeadline(time.Time) error { return errWriteDeadline }

// EnableFullDuplex is for http.ResponseController. The engine always
// lets a handler read the request body after it began to write the
// answer, so it does nothing and returns nil. Reading and writing stay
// one goroutine's at a time: the engine does not support reading the
// body on one goroutine while another writes.
func (w *responseWriter) EnableFullDuplex() error { return nil }

var (
	_ http.ResponseWriter = (*responseWriter)(nil)
	_ http.Flusher        = (*responseWriter)(nil)
	_ http.Hijacker       = (*responseWriter)(nil)
	_ io.ReaderFrom       = (*responseWriter)(nil)
	_ io.StringWriter     = (*responseWriter)(nil)
)
