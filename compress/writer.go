package compress

import (
	"io"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// A Writer is a streaming compressor: what is written to it is
// compressed and written to the io.Writer given to NewWriter. Writers
// (and the encoders in them) are pooled: in steady state NewWriter
// allocates nothing, and a stream costs at most a few small
// allocations inside the encoder (zstd's checksum write).
//
// A Writer is not safe for concurrent use. It must not be used after
// Close, which hands it back to the pool (another goroutine may be
// using it by then).
type Writer struct {
	enc  encoder       // nil for Identity
	sink sink          // the destination; enc writes here
	pool *sync.Pool    // where Close returns the Writer
	wbuf [8 << 10]byte // WriteString's and ReadFrom's copy buffer
	e    Encoding      // immutable
}

// encoder is what gzip.Writer, zstd.Encoder and brotli.Writer share.
type encoder interface {
	io.Writer
	Flush() error
	Close() error
	Reset(io.Writer)
}

// sink is the io.Writer an encoder is built around, so that the
// destination can change (and be dropped at Close, so that a pooled
// Writer keeps no response alive) without resetting the encoder.
type sink struct{ w io.Writer }

func (s *sink) Write(p []byte) (int, error) {
	if s.w == nil {
		return 0, errClosed
	}
	return s.w.Write(p)
}

// The windows of the streaming encoders. A window bounds the memory a
// pooled encoder holds (and a client needs to decode); beyond a few
// hundred KB it gains little on web content.
const (
	streamZstdWindow  = 1 << 19 // 512 KB
	streamBrotliLGWin = 19      // 512 KB
)

// pools holds idle Writers by encoding and level (see Config.level).
var pools [Brotli + 1][12]sync.Pool

// NewWriter returns a Writer that compresses with e at c's level for
// e and writes to w. c may be nil, which is the zero Config. Identity
// gives a Writer that copies to w as it is. e must be Identity, Gzip,
// Zstd or Brotli: NewWriter panics on any other value, a programming
// error like an index out of range.
//
// NewWriter is safe for concurrent use. Nothing is written to w before
// the first Write, Flush or Close.
func (c *Config) NewWriter(w io.Writer, e Encoding) *Writer {
	if !e.valid() {
		panic("compress: NewWriter with an unknown Encoding")
	}
	level := c.level(e)
	p := &pools[e][level]
	zw, _ := p.Get().(*Writer)
	if zw == nil {
		zw = newWriter(e, level)
		zw.pool = p
	} else if zw.enc != nil {
		zw.enc.Reset(&zw.sink)
	}
	zw.sink.w = w
	return zw
}

// newWriter makes a Writer for e at level (as Config.level gives it).
func newWriter(e Encoding, level int) *Writer {
	zw := &Writer{e: e}
	switch e {
	case Gzip:
		gw, err := gzip.NewWriterLevel(&zw.sink, level)
		if err != nil {
			panic("compress: " + err.Error()) // unreachable: level is in range
		}
		zw.enc = gw
	case Zstd:
		zs, err := zstd.NewWriter(&zw.sink,
			zstd.WithEncoderLevel(zstd.EncoderLevel(level)),
			zstd.WithEncoderConcurrency(1), // no goroutines: one stream, one encoder
			zstd.WithWindowSize(streamZstdWindow),
			zstd.WithLowerEncoderMem(true))
		if err != nil {
			panic("compress: " + err.Error()) // unreachable: the options are valid
		}
		zw.enc = zs
	case Brotli:
		zw.enc = brotli.NewWriterOptions(&zw.sink, brotli.WriterOptions{
			Quality: level,
			LGWin:   streamBrotliLGWin,
		})
	}
	return zw
}

// zstdSpeed maps a level on zstd's scale (1-22) to the nearest speed
// of klauspost/compress, as zstd.EncoderLevelFromZstd does.
func zstdSpeed(level int) zstd.EncoderLevel {
	return zstd.EncoderLevelFromZstd(level)
}

// Encoding returns the coding w writes.
func (w *Writer) Encoding() Encoding { return w.e }

// Write compresses p. Compressed bytes reach the destination when the
// encoder's block fills, on Flush, and on Close.
func (w *Writer) Write(p []byte) (int, error) {
	if w.enc == nil {
		return w.sink.Write(p)
	}
	return w.enc.Write(p)
}

// WriteString is Write for a string, without converting s to a []byte
// (which would allocate): it copies s through a buffer of the Writer.
func (w *Writer) WriteString(s string) (int, error) {
	if w.enc == nil {
		if w.sink.w == nil {
			return 0, errClosed
		}
		return io.WriteString(w.sink.w, s)
	}
	n := 0
	for len(s) > 0 {
		k := copy(w.wbuf[:], s)
		m, err := w.enc.Write(w.wbuf[:k])
		n += m
		if err != nil {
			return n, err
		}
		s = s[k:]
	}
	return n, nil
}

// ReadFrom compresses what it reads from src until io.EOF, reading
// into a buffer of the Writer (io.Copy to a Writer uses it, and so
// allocates nothing). It returns the number of bytes read, and the
// first error other than io.EOF of src or of the destination.
func (w *Writer) ReadFrom(src io.Reader) (int64, error) {
	var total int64
	for {
		n, err := src.Read(w.wbuf[:])
		if n > 0 {
			m, werr := w.Write(w.wbuf[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// Flush writes to the destination everything needed to decode all
// that was written so far (a sync flush; the stream stays open). It
// does not flush the destination itself. Flushing often costs
// compression: use it for streams a client must see as they come.
func (w *Writer) Flush() error {
	if w.enc == nil {
		if w.sink.w == nil {
			return errClosed
		}
		return nil
	}
	return w.enc.Flush()
}

// Close writes the end of the stream (with its checksum) to the
// destination, and returns w to the pool: w must not be used
// afterwards. The error is the first the destination returned, if any.
func (w *Writer) Close() error {
	if w.sink.w == nil {
		return errClosed // closed twice: must not be pooled twice
	}
	var err error
	if w.enc != nil {
		err = w.enc.Close()
	}
	w.sink.w = nil
	w.pool.Put(w)
	return err
}

// abandon returns w to the pool without finishing the stream (after a
// failed write, or when nothing must reach the destination anymore).
func (w *Writer) abandon() {
	w.sink.w = nil
	w.pool.Put(w)
}
