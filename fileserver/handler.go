package fileserver

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/compress"
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

	// NotFoundFile names a file in the served tree ("404.html") whose
	// content is the body of 404 answers, read like any other file
	// (so an edit is picked up as any file's is). It takes precedence
	// over NotFoundPage while it exists; "" means none.
	NotFoundFile string

	// Precompressed serves the sidecar files "NAME.br", "NAME.zst"
	// and "NAME.gz" beside NAME, as they are, to clients whose
	// Accept-Encoding allows them (see the package documentation).
	Precompressed bool

	// Compress compresses compressible answers (text, JavaScript,
	// JSON, SVG, wasm...) on the fly for clients that accept it, with
	// the encodings of package wharf/compress. A cached file's
	// compressed forms are cached with it. nil means no compression.
	Compress *compress.Config

	// Browse answers a directory without an index.html with a listing
	// of its entries (HTML, or JSON for "Accept: application/json")
	// instead of 404.
	Browse bool

	// SPA makes a GET or HEAD for a path that names no file, from a
	// client that accepts text/html, answer /index.html with 200 (the
	// fallback single-page applications need). Requests for missing
	// assets (that do not accept text/html) still get 404.
	SPA bool

	// Symlinks says which symbolic links NewDir follows; the zero
	// value, SymlinksInside, follows only links that stay inside the
	// directory. New leaves symlinks to its fs.FS.
	Symlinks SymlinkPolicy

	// CacheControl, when not "", is the Cache-Control field of every
	// file answer (200, 206, 304).
	CacheControl string
}

// A SymlinkPolicy says which symbolic links a NewDir Handler follows.
// Request paths can never climb out of the directory, whatever the
// policy.
type SymlinkPolicy int

const (
	// SymlinksInside follows links that resolve inside the served
	// directory and refuses (404) those that leave it.
	SymlinksInside SymlinkPolicy = iota
	// SymlinksFollow follows links wherever they point, as nginx
	// does by default.
	SymlinksFollow
	// SymlinksNever refuses (404) every path that goes through a
	// symbolic link.
	SymlinksNever
)

// Handler serves the files of a file system. Create it with New or
// NewDir. It is safe for concurrent use; its configuration is fixed at
// creation.
type Handler struct {
	fsys          fs.FS
	root          *os.Root // set by NewDir; closed by Close
	notFound      []byte   // the built-in or configured 404 body
	notLen        string   // len(notFound), formatted
	notFoundFile  string   // Config.NotFoundFile as a request path ("/404.html"), or ""
	allowDot      bool
	precompressed bool
	comp          *compress.Config // nil: no on-the-fly compression
	flyEnc        compress.Set     // encodings made on the fly
	minCompress   int64            // smallest body compressed on the fly
	browse        bool
	spa           bool
	cacheControl  string
	log           *slog.Logger
	now           func() time.Time // the clock, for dates; replaced in tests
	cache         *cache           // nil when disabled
	files         openFiles        // large files kept open; used only with a cache
	links         linkWarnings     // refused symlinks already logged

	closed    atomic.Bool // Close was called: serve nothing from the caches, fill them no more
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
		fsys:          fsys,
		notFound:      []byte(defaultNotFoundPage),
		allowDot:      cfg.AllowDotfiles,
		precompressed: cfg.Precompressed,
		browse:        cfg.Browse,
		spa:           cfg.SPA,
		cacheControl:  cfg.CacheControl,
		log:           cfg.Logger,
		now:           time.Now,
		cache:         newCache(cfg),
	}
	if cfg.NotFoundPage != nil {
		h.notFound = append([]byte(nil), cfg.NotFoundPage...)
	}
	if cfg.NotFoundFile != "" {
		h.notFoundFile = "/" + strings.TrimPrefix(cfg.NotFoundFile, "/")
	}
	h.notLen = strconv.Itoa(len(h.notFound))
	if cfg.Compress != nil {
		c := *cfg.Compress
		h.comp = &c
		h.flyEnc = c.Encodings & compress.All
		if h.flyEnc == 0 {
			h.flyEnc = compress.All
		}
		switch {
		case c.MinSize == 0:
			h.minCompress = compress.DefaultMinSize
		case c.MinSize > 0:
			h.minCompress = int64(c.MinSize)
		}
	}
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
	var fsys fs.FS
	switch cfg.Symlinks {
	case SymlinksInside:
		fsys = root.FS()
	case SymlinksFollow:
		// Request paths are checked before the file system sees them
		// (no "..", no escapes), so only links can lead out.
		abs, err := filepath.Abs(dir)
		if err != nil {
			root.Close()
			return nil, fmt.Errorf("fileserver: %w", err)
		}
		fsys = os.DirFS(abs)
	case SymlinksNever:
		fsys = noLinksFS{root}
	default:
		root.Close()
		return nil, fmt.Errorf("fileserver: unknown SymlinkPolicy %d", cfg.Symlinks)
	}
	h := New(fsys, cfg)
	h.root = root
	return h, nil
}

