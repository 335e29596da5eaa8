package fileserver

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"sync"
	"syscall"

	"github.com/wharfhttp/wharf"
)

// errSymlink is what a SymlinksNever Handler's file system says of a
// path that goes through a symbolic link.
var errSymlink = errors.New("symbolic link not followed (SymlinksNever)")

// noLinksFS is the file system of a SymlinksNever Handler: root's,
// with every path that goes through a symbolic link refused. Each
// call checks the path's components with Lstat (one system call per
// component, on the uncached path only). A link swapped in between
// that check and the open is still confined to root by os.Root.
type noLinksFS struct{ root *os.Root }

// check returns an error if a component of name is a symbolic link.
func (n noLinksFS) check(op, name string) error {
	if name == "." {
		return nil
	}
	if !fs.ValidPath(name) {
		return &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	for i := 0; i <= len(name); i++ {
		if i < len(name) && name[i] != '/' {
			continue
		}
		fi, err := n.root.Lstat(name[:i])
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return &fs.PathError{Op: op, Path: name[:i], Err: errSymlink}
		}
	}
	return nil
}

func (n noLinksFS) Open(name string) (fs.File, error) {
	if err := n.check("open", name); err != nil {
		return nil, err
	}
	return n.root.FS().Open(name)
}

func (n noLinksFS) Stat(name string) (fs.FileInfo, error) {
	if err := n.check("stat", name); err != nil {
		return nil, err
	}
	return fs.Stat(n.root.FS(), name)
}

func (n noLinksFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if err := n.check("readdir", name); err != nil {
		return nil, err
	}
	return fs.ReadDir(n.root.FS(), name)
}

// maxLinkWarnings bounds the names remembered as already logged.
const maxLinkWarnings = 1024

// linkWarnings remembers which refused names were logged at Warn, so
// that each is logged once (until maxLinkWarnings have been), not on
// every request. The zero value is ready to use.
type linkWarnings struct {
	mu   sync.Mutex
	seen map[string]struct{} // guarded by mu
}

// first reports whether name is logged for the first time.
func (lw *linkWarnings) first(name string) bool {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	if _, ok := lw.seen[name]; ok || len(lw.seen) >= maxLinkWarnings {
		return false
	}
	if lw.seen == nil {
		lw.seen = make(map[string]struct{})
	}
	lw.seen[name] = struct{}{}
	return true
}

// refused logs why the file name, which exists or might, is not
// served (the request is answered 404). Refused symbolic links are
// logged once per name at Warn with the reason, so the operator sees
// why a page breaks; everything else (permissions) at Debug.
func (h *Handler) refused(r *wharf.Request, name string, err error) {
	var reason string
	switch {
	case errors.Is(err, fs.ErrPermission):
	case errors.Is(err, errSymlink):
		reason = "symbolic links are not followed (Symlinks: SymlinksNever)"
	case errors.Is(err, syscall.ELOOP):
		reason = "symbolic link loop"
	default:
		// os.Root refuses a link that leads out of the directory with
		// an error of its own, not an errno.
		reason = "a symbolic link on the path leads out of the served directory (SymlinksFollow, --symlinks follow, serves it)"
	}
	if reason == "" || !h.links.first(path.Clean(name)) {
		h.log.LogAttrs(r.Context(), slog.LevelDebug, "fileserver: file cannot be served",
			slog.String("path", r.Path), slog.Any("err", err))
		return
	}
	h.log.LogAttrs(r.Context(), slog.LevelWarn, "fileserver: symbolic link refused",
		slog.String("path", r.Path), slog.String("name", name), slog.String("reason", reason), slog.Any("err", err))
}
