package fileserver

import (
	"io"
	"io/fs"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wharfhttp/wharf/compress"
)

// numEnc sizes the arrays indexed by compress.Encoding.
const numEnc = int(compress.Brotli) + 1

// A meta is what an answer says about the representation it sends:
// every header value, precomputed where the representation is cached.
type meta struct {
	ctype   string            // Content-Type (the original's, for encoded forms)
	enc     compress.Encoding // Content-Encoding; Identity for none
	vary    bool              // the resource has encoded forms: Vary: Accept-Encoding
	size    int64             // length of the representation's bytes
	clen    string            // size, formatted
	etag    string            // ETag: strong for files, weak (W/) for on-the-fly forms; "" for none
	lastMod string            // Last-Modified; set with etag
	mtime   time.Time         // for date preconditions; zero when unknown
}

// A version identifies what was read of a file, compared at
// revalidation.
type version struct {
	size     int64
	mtime    time.Time
	mode     uint32 // fs.FileMode: a chmod is a change
	dev, ino uint64 // where the file system reports them; else 0
}

func versionOf(fi fs.FileInfo) version {
	v := version{size: fi.Size(), mtime: fi.ModTime(), mode: uint32(fi.Mode())}
	v.dev, v.ino = fileID(fi)
	return v
}

// same reports whether fi describes version v.
func (v version) same(fi fs.FileInfo) bool { return v.equal(versionOf(fi)) }

// equal compares versions with time.Time.Equal (the monotonic reading
// and location may differ).
func (v version) equal(o version) bool {
	return v.size == o.size && v.mtime.Equal(o.mtime) && v.mode == o.mode && v.dev == o.dev && v.ino == o.ino
}

// A rep is a cached representation: the bytes of a file, of a
// precompressed sidecar, or of a compressed form made on the fly,
// with its answer's header values. Immutable once published.
type rep struct {
	meta
	content []byte
	ver     version // of the file read; zero for on-the-fly forms
}

// An entry is a cached resource: the file a request path names (its
// identity representation, absent for a sidecar without original),
// its precompressed sidecars, and the compressed forms made of it on
// demand. Every header value is precomputed, so serving it allocates
// nothing. Its fields are immutable once it is published in the
// cache, except those marked otherwise.
type entry struct {
	name string // the identity name opened in the file system ("docs/index.html")

	id      *rep                        // the file itself; nil if only sidecars exist
	side    [numEnc]*rep                // precompressed sidecars, by encoding
	offered compress.Set                // encodings answerable: sidecars, plus on-the-fly ones
	fly     [numEnc]atomic.Pointer[rep] // on-the-fly forms of id, made on first demand
	flyOK   bool                        // id is worth compressing on the fly

	racy      bool // modified within racyWindow of the read: re-read at revalidation
	cacheable bool // the read was consistent; false: serve once, do not cache

	checkAt  atomic.Int64 // cache clock (ns) after which a hit must revalidate
	checking atomic.Bool  // a request is revalidating this entry
	used     atomic.Bool  // hit since the eviction hand last passed (CLOCK)

	mu   sync.Mutex // guards cost and gone
	cost int64      // bytes charged against Config.CacheMaxBytes
	gone bool       // removed from the cache: charge no more to it
}

// size returns the bytes e's representations hold.
func (e *entry) size() int64 {
	var n int64
	if e.id != nil {
		n += int64(len(e.id.content))
	}
	for _, s := range e.side {
		if s != nil {
			n += int64(len(s.content))
		}
	}
	return n
}

// retire marks e as gone from the cache and returns its cost, to be
// subtracted from the cache's total.
func (e *entry) retire() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.gone = true
	return e.cost
}

// A sidecar is a precompressed file found beside its original.
type sidecar struct {
	name string
	fi   fs.FileInfo
}

