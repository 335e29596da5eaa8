package fileserver

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"wharf"
)

// Config configures a Handler. Its zero value is valid: the built-in
// 404 page, dotfiles refused, no logging.
type Config struct {
	// NotFoundPage is the body of 404 answers, served as
	// "text/html; charset=utf-8". nil means a small built-in page
	// saying "404 Not Found". New keeps its own copy.
	NotFoundPage []byte

	// AllowDotfiles lets requests reach files and directories whose
	// name starts with "." (".git", ".env", ".htpasswd"). When false, a
	// path with such a segment anywhere answers 404, except a first
	// segment ".well-known" (RFC 8615), which is always allowed.
	AllowDotfiles bool

	// Logger receives the handler's records: server errors (500) at
	// Error, files that exist but cannot be served at Debug. Request
	// data is logged only as attribute values, which handlers quote.
	// nil discards.
	Logger *slog.Logger

	// CacheMaxFileSize is the size of the largest file kept in the
	// in-memory cache: 0 means 64 KiB, a negative value disables the
	// cache. Larger files are streamed from the file system on every
	// request.
	CacheMaxFileSize int64

	// CacheMaxBytes bounds the memory the cache holds (file contents
	// plus a small per-entry overhead): 0 means 64 MiB, a negative
	// value disables the cache. Past it, entries not hit recently are
	// evicted.
	CacheMaxBytes int64

	// CacheValidity is how long a cached file is served without
	// looking at the file system again; the first request after that
	// re-validates it (see the package documentation), so a change to
	// a file is served at most CacheValidity after it is made. 0 means
	// 1 second; a negative value re-validates on every request.
	CacheValidity time.Duration
}

// Handler serves the files of a file system. Create it with New or
// NewDir. It is safe for concurrent use; its configuration is fixed at
// creation.
type Handler struct {
	fsys     fs.FS
	root     *os.Root // set by NewDir; closed by Close
	notFound []byte   // the 404 body
	notLen   string   // len(notFound), formatted
	allowDot bool
	log      *slog.Logger
	now      func() time.Time // the clock, for dates; replaced in tests
	cache    *cache           // nil when disabled

	closed    atomic.Bool // Close was called on a NewDir Handler: serve nothing from the cache
	closeOnce sync.Once
	closeErr  error
}

// The Allow field of 405 and OPTIONS answers (RFC 9110 10.2.1).
const allowed = "GET, HEAD, OPTIONS"

