package compress

// Defaults for the zero fields of Config. The package documentation
// says how they were chosen.
const (
	// DefaultMinSize is the smallest body compressed by default.
	DefaultMinSize = 1024

	// DefaultGzipLevel is the streaming gzip level (1-9).
	DefaultGzipLevel = 5

	// DefaultZstdLevel is the streaming zstd level, on zstd's own
	// scale (1-22).
	DefaultZstdLevel = 3

	// DefaultBrotliLevel is the streaming brotli quality (1-11).
	DefaultBrotliLevel = 4
)

// Config configures the middleware (Handler) and the streaming
// encoders (NewWriter). Its zero value is valid: every zero field
// takes the default named beside it. A Config is only read, so one may
// be shared by any number of goroutines once it is no longer changed.
type Config struct {
	// Encodings is the set of codings offered to clients; 0 means All.
	// Identity is always acceptable and need not be listed.
	Encodings Set

	// MinSize is the smallest body, in bytes, that is compressed:
	// smaller ones are sent as they are. 0 means DefaultMinSize; a
	// negative value compresses every body, however small. When the
	// handler declares no Content-Length, the middleware holds back up
	// to MinSize bytes of the body to learn whether it reaches MinSize.
	MinSize int

	// The levels of the streaming encoders (NewWriter, Handler); 0
	// means the default. Out-of-range values are clamped to the
	// encoder's range. Encode, which compresses for a cache, ignores
	// them and uses its own strong levels.
	GzipLevel   int // 1 (fastest) to 9; 0 means DefaultGzipLevel
	ZstdLevel   int // zstd's scale, 1 to 22; 0 means DefaultZstdLevel
	BrotliLevel int // 1 to 11; 0 means DefaultBrotliLevel
}

// offered returns the codings c offers.
func (c *Config) offered() Set {
	if c == nil || c.Encodings&All == 0 {
		return All
	}
	return c.Encodings & All
}

// minSize returns the effective MinSize (0: compress everything).
func (c *Config) minSize() int {
	switch {
	case c == nil || c.MinSize == 0:
		return DefaultMinSize
	case c.MinSize < 0:
		return 0
	}
	return c.MinSize
}

// level returns the effective streaming level of e: the gzip level
// (1-9), the klauspost/compress zstd.EncoderLevel (1-4) or the brotli
// quality (1-11); 0 for Identity.
func (c *Config) level(e Encoding) int {
	var l int
	switch e {
	case Gzip:
		if c != nil {
			l = c.GzipLevel
		}
		return clampLevel(l, DefaultGzipLevel, 1, 9)
	case Zstd:
		if c != nil {
			l = c.ZstdLevel
		}
		return int(zstdSpeed(clampLevel(l, DefaultZstdLevel, 1, 22)))
	case Brotli:
		if c != nil {
			l = c.BrotliLevel
		}
		return clampLevel(l, DefaultBrotliLevel, 1, 11)
	}
	return 0
}

func clampLevel(l, def, lo, hi int) int {
	if l == 0 {
		return def
	}
	return min(max(l, lo), hi)
}