// sidecars returns the precompressed files beside name, by encoding:
// regular files NAME.br, NAME.zst and NAME.gz that are not older than
// the original (orig, nil when there is none). A stale sidecar (the
// original was edited after it was made) is ignored: serving it would
// send old content.
func (h *Handler) sidecars(name string, orig fs.FileInfo) (s [numEnc]sidecar, any bool) {
	if !h.precompressed {
		return s, false
	}
	for e := compress.Gzip; int(e) < numEnc; e++ {
		sn := name + e.Ext()
		fi, err := fs.Stat(h.fsys, sn)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if orig != nil && fi.ModTime().Before(orig.ModTime()) {
			h.log.Debug("fileserver: sidecar older than its original; ignored",
				"sidecar", sn, "original", name)
			continue
		}
		s[e] = sidecar{name: sn, fi: fi}
		any = true
	}
	return s, any
}

// readEntry reads a resource into an entry: the open regular file f,
// which fi describes (both nil when only sidecars exist), and the
// sidecars found beside it. The entry is cacheable if no file changed
// while it was read; otherwise it holds the bytes read and no
// validators, to be served once: a client must not keep an ETag for a
// torn read.
func (h *Handler) readEntry(name string, f fs.File, fi fs.FileInfo, sides [numEnc]sidecar) (*entry, error) {
	e := &entry{name: name, cacheable: true}
	ctype := contentType(name)
	if f != nil {
		r, ok, err := h.readRep(f, fi, ctype, compress.Identity)
		if err != nil {
			return nil, err
		}
		e.id = r
		e.cacheable = ok
		e.racy = ok && !r.mtime.IsZero() && h.now().Sub(r.mtime) < racyWindow
		e.flyOK = h.comp != nil && compress.Compressible(ctype) && r.size >= h.minCompress
	}
	for enc, s := range sides {
		if s.fi == nil {
			continue
		}
		sf, sfi, err := h.openRegular(s.name, s.fi)
		if err != nil {
			continue // gone since it was found: answer without it
		}
		r, ok, err := h.readRep(sf, sfi, ctype, compress.Encoding(enc))
		sf.Close()
		if err != nil {
			return nil, err
		}
		e.side[enc] = r
		e.offered |= compress.SetOf(compress.Encoding(enc))
		e.cacheable = e.cacheable && ok
		e.racy = e.racy || ok && !r.mtime.IsZero() && h.now().Sub(r.mtime) < racyWindow
	}
	if e.flyOK {
		e.offered |= h.flyEnc
	}
	vary := e.offered != 0
	if e.id != nil {
		e.id.vary = vary
	}
	for _, s := range e.side {
		if s != nil {
			s.vary = vary
		}
	}
	if c := h.cache; c != nil {
		e.checkAt.Store(c.clock() + c.validity)
	}
	return e, nil
}

// readRep reads the open regular file f, which fi describes, as the
// representation with encoding enc of a resource of type ctype. It
// reports whether the read was consistent (the file did not change
// while it was read).
func (h *Handler) readRep(f fs.File, fi fs.FileInfo, ctype string, enc compress.Encoding) (*rep, bool, error) {
	now := h.now()
	buf := make([]byte, fi.Size())
	n, err := io.ReadFull(f, buf)
	consistent := err == nil
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil // the file shrank
	}
	if err != nil {
		return nil, false, err
	}
	if consistent {
		var one [1]byte
		m, _ := f.Read(one[:])
		fi2, err := f.Stat()
		consistent = m == 0 && err == nil && versionOf(fi).equal(versionOf(fi2))
	}
	r := &rep{content: buf[:n], ver: versionOf(fi)}
	r.meta = fileMeta(fi, ctype, enc, false, now)
	r.size, r.clen = int64(n), strconv.Itoa(n)
	if !consistent {
		// No validators, and no date preconditions either.
		r.etag, r.lastMod, r.mtime = "", "", time.Time{}
	}
	return r, consistent, nil
}

// fileMeta returns the answer's values for a file that fi describes,
// sent with encoding enc as a representation of type ctype.
func fileMeta(fi fs.FileInfo, ctype string, enc compress.Encoding, vary bool, now time.Time) meta {
	m := meta{
		ctype: ctype,
		enc:   enc,
		vary:  vary,
		size:  fi.Size(),
		clen:  strconv.FormatInt(fi.Size(), 10),
		mtime: fi.ModTime(),
	}
	if !m.mtime.IsZero() {
		m.etag = makeETag(m.mtime, m.size, enc)
		m.lastMod = lastModified(m.mtime, now)
	}
	return m
}