// Close releases what the Handler holds: the directory opened by
// NewDir, the cache, and the large files it keeps open between
// requests (each closed once the requests using it are done).
// Requests served after Close answer 500 for a NewDir Handler, and are
// served without the caches for a New one. Close may be called more
// than once; later calls return the first call's result.
func (h *Handler) Close() error {
	h.closeOnce.Do(func() {
		h.closed.Store(true)
		if h.cache != nil {
			h.cache.purge()
		}
		h.files.purge()
		if h.root != nil {
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
	if !h.serveCached(w, r, t.path) && !h.serveOpen(w, r, t.path) {
		h.serveUncached(w, r, t)
	}
}

// serveCached answers from the cache entry for key, if there is one
// that may still be served, and reports whether it did. The cache is
// consulted only for a path resolvePath accepted, and holds only what
// the uncached path opened and read: it never serves what the
// uncached path would refuse.
func (h *Handler) serveCached(w wharf.ResponseWriter, r *wharf.Request, key string) bool {
	c := h.cache
	if c == nil || h.closed.Load() {
		return false
	}
	e := c.get(key)
	if e == nil {
		return false
	}
	if e = h.fresh(key, e); e == nil {
		return false
	}
	h.serveEntry(w, r, e)
	return true
}

// serveUncached answers from the file system, and fills the cache
// with a small file.
func (h *Handler) serveUncached(w wharf.ResponseWriter, r *wharf.Request, t target) {
	// Stat before Open: opening a FIFO or a device could block the
	// worker or have side effects, and only regular files are served.
	fi, err := fs.Stat(h.fsys, t.name)
	if err != nil {
		// A precompressed sidecar may stand without its original
		// (Debian ships some pages only as page.html.gz).
		if classify(err) == errMissing && !t.dir {
			if sides, ok := h.sidecars(t.name, nil); ok {
				h.serveResource(w, r, t.path, t.name, nil, nil, sides)
				return
			}
		}
		h.fail(w, r, t.name, err)
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
		if name != t.name && h.browse && errors.Is(err, fs.ErrNotExist) {
			h.serveListing(w, r, t)
			return
		}
		h.fail(w, r, name, err)
		return
	}
	sides, _ := h.sidecars(name, fi)
	if c := h.cache; c != nil && !fits(c, fi, sides) {
		if of := h.newOpen(name, f, fi, sides); of != nil {
			// A large file: kept open for the next requests.
			if h.files.put(t.path, of) && h.closed.Load() {
				h.files.purge() // Close ran meanwhile
			}
			defer of.release()
			h.serveLarge(w, r, name, of.use(), fi, sides, &of.res)
			return
		}
	}
	defer f.Close()
	h.serveResource(w, r, t.path, name, f, fi, sides)
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

// redirectToDir answers 301 from ".../dir" to ".../dir/", keeping the
// query. The Location is relative, "dir/" (as net/http's FileServer
// writes it), so the redirect stays right wherever the handler is
// mounted: behind wharf.StripPrefix("/static/", h) a request for
// "/static/docs" sees Path "/docs" and is sent to "docs/", which the
// client resolves to "/static/docs/". The Location is built from the
// decoded, validated name, re-encoded, never copied from the request;
// "./" goes first when the name holds a colon, which would otherwise
// read as a URI scheme ("a:b/").
func (h *Handler) redirectToDir(w wharf.ResponseWriter, r *wharf.Request, name string) {
	base := path.Base(name)
	loc := escapePath(base) + "/"
	if strings.IndexByte(base, ':') >= 0 {
		loc = "./" + loc
	}
	if base == "." || base == ".." || base == "/" || loc[0] == '/' || loc[0] == '\\' {
		// Unreachable (name is a valid, non-root path whose bytes are
		// escaped), but a Location that climbs or starts with "/" is
		// not this directory, and "//host" is an open redirect: refuse
		// it outright should the rules above ever change.
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

// fail answers for an error from the file system about name: 404 when the file is
// missing or may not be served, 500 when the server is in trouble.
func (h *Handler) fail(w wharf.ResponseWriter, r *wharf.Request, name string, err error) {
	switch classify(err) {
	case errMissing:
		h.notFoundAnswer(w, r)
	case errRefused:
		h.refused(r, name, err)
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
