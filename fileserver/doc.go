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
// 301 to the same path with one ("/docs/"), keeping the query; the
// Location is re-encoded from the decoded path, so it is always a
// local path starting with a single "/", never "//host". A directory
// path with the slash serves the directory's index.html, or 404 if it
// has none: directory listings are not supported. "/index.html" is
// served as itself. A file path with a final slash is a 404.
//
// Only regular files are served (symlinks to them included, where the
// file system allows them): devices, FIFOs and sockets are 404s, and
// they are never opened, since opening a FIFO blocks.
//
// # Responses
//
// A file is served with Content-Type from its extension (a built-in
// table of web types first, then mime.TypeByExtension, then
// application/octet-stream), "X-Content-Type-Options: nosniff" and
// Content-Length. A small file is served from memory (see "The
// cache"); a larger one is handed, as the *os.File itself when the
// file system gives one, to the ResponseWriter's ReadFrom, so that
// the server can send it with sendfile(2). A HEAD answer has the same
// header and no body.
//
// When the file system reports a modification time, the answer also
// carries Last-Modified (IMF-fixdate, second precision) and a strong
// ETag made of the modification time in nanoseconds and the size.
// If-Match and If-Unmodified-Since (412), If-None-Match (weak
// comparison) and If-Modified-Since (304; ignored when If-None-Match
// is present) are evaluated in the order of RFC 9110 13.2.2. A 304
// carries ETag and Last-Modified, and no Content-Type or
// Content-Length. An embed.FS records no modification times, so its
// files are served without validators and are never answered 304.
//
// A missing file, and one that exists but may not be opened
// (permissions, a symlink out of the root, a symlink loop), is a 404
// with Config.NotFoundPage. A file system error that means the server
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
//     device and inode. If they are unchanged the entry is trusted
//     for another CacheValidity; if they changed the file is re-read;
//     if it is gone or may not be served, the entry is dropped and
//     the request is answered as uncached (404, 301, 500...).
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
//   - Close (NewDir) empties the cache; requests then answer 500.
//
// # Not yet supported
//
// Range requests: the whole file is always sent (200), and
// Accept-Ranges is not advertised, so clients do not ask. Also not
// supported: directory listings, precompressed (.gz, .br) variants and
// Cache-Control policies.
package fileserver
