package compress

import (
	"io"
	"strings"

	"github.com/wharfhttp/wharf"
)

// responseWriter is the middleware's wharf.ResponseWriter: it decides
// when the head is decided whether to compress, then passes the body
// through, or through an encoder. Owned by the request's handler
// goroutine; pooled by handler when next is a RequestReleaser.
type responseWriter struct {
	rw     wharf.ResponseWriter // the server's; nil once done
	h      *handler
	enc    Encoding // the negotiated coding; Identity: never compress
	isHead bool
	state  state
	status int     // next's status, once decided
	buf    *[]byte // the held-back body (stateHold), from h.bufs
	zw     *Writer // the encoder (stateCompress, not for HEAD)
	dead   wharf.Header
}

// The states of a responseWriter, in the order they may follow.
type state uint8

const (
	stateNew      state = iota // the head is not decided
	stateHold                  // compressing if the body reaches MinSize: held back in buf
	statePass                  // not compressing: everything goes to rw as it is
	stateCompress              // compressing: the head is sent, the body goes through zw
	stateDone                  // the handler returned
)

var (
	_ wharf.ResponseWriter = (*responseWriter)(nil)
	_ io.ReaderFrom        = (*responseWriter)(nil)
)

func (cw *responseWriter) Header() *wharf.Header {
	if cw.state == stateDone {
		// The server's header may be reused by now: a late caller
		// gets a header of its own, sent nowhere.
		return &cw.dead
	}
	return cw.rw.Header()
}

func (cw *responseWriter) WriteHeader(code int) {
	if cw.state != stateNew {
		return // only the first call counts (and none after done)
	}
	if code >= 100 && code < 200 && code != 101 {
		cw.rw.WriteHeader(code) // interim: the head is still to come
		return
	}
	cw.status = code
	cw.decide()
}

// decide chooses, from the status and the header next set, how the
// answer goes out (see Handler's documentation for the rules).
func (cw *responseWriter) decide() {
	h := cw.h
	hdr := cw.rw.Header()
	code := cw.status
	switch {
	case code < 200 || code > 999 || code == 204:
		cw.pass()
		return
	case hdr.Has("Content-Encoding"),
		!Compressible(hdr.Get("Content-Type")),
		hasToken(*hdr, "Cache-Control", "no-transform"):
		cw.pass()
		return
	case code == 206 || hdr.Has("Content-Range"):
		addVary(hdr)
		cw.pass()
		return
	case code == 304:
		addVary(hdr)
		if cw.enc != Identity {
			weakenETag(hdr)
		}
		cw.pass()
		return
	}
	declared := contentLength(hdr)
	if declared >= 0 && declared < int64(h.minSize) {
		cw.pass() // small for every client: no Vary
		return
	}
	addVary(hdr)
	switch {
	case cw.enc == Identity:
		cw.pass()
	case declared >= 0 || h.minSize == 0:
		cw.compress()
	default:
		// The head waits for MinSize bytes. (Header changes next
		// makes meanwhile are sent with it, where the server would
		// ignore them: harmless, and copying the header to avoid it
		// would cost an allocation.)
		cw.state = stateHold
	}
}

// pass sends the head as next set it: the answer goes through as is.
func (cw *responseWriter) pass() {
	cw.state = statePass
	cw.rw.WriteHeader(cw.status)
}

// compress sets the head of a compressed answer, sends it, and takes
// an encoder.
func (cw *responseWriter) compress() {
	hdr := cw.rw.Header()
	hdr.Del("Content-Length")
	hdr.Del("Accept-Ranges")
	hdr.Set("Content-Encoding", cw.enc.String())
	weakenETag(hdr)
	cw.state = stateCompress
	cw.rw.WriteHeader(cw.status)
	if !cw.isHead {
		cw.zw = cw.h.cfg.NewWriter(cw.rw, cw.enc)
	}
}

// release decides a held-back answer: compressing, or (at the end of a
// small body) not; then it sends the held-back bytes.
func (cw *responseWriter) release(compress bool) error {
	if compress {
		cw.compress()
	} else {
		cw.pass()
	}
	b := cw.buf
	cw.buf = nil
	if b == nil {
		return nil
	}
	defer cw.h.putBuf(b)
	if len(*b) == 0 {
		return nil
	}
	_, err := cw.write(*b, "")
	return err
}

// begin decides the head if it is not decided yet (an implicit 200).
func (cw *responseWriter) begin() {
	if cw.state == stateNew {
		cw.status = 200
		cw.decide()
	}
}

func (cw *responseWriter) Write(p []byte) (int, error) {
	return cw.write(p, "")
}

func (cw *responseWriter) WriteString(s string) (int, error) {
	return cw.write(nil, s)
}

