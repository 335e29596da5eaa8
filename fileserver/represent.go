package fileserver

import (
	"io"
	"io/fs"
	"log/slog"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/compress"
)

// Which representation answers a request (RFC 9110 12.5.3):
//
//   - The offers are the resource's precompressed sidecars and, for a
//     compressible file of at least the minimum size, the encodings
//     made on the fly; compress.Negotiate picks among them and
//     identity by the request's Accept-Encoding (q-values, "*",
//     refusals; br, then zstd, then gzip on a tie). For a file too
//     large for the cache, an acceptable sidecar wins over an
//     on-the-fly coding the client ranks higher: it goes out with
//     sendfile(2), where the other would be compressed as it is sent.
//   - A sidecar is a file of its own: its own ETag and Last-Modified,
//     and preconditions and Range apply to its bytes.
//   - An on-the-fly form has a weak ETag derived from the original's.
//     A request with a Range gets the identity form instead, so that
//     ranges always index bytes that do not depend on a compressor.
//   - When nothing acceptable is offered, the identity form is sent
//     anyway (RFC 9110 12.5.3 allows it, and it is what clients
//     expect); only a resource that exists solely as sidecars, none
//     acceptable, is answered 406.
//   - Every answer for a resource that has any encoded form carries
//     "Vary: Accept-Encoding", the identity one too.

// serveEntry answers with the cached resource e. Every header value
// is precomputed and the request's fields are compared in place, so a
// hit allocates nothing (unless an If-Modified-Since in an obsolete
// date form must be parsed, or a Range asks for part of the file).
func (h *Handler) serveEntry(w wharf.ResponseWriter, r *wharf.Request, e *entry) {
	rp := e.id
	if e.offered != 0 {
		enc, _ := compress.Negotiate(r.Header, e.offered)
		switch {
		case enc == compress.Identity:
		case e.side[enc] != nil:
			rp = e.side[enc]
		case r.Header.Has("Range") && e.id != nil:
			// Ranges are answered from the identity form.
		default:
			if f := h.flyRep(e, enc); f != nil {
				rp = f
			}
		}
	}
	if rp == nil {
		h.notAcceptable(w, r)
		return
	}
	h.respond(w, r, &rp.meta, rp.content, nil)
}

// serveResource answers for the resource at request path key whose
// identity file is name, open as f (described by fi; both nil when
// only sidecars exist), with the sidecars found beside it. A resource
// small enough is read into the cache and served from there; a
// larger one is streamed from its files.
func (h *Handler) serveResource(w wharf.ResponseWriter, r *wharf.Request, key, name string, f fs.File, fi fs.FileInfo, sides [numEnc]sidecar) {
	if c := h.cache; c != nil && fits(c, fi, sides) {
		e, err := h.readEntry(name, f, fi, sides)
		if err != nil {
			h.fail(w, r, name, err)
			return
		}
		if e.cacheable && !h.closed.Load() {
			c.put(key, e)
		}
		h.serveEntry(w, r, e)
		return
	}

	lr := h.largeRes(name, fi, sides)
	h.serveLarge(w, r, name, f, fi, sides, &lr)
}

// A largeRes is what answering a resource too large for the cache
// needs to know besides its open file: worked out from the names and
// FileInfos once per open file (openFile.res) rather than on every
// request, since a range of a video or a download costs little else.
type largeRes struct {
	ctype   string       // the identity file's Content-Type, for every representation
	onDisk  compress.Set // the sidecars found
	offered compress.Set // onDisk and the encodings made on the fly
	id      keptMeta     // the identity answer's values; zero when only sidecars exist

	// The sidecars the open-file cache keeps open with the file, by
	// encoding (openFile.res; always nil elsewhere).
	open [numEnc]*openSide
}

// largeRes returns the largeRes of the resource whose identity file is
// name, described by fi (nil when only sidecars exist), with the
// sidecars found beside it.
func (h *Handler) largeRes(name string, fi fs.FileInfo, sides [numEnc]sidecar) largeRes {
	lr := largeRes{ctype: contentType(name)}
	for enc, s := range sides {
		if s.fi != nil {
			lr.onDisk |= compress.SetOf(compress.Encoding(enc))
		}
	}
	lr.offered = lr.onDisk
	if fi != nil && h.comp != nil && fi.Size() >= h.minCompress && compress.Compressible(lr.ctype) {
		lr.offered |= h.flyEnc
	}
	if fi != nil {
		now := h.now()
		lr.id = keepMeta(fileMeta(fi, lr.ctype, compress.Identity, lr.offered != 0, now), now)
	}
	return lr
}

