package fileserver

import (
	"bytes"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"syscall"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/compress"
)

// respond answers a GET or HEAD request r with the representation m
// describes, whose bytes are content (a cached representation) or the
// open file f (nil content). It evaluates the preconditions (RFC 9110
// 13.2.2) and then Range (RFC 9110 14): 304, 412, 416, 206 (one range,
// or multipart/byteranges for several) or 200.
//
// For a cached representation without a Range it allocates nothing.
func (h *Handler) respond(w wharf.ResponseWriter, r *wharf.Request, m *meta, content []byte, f fs.File) {
	if h.answeredByConditions(w, r, m) {
		return
	}
	hdr := w.Header()
	if i := r.Header.Next("Range", 0); i >= 0 && r.Header.Next("Range", i+1) < 0 &&
		ifRangeAllows(r.Header, m.etag, m.mtime, h.now) {
		var buf [1]byteRange
		ranges, verdict := parseRange(buf[:0], r.Header[i].Value, m.size)
		switch verdict {
		case rangeUnsatisfiable:
			hdr.Del("Content-Type")
			hdr.Set("Content-Range", "bytes */"+m.clen)
			hdr.Set("Content-Length", "0")
			w.WriteHeader(416)
			return
		case rangeOK:
			if src := readerAt(content, f); src != nil {
				h.sendRanges(w, r, m, ranges, src, f)
				return
			}
			// A file system whose files cannot be read at an offset:
			// the whole representation (RFC 9110 14.2 lets a server
			// ignore Range).
		}
	}

	hdr.Set("Content-Length", m.clen)
	w.WriteHeader(200)
	if r.Method == "HEAD" || m.size == 0 {
		return
	}
	var err error
	if content != nil {
		_, err = w.Write(content)
	} else {
		err = sendFile(w, f, 0, m.size)
	}
	if err != nil {
		// Most often the client went away. The status is sent; the
		// server closes a connection whose body came up short.
		h.log.LogAttrs(r.Context(), slog.LevelDebug, "fileserver: sending file failed",
			slog.String("path", r.Path), slog.Any("err", err))
	}
}

// answeredByConditions evaluates the request's preconditions against
// the representation m describes and answers 304 or 412 if they say
// so, reporting whether it did; otherwise it sets the header fields of
// m's answer (all but the framing) and reports false.
func (h *Handler) answeredByConditions(w wharf.ResponseWriter, r *wharf.Request, m *meta) bool {
	hdr := w.Header()
	if m.vary {
		hdr.Add("Vary", "Accept-Encoding")
	}
	switch checkConditions(r.Header, m.etag, m.mtime, h.now) {
	case condNotModified:
		// RFC 9110 15.4.5: the validators and the caching fields, no
		// Content-Type or Content-Length (which would describe the
		// 200's body).
		h.validators(hdr, m)
		w.WriteHeader(304)
		return true
	case condFailed:
		hdr.Set("Content-Length", "0")
		w.WriteHeader(412)
		return true
	}
	hdr.Set("Content-Type", m.ctype)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Accept-Ranges", "bytes")
	if m.enc != compress.Identity {
		hdr.Set("Content-Encoding", m.enc.String())
	}
	h.validators(hdr, m)
	return false
}

// validators sets the fields a 200, 206 and 304 share: ETag,
// Last-Modified and Cache-Control.
func (h *Handler) validators(hdr *wharf.Header, m *meta) {
	if m.etag != "" {
		hdr.Set("ETag", m.etag)
		hdr.Set("Last-Modified", m.lastMod)
	}
	if h.cacheControl != "" {
		hdr.Set("Cache-Control", h.cacheControl)
	}
}

