package wharf

import (
	"errors"
	"io"
	"os"
	"syscall"

	"github.com/wharfhttp/wharf/internal/http1"
)

// A ResponseWriter is how a handler writes its response.
//
// The server adds Date, and frames the body itself: when the handler
// sets no Content-Length, a response whose body fits in the write
// buffer gets a Content-Length, a larger one is sent chunked (or, to an
// HTTP/1.0 client, delimited by closing the connection). It adds
// "Connection: close" when the connection will close.
//
// A ResponseWriter is not safe for concurrent use, and may not be used
// after the handler returns: its methods then return ErrHandlerDone and
// write nothing.
//
// The value also implements io.ReaderFrom: io.Copy from an *os.File to
// a response with a declared Content-Length uses sendfile(2); and
// Hijacker, to take the connection over.
type ResponseWriter interface {
	// Header returns the response header to send. Changes after
	// WriteHeader (or the first Write) have no effect. Fields whose name
	// is not a token or whose value holds CR, LF or NUL are dropped when
	// the head is written (they would split the response).
	Header() *Header

	// WriteHeader sends the status code (100-999; informational 1xx
	// codes other than 101 are not supported and are ignored). Only the
	// first call counts. Without it, the first Write sends 200.
	WriteHeader(code int)

	// Write writes body bytes.
	Write(p []byte) (int, error)

	// WriteString writes body bytes without converting s to a []byte.
	WriteString(s string) (int, error)

	// Flush sends everything written so far to the client.
	Flush() error
}

// response is the server's ResponseWriter, one per request (part of
// the request's exchange). Its body bytes go to conn.bbuf until the
// head is written, then to conn.wbuf or straight to the connection.
type response struct {
	c           *conn
	req         *Request
	header      Header
	status      int
	declared    int64 // Content-Length set by the handler, or -1
	written     int64 // body bytes accepted from the handler
	wroteHeader bool  // the status is decided
	committed   bool  // the head is in c.wbuf (or sent)
	chunked     bool  // body sent with chunked coding
	noBody      bool  // HEAD, or a status without a body
	isHead      bool
	closeAfter  bool // the connection closes after this response
	done        bool // the handler returned
	hijacked    bool // the handler took the connection over (hijack.go)
	aborted     bool // the handler panicked with ErrAbortHandler

}

func (w *response) init(c *conn, r *Request) {
	w.c, w.req = c, r
	w.header = c.respFields[:0] // reused: valid only until the handler returns
	w.declared = -1
	w.isHead = r.Method == "HEAD"
	w.closeAfter = r.Close
}

// reset drops an uncommitted response (used after a handler panic).
func (w *response) reset() {
	w.header = w.header[:0]
	w.status = 0
	w.declared = -1
	w.written = 0
	w.wroteHeader = false
	w.noBody = false
	w.c.bbuf = w.c.bbuf[:0]
}

func (w *response) Header() *Header { return &w.header }

func (w *response) WriteHeader(code int) {
	if w.done || w.wroteHeader || w.hijacked {
		return
	}
	if code < 100 || code > 999 {
		code = 500
	}
	if code < 200 && code != 101 {
		return // interim answers other than 101 are not supported
	}
	w.wroteHeader = true
	w.status = code
	w.noBody = w.isHead || code < 200 || code == 204 || code == 304
	if cl := w.header.Get("Content-Length"); cl != "" {
		if v, ok := parseContentLength(cl); ok {
			w.declared = v
		}
	}
	for i := w.header.Next("Connection", 0); i >= 0; i = w.header.Next("Connection", i+1) {
		if http1.HasToken([]byte(w.header[i].Value), "close") {
			w.closeAfter = true
		}
	}
}

func parseContentLength(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		v = v*10 + int64(s[i]-'0')
	}
	return v, true
}

func (w *response) Write(p []byte) (int, error) {
	if err := w.beforeWrite(len(p)); err != nil {
		if err == errSilent {
			return len(p), nil
		}
		return 0, err
	}
	return w.write(p, "")
}

func (w *response) WriteString(s string) (int, error) {
	if err := w.beforeWrite(len(s)); err != nil {
		if err == errSilent {
			return len(s), nil
		}
		return 0, err
	}
	return w.write(nil, s)
}

