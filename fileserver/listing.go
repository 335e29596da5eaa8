package fileserver

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/compress"
)

// Bounds on a directory listing, so that a huge directory costs
// bounded memory and time: at most listLimit entries are listed, and
// reading the directory stops after listScanLimit entries (hidden and
// unservable ones included). The page says when a listing was cut.
const (
	listLimit     = 10000
	listScanLimit = 10 * listLimit
	// listBatch is how many entries are read from the directory at a
	// time.
	listBatch = 256
)

// A listEntry is one servable entry of a listed directory.
type listEntry struct {
	name  string    // the entry's name in its directory
	dir   bool      // a directory (or a symlink to one)
	size  int64     // bytes, for a file; 0 for a directory
	mtime time.Time // zero if the file system records none
	rank  int       // position in name order (see sortListing)
}

// sortSize and sortTime are the values the size and time orders
// compare; the page's script sorts by the same values (data-s,
// data-t), so both orders agree.
func (e *listEntry) sortSize() int64 {
	if e.dir {
		return -1
	}
	return e.size
}

func (e *listEntry) sortTime() int64 {
	if e.mtime.IsZero() {
		return 0
	}
	return e.mtime.Unix()
}

// href is the entry's link, relative to the listed directory: "./"
// and the percent-encoded name, with a final "/" for a directory. The
// "./" keeps a name with a colon ("a:b") from reading as a URI scheme.
func (e *listEntry) href() string {
	u := "./" + escapePath(e.name)
	if e.dir {
		u += "/"
	}
	return u
}

// serveListing answers GET/HEAD for the directory t (t.name is its fs
// name, "." for the root; t.path the decoded request path, ending in
// "/") with a listing of its entries: an HTML page, or a JSON array
// when the request's Accept field prefers application/json (see
// prefersJSON).
//
// Listed are the entries a request could be served: regular files and
// directories, symlinks to them included when fs.Stat through h.fsys
// follows them (a symlink that dangles or leaves an os.Root is left
// out), and neither dotfiles (unless AllowDotfiles) nor names that
// resolvePath would refuse (control bytes, backslashes, invalid
// UTF-8). Devices, FIFOs and sockets are left out without being
// opened. At most listLimit entries are listed (see listScanLimit).
//
// Directories come first; within them and within files, the order is
// that of the query parameters "sort" (name, size or time; name if
// absent or unknown) and "order" (asc or desc; asc if absent or
// unknown). Names sort naturally ("a2" before "a10") and
// case-insensitively.
//
// Both forms carry Cache-Control: no-cache (a listing changes with
// its directory), Vary: Accept, X-Content-Type-Options: nosniff and
// Content-Length; the HTML page also a Content-Security-Policy that
// allows its own inline style and script only (listingCSP). A HEAD
// answer has the same header and no body. An error reading the
// directory is answered 404 or 500 (see listingFailed).
func (h *Handler) serveListing(w wharf.ResponseWriter, r *wharf.Request, t target) {
	entries, truncated, err := h.readListing(t.name)
	if err != nil {
		h.listingFailed(w, r, err)
		return
	}
	key, desc := listOrder(r.RawQuery)
	sortListing(entries, key, desc)

	var buf bytes.Buffer
	hdr := w.Header()
	if prefersJSON(r.Header) {
		err = writeListingJSON(&buf, entries)
		hdr.Set("Content-Type", "application/json")
	} else {
		err = writeListingHTML(&buf, shownPath(r, t.path), t.path, entries, key, desc, truncated)
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		hdr.Set("Content-Security-Policy", listingCSP)
	}
	if err != nil {
		hdr.Del("Content-Security-Policy")
		h.log.LogAttrs(r.Context(), slog.LevelError, "fileserver: rendering a listing failed",
			slog.String("path", r.Path), slog.Any("err", err))
		h.fixed(w, r, 500, internalErrorBody)
		return
	}
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("Vary", "Accept")
	body := buf.Bytes()
	if h.comp != nil {
		hdr.Add("Vary", "Accept-Encoding")
		body = h.compressListing(hdr, r, body)
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(200)
	if r.Method == "HEAD" {
		return
	}
	if _, err := w.Write(body); err != nil {
		h.log.LogAttrs(r.Context(), slog.LevelDebug, "fileserver: sending a listing failed",
			slog.String("path", r.Path), slog.Any("err", err))
	}
}

// shownPath returns the path a listing's title shows for the
// directory at the decoded path p: the path the client asked for,
// decoded. It differs from p when the handler is mounted below a
// prefix (wharf.StripPrefix shortens Path and leaves Target as sent),
// so that the page at "/static/docs/" is titled "/static/docs/" while
// its links, all relative, stay within the mount. It is p when the
// target does not end in p (a router rewrote Path some other way).
func shownPath(r *wharf.Request, p string) string {
	raw, _, _ := strings.Cut(r.Target, "?")
	if !strings.HasPrefix(raw, "/") {
		// absolute-form: "http://host/path"
		_, rest, ok := strings.Cut(raw, "://")
		i := strings.IndexByte(rest, '/')
		if !ok || i < 0 {
			return p
		}
		raw = rest[i:]
	}
	full, err := url.PathUnescape(raw)
	if err != nil || !strings.HasSuffix(full, p) {
		return p
	}
	return full
}

// compressListing returns the listing body compressed in the coding
// the client prefers, with Content-Encoding set, or body as it is when
// it is small or the client takes no offered coding. A listing is made
// per request, so it is compressed at the streaming level.
func (h *Handler) compressListing(hdr *wharf.Header, r *wharf.Request, body []byte) []byte {
	if int64(len(body)) < h.minCompress {
		return body
	}
	enc, _ := compress.Negotiate(r.Header, h.flyEnc)
	if enc == compress.Identity {
		return body
	}
	var out bytes.Buffer
	zw := h.comp.NewWriter(&out, enc)
	_, err := zw.Write(body)
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return body
	}
	hdr.Set("Content-Encoding", enc.String())
	return out.Bytes()
}