// sendRanges answers 206 with the satisfiable ranges of the
// representation m describes, reading its bytes from src: one range
// as the body itself (sent with sendfile(2) from a file), several as
// multipart/byteranges (RFC 9110 14.6).
func (h *Handler) sendRanges(w wharf.ResponseWriter, r *wharf.Request, m *meta, ranges []byteRange, src io.ReaderAt, f fs.File) {
	hdr := w.Header()
	var err error
	if len(ranges) == 1 {
		br := ranges[0]
		cr, cl := br.rangeFields(m.size)
		hdr.Set("Content-Range", cr)
		hdr.Set("Content-Length", cl)
		w.WriteHeader(206)
		if r.Method == "HEAD" {
			return
		}
		if f != nil {
			// From the range's offset, the server's sendfile path
			// sends the file as it would the whole of it.
			err = sendFile(w, f, br.start, br.length)
		} else {
			_, err = io.Copy(w, io.NewSectionReader(src, br.start, br.length))
		}
	} else {
		boundary := multipartBoundary()
		hdr.Set("Content-Type", "multipart/byteranges; boundary="+boundary)
		hdr.Set("Content-Length", strconv.FormatInt(multipartSize(ranges, m.ctype, m.size, boundary), 10))
		w.WriteHeader(206)
		if r.Method == "HEAD" {
			return
		}
		err = writeMultipart(w, ranges, m.ctype, m.size, boundary, src)
	}
	if err != nil {
		h.log.LogAttrs(r.Context(), slog.LevelDebug, "fileserver: sending ranges failed",
			slog.String("path", r.Path), slog.Any("err", err))
	}
}

// readerAt returns the representation's bytes as an io.ReaderAt, or
// nil if the file cannot be read at an offset.
func readerAt(content []byte, f fs.File) io.ReaderAt {
	if content != nil {
		return bytes.NewReader(content)
	}
	if ra, ok := f.(io.ReaderAt); ok {
		return ra
	}
	return nil
}

// sendFile copies n bytes of f, from offset off, to w. It hands the
// file to the ResponseWriter's ReadFrom in a form that still shows the
// *os.File's SyscallConn and Stat, and says its offset (FileOffset), so
// that the server can send it with sendfile(2) without touching the
// descriptor's own offset (io.Copy would not: it prefers the source's
// WriterTo, and os.File.WriteTo falls back to io.Copy with the file
// wrapped in a type that hides it); any other writer gets at most n
// bytes read with ReadAt. The file's own offset is never used, so
// requests may share one open file (the open-file cache). The answer's
// Content-Length must be set: the server then frames the body by
// length.
func sendFile(w wharf.ResponseWriter, f fs.File, off, n int64) error {
	var src io.Reader
	switch ff := f.(type) {
	case *openUse:
		src = &fileSection{f: ff.f, off: off, n: n, fi: ff.fi, of: ff.entry()}
	case *openSide:
		src = &fileSection{f: ff.f, off: off, n: n, fi: ff.fi, of: ff.of}
	case *os.File:
		src = &fileSection{f: ff, off: off, n: n}
	case io.ReaderAt:
		src = io.NewSectionReader(ff, off, n)
	default:
		// Only a file read from its start has no ReadAt here
		// (readerAt refuses ranges for such files).
		src = io.LimitReader(f, n)
	}
	var err error
	if rf, ok := w.(io.ReaderFrom); ok {
		_, err = rf.ReadFrom(src)
	} else {
		_, err = io.Copy(w, src)
	}
	return err
}

// A fileSection is n bytes of f from offset off. It reads with ReadAt,
// and shows f's descriptor (SyscallConn, Stat) and the offset
// (FileOffset) to a writer that sends files itself; such a writer sends
// no more than the Content-Length it was given.
type fileSection struct {
	f   *os.File
	off int64
	n   int64
	fi  fs.FileInfo // f's, if known: Stat makes no system call
	of  *openFile   // the open-file cache's entry for f, if any: HoldFile
}

func (s *fileSection) Read(p []byte) (int, error) {
	if s.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.n {
		p = p[:s.n]
	}
	n, err := s.f.ReadAt(p, s.off)
	s.off += int64(n)
	s.n -= int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (s *fileSection) SyscallConn() (syscall.RawConn, error) { return s.f.SyscallConn() }
func (s *fileSection) FileOffset() int64                     { return s.off }

func (s *fileSection) Stat() (os.FileInfo, error) {
	if s.fi != nil {
		return s.fi, nil
	}
	return s.f.Stat()
}

// HoldFile lets a server that sends the file itself use f's descriptor
// as it is, without duplicating it, until it closes the Closer
// returned: a reference to the open-file cache's entry, which keeps f
// open. It returns nil (the server duplicates the descriptor) for a
// file the request closes when it is done.
func (s *fileSection) HoldFile() io.Closer {
	if s.of == nil {
		return nil
	}
	return s.of.hold()
}