// serveLarge answers for a resource too large for the cache (see
// serveResource), which lr describes: its identity file is name, open
// as f and described by fi (both nil when only sidecars exist), and
// sides are its sidecars. The file's bytes go out with sendfile(2),
// or compressed as they are sent.
func (h *Handler) serveLarge(w wharf.ResponseWriter, r *wharf.Request, name string, f fs.File, fi fs.FileInfo, sides [numEnc]sidecar, lr *largeRes) {
	onDisk, offered := lr.onDisk, lr.offered
	vary := offered != 0
	enc := compress.Identity
	if offered != 0 {
		enc, _ = compress.Negotiate(r.Header, offered)
	}
	if enc != compress.Identity && !onDisk.Has(enc) && onDisk != 0 {
		// A large file: an acceptable sidecar, sent with sendfile(2),
		// costs far less than compressing as it is sent, even if the
		// client would rank the on-the-fly coding first.
		if se, _ := compress.Negotiate(r.Header, onDisk); se != compress.Identity {
			enc = se
		}
	}
	switch {
	case enc != compress.Identity && lr.open[enc] != nil:
		s := lr.open[enc]
		m := s.m.at(h.now)
		h.respond(w, r, &m, nil, s)
	case enc != compress.Identity && sides[enc].fi != nil:
		sf, sfi, err := h.openRegular(sides[enc].name, sides[enc].fi)
		if err != nil {
			h.fail(w, r, sides[enc].name, err)
			return
		}
		defer sf.Close()
		m := fileMeta(sfi, lr.ctype, enc, vary, h.now())
		h.respond(w, r, &m, nil, sf)
	case fi == nil:
		h.notAcceptable(w, r)
	case enc != compress.Identity && !r.Header.Has("Range"):
		m := lr.id.at(h.now)
		m.enc = enc
		m.etag = weakETag(m.etag, enc)
		h.streamCompressed(w, r, &m, f)
	default:
		m := lr.id.at(h.now)
		h.respond(w, r, &m, nil, f)
	}
}

// fits reports whether the identity file and sidecars of a resource
// are each small enough for the cache.
func fits(c *cache, fi fs.FileInfo, sides [numEnc]sidecar) bool {
	if fi != nil && fi.Size() > c.maxFile {
		return false
	}
	for _, s := range sides {
		if s.fi != nil && s.fi.Size() > c.maxFile {
			return false
		}
	}
	return true
}

// streamCompressed answers with the file f compressed on the fly in
// m.enc, as it is read: a file too large for the cache. The length is
// not known in advance, so the server sends it chunked. Preconditions
// apply to the weak ETag in m; a Range never reaches here.
func (h *Handler) streamCompressed(w wharf.ResponseWriter, r *wharf.Request, m *meta, f fs.File) {
	if h.answeredByConditions(w, r, m) {
		return
	}
	w.WriteHeader(200)
	if r.Method == "HEAD" {
		return
	}
	cw := h.comp.NewWriter(w, m.enc)
	var src io.Reader = io.LimitReader(f, m.size)
	if ra, ok := f.(io.ReaderAt); ok {
		src = io.NewSectionReader(ra, 0, m.size) // the file may be shared: no offset
	}
	_, err := io.Copy(cw, src)
	if cerr := cw.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		h.log.LogAttrs(r.Context(), slog.LevelDebug, "fileserver: sending compressed file failed",
			slog.String("path", r.Path), slog.Any("err", err))
	}
}

// notAcceptableBody is the body of 406 answers.
const notAcceptableBody = "406 Not Acceptable: this file is only available compressed; accept one of its encodings\n"

// notAcceptable answers 406 for a resource that exists only in
// encodings the client does not accept (RFC 9110 15.5.7).
func (h *Handler) notAcceptable(w wharf.ResponseWriter, r *wharf.Request) {
	w.Header().Add("Vary", "Accept-Encoding")
	h.fixed(w, r, 406, notAcceptableBody)
}
