package fileserver

import (
	"io"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/compress"
)

// maxOpenFiles bounds the descriptors the open-file cache holds.
const maxOpenFiles = 1024

// openFiles keeps files too large for the cache open between requests,
// with their FileInfo and their sidecars (open too), as nginx's
// open_file_cache does: a request for one (a range of a video, a
// download, a large script's .br) then costs no stat, open, fstat or
// close, only the send. Entries are trusted for
// Config.CacheValidity like the cache's, then validated with a stat of
// the name and of the sidecar names.
//
// Requests share one descriptor: they never use its offset (sendFile
// reads with ReadAt and gives the server the offset to send from).
// Each user holds a reference, and the file is closed when the cache
// has dropped it and the last user is done. Safe for concurrent use.
type openFiles struct {
	mu  sync.RWMutex
	m   map[string]*openFile // by decoded request path; guarded by mu
	fds int                  // descriptors the entries of m hold; guarded by mu
}

// An openFile is a large file kept open. Immutable once published,
// except the atomics.
type openFile struct {
	name  string
	f     *os.File
	fi    fs.FileInfo
	sides [numEnc]sidecar
	res   largeRes // what its answers say, worked out once; its sidecars open

	refs     atomic.Int32 // the cache's reference (while cached) plus one per user
	checkAt  atomic.Int64 // cache clock (ns) after which a use must validate
	checking atomic.Bool  // a request is validating it
}

// release drops a reference, closing the file and its open sidecars
// with the last.
func (of *openFile) release() {
	if of.refs.Add(-1) == 0 {
		of.f.Close()
		for _, s := range of.res.open {
			if s != nil {
				s.f.Close()
			}
		}
	}
}

// fds returns the number of descriptors of holds.
func (of *openFile) fds() int {
	n := 1
	for _, s := range of.res.open {
		if s != nil {
			n++
		}
	}
	return n
}

// An openSide is a sidecar of an openFile, kept open with it, as the
// fs.File a request answers from (as openUse is for the file itself):
// Stat answers from the entry, ReadAt reads the shared file, Close
// does nothing. The openFile's references keep it open.
type openSide struct {
	of *openFile
	f  *os.File
	fi fs.FileInfo // f's own
	m  keptMeta    // its answers' values
}

func (s *openSide) Stat() (fs.FileInfo, error)              { return s.fi, nil }
func (s *openSide) Read(p []byte) (int, error)              { return s.f.Read(p) }
func (s *openSide) ReadAt(p []byte, off int64) (int, error) { return s.f.ReadAt(p, off) }
func (s *openSide) Close() error                            { return nil }

// use returns the file of as a request reads it (see openUse).
func (of *openFile) use() *openUse { return (*openUse)(of) }

// An openUse is a file of the open-file cache as the fs.File a request
// answers from, while the request holds a reference: Stat answers
// from the entry (no system call), ReadAt and Read read the shared
// file, Close does nothing (the request's reference is released by
// whoever took it). sendFile hands the server a body that the server
// may hold (fileSection.HoldFile), so that it sends from the shared
// descriptor instead of a duplicate.
type openUse openFile

func (u *openUse) Stat() (fs.FileInfo, error)              { return u.fi, nil }
func (u *openUse) Read(p []byte) (int, error)              { return u.f.Read(p) }
func (u *openUse) ReadAt(p []byte, off int64) (int, error) { return u.f.ReadAt(p, off) }
func (u *openUse) Close() error                            { return nil }
func (u *openUse) entry() *openFile                        { return (*openFile)(u) }

// An openHold is a reference to an openFile that the server holds
// while it sends from the file's descriptor; Close releases it.
type openHold openFile

func (oh *openHold) Close() error {
	(*openFile)(oh).release()
	return nil
}

// hold takes a reference for the server (see openHold). The caller
// holds one already, so the file is open.
func (of *openFile) hold() io.Closer {
	of.refs.Add(1)
	return (*openHold)(of)
}

// get returns the entry for key with a reference the caller must
// release, or nil.
func (o *openFiles) get(key string) *openFile {
	o.mu.RLock()
	of := o.m[key]
	if of != nil {
		of.refs.Add(1) // under the read lock: remove cannot drop the last reference meanwhile
	}
	o.mu.RUnlock()
	return of
}

