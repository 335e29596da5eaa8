package compress

// An Encoding is an HTTP content coding (RFC 9110 8.4.1), or Identity,
// the absence of one. The zero value is Identity.
type Encoding uint8

// The encodings this package knows. Their order is also the reverse of
// the server's preference when a client weighs several equally (see
// Negotiate).
const (
	Identity Encoding = iota // no coding: the representation as it is
	Gzip                     // "gzip" (RFC 1952; RFC 9110 8.4.1.3)
	Zstd                     // "zstd" (RFC 8878, windows up to 8 MB: RFC 9659)
	Brotli                   // "br" (RFC 7932)
)

// String returns the content-coding token as sent in Content-Encoding:
// "identity", "gzip", "zstd" or "br" ("" for an unknown value).
func (e Encoding) String() string {
	switch e {
	case Identity:
		return "identity"
	case Gzip:
		return "gzip"
	case Zstd:
		return "zstd"
	case Brotli:
		return "br"
	}
	return ""
}

// Ext returns the suffix of a precompressed sidecar file: "" for
// Identity, ".gz", ".zst" or ".br" (the suffixes of the gzip, zstd and
// brotli command-line tools, which nginx's gzip_static and brotli_static
// also look for). It returns "" for an unknown value.
func (e Encoding) Ext() string {
	switch e {
	case Gzip:
		return ".gz"
	case Zstd:
		return ".zst"
	case Brotli:
		return ".br"
	}
	return ""
}

// valid reports whether e is one of the four known encodings.
func (e Encoding) valid() bool { return e <= Brotli }

// A Set is a set of encodings: bit 1<<e stands for e. The zero value is
// the empty set. Identity may be a member, but the functions of this
// package that take a Set of offered codings always consider Identity
// anyway, so its bit makes no difference to them.
type Set uint8

// All is the set of every content coding this package can produce.
const All Set = 1<<Gzip | 1<<Zstd | 1<<Brotli

// Has reports whether e is in s.
func (s Set) Has(e Encoding) bool { return e.valid() && s&(1<<e) != 0 }

// SetOf returns the set of the given encodings. Unknown values are left
// out.
func SetOf(es ...Encoding) Set {
	var s Set
	for _, e := range es {
		if e.valid() {
			s |= 1 << e
		}
	}
	return s
}
