// Package compress implements HTTP content codings for wharf: the
// negotiation of Accept-Encoding, the policy of what is worth
// compressing, whole-buffer and streaming encoders, and a middleware
// that compresses a handler's answers.
//
// The codings are gzip (github.com/klauspost/compress/gzip, a faster
// drop-in for compress/gzip), zstd (github.com/klauspost/compress/zstd)
// and brotli, "br" (github.com/andybalholm/brotli, a pure Go port of
// the reference encoder). deflate is not offered: every client that
// accepts it accepts gzip, the same compression with a checksum, and
// its "zlib or raw?" ambiguity (RFC 9110 8.4.1.2) has broken clients.
//
// # Negotiation
//
// Negotiate follows RFC 9110 12.5.3 (Accept-Encoding) and 12.4.2
// (quality values). When a client weighs codings equally, it prefers
// br, then zstd, then gzip: in that order they give smaller answers on
// web content. Identity is chosen when the client accepts no offered
// coding.
//
// # Levels
//
// Two uses call for two sets of levels. Measured on 250 KB of text
// (Go source and Markdown), in CPU time on one core of the build
// machine (ratio = compressed / original size):
//
//	gzip   5   0.293  110 MB/s     gzip   9        0.279   29 MB/s
//	zstd   3   0.286  115 MB/s     zstd   "best"   0.257   16 MB/s
//	br     4   0.277   42 MB/s     br     11       0.229  0.5 MB/s
//	br     5   0.258   29 MB/s     br     9        0.249   10 MB/s
//
// The streaming encoders (Config, NewWriter, Handler) compress while
// the client waits, once per response: their defaults are gzip level 5
// (klauspost's default), zstd level 3 (klauspost's SpeedDefault, zstd's
// own default) and brotli quality 4: each compresses 40 to 110 MB/s
// of text per core (brotli 4 the slowest, and still smaller than gzip
// 9), so a few cores keep up with a fast link; they are the levels
// nginx, Caddy and CDNs use on the fly. Their windows are 512 KB: as
// good as larger ones for all but the largest answers, and a pooled
// brotli encoder then holds 3 MB instead of 10 (zstd: 3 MB instead of
// 11).
//
// Encode compresses once for a cache, so it uses strong levels: gzip
// 9, zstd "best" (klauspost's strongest; its tables take some 35 MB
// while in use), and brotli 11 up to 128 KB, beyond which brotli 11
// would cost seconds of CPU and quality 9 (5-10% larger) is used. The
// zstd window is at most 8 MB, the limit browsers enforce for the
// "zstd" coding (RFC 9659).
//
// # Minimum size
//
// DefaultMinSize is 1024 bytes. A response head is 150 to 300 bytes, so
// a body below 1 KB fits with it in one TCP segment (1460 bytes on
// Ethernet) compressed or not: compression saves no packet and no
// round trip there, only a few hundred bytes (1024 bytes of wharf's
// README.md gzip to 589, 256 bytes to 202), while it costs an
// encoder's setup and 18 to 26 bytes of framing. Above it the saving
// grows with the size. (nginx's default is 20 bytes, Caddy's 512.)
//
// # Caching
//
// Compressed answers carry "Vary: Accept-Encoding" (RFC 9110 12.5.5)
// and a weak ETag (RFC 9110 8.8.1, 8.8.3): see Handler.
package compress