// listingFailed answers for an error reading a directory to list, as
// for any file (see classify): 404 when it is gone or may not be
// read, 500, logged, when the server is in trouble (a closed Handler,
// out of descriptors).
func (h *Handler) listingFailed(w wharf.ResponseWriter, r *wharf.Request, err error) {
	if classify(err) == errServer {
		h.log.LogAttrs(r.Context(), slog.LevelError, "fileserver: file system error",
			slog.String("path", r.Path), slog.Any("err", err))
		h.fixed(w, r, 500, internalErrorBody)
		return
	}
	h.log.LogAttrs(r.Context(), slog.LevelDebug, "fileserver: directory cannot be listed",
		slog.String("path", r.Path), slog.Any("err", err))
	h.notFoundAnswer(w, r)
}

// readListing returns the listable entries of the directory name, in
// no particular order, and whether the listing was cut at listLimit
// or listScanLimit. It reads the directory listBatch entries at a
// time, so a huge directory is never held in memory whole.
func (h *Handler) readListing(name string) ([]listEntry, bool, error) {
	// Stat before Open: opening a FIFO put in the directory's place
	// would block.
	fi, err := fs.Stat(h.fsys, name)
	if err != nil {
		return nil, false, err
	}
	if !fi.IsDir() {
		return nil, false, fs.ErrNotExist
	}
	f, err := h.fsys.Open(name)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	d, ok := f.(fs.ReadDirFile)
	if !ok {
		return nil, false, &fs.PathError{Op: "readdir", Path: name, Err: errors.ErrUnsupported}
	}
	var entries []listEntry
	scanned := 0
	for {
		batch, err := d.ReadDir(listBatch)
		for _, de := range batch {
			if scanned == listScanLimit {
				return entries, true, nil
			}
			scanned++
			e, ok := h.listable(name, de)
			if !ok {
				continue
			}
			if len(entries) == listLimit {
				return entries, true, nil
			}
			entries = append(entries, e)
		}
		if err == io.EOF || err == nil && len(batch) == 0 {
			return entries, false, nil
		}
		if err != nil {
			return nil, false, err
		}
	}
}