// put publishes of (holding one reference for the cache) under key,
// unless an entry is there already or the cache is full; it reports
// whether it did. On false the caller keeps its own reference only.
func (o *openFiles) put(key string, of *openFile) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m == nil {
		o.m = make(map[string]*openFile)
	}
	if _, ok := o.m[key]; ok || o.fds+of.fds() > maxOpenFiles {
		return false
	}
	of.refs.Add(1)
	o.m[key] = of
	o.fds += of.fds()
	return true
}

// remove drops the entry for key if it is still of, releasing the
// cache's reference.
func (o *openFiles) remove(key string, of *openFile) {
	o.mu.Lock()
	drop := o.m[key] == of
	if drop {
		delete(o.m, key)
		o.fds -= of.fds()
	}
	o.mu.Unlock()
	if drop {
		of.release()
	}
}

// purge drops every entry.
func (o *openFiles) purge() {
	o.mu.Lock()
	m := o.m
	o.m, o.fds = nil, 0
	o.mu.Unlock()
	for _, of := range m {
		of.release()
	}
}

// serveOpen answers from the open-file cache, if it holds key and the
// entry may still be served, and reports whether it did.
func (h *Handler) serveOpen(w wharf.ResponseWriter, r *wharf.Request, key string) bool {
	of := h.files.get(key)
	if of == nil {
		return false
	}
	defer of.release()
	c := h.cache
	if now := c.clock(); now >= of.checkAt.Load() && of.checking.CompareAndSwap(false, true) {
		ok := h.openUnchanged(of)
		if ok {
			of.checkAt.Store(c.clock() + c.validity)
		}
		of.checking.Store(false)
		if !ok {
			h.files.remove(key, of)
			return false
		}
	}
	h.serveLarge(w, r, of.name, of.use(), of.fi, of.sides, &of.res)
	return true
}

// openUnchanged reports whether the file of is, and its sidecars, are
// still the versions it holds: a stat of each name, through the same
// file system (so a file that may no longer be served is dropped).
func (h *Handler) openUnchanged(of *openFile) bool {
	fi, err := fs.Stat(h.fsys, of.name)
	if err != nil || !fi.Mode().IsRegular() || !versionOf(of.fi).equal(versionOf(fi)) {
		return false
	}
	sides, _ := h.sidecars(of.name, fi)
	for enc, s := range sides {
		o := of.sides[enc]
		switch {
		case (s.fi == nil) != (o.fi == nil):
			return false
		case s.fi != nil && !versionOf(s.fi).equal(versionOf(o.fi)):
			return false
		}
	}
	return true
}

// newOpen returns an openFile for f, just opened for key, with one
// reference, the caller's, or nil if f cannot be kept open (not an
// *os.File, or no cache). The caller offers it to h.files and releases
// its reference when done: the file is closed then unless the
// open-file cache took it.
func (h *Handler) newOpen(name string, f fs.File, fi fs.FileInfo, sides [numEnc]sidecar) *openFile {
	osf, ok := f.(*os.File)
	if !ok || h.cache == nil || h.closed.Load() {
		return nil
	}
	of := &openFile{name: name, f: osf, fi: fi, sides: sides, res: h.largeRes(name, fi, sides)}
	h.openSides(of)
	of.refs.Store(1)
	of.checkAt.Store(h.cache.clock() + h.cache.validity)
	return of
}

// openSides opens of's sidecars, to be kept open with it (see
// openSide). A sidecar that cannot be opened, or that changed since
// it was found (its open file is not the version of.sides holds), is
// left closed: requests then open it each time, as they would without
// the open-file cache.
func (h *Handler) openSides(of *openFile) {
	now := h.now()
	vary := of.res.offered != 0
	for enc, sc := range of.sides {
		if sc.fi == nil {
			continue
		}
		f, fi, err := h.openRegular(sc.name, sc.fi)
		if err != nil {
			continue
		}
		osf, ok := f.(*os.File)
		if !ok || !versionOf(fi).equal(versionOf(sc.fi)) {
			f.Close()
			continue
		}
		of.res.open[enc] = &openSide{
			of: of,
			f:  osf,
			fi: fi,
			m:  keepMeta(fileMeta(fi, of.res.ctype, compress.Encoding(enc), vary, now), now),
		}
	}
}
