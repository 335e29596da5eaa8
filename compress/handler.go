package compress

import (
	"sync"

	"github.com/wharfhttp/wharf"
)

// Handler returns middleware that compresses next's answers for the
// clients that accept it (Negotiate, among cfg.Encodings), with the
// streaming encoders of cfg.
//
// An answer is compressed when, at the moment its head is decided
// (WriteHeader, or the first Write, WriteString, ReadFrom or Flush):
//
//   - it has a body: not HEAD's, which gets the same head as GET but no
//     body, and not a 1xx, 204 or 304 answer; any other status is
//     compressed (error pages are text too), except 206;
//   - its Content-Type is Compressible;
//   - next set no Content-Encoding (an answer that is encoded already,
//     such as a precompressed file, passes untouched: nothing is ever
//     compressed twice), no Content-Range, and no "Cache-Control:
//     no-transform" (RFC 9110 7.7);
//   - its body reaches cfg's MinSize: known from a declared
//     Content-Length, else learnt by holding back up to MinSize bytes
//     of the body (an answer that ends or calls Flush before then is
//     decided then: at its end it is small and sent as is; a Flush
//     means a stream, which is compressed).
//
// Compressing, it deletes Content-Length (the server then sends the
// body with a length if it fits in its buffer, else chunked) and
// Accept-Ranges (ranges would address the uncompressed bytes), sets
// Content-Encoding, and turns a strong ETag weak (W/"..."), as nginx
// does: the compressed bytes are another representation, which must
// not share a strong validator with the original (RFC 9110 8.8.1).
// Handlers must therefore compare If-None-Match weakly, as RFC 9110
// 13.1.2 asks anyway.
//
// Every answer that could be compressed for some client carries "Vary:
// Accept-Encoding" (RFC 9110 12.5.5), whatever this client accepts, so
// that caches keep the variants apart; it is added once (not when a
// Vary field already lists Accept-Encoding or "*"). A 206 answer, and a
// 304 answer with a Compressible Content-Type, get the Vary field (and
// the 304 the weak ETag) the full answer would have had (RFC 9110
// 15.3.7, 15.4.5).
//
// When the client accepts no offered coding, not even identity,
// Handler sends identity anyway, as RFC 9110 12.5.3 allows; a server
// that prefers 406 calls Negotiate itself.
//
// The middleware's ResponseWriter implements io.ReaderFrom: an
// answer that is not compressed is handed to the server's ReadFrom
// (so a file with a declared Content-Length is still sent with
// sendfile(2)); a compressed one is read through the encoder.
// Flush flushes the encoder (a sync flush: the client can decode all
// that was written) and then the server's writer.
//
// If next panics, the middleware writes nothing more (no end of
// stream), so the server's recovery sees the response as next left
// it, and a client never takes a cut compressed body for a whole one.
//
// Cost: the request's Accept-Encoding is parsed without allocating,
// and encoders come from pools. If next is a wharf.RequestReleaser, so
// is the returned Handler, and it keeps the promise: its per-request
// state is pooled too, so an answer that is not compressed costs no
// allocation at all. Otherwise that state is allocated for each
// request (one small object), since a handler that has not promised
// to let go of its ResponseWriter may still hold it after returning.
// The returned Handler is safe for concurrent use.
func Handler(next wharf.Handler, cfg Config) wharf.Handler {
	h := &handler{
		next:    next,
		cfg:     cfg,
		offered: cfg.offered(),
		minSize: cfg.minSize(),
	}
	if _, ok := next.(wharf.RequestReleaser); ok {
		h.reuse = true
		return releasingHandler{h}
	}
	return h
}

// handler is the middleware. Its fields are immutable after Handler
// returns; the pools are safe for concurrent use.
type handler struct {
	next    wharf.Handler
	cfg     Config
	offered Set
	minSize int       // 0: compress any size
	reuse   bool      // next is a RequestReleaser: responseWriters are pooled
	writers sync.Pool // idle *responseWriter (only when reuse)
	bufs    sync.Pool // *[]byte of capacity minSize, for held-back bodies
}

// releasingHandler is a handler whose next is a RequestReleaser.
type releasingHandler struct{ *handler }

// ReleasesRequest implements wharf.RequestReleaser: ServeHTTP keeps
// neither the request nor the ResponseWriter past its return (its own
// wrapper goes back to a pool only then), if next keeps neither.
func (releasingHandler) ReleasesRequest() {}

func (h *handler) ServeHTTP(w wharf.ResponseWriter, r *wharf.Request) {
	enc, _ := Negotiate(r.Header, h.offered)
	var cw *responseWriter
	if h.reuse {
		cw, _ = h.writers.Get().(*responseWriter)
	}
	if cw == nil {
		cw = new(responseWriter)
	}
	cw.rw, cw.h, cw.enc, cw.isHead = w, h, enc, r.Method == "HEAD"
	// No defer: if next panics, cw is dropped as it is (see Handler).
	h.next.ServeHTTP(cw, r)
	cw.finish()
	if h.reuse {
		*cw = responseWriter{}
		h.writers.Put(cw)
	}
}

// getBuf returns an empty buffer of capacity h.minSize.
func (h *handler) getBuf() *[]byte {
	if b, _ := h.bufs.Get().(*[]byte); b != nil {
		return b
	}
	b := make([]byte, 0, h.minSize)
	return &b
}

func (h *handler) putBuf(b *[]byte) {
	*b = (*b)[:0]
	h.bufs.Put(b)
}