// listable returns the listing entry for de, an entry of the
// directory dir, and whether it may be listed (see serveListing).
func (h *Handler) listable(dir string, de fs.DirEntry) (listEntry, bool) {
	name := de.Name()
	if !fs.ValidPath(name) || strings.Contains(name, "/") || !validPathBytes(name) ||
		name[0] == '.' && !h.allowDot {
		return listEntry{}, false
	}
	var fi fs.FileInfo
	var err error
	switch typ := de.Type(); {
	case typ&fs.ModeSymlink != 0:
		// Follow it as a request would: through h.fsys, which for
		// NewDir is an os.Root that refuses a target outside it.
		fi, err = fs.Stat(h.fsys, path.Join(dir, name))
	case typ.IsDir(), typ.IsRegular():
		fi, err = de.Info()
	default:
		return listEntry{}, false // device, FIFO, socket: never opened
	}
	if err != nil {
		return listEntry{}, false
	}
	e := listEntry{name: name, dir: fi.IsDir(), mtime: fi.ModTime()}
	switch {
	case fi.Mode().IsRegular():
		e.size = fi.Size()
	case !fi.IsDir():
		return listEntry{}, false // replaced since ReadDir, or a link to a FIFO
	}
	return e, true
}

// listOrder returns the order the raw query asks for: key is "name"
// (the default), "size" or "time"; desc is true for "order=desc".
// Unknown keys, values and malformed pairs are ignored.
func listOrder(rawQuery string) (key string, desc bool) {
	q, _ := url.ParseQuery(rawQuery) // keeps the pairs that parse
	switch k := q.Get("sort"); k {
	case "name", "size", "time":
		key = k
	default:
		key = "name"
	}
	return key, q.Get("order") == "desc"
}

// sortListing sorts es by key ("name", "size" or "time"), ascending
// or, if desc, descending, with directories first in either case and
// ties in name order. It sets each entry's rank (its position in name
// order), which the page's script uses to sort exactly as this does.
func sortListing(es []listEntry, key string, desc bool) {
	slices.SortFunc(es, func(a, b listEntry) int { return compareNames(a.name, b.name) })
	for i := range es {
		es[i].rank = i
	}
	slices.SortFunc(es, func(a, b listEntry) int {
		if a.dir != b.dir {
			if a.dir {
				return -1
			}
			return 1
		}
		var c int
		switch key {
		case "size":
			c = cmp.Compare(a.sortSize(), b.sortSize())
		case "time":
			c = cmp.Compare(a.sortTime(), b.sortTime())
		default:
			c = cmp.Compare(a.rank, b.rank)
		}
		if desc {
			c = -c
		}
		if c != 0 {
			return c
		}
		return cmp.Compare(a.rank, b.rank)
	})
}

// compareNames orders names naturally: case-insensitively, with runs
// of digits compared as numbers ("a2" < "a10"); names equal in that
// order (such as "A" and "a", or "a01" and "a1") are ordered by their
// bytes, so the order is total.
func compareNames(a, b string) int {
	if c := naturalCompare(a, b); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		if isDigit(a[0]) && isDigit(b[0]) {
			na, nb := digitPrefix(a), digitPrefix(b)
			a, b = a[len(na):], b[len(nb):]
			na, nb = strings.TrimLeft(na, "0"), strings.TrimLeft(nb, "0")
			if c := cmp.Compare(len(na), len(nb)); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			continue
		}
		ra, sa := utf8.DecodeRuneInString(a)
		rb, sb := utf8.DecodeRuneInString(b)
		if c := cmp.Compare(unicode.ToLower(ra), unicode.ToLower(rb)); c != 0 {
			return c
		}
		a, b = a[sa:], b[sb:]
	}
	return cmp.Compare(len(a), len(b))
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// digitPrefix returns the leading run of ASCII digits of s.
func digitPrefix(s string) string {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i]
}