// errSilent makes a write succeed without sending anything (the body
// of a HEAD response).
var errSilent = errors.New("silent")

func (w *response) beforeWrite(n int) error {
	if w.done {
		return ErrHandlerDone
	}
	if w.hijacked {
		return ErrHijacked
	}
	if !w.wroteHeader {
		w.WriteHeader(200)
	}
	if w.noBody {
		if w.isHead && w.status >= 200 && w.status != 204 && w.status != 304 {
			w.written += int64(n)
			return errSilent
		}
		return ErrBodyNotAllowed
	}
	return w.c.werr
}

// write sends p (or s): buffered while the response is small, else
// straight to the connection.
func (w *response) write(p []byte, s string) (int, error) {
	n := len(p) + len(s)
	var err error
	if w.declared >= 0 && w.written+int64(n) > w.declared {
		allowed := int(w.declared - w.written)
		if p != nil {
			p = p[:allowed]
		} else {
			s = s[:allowed]
		}
		n = allowed
		err = ErrContentLength
		w.closeAfter = true
	}
	if n == 0 {
		return 0, err
	}
	c := w.c
	if !w.committed {
		if len(c.bbuf)+n <= cap(c.bbuf) {
			c.bbuf = append(c.bbuf, p...)
			c.bbuf = append(c.bbuf, s...)
			w.written += int64(n)
			return n, err
		}
		w.commit(false)
	}
	if p == nil {
		p = []byte(s) // a large string write: one copy, rarely taken
	}
	if werr := w.send(p); werr != nil {
		return 0, werr
	}
	w.written += int64(n)
	return n, err
}

// send writes body bytes after the head is committed.
func (w *response) send(p []byte) error {
	c := w.c
	if w.chunked {
		if len(c.wbuf)+len(p)+20 <= cap(c.wbuf) {
			c.wbuf = http1.AppendChunk(c.wbuf, p)
			return nil
		}
		c.wbuf = http1.AppendChunkSize(c.wbuf, len(p))
		return c.writeVec(p, http1.CRLF)
	}
	if len(c.wbuf)+len(p) <= cap(c.wbuf) {
		c.wbuf = append(c.wbuf, p...)
		return nil
	}
	return c.writeVec(p)
}

func (w *response) Flush() error {
	if w.done {
		return ErrHandlerDone
	}
	if w.hijacked {
		return ErrHijacked
	}
	if !w.wroteHeader {
		w.WriteHeader(200)
	}
	if !w.committed {
		w.commit(false)
	}
	return w.c.flush()
}

// commit appends the response head, and the buffered body, to c.wbuf.
// final means the handler has returned, so the body length is known.
func (w *response) commit(final bool) {
	c := w.c
	w.committed = true
	body := c.bbuf
	var length int64 = -1
	switch {
	case w.declared >= 0:
		length = w.declared
	case final && !(w.isHead && w.written == 0):
		length = w.written
	}
	bodyless := w.status < 200 || w.status == 204 || w.status == 304
	if !bodyless && length < 0 && !w.isHead {
		if w.req.ProtoMinor >= 1 {
			w.chunked = true
		} else {
			w.closeAfter = true // HTTP/1.0: the body ends at close (RFC 9112 6.3)
		}
	}
	if c.srv.closing.Load() {
		w.closeAfter = true
	}
	framed := length
	if bodyless {
		framed = -1
	}
	conn := http1.ConnDefault
	switch {
	case w.status == 101:
		// A protocol switch: the handler's "Connection: Upgrade" is the
		// answer's (RFC 9110 7.8); the connection is the handler's next.
	case w.closeAfter:
		conn = http1.ConnClose
	case w.req.ProtoMinor == 0:
		conn = http1.ConnKeepAlive
	}
	before := len(c.wbuf)
	b := http1.AppendResponseHead(c.wbuf, w.status, currentDate(), framed, w.chunked && !bodyless, conn)
	for _, f := range w.header {
		if skipField(f.Name) && (w.status != 101 || !equalFold(f.Name, "Connection")) {
			continue
		}
		if !http1.ValidFieldName(f.Name) || !http1.ValidFieldValue(f.Value) {
			c.srv.cfg.log.Warn("dropped invalid response header field", "name", f.Name)
			continue
		}
		b = http1.AppendField(b, f.Name, f.Value)
	}
	c.wbuf = http1.EndHead(b)
	c.meter.head = int64(len(c.wbuf) - before)
	if len(body) > 0 && !w.noBody {
		if w.chunked {
			c.wbuf = http1.AppendChunk(c.wbuf, body)
		} else {
			c.wbuf = append(c.wbuf, body...)
		}
	}
	c.bbuf = c.bbuf[:0]
}

