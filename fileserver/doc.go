// Package fileserver serves static files as a wharf.Handler.
//
// New serves any fs.FS (an embed.FS, an fstest.MapFS); NewDir serves a
// directory through an os.Root, so that neither a request path nor a
// symlink inside the directory can reach a file outside it. A Handler
// is safe for concurrent use.
//
// # Requests
//
// GET and HEAD are served; OPTIONS answers 204 and any other method
// 405, both with "Allow: GET, HEAD, OPTIONS".
//
// The request path (Request.Path, as sent) is resolved without ever
// being normalized:
//
//   - a path that does not start with "/" (asterisk- or
//     authority-form), or holds a malformed percent-escape, answers
//     400;
//   - after strict percent-decoding, a path with an encoded slash
//     (%2F), a backslash, a control byte (such as %00), invalid UTF-8
//     (such as the overlong %C0%AE), an empty segment ("//"), or a "."
//     or ".." segment (also as %2E%2E) answers 404;
//   - so does, unless Config.AllowDotfiles, a path with a segment that
//     starts with "." (".git", ".env"), except a first segment
//     ".well-known" (RFC 8615).
//
// 404 rather than 400 or 403 for the refusals: they name no file we
// serve, and a different status would tell a prober which rule it hit
// or that a hidden file exists.
//
// A directory path without a final slash ("/docs") is redirected with
// 301 to the same path with one, keeping the query; the Location is
// relative ("docs/", as net/http's FileServer writes it), so the
// redirect holds wherever the handler is mounted (behind
// wharf.StripPrefix too). It is re-encoded from the decoded name: one
// segment, never "/..." or "//host". A directory
// path with the slash serves the directory's index.html; without one
// it is a 404, or with Config.Browse a listing of the directory
// (HTML, or JSON for "Accept: application/json"), dotfiles left out.
// "/index.html" is served as itself. A file path with a final slash
// is a 404.
//
// Only regular files are served (symlinks to them included, as
// Config.Symlinks allows): devices, FIFOs and sockets are 404s, and
// they are never opened, since opening a FIFO blocks. NewDir follows
// only symbolic links that stay inside the directory by default
// (SymlinksInside); SymlinksFollow follows them wherever they point,
// as nginx does, and SymlinksNever refuses every path through one.
// A refused link is logged once per name at Warn, with the reason.
//
// With Config.SPA, a GET or HEAD that would be a 404, from a client
// whose Accept names text/html (a browser navigating), is answered
// with the root's index.html instead, so that a single-page
// application's routes load it; a missing script or image (no
// text/html in Accept) is still a 404.
//
// # Responses
//
// A file is served with Content-Type from its extension (a built-in
// table of web types first, then mime.TypeByExtension, then
// application/octet-stream), "X-Content-Type-Options: nosniff",
// "Accept-Ranges: bytes", Content-Length and Config.CacheControl. A
// small file is served from memory (see "The cache"); a larger one is
// handed, with its descriptor visible, to the ResponseWriter's
// ReadFrom, so that the server can send it with sendfile(2). A HEAD
// answer has the same header and no body.
//
// When the file system reports a modification time, the answer also
// carries Last-Modified (IMF-fixdate, second precision) and a strong
// ETag made of the modification time in nanoseconds and the size.
// If-Match and If-Unmodified-Since (412), If-None-Match (weak
// comparison) and If-Modified-Since (304; ignored when If-None-Match
// is present) are evaluated in the order of RFC 9110 13.2.2. A 304
// carries ETag, Last-Modified, Vary and Cache-Control, and no
// Content-Type or Content-Length. An embed.FS records no modification
// times, so its files are served without validators and are never
// answered 304.
//
// # Ranges
//
// A GET with one Range field (RFC 9110 14) whose If-Range, if any,
// matches (a strong ETag, or exactly the Last-Modified date) is
// answered 206: one range with Content-Range and the bytes (from a
// file, with sendfile(2) from the range's offset), several as
// multipart/byteranges. None satisfiable: 416 with "Content-Range:
// bytes */LENGTH". A malformed Range, a unit other than bytes, and a
// Range not worth honouring (too many ranges after overlapping and
// nearby ones are merged, or ranges that add up to the whole file)
// are ignored: 200 with the whole file, so an answer is never larger
// than the file plus the multipart framing. HEAD answers as GET would,
// without the body.
//
// # Encodings
//
// With Config.Precompressed, the files NAME.br, NAME.zst and NAME.gz
// beside NAME are NAME's precompressed forms, served as they are,
// with NAME's Content-Type and a Content-Encoding, to clients whose
// Accept-Encoding allows them (see compress.Negotiate: q-values, "*",
// refusals; br, then zstd, then gzip on a tie). Each is a
// representation of its own: its own strong ETag (the coding is part
// of it) and Last-Modified, and preconditions and Range apply to its
// bytes. A sidecar older than its original is stale and ignored (a
// Debug log line says so); a corrupt one is served as it is (its
// maker's business). A sidecar without its original (Debian ships
// some pages only as page.html.gz) is served at the original's path
// to clients that accept its coding; others get 406.
//
// With Config.Compress, a file whose type is compressible
// (compress.Compressible: text, JavaScript, JSON, XML, SVG, wasm...)
// and at least the minimum size is compressed on the fly for clients
// that accept it and for which no sidecar exists. A cached file's
// compressed forms are made once, on first demand, and cached with
// it, so a compressed hit costs what an identity hit costs; a larger
// file streams through the compressor, chunked. An on-the-fly form
// has a weak ETag derived from the original's; a request with a Range
// gets ranges of the identity form. Every answer for a path that has
// encoded forms, the identity one included, carries "Vary:
// Accept-Encoding". Images, video, archives and other encoded types
// are never compressed.
//
// A missing file, and one that exists but may not be opened
// (permissions, a symlink the policy refuses, a symlink loop), is a
// 404 with the page of Config.NotFoundFile (read and cached like any
// file, so an edit to it is served like any edit) or
// Config.NotFoundPage. A file system error that means the server
// is in trouble (out of file descriptors, an I/O error, a closed
// Handler) is a 500 with a fixed body, and is logged. No response
// body, and no header but a re-encoded Location, contains request
// bytes.
//
// # The cache
//
// Regular files up to Config.CacheMaxFileSize (64 KiB) are kept in
// memory, with every header value of their 200 and 304 answers
// precomputed, up to Config.CacheMaxBytes (64 MiB) in all; past it,
// entries not hit recently are evicted (a CLOCK approximation of
// LRU), so memory stays bounded. Serving a cached file allocates
// nothing: a GET, a HEAD, a directory's index.html, and a 304 or 412
// from If-None-Match, If-Match or an If-Modified-Since in IMF-fixdate
// form. A request path with a percent-escape costs one allocation
// (its decoding), and an If-Modified-Since date in one of the two
// obsolete forms a few more (time.Parse).
//
// An entry is keyed by the decoded request path, and only after the
// path has passed every rule above and the file was opened and read
// as an uncached request would: the cache never serves what the
// uncached path would refuse. Consistency:
//
//   - An entry is trusted for Config.CacheValidity (1 s) after it was
//     read or last validated. The first request after that validates
//     it: it opens the file again (through the same os.Root, so a
//     file that became unreadable, a symlink now pointing out of the
//     root, or a FIFO in its place is dropped) and compares the
//     modification time, size, mode and, where the OS reports them,
//     device and inode, and does the same for the sidecars. If
//     nothing changed (and no sidecar appeared or went) the entry is
//     trusted for another CacheValidity; otherwise it is dropped and
//     the request is answered as uncached, which reads the new
//     version (or answers 404, 301, 500...).
//     Requests that arrive while one validates are served the
//     current entry: one check per entry per window, no stampede.
//   - So a change to a file is served at most CacheValidity (plus
//     the duration of a check in flight) after it is made; until
//     then, the previous version, even of a deleted file, is served.
//   - A file modified less than 2 s before it was read may still be
//     being written within one timestamp tick, and a later write
//     would leave its time and size unchanged: such an entry is
//     re-read, not only checked, when its validity ends. A file that
//     changes while it is read is served once as read (without ETag
//     or Last-Modified) and not cached.
//   - An edit that keeps the size, the modification time and the
//     inode (an in-place rewrite that restores the time) is not
//     seen; such an edit also keeps the ETag, so clients would not
//     see it either.
//   - Files too large for the cache are kept open between requests
//     instead (up to 1,024 descriptors, as nginx's open_file_cache),
//     with their sidecars, open too, and validated the same way with
//     a stat of each name: a request for one (a range of a video, a
//     download, a large script's .br) costs no open or close, only
//     the send. Requests share the descriptors and never use their
//     offsets; a replaced file's old descriptors are closed when the
//     last request sending from them is done.
//   - Close empties the caches and closes the kept files; a NewDir
//     Handler then answers 500.
package fileserver