// prefersJSON reports whether the Accept fields of hdr rank
// application/json above text/html (RFC 9110 12.5.1): the JSON type
// must be acceptable (q > 0) and have a higher q than text/html, or
// the same q from a more specific range ("application/json, */*").
// Without an Accept field, or for a browser's, the answer is false.
func prefersJSON(hdr wharf.Header) bool {
	jq, js := acceptQuality(hdr, "application", "json")
	hq, hs := acceptQuality(hdr, "text", "html")
	return jq > 0 && (jq > hq || jq == hq && js > hs)
}

// acceptQuality returns the q value, in thousandths, that the Accept
// fields of hdr give to the media type typ/sub, and the specificity of
// the range that gave it (3 for typ/sub, 2 for typ/*, 1 for */*, 0 if
// none matched, in which case q is 0). The most specific matching
// range decides; an invalid q value discards its range.
func acceptQuality(hdr wharf.Header, typ, sub string) (q, spec int) {
	for i := hdr.Next("Accept", 0); i >= 0; i = hdr.Next("Accept", i+1) {
		for _, rng := range strings.Split(hdr[i].Value, ",") {
			mt, params, _ := strings.Cut(rng, ";")
			rt, rs, ok := strings.Cut(strings.TrimSpace(mt), "/")
			if !ok {
				continue
			}
			s := 0
			switch {
			case rt == "*" && rs == "*":
				s = 1
			case strings.EqualFold(rt, typ) && rs == "*":
				s = 2
			case strings.EqualFold(rt, typ) && strings.EqualFold(rs, sub):
				s = 3
			}
			if s <= spec {
				continue
			}
			rq, ok := parseQ(params)
			if !ok {
				continue
			}
			q, spec = rq, s
		}
	}
	return q, spec
}

// parseQ returns the q parameter among a media range's parameters
// ("q=0.8; level=1"), in thousandths: 1000 when there is none, false
// when it is not a valid qvalue (RFC 9110 12.4.2).
func parseQ(params string) (int, bool) {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		v = strings.TrimSpace(v)
		if v == "" || len(v) > 5 || v[0] != '0' && v[0] != '1' || len(v) > 1 && v[1] != '.' {
			return 0, false
		}
		q := int(v[0]-'0') * 1000
		for i, scale := 2, 100; i < len(v); i, scale = i+1, scale/10 {
			if !isDigit(v[i]) {
				return 0, false
			}
			q += int(v[i]-'0') * scale
		}
		if q > 1000 {
			return 0, false
		}
		return q, true
	}
	return 1000, true
}

// A jsonEntry is one element of a JSON listing.
type jsonEntry struct {
	Name    string    `json:"name"`
	Size    int64     `json:"size"`              // 0 for a directory
	ModTime time.Time `json:"mod_time,omitzero"` // RFC 3339, UTC, seconds
	IsDir   bool      `json:"is_dir"`
	URL     string    `json:"url"` // relative to the listed directory, escaped
}

// writeListingJSON writes es to buf as a JSON array of jsonEntry.
func writeListingJSON(buf *bytes.Buffer, es []listEntry) error {
	out := make([]jsonEntry, len(es))
	for i := range es {
		e := &es[i]
		out[i] = jsonEntry{Name: e.name, Size: e.size, IsDir: e.dir, URL: e.href()}
		if !e.mtime.IsZero() {
			out[i].ModTime = e.mtime.UTC().Truncate(time.Second)
		}
	}
	return json.NewEncoder(buf).Encode(out)
}

// humanSize formats n bytes with binary units: "0 B", "999 B",
// "1.2 KiB", "34.5 MiB", "512 GiB". Values under 100 of a unit keep
// one decimal.
func humanSize(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	const units = "KMGTPE"
	f := float64(n)
	u := -1
	for f >= 1024 && u < len(units)-1 {
		f /= 1024
		u++
	}
	prec := 1
	if f >= 99.95 {
		prec = 0
	}
	s := strconv.FormatFloat(f, 'f', prec, 64)
	if s == "1024" && u < len(units)-1 {
		s, u = "1.0", u+1
	}
	return s + " " + units[u:u+1] + "iB"
}

// groupDigits formats n >= 0 with commas between groups of three digits.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
