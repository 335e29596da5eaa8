package compress

import (
	"errors"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// The levels of Encode: strong, since its result is kept and served
// many times (see the package documentation for the measurements).
const (
	encodeGzipLevel   = gzip.BestCompression
	encodeZstdLevel   = zstd.SpeedBestCompression
	encodeBrotliLevel = brotli.BestCompression
	// Brotli 11 runs at about 0.5 MB/s: past encodeBrotliMax bytes
	// Encode uses quality 9 (about 10 MB/s, 5-10% larger), so that one
	// call costs at most a quarter second or so of CPU per MB.
	encodeBrotliLevelLarge = 9
	encodeBrotliMax        = 128 << 10
	// Brotli's window for Encode: its default at quality 11, 4 MB.
	encodeBrotliLGWin = 22
	// zstd's window for Encode: the most a browser accepts for the
	// "zstd" content coding (RFC 9659 3).
	encodeZstdWindow = 8 << 20
)

var errUnknownEncoding = errors.New("compress: unknown Encoding")

// Encode compresses src whole with e and appends the result to dst,
// returning the extended slice. It is meant for a cache of compressed
// files: it runs once per file version, so it uses strong levels (gzip
// 9, zstd "best", brotli 11, or 9 past 128 KB), several times slower
// than the streaming ones of Config: see the package documentation. Identity appends src as it is. An unknown e returns
// dst and an error; the encoders themselves cannot fail on a []byte.
//
// Encode is safe for concurrent use; its encoders are pooled, so in
// steady state it allocates little beyond growing dst.
func Encode(dst []byte, e Encoding, src []byte) ([]byte, error) {
	switch e {
	case Identity:
		return append(dst, src...), nil
	case Zstd:
		enc := zstdEncoders.Get().(*zstd.Encoder)
		dst = enc.EncodeAll(src, dst)
		zstdEncoders.Put(enc)
		return dst, nil
	case Gzip, Brotli:
		kind := encodeKind(e, len(src))
		zw, _ := encodePools[kind].Get().(*Writer)
		if zw == nil {
			zw = newEncodeWriter(kind)
		} else {
			zw.enc.Reset(&zw.sink)
		}
		out := appender{dst}
		zw.sink.w = &out
		_, err := zw.enc.Write(src)
		if cerr := zw.enc.Close(); err == nil {
			err = cerr
		}
		zw.sink.w = nil
		encodePools[kind].Put(zw)
		return out.b, err
	}
	return dst, errUnknownEncoding
}

// Encode's gzip and brotli encoders, by kind.
const (
	kindGzip = iota
	kindBrotli
	kindBrotliLarge
	numKinds
)

var encodePools [numKinds]sync.Pool

func encodeKind(e Encoding, n int) int {
	switch {
	case e == Gzip:
		return kindGzip
	case n <= encodeBrotliMax:
		return kindBrotli
	}
	return kindBrotliLarge
}

func newEncodeWriter(kind int) *Writer {
	if kind == kindGzip {
		zw := &Writer{e: Gzip}
		gw, err := gzip.NewWriterLevel(&zw.sink, encodeGzipLevel)
		if err != nil {
			panic("compress: " + err.Error()) // unreachable: the level is valid
		}
		zw.enc = gw
		return zw
	}
	q := encodeBrotliLevel
	if kind == kindBrotliLarge {
		q = encodeBrotliLevelLarge
	}
	zw := &Writer{e: Brotli}
	zw.enc = brotli.NewWriterOptions(&zw.sink, brotli.WriterOptions{Quality: q, LGWin: encodeBrotliLGWin})
	return zw
}

// zstdEncoders holds Encode's zstd encoders. EncodeAll on one encoder
// is safe for concurrent use, but it runs one call at a time per
// internal encoder; a pool gives each concurrent Encode its own and
// lets the GC reclaim them when idle.
var zstdEncoders = sync.Pool{New: func() any {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(encodeZstdLevel),
		zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(encodeZstdWindow))
	if err != nil {
		panic("compress: " + err.Error()) // unreachable: the options are valid
	}
	return enc
}}

// appender is an io.Writer that appends to a slice.
type appender struct{ b []byte }

func (a *appender) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}