// write writes p, or s when p is nil.
func (cw *responseWriter) write(p []byte, s string) (int, error) {
	cw.begin()
	n := len(p) + len(s)
	switch cw.state {
	case stateHold:
		if cw.buf == nil {
			if n >= cw.h.minSize {
				if err := cw.release(true); err != nil {
					return 0, err
				}
				return cw.write(p, s)
			}
			cw.buf = cw.h.getBuf()
		}
		b := *cw.buf
		if len(b)+n < cw.h.minSize {
			b = append(b, p...)
			*cw.buf = append(b, s...)
			return n, nil
		}
		if err := cw.release(true); err != nil {
			return 0, err
		}
		return cw.write(p, s)
	case statePass:
		if p == nil && s != "" {
			return cw.rw.WriteString(s)
		}
		return cw.rw.Write(p)
	case stateCompress:
		if cw.zw == nil { // HEAD: the body is not sent
			return n, nil
		}
		if p == nil && s != "" {
			return cw.zw.WriteString(s)
		}
		return cw.zw.Write(p)
	}
	return 0, wharf.ErrHandlerDone
}

func (cw *responseWriter) Flush() error {
	cw.begin()
	switch cw.state {
	case stateHold:
		// A handler that flushes before MinSize streams: compress.
		if err := cw.release(true); err != nil {
			return err
		}
		return cw.Flush()
	case stateCompress:
		if cw.zw != nil {
			if err := cw.zw.Flush(); err != nil {
				return err
			}
		}
		return cw.rw.Flush()
	case statePass:
		return cw.rw.Flush()
	}
	return wharf.ErrHandlerDone
}

// ReadFrom implements io.ReaderFrom: straight to the server's ReadFrom
// (sendfile) when not compressing, through the encoder when
// compressing.
func (cw *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	cw.begin()
	var held int64
	if cw.state == stateHold {
		// Read until MinSize is reached, or the body ends short of it.
		if cw.buf == nil {
			cw.buf = cw.h.getBuf()
		}
		for len(*cw.buf) < cw.h.minSize {
			b := *cw.buf
			n, err := src.Read(b[len(b):cap(b)])
			*cw.buf = b[:len(b)+n]
			held += int64(n)
			if err == io.EOF {
				return held, nil // still held: finish decides
			}
			if err != nil {
				return held, err
			}
		}
		if err := cw.release(true); err != nil {
			return 0, err
		}
	}
	var n int64
	var err error
	switch cw.state {
	case statePass:
		if rf, ok := cw.rw.(io.ReaderFrom); ok {
			n, err = rf.ReadFrom(src)
		} else {
			n, err = io.Copy(cw.rw, src)
		}
	case stateCompress:
		if cw.zw == nil { // HEAD: read as the server would, send nothing
			n, err = io.Copy(io.Discard, src)
		} else {
			n, err = cw.zw.ReadFrom(src)
		}
	default:
		return 0, wharf.ErrHandlerDone
	}
	return held + n, err
}

// finish ends the answer after next returned.
func (cw *responseWriter) finish() {
	switch cw.state {
	case stateHold:
		cw.release(false) // the whole body is smaller than MinSize
	case stateCompress:
		if cw.zw != nil {
			cw.zw.Close() // an error is the client's: the server saw it too
			cw.zw = nil
		}
	}
	// stateNew: next wrote nothing; the server sends its empty 200.
	cw.state = stateDone
	cw.rw = nil
}

// addVary adds "Vary: Accept-Encoding" unless a Vary field lists it
// already, or "*". A new field line rather than an edited value: the
// lines of a list field are one list (RFC 9110 5.3), and no string is
// built.
func addVary(hdr *wharf.Header) {
	if hasToken(*hdr, "Vary", "Accept-Encoding") || hasToken(*hdr, "Vary", "*") {
		return
	}
	hdr.Add("Vary", "Accept-Encoding")
}

// weakenETag turns a strong entity tag weak: `"x"` becomes `W/"x"`.
func weakenETag(hdr *wharf.Header) {
	h := *hdr
	if i := h.Next("ETag", 0); i >= 0 && strings.HasPrefix(h[i].Value, `"`) {
		h[i].Value = "W/" + h[i].Value
	}
}

// hasToken reports whether a comma-separated list field name holds
// token (compared case-insensitively; parameters after '=' or ';' are
// not part of it).
func hasToken(h wharf.Header, name, token string) bool {
	for i := h.Next(name, 0); i >= 0; i = h.Next(name, i+1) {
		v := h[i].Value
		for v != "" {
			m := v
			if j := strings.IndexByte(v, ','); j >= 0 {
				m, v = v[:j], v[j+1:]
			} else {
				v = ""
			}
			if j := strings.IndexAny(m, "=;"); j >= 0 {
				m = m[:j]
			}
			if equalFold(trimOWS(m), token) {
				return true
			}
		}
	}
	return false
}

// contentLength returns the declared Content-Length, or -1 when there
// is none or it is not a number.
func contentLength(hdr *wharf.Header) int64 {
	s := hdr.Get("Content-Length")
	if s == "" || len(s) > 18 {
		return -1
	}
	var v int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return -1
		}
		v = v*10 + int64(s[i]-'0')
	}
	return v
}
