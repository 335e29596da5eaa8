package compress

import (
	"bytes"
	"io"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// decode decodes a whole stream of coding e.
func decode(t testing.TB, e Encoding, b []byte) []byte {
	t.Helper()
	out, err := io.ReadAll(decoder(t, e, bytes.NewReader(b)))
	if err != nil {
		t.Fatalf("decoding %v: %v", e, err)
	}
	return out
}

// decoder returns a reader decoding coding e from r. A zstd decoder is
// closed when the test ends (it may own goroutines).
func decoder(t testing.TB, e Encoding, r io.Reader) io.Reader {
	t.Helper()
	switch e {
	case Identity:
		return r
	case Gzip:
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatalf("gzip.NewReader: %v", err)
		}
		return zr
	case Zstd:
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			t.Fatalf("zstd.NewReader: %v", err)
		}
		t.Cleanup(zr.Close)
		return zr
	case Brotli:
		return brotli.NewReader(r)
	}
	t.Fatalf("no decoder for %v", e)
	return nil
}

// text returns n bytes of compressible, not quite repetitive text.
func text(n int) []byte {
	var b []byte
	for i := 0; len(b) < n; i++ {
		b = append(b, "<p>Line "...)
		b = append(b, byte('0'+i%10), byte('0'+i/10%10), byte('0'+i/100%10))
		b = append(b, " of the wharf test page: the quick brown fox jumps over the lazy dog.</p>\n"...)
	}
	return b[:n]
}

var codings = []Encoding{Gzip, Zstd, Brotli}

func TestEncodeRoundTrip(t *testing.T) {
	for _, e := range append([]Encoding{Identity}, codings...) {
		for _, n := range []int{0, 1, 100, 64 << 10, encodeBrotliMax + 1, 1 << 20} {
			src := text(n)
			prefix := []byte("prefix")
			out, err := Encode(bytes.Clone(prefix), e, src)
			if err != nil {
				t.Fatalf("Encode(%v, %d bytes): %v", e, n, err)
			}
			if !bytes.HasPrefix(out, prefix) {
				t.Fatalf("Encode(%v, %d bytes) did not append to dst", e, n)
			}
			got := decode(t, e, out[len(prefix):])
			if !bytes.Equal(got, src) {
				t.Fatalf("Encode(%v, %d bytes): round trip gave %d different bytes", e, n, len(got))
			}
			if e != Identity && n >= 64<<10 && len(out)-len(prefix) > n/5 {
				t.Errorf("Encode(%v, %d bytes) = %d bytes: compresses poorly", e, n, len(out)-len(prefix))
			}
		}
	}
	if _, err := Encode(nil, Brotli+1, []byte("x")); err == nil {
		t.Error("Encode with an unknown Encoding: no error")
	}
}

// The zstd window stays within what browsers accept (RFC 9659): 8 MB.
func TestEncodeZstdWindow(t *testing.T) {
	src := text(9 << 20)
	out, err := Encode(nil, Zstd, src)
	if err != nil {
		t.Fatal(err)
	}
	var h zstd.Header
	if err := h.Decode(out); err != nil {
		t.Fatal(err)
	}
	if h.WindowSize > 8<<20 {
		t.Errorf("zstd window %d, want at most 8 MB", h.WindowSize)
	}
	if got := decode(t, Zstd, out); !bytes.Equal(got, src) {
		t.Error("round trip failed")
	}
}

func TestWriterRoundTrip(t *testing.T) {
	for _, e := range append([]Encoding{Identity}, codings...) {
		for _, cfg := range []*Config{nil, {}, {GzipLevel: 1, ZstdLevel: 1, BrotliLevel: 1}, {GzipLevel: 99, ZstdLevel: 99, BrotliLevel: 99}, {GzipLevel: -5}} {
			for range 2 { // the second time from the pool
				var dst bytes.Buffer
				w := cfg.NewWriter(&dst, e)
				if w.Encoding() != e {
					t.Fatalf("Encoding() = %v, want %v", w.Encoding(), e)
				}
				src := text(200 << 10)
				w.Write(src[:1000])
				w.WriteString(string(src[1000:50000]))
				if _, err := w.ReadFrom(struct{ io.Reader }{bytes.NewReader(src[50000:])}); err != nil {
					t.Fatal(err)
				}
				if err := w.Close(); err != nil {
					t.Fatalf("Close: %v", err)
				}
				if got := decode(t, e, dst.Bytes()); !bytes.Equal(got, src) {
					t.Fatalf("%v %+v: round trip failed", e, cfg)
				}
				if err := w.Close(); err == nil {
					t.Fatal("second Close: no error")
				}
			}
		}
	}
}

// After Flush, everything written so far can be decoded.
func TestWriterFlush(t *testing.T) {
	for _, e := range codings {
		t.Run(e.String(), func(t *testing.T) {
			pr, pw := io.Pipe()
			w := (*Config)(nil).NewWriter(pw, e)
			done := make(chan error, 1)
			go func() {
				defer pw.Close()
				for i := range 3 {
					if _, err := w.Write(text(100 + i)); err != nil {
						done <- err
						return
					}
					if err := w.Flush(); err != nil {
						done <- err
						return
					}
				}
				done <- w.Close()
			}()
			zr := decoder(t, e, pr) // gzip reads its header here
			for i := range 3 {
				// Reading blocks until the flushed bytes arrive: a
				// Flush that kept them back would hang here.
				got := make([]byte, 100+i)
				if _, err := io.ReadFull(zr, got); err != nil {
					t.Fatalf("read %d: %v", i, err)
				}
				if !bytes.Equal(got, text(100+i)) {
					t.Fatalf("read %d: wrong bytes", i)
				}
			}
			if rest, err := io.ReadAll(zr); err != nil || len(rest) != 0 {
				t.Fatalf("after the flushed parts: %d bytes, %v", len(rest), err)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A pooled Writer costs no allocation in steady state (zstd's Close
// allocates its 4-byte checksum).
func TestWriterAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	src := text(32 << 10)
	for _, e := range append([]Encoding{Identity}, codings...) {
		limit := 0.0
		if e == Zstd {
			limit = 1
		}
		allocs := testing.AllocsPerRun(50, func() {
			w := (*Config)(nil).NewWriter(io.Discard, e)
			w.Write(src)
			w.Close()
		})
		if allocs > limit {
			t.Errorf("%v: %.1f allocations per stream, want at most %v", e, allocs, limit)
		}
	}
}

func TestNewWriterUnknownPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	(&Config{}).NewWriter(io.Discard, Brotli+1)
}