const defaultNotFoundPage = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>404 Not Found</title></head>
<body><h1>404 Not Found</h1></body>
</html>
`

// Fixed bodies of the other error answers. They never contain request
// data.
const (
	badRequestBody       = "400 Bad Request\n"
	methodNotAllowedBody = "405 Method Not Allowed\n"
	internalErrorBody    = "500 Internal Server Error\n"
)

// New returns a Handler that serves the files of fsys, such as an
// embed.FS, an fstest.MapFS or the FS of an os.Root. The request path
// is checked before fsys sees it (see the package documentation), but
// symlinks are fsys's business: os.DirFS follows them out of its
// directory, so serve a directory with NewDir instead.
func New(fsys fs.FS, cfg Config) *Handler {
	h := &Handler{
		fsys:     fsys,
		notFound: []byte(defaultNotFoundPage),
		allowDot: cfg.AllowDotfiles,
		log:      cfg.Logger,
		now:      time.Now,
		cache:    newCache(cfg),
	}
	if cfg.NotFoundPage != nil {
		h.notFound = append([]byte(nil), cfg.NotFoundPage...)
	}
	h.notLen = strconv.Itoa(len(h.notFound))
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h
}

// NewDir returns a Handler that serves the directory dir through an
// os.Root, so that no request, and no symlink inside dir, can reach a
// file outside it. It fails if dir does not exist or is not a
// directory; the error names dir and wraps the os error (test it with
// errors.Is, for example against fs.ErrNotExist or syscall.ENOTDIR).
// Call Close to release the directory.
func NewDir(dir string, cfg Config) (*Handler, error) {
	// Stat first: os.OpenRoot opens dir before checking that it is a
	// directory, and opening a FIFO would block.
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("fileserver: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("fileserver: %w", &fs.PathError{Op: "open", Path: dir, Err: syscall.ENOTDIR})
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("fileserver: %w", err)
	}
	h := New(root.FS(), cfg)
	h.root = root
	return h, nil
}

// Close releases the directory opened by NewDir; for a Handler made by
// New it does nothing. Requests served after Close answer 500. Close
// may be called more than once; later calls return the first call's
// result.
func (h *Handler) Close() error {
	h.closeOnce.Do(func() {
		if h.root != nil {
			h.closed.Store(true)
			if h.cache != nil {
				h.cache.purge()
			}
			h.closeErr = h.root.Close()
		}
	})
	return h.closeErr
}

// ReleasesRequest marks Handler as a wharf.RequestReleaser: it keeps
// neither the *Request nor the ResponseWriter after ServeHTTP returns,
// so the server may reuse their memory (a cached file then costs no
// allocation at all).
func (h *Handler) ReleasesRequest() {}

// ServeHTTP answers GET and HEAD requests with the file the path
// names, OPTIONS with 204 and an Allow field, and any other method
// with 405. See the package documentation for the full contract.
func (h *Handler) ServeHTTP(w wharf.ResponseWriter, r *wharf.Request) {
	switch r.Method {
	case "GET", "HEAD":
	case "OPTIONS":
		w.Header().Set("Allow", allowed)
		w.WriteHeader(204)
		return
	default:
		w.Header().Set("Allow", allowed)
		h.fixed(w, r, 405, methodNotAllowedBody)
		return
	}
	t, status := resolvePath(r.Path, h.allowDot)
	switch status {
	case 0:
	case 404:
		h.notFoundAnswer(w, r)
		return
	default:
		h.fixed(w, r, status, badRequestBody)
		return
	}
	// The cache is consulted only for a path resolvePath accepted,
	// and holds only what the uncached path below opened and read:
	// it never serves what the uncached path would refuse.
	if c := h.cache; c != nil && !h.closed.Load() {
		if e := c.get(t.path); e != nil {
			if e = h.fresh(t.path, e); e != nil {
				h.serveEntry(w, r, e)
				return
			}
		}
	}
	h.serveUncached(w, r, t)
}

// fresh returns e if it may be served: it was validated less than
// CacheValidity ago, or another request is validating it right now
// (so a validity window costs one check, never a stampede).
// Otherwise this request validates it: it returns e again if the file
// is unchanged, a new entry if it changed and was re-read, or nil
// (the entry dropped) if it can no longer be served from the cache,
// and the uncached path then gives the answer.
func (h *Handler) fresh(key string, e *entry) *entry {
	c := h.cache
	now := c.clock()
	if now < e.checkAt.Load() || !e.checking.CompareAndSwap(false, true) {
		return e
	}
	defer e.checking.Store(false)
	// Open the file as the uncached path does, so a file that may no
	// longer be opened (permissions, a symlink now pointing out of the
	// root, a FIFO in its place) is dropped.
	f, fi, err := h.openRegular(e.name, nil)
	if err != nil {
		c.remove(key, e)
		return nil
	}
	defer f.Close()
	if !e.racy && e.sameVersion(fi) {
		e.checkAt.Store(c.clock() + c.validity)
		return e
	}
	if fi.Size() > c.maxFile {
		c.remove(key, e)
		return nil
	}
	ne, err := h.readEntry(e.name, f, fi)
	if err != nil || !ne.cacheable {
		c.remove(key, e)
		return nil
	}
	c.put(key, ne)
	return ne
}

// serveUncached answers from the file system, and fills the cache
// with a small regular file.
func (h *Handler) serveUncached(w wharf.ResponseWriter, r *wharf.Request, t target) {
	// Stat before Open: opening a FIFO or a device could block the
	// worker or have side effects, and only regular files are served.
	fi, err := fs.Stat(h.fsys, t.name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	name := t.name
	switch {
	case fi.IsDir() && !t.dir:
		h.redirectToDir(w, r, t.name)
		return
	case fi.IsDir():
		name = path.Join(t.name, "index.html")
		fi = nil // stat the index
	case t.dir:
		// "/file.txt/": a file is not a directory.
		h.notFoundAnswer(w, r)
		return
	}
	f, fi, err := h.openRegular(name, fi)
	if err == errNotRegular {
		h.log.LogAttrs(r.Context(), slog.LevelDebug, "fileserver: not a regular file",
			slog.String("path", r.Path), slog.String("mode", fi.Mode().String()))
		h.notFoundAnswer(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer f.Close()
	if c := h.cache; c != nil && fi.Size() <= c.maxFile {
		e, err := h.readEntry(name, f, fi)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if e.cacheable && !h.closed.Load() {
			c.put(t.path, e)
		}
		h.serveEntry(w, r, e)
		return
	}
	h.serveFile(w, r, f, name, fi)
}

// errNotRegular is openRegular's answer for a directory, device, FIFO
// or socket.
var errNotRegular = errors.New("fileserver: not a regular file")

// openRegular opens the regular file name, and returns it with its
// FileInfo from the open file (which describes what will be read,
// even if name was replaced since fi). fi is name's FileInfo if the
// caller has it, else nil. For a file that is not regular it returns
// errNotRegular and the FileInfo that says so, without opening it if
// a Stat could tell (opening a FIFO blocks).
func (h *Handler) openRegular(name string, fi fs.FileInfo) (fs.File, fs.FileInfo, error) {
	var err error
	if fi == nil {
		if fi, err = fs.Stat(h.fsys, name); err != nil {
			return nil, nil, err
		}
	}
	if !fi.Mode().IsRegular() {
		return nil, fi, errNotRegular
	}
	f, err := h.fsys.Open(name)
	if err != nil {
		return nil, nil, err
	}
	if fi, err = f.Stat(); err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fi, errNotRegular
	}
	return f, fi, nil
}

// readEntry reads the open regular file f, which fi describes, into
// an entry. The entry is cacheable if the file did not change while
// it was read (same size, and the same FileInfo after the read);
// otherwise it holds the bytes read and no validators, to be served
// once: a client must not keep an ETag for a torn read.
func (h *Handler) readEntry(name string, f fs.File, fi fs.FileInfo) (*entry, error) {
	now := h.now()
	buf := make([]byte, fi.Size())
	n, err := io.ReadFull(f, buf)
	consistent := err == nil
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil // the file shrank
	}
	if err != nil {
		return nil, err
	}
	if consistent {
		var one [1]byte
		m, _ := f.Read(one[:])
		fi2, err := f.Stat()
		consistent = m == 0 && err == nil && sameFileInfo(fi, fi2)
	}
	e := &entry{
		name:      name,
		content:   buf[:n],
		ctype:     contentType(name),
		clen:      strconv.Itoa(n),
		mtime:     fi.ModTime(),
		size:      fi.Size(),
		mode:      uint32(fi.Mode()),
		cacheable: consistent,
	}
	e.dev, e.ino = fileID(fi)
	if consistent && !e.mtime.IsZero() {
		e.etag = makeETag(e.mtime, e.size)
		e.lastMod = lastModified(e.mtime, now)
		// A future time is racy too: Last-Modified says now instead.
		e.racy = now.Sub(e.mtime) < racyWindow
	}
	if !consistent {
		e.mtime = time.Time{} // no date preconditions either
	}
	if c := h.cache; c != nil {
		e.checkAt.Store(c.clock() + c.validity)
	}
	return e, nil
}

// sameVersion reports whether fi describes the file version e holds.
func (e *entry) sameVersion(fi fs.FileInfo) bool {
	dev, ino := fileID(fi)
	return fi.Size() == e.size && fi.ModTime().Equal(e.mtime) &&
		uint32(fi.Mode()) == e.mode && dev == e.dev && ino == e.ino
}

// sameFileInfo reports whether a and b describe the same file version.
func sameFileInfo(a, b fs.FileInfo) bool {
	ad, ai := fileID(a)
	bd, bi := fileID(b)
	return a.Size() == b.Size() && a.ModTime().Equal(b.ModTime()) &&
		a.Mode() == b.Mode() && ad == bd && ai == bi
}

// serveEntry answers with the file e holds, or with 304 or 412 when
// the request's preconditions say so. Every header value is
// precomputed in e and the request's fields are compared in place, so
// it allocates nothing (unless an If-Modified-Since in an obsolete
// date form must be parsed).
func (h *Handler) serveEntry(w wharf.ResponseWriter, r *wharf.Request, e *entry) {
	hdr := w.Header()
	switch checkConditions(r.Header, e.etag, e.mtime, h.now) {
	case condNotModified:
		if e.etag != "" {
			hdr.Set("ETag", e.etag)
			hdr.Set("Last-Modified", e.lastMod)
		}
		w.WriteHeader(304)
		return
	case condFailed:
		hdr.Set("Content-Length", "0")
		w.WriteHeader(412)
		return
	}
	hdr.Set("Content-Type", e.ctype)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Length", e.clen)
	if e.etag != "" {
		hdr.Set("ETag", e.etag)
		hdr.Set("Last-Modified", e.lastMod)
	}
	w.WriteHeader(200)
	if r.Method == "HEAD" || len(e.content) == 0 {
		return
	}
	if _, err := w.Write(e.content); err != nil {
		h.log.LogAttrs(r.Context(), slog.LevelDebug, "fileserver: sending file failed",
			slog.String("path", r.Path), slog.Any("err", err))
	}
}

// serveFile answers with the open regular file f, or with 304 or 412
// when the request's preconditions say so. It streams f: it is for
// files the cache does not hold.
func (h *Handler) serveFile(w wharf.ResponseWriter, r *wharf.Request, f fs.File, name string, fi fs.FileInfo) {
	hdr := w.Header()
	now := h.now()
	mtime := fi.ModTime()
	var etag string
	if !mtime.IsZero() {
		etag = makeETag(mtime, fi.Size())
	}
	switch checkConditions(r.Header, etag, mtime, h.now) {
	case condNotModified:
		// RFC 9110 15.4.5: the validators, no Content-Type or
		// Content-Length (which would describe the 200's body).
		if etag != "" {
			hdr.Set("ETag", etag)
			hdr.Set("Last-Modified", lastModified(mtime, now))
		}
		w.WriteHeader(304)
		return
	case condFailed:
		hdr.Set("Content-Length", "0")
		w.WriteHeader(412)
		return
	}
	hdr.Set("Content-Type", contentType(name))
	hdr.Set("X-Content-Type-Options", "nosniff")
	// Content-Length before the body: the server then frames the body
	// by length and sends the file with sendfile(2).
	hdr.Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
	if etag != "" {
		hdr.Set("ETag", etag)
		hdr.Set("Last-Modified", lastModified(mtime, now))
	}
	w.WriteHeader(200)
	if r.Method == "HEAD" {
		return
	}
	// Hand the *os.File itself to the ResponseWriter's ReadFrom, which
	// can then send it with sendfile(2). io.Copy would not: it prefers
	// the source's WriterTo, and os.File.WriteTo falls back to
	// io.Copy with the file wrapped in a type that hides it.
	var src io.Reader = f
	if of, ok := f.(*os.File); ok {
		src = of
	}
	var err error
	if rf, ok := w.(io.ReaderFrom); ok {
		_, err = rf.ReadFrom(src)
	} else {
		_, err = io.Copy(w, src)
	}
	if err != nil {
		// Most often the client went away. The status is sent; the
		// server closes a connection whose body came up short.
		h.log.LogAttrs(r.Context(), slog.LevelDebug, "fileserver: sending file failed",
			slog.String("path", r.Path), slog.Any("err", err))
	}
}

// redirectToDir answers 301 from "/dir" to "/dir/", keeping the query.
// The Location is built from the decoded, validated name, re-encoded,
// never copied from the request.
func (h *Handler) redirectToDir(w wharf.ResponseWriter, r *wharf.Request, name string) {
	loc := "/" + escapePath(name) + "/"
	if len(loc) < 3 || loc[1] == '/' || loc[1] == '\\' {
		// Unreachable (name is a valid, non-root path whose bytes are
		// escaped), but a "//host" Location is an open redirect, so
		// refuse it outright should the rules above ever change.
		h.notFoundAnswer(w, r)
		return
	}
	if r.RawQuery != "" {
		loc += "?" + escapeQuery(r.RawQuery)
	}
	hdr := w.Header()
	hdr.Set("Location", loc)
	hdr.Set("Content-Length", "0")
	w.WriteHeader(301)
}

// fail answers for an error from the file system: 404 when the file is
// missing or may not be served, 500 when the server is in trouble.
func (h *Handler) fail(w wharf.ResponseWriter, r *wharf.Request, err error) {
	switch classify(err) {
	case errMissing:
		h.notFoundAnswer(w, r)
	case errRefused:
		h.log.LogAttrs(r.Context(), slog.LevelDebug, "fileserver: file cannot be served",
			slog.String("path", r.Path), slog.Any("err", err))
		h.notFoundAnswer(w, r)
	default:
		h.log.LogAttrs(r.Context(), slog.LevelError, "fileserver: file system error",
			slog.String("path", r.Path), slog.Any("err", err))
		h.fixed(w, r, 500, internalErrorBody)
	}
}

type errClass int

const (
	errMissing errClass = iota // no such file: 404
	errRefused                 // exists, or might, but may not be served: 404, logged at debug
	errServer                  // the server is in trouble: 500, logged at error
)

// classify sorts file system errors. Only errors that say the server
// itself is in trouble (out of descriptors or memory, I/O errors, a
// closed Root) are 500s. An error that is not an OS error at all is
// treated as a refusal: os.Root reports a path that escapes the root
// (a symlink pointing outside) with an unexported error value, which
// cannot be recognized otherwise.
func classify(err error) errClass {
	switch {
	case errors.Is(err, fs.ErrNotExist),
		errors.Is(err, fs.ErrInvalid),
		errors.Is(err, syscall.ENOTDIR),
		errors.Is(err, syscall.ENAMETOOLONG):
		return errMissing
	case errors.Is(err, fs.ErrPermission),
		errors.Is(err, syscall.ELOOP):
		return errRefused
	case errors.Is(err, fs.ErrClosed):
		return errServer
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errServer
	}
	return errRefused
}

// notFoundAnswer answers 404 with the configured page.
func (h *Handler) notFoundAnswer(w wharf.ResponseWriter, r *wharf.Request) {
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Length", h.notLen)
	w.WriteHeader(404)
	if r.Method != "HEAD" {
		w.Write(h.notFound)
	}
}

// fixed answers status with a fixed plain-text body.
func (h *Handler) fixed(w wharf.ResponseWriter, r *wharf.Request, status int, body string) {
	hdr := w.Header()
	hdr.Set("Content-Type", "text/plain; charset=utf-8")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != "HEAD" {
		w.WriteString(body)
	}
}