// skipField reports fields the server writes itself.
func skipField(name string) bool {
	switch len(name) {
	case 4:
		return equalFold(name, "Date")
	case 10:
		return equalFold(name, "Connection")
	case 14:
		return equalFold(name, "Content-Length")
	case 17:
		return equalFold(name, "Transfer-Encoding")
	}
	return false
}

// finish completes the response after the handler returned.
func (w *response) finish() {
	if !w.wroteHeader {
		w.WriteHeader(200)
	}
	if !w.committed {
		w.commit(true)
	} else if w.chunked {
		w.c.wbuf = append(w.c.wbuf, http1.LastChunk...)
	}
	if w.declared >= 0 && w.written < w.declared && !w.noBody {
		// The body is shorter than announced: the client cannot
		// frame it, so only closing ends it. (A client that went away
		// mid-answer is no handler bug: not logged.)
		if w.c.werr == nil {
			w.c.srv.cfg.log.Warn("handler wrote less than its Content-Length",
				"declared", w.declared, "written", w.written, "target", w.req.Target)
		}
		w.closeAfter = true
	}
	w.done = true
	w.c.respFields = w.header[:0] // keep a grown backing array
}

// ReadFrom implements io.ReaderFrom. When the handler declared a
// Content-Length, the head is written and the body copied with the
// connection's own ReadFrom, which uses sendfile(2) for files.
func (w *response) ReadFrom(src io.Reader) (int64, error) {
	if w.done {
		return 0, ErrHandlerDone
	}
	if w.hijacked {
		return 0, ErrHijacked
	}
	if !w.wroteHeader {
		w.WriteHeader(200)
	}
	c := w.c
	if w.noBody || w.declared < 0 || w.declared-w.written <= int64(bodyBufSize) {
		return w.copyBuffered(src)
	}
	rest := w.declared - w.written
	// io.Copy(w, f) hands us f wrapped (os.File's WriteTo fallback);
	// the wrapper still has f's SyscallConn and Stat.
	if f, ok := src.(regularFile); ok && c.canSendLater() && isRegular(f) {
		// The file is sent after the handler returns, by a worker that
		// parks the connection whenever the client is slow to read
		// (sendfile.go): a slow reader holds no worker.
		if fs, err := newFileSend(f, rest); err == nil {
			if !w.committed {
				w.commit(false)
			}
			c.send = fs
			w.written += rest
			return rest, nil
		}
	}
	if !w.committed {
		w.commit(false)
	}
	if err := c.flush(); err != nil {
		return 0, err
	}
	c.setWriteDeadline()
	rf, ok := c.nc.(io.ReaderFrom)
	var n int64
	var err error
	if ok {
		n, err = rf.ReadFrom(io.LimitReader(src, rest))
	} else {
		n, err = io.Copy(c.nc, io.LimitReader(src, rest))
	}
	w.written += n
	if err != nil {
		c.writeFailed(err)
	}
	return n, err
}

// regularFile is what a file body needs to be sent by the connection.
// The bytes are sent from the file's current offset, which then moves
// past them, unless the value also has a method
//
//	FileOffset() int64
//
// giving the offset to send from: then the file's own offset is
// neither read nor moved, so one descriptor may be sent by several
// connections at once (a file server's open-file cache).
type regularFile interface {
	SyscallConn() (syscall.RawConn, error)
	Stat() (os.FileInfo, error)
}

func isRegular(f regularFile) bool {
	st, err := f.Stat()
	return err == nil && st.Mode().IsRegular()
}

// copyBuffered copies src through Write, reading straight into the
// body buffer when it has room.
func (w *response) copyBuffered(src io.Reader) (int64, error) {
	var total int64
	var scratch [4096]byte
	for {
		n, err := src.Read(scratch[:])
		if n > 0 {
			m, werr := w.Write(scratch[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

var _ io.ReaderFrom = (*response)(nil)