// A keptMeta is a file's answer values worked out once and kept for as
// long as the file is kept open (openFiles), rather than made per
// request. A Last-Modified in the future is clamped to the clock
// (lastModified), so such a value is made again at each use.
type keptMeta struct {
	m      meta
	future bool // m has a Last-Modified, and m.mtime was after the clock
}

// keepMeta keeps m, made at now.
func keepMeta(m meta, now time.Time) keptMeta {
	return keptMeta{m: m, future: m.etag != "" && m.mtime.After(now)}
}

// at returns the kept values for an answer made now.
func (k *keptMeta) at(now func() time.Time) meta {
	m := k.m
	if k.future {
		m.lastMod = lastModified(m.mtime, now())
	}
	return m
}

// flyRep returns e's on-the-fly form in encoding enc, making and
// caching it on first demand (a cached compressed hit then costs what
// an identity hit costs), or nil if it cannot be made.
func (h *Handler) flyRep(e *entry, enc compress.Encoding) *rep {
	if r := e.fly[enc].Load(); r != nil {
		return r
	}
	id := e.id
	b, err := compress.Encode(nil, enc, id.content)
	if err != nil {
		h.log.Error("fileserver: compressing failed", "name", e.name, "encoding", enc.String(), "err", err)
		return nil
	}
	r := &rep{meta: id.meta, content: b}
	r.enc = enc
	r.size, r.clen = int64(len(b)), strconv.Itoa(len(b))
	r.etag = weakETag(id.etag, enc)
	if !e.fly[enc].CompareAndSwap(nil, r) {
		return e.fly[enc].Load() // another request made it first
	}
	if c := h.cache; c != nil && e.cacheable {
		// Charged unless e has left the cache (then it is only being
		// served once more, and goes with its last user).
		c.charge(e, int64(len(b)))
	}
	return r
}

// weakETag returns the weak entity-tag of an on-the-fly form in
// encoding enc of the representation tagged etag: compressed bytes
// are another representation (RFC 9110 8.8.3), and equal only
// semantically to what another compressor version would make.
func weakETag(etag string, enc compress.Encoding) string {
	if etag == "" {
		return ""
	}
	return "W/" + etag[:len(etag)-1] + "-" + enc.String() + `"`
}

// fresh returns e if it may be served: it was validated less than
// CacheValidity ago, or another request is validating it right now
// (so a validity window costs one check, never a stampede).
// Otherwise this request validates it: it returns e again if nothing
// changed, or nil (the entry dropped) if a file changed, appeared or
// went, and the uncached path then reads it again or gives the answer.
func (h *Handler) fresh(key string, e *entry) *entry {
	c := h.cache
	now := c.clock()
	if now < e.checkAt.Load() || !e.checking.CompareAndSwap(false, true) {
		return e
	}
	defer e.checking.Store(false)
	if e.racy || !h.unchanged(e) {
		c.remove(key, e)
		return nil
	}
	e.checkAt.Store(c.clock() + c.validity)
	return e
}

// unchanged reports whether the files e was read from are still the
// versions read, may still be served, and no sidecar appeared or went.
func (h *Handler) unchanged(e *entry) bool {
	var orig fs.FileInfo
	if e.id != nil {
		// Open the file as the uncached path does, so a file that may
		// no longer be opened (permissions, a symlink now pointing out
		// of the root, a FIFO in its place) is dropped.
		f, fi, err := h.openRegular(e.name, nil)
		if err != nil {
			return false
		}
		f.Close()
		if !e.id.ver.same(fi) {
			return false
		}
		orig = fi
	} else if _, err := fs.Stat(h.fsys, e.name); err == nil {
		return false // the original appeared
	}
	sides, _ := h.sidecars(e.name, orig)
	for enc, s := range sides {
		r := e.side[enc]
		switch {
		case (s.fi == nil) != (r == nil):
			return false
		case r != nil && !r.ver.same(s.fi):
			return false
		}
	}
	return true
}
