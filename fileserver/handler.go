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
	now      func() time.Time // the clock, for two-digit years in dates; replaced in tests

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
			h.closeErr = h.root.Close()
		}
	})
	return h.closeErr
}

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
		if fi, err = fs.Stat(h.fsys, name); err != nil {
			h.fail(w, r, err)
			return
		}
	case t.dir:
		// "/file.txt/": a file is not a directory.
		h.notFoundAnswer(w, r)
		return
	}
	if !fi.Mode().IsRegular() {
		h.log.LogAttrs(r.Context(), slog.LevelDebug, "fileserver: not a regular file",
			slog.String("path", r.Path), slog.String("mode", fi.Mode().String()))
		h.notFoundAnswer(w, r)
		return
	}
	f, err := h.fsys.Open(name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer f.Close()
	// The size and time must describe the file we send, which may
	// have been replaced since the Stat above.
	if fi, err = f.Stat(); err != nil {
		h.fail(w, r, err)
		return
	}
	if !fi.Mode().IsRegular() {
		h.notFoundAnswer(w, r)
		return
	}
	h.serveFile(w, r, f, name, fi)
}

// serveFile answers with the open regular file f, or with 304 or 412
// when the request's preconditions say so.
func (h *Handler) serveFile(w wharf.ResponseWriter, r *wharf.Request, f fs.File, name string, fi fs.FileInfo) {
	hdr := w.Header()
	now := h.now()
	mtime := fi.ModTime()
	var etag string
	if !mtime.IsZero() {
		etag = makeETag(mtime, fi.Size())
	}
	switch checkConditions(r.Header, etag, mtime, now) {
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
	// io.Copy reaches the ResponseWriter's ReadFrom, which sees the
	// *os.File (through os.File.WriteTo's fallback, which net's
	// sendfile unwraps) and sends it with sendfile(2).
	if _, err := io.Copy(w, f); err != nil {
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
