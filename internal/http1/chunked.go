package http1

import "math"

// DefaultMaxTrailerBytes is the trailer-section limit of a ChunkedDecoder
// whose MaxTrailerBytes is zero.
const DefaultMaxTrailerBytes = 4096

// maxChunkLine bounds a chunk-size line (size and extensions, without CRLF).
// Chunk extensions carry nothing this server uses, and an unbounded line is
// a way to make a server read forever without delivering body bytes.
const maxChunkLine = 4096

// maxChunkOverhead bounds how far chunk-size lines may outgrow the data
// they announce. Each chunk may spend 16 bytes plus twice its size on its
// chunk-size line for free; the excess accumulates, and beyond this many
// bytes the body is rejected. Like net/http's chunked reader (from which
// the rule is taken), this lets a client stream one byte per chunk but
// not send kilobytes of extensions per byte of data.
const maxChunkOverhead = 16 << 10

// Decoder states. The chunked coding is parsed one byte at a time outside
// chunk data, so that any split of the input gives the same result.
const (
	sSize          uint8 = iota // chunk-size: HEXDIG
	sSizeBWS                    // BWS after chunk-size, before ";"
	sExtName0                   // after ";": BWS then chunk-ext-name
	sExtName                    // in chunk-ext-name
	sExtNameBWS                 // BWS after chunk-ext-name: "=" or ";" next
	sExtVal0                    // after "=": BWS then token or quoted-string
	sExtTok                     // in a token chunk-ext-val
	sExtQuoted                  // in a quoted-string chunk-ext-val
	sExtQuotedPair              // after a backslash in a quoted-string
	sExtAfterQuote              // just after the closing DQUOTE
	sExtAfterVal                // BWS after a chunk-ext-val: ";" next
	sLineLF                     // CR of the chunk line seen, LF next
	sData                       // chunk-data
	sDataCR                     // CRLF after chunk-data: CR next
	sDataLF                     // CRLF after chunk-data: LF next
	sTrailerStart               // start of a trailer line (or the final CRLF)
	sTrailerName                // in a trailer field-name
	sTrailerValue               // in a trailer field-value
	sTrailerLF                  // CR of a trailer line seen, LF next
	sEndLF                      // CR of the final CRLF seen, LF next
	sDone                       // the chunked body is complete
	sErr                        // an error was returned; it is returned again
)

// ChunkedDecoder decodes a chunked message body (RFC 9112 7.1)
// incrementally: feed it the bytes that follow the head, in pieces of any
// size, and it copies out the chunk data. Chunk extensions are checked
// against their grammar (RFC 9112 7.1.1) and ignored; trailer fields are
// checked like header fields and discarded (RFC 9112 7.1.2 allows that;
// nothing in them may change framing).
//
// The zero value is ready to use. A ChunkedDecoder is a small value with no
// references; it is not safe for concurrent use. Reset it before decoding
// another body.
type ChunkedDecoder struct {
	// MaxTrailerBytes bounds the trailer section, including its final
	// CRLF; 0 means DefaultMaxTrailerBytes. Exceeding it is a 431 error.
	MaxTrailerBytes int

	state  uint8
	digits uint8 // hex digits of chunk-size seen
	n      int64 // chunk-size being read, then data bytes left in the chunk
	line   int   // bytes of the current chunk line
	tbytes int   // bytes of the trailer section so far
	excess int64 // accumulated chunk-line overhead, see maxChunkOverhead
	err    *Error
}

// Reset makes d ready to decode a new body. MaxTrailerBytes is kept.
func (d *ChunkedDecoder) Reset() {
	*d = ChunkedDecoder{MaxTrailerBytes: d.MaxTrailerBytes}
}

// Decode decodes the chunked body in src, copying chunk data to dst. It
// returns how many bytes of dst it filled and how many bytes of src it
// consumed, and done once the last-chunk and the trailer section with its
// final CRLF have been consumed. Bytes of src after the end of the body
// (the next pipelined request) are not consumed.
//
// Decode stops when src is used up, when dst is full and src is at chunk
// data, or at the end of the body; a call with an empty dst still consumes
// chunk-size lines, CRLFs and trailers, so a caller can drain a body
// without copying it. It returns an *Error (400, or 431 for a trailer
// section larger than MaxTrailerBytes) when the body is malformed; the
// error is returned again by every later call, and the connection must be
// closed. After done, Decode returns (0, 0, true, nil).
//
// Decode never allocates.
func (d *ChunkedDecoder) Decode(dst, src []byte) (nDst, nSrc int, done bool, err error) {
	switch d.state {
	case sDone:
		return 0, 0, true, nil
	case sErr:
		return 0, 0, false, d.err
	}
	for nSrc < len(src) {
		if d.state == sData {
			k := len(src) - nSrc
			if room := len(dst) - nDst; room < k {
				k = room
			}
			if int64(k) > d.n {
				k = int(d.n)
			}
			if k == 0 {
				return nDst, nSrc, false, nil // dst is full
			}
			copy(dst[nDst:], src[nSrc:nSrc+k])
			nDst += k
			nSrc += k
			d.n -= int64(k)
			if d.n == 0 {
				d.state = sDataCR
			}
			continue
		}
		c := src[nSrc]
		nSrc++
		if e := d.step(c); e != nil {
			d.state, d.err = sErr, e
			return nDst, nSrc, false, e
		}
		if d.state == sDone {
			return nDst, nSrc, true, nil
		}
	}
	return nDst, nSrc, false, nil
}

func isWS(c byte) bool { return c == ' ' || c == '\t' }

// step advances the state machine over one byte outside chunk data.
//
//	chunked-body   = *chunk last-chunk trailer-section CRLF
//	chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//	chunk-size     = 1*HEXDIG
//	last-chunk     = 1*("0") [ chunk-ext ] CRLF
//	chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//	chunk-ext-val  = token / quoted-string
//	trailer-section = *( field-line CRLF )
func (d *ChunkedDecoder) step(c byte) *Error {
	if d.state <= sLineLF {
		d.line++
		if d.line > maxChunkLine+2 {
			return errChunkLineLong
		}
	}
	if d.state >= sTrailerStart {
		d.tbytes++
		max := d.MaxTrailerBytes
		if max <= 0 {
			max = DefaultMaxTrailerBytes
		}
		if d.tbytes > max {
			return errTrailerTooLarge
		}
	}
	switch d.state {
	case sSize:
		if v, ok := unhex(c); ok {
			// More than 16 digits, or a size beyond int64: no body can be
			// that large, and the arithmetic must not wrap (RFC 9112 7.1:
			// "recipients MUST anticipate potentially large hexadecimal
			// numerals and prevent parsing errors due to integer
			// conversion overflows").
			d.digits++
			if d.digits > 16 || d.n > math.MaxInt64>>4 {
				return errChunkSizeTooBig
			}
			d.n = d.n<<4 | int64(v)
			return nil
		}
		if d.digits == 0 {
			return errChunkSize
		}
		switch {
		case c == ';':
			d.state = sExtName0
		case isWS(c):
			d.state = sSizeBWS
		case c == '\r':
			d.state = sLineLF
		default:
			return errChunkSize
		}
	case sSizeBWS:
		// BWS is only allowed before a ";" (RFC 9112 7.1.1); "a \r\n" and
		// "2 junk" are errors.
		switch {
		case isWS(c):
		case c == ';':
			d.state = sExtName0
		default:
			return errChunkSize
		}
	case sExtName0:
		switch {
		case isWS(c):
		case IsTokenChar(c):
			d.state = sExtName
		default:
			return errChunkExt
		}
	case sExtName:
		switch {
		case IsTokenChar(c):
		case isWS(c):
			d.state = sExtNameBWS
		case c == '=':
			d.state = sExtVal0
		case c == ';':
			d.state = sExtName0
		case c == '\r':
			d.state = sLineLF
		default:
			return errChunkExt
		}
	case sExtNameBWS:
		switch {
		case isWS(c):
		case c == '=':
			d.state = sExtVal0
		case c == ';':
			d.state = sExtName0
		default:
			return errChunkExt
		}
	case sExtVal0:
		switch {
		case isWS(c):
		case c == '"':
			d.state = sExtQuoted
		case IsTokenChar(c):
			d.state = sExtTok
		default:
			return errChunkExt
		}
	case sExtTok:
		switch {
		case IsTokenChar(c):
		case isWS(c):
			d.state = sExtAfterVal
		case c == ';':
			d.state = sExtName0
		case c == '\r':
			d.state = sLineLF
		default:
			return errChunkExt
		}
	case sExtQuoted:
		// quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
		// (RFC 9110 5.6.4)
		switch {
		case c == '"':
			d.state = sExtAfterQuote
		case c == '\\':
			d.state = sExtQuotedPair
		case charClass[c]&cQdtext != 0:
		default:
			return errChunkExt
		}
	case sExtQuotedPair:
		// quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
		if charClass[c]&cValue == 0 {
			return errChunkExt
		}
		d.state = sExtQuoted
	case sExtAfterQuote:
		switch {
		case c == ';':
			d.state = sExtName0
		case isWS(c):
			d.state = sExtAfterVal
		case c == '\r':
			d.state = sLineLF
		default:
			return errChunkExt
		}
	case sExtAfterVal:
		switch {
		case isWS(c):
		case c == ';':
			d.state = sExtName0
		default:
			return errChunkExt
		}
	case sLineLF:
		if c != '\n' {
			return errChunkLineEnd
		}
		d.excess += int64(d.line) - 16 - 2*min(d.n, maxChunkOverhead)
		if d.excess < 0 {
			d.excess = 0
		}
		if d.excess > maxChunkOverhead {
			return errChunkOverhead
		}
		d.line, d.digits = 0, 0
		if d.n == 0 {
			d.state = sTrailerStart // last-chunk
		} else {
			d.state = sData
		}
	case sDataCR:
		if c != '\r' {
			return errChunkDataCRLF
		}
		d.state = sDataLF
	case sDataLF:
		if c != '\n' {
			return errChunkDataCRLF
		}
		d.state = sSize
	case sTrailerStart:
		switch {
		case c == '\r':
			d.state = sEndLF
		case IsTokenChar(c):
			d.state = sTrailerName
		default:
			// An empty name, obs-fold (RFC 9112 5.2), bare LF...
			return errTrailerField
		}
	case sTrailerName:
		switch {
		case IsTokenChar(c):
		case c == ':':
			d.state = sTrailerValue
		default:
			return errTrailerField // includes whitespace before ":" (RFC 9112 5.1)
		}
	case sTrailerValue:
		switch {
		case c == '\r':
			d.state = sTrailerLF
		case charClass[c]&cValue != 0:
		default:
			return errTrailerField
		}
	case sTrailerLF:
		if c != '\n' {
			return errTrailerField
		}
		d.state = sTrailerStart
	case sEndLF:
		if c != '\n' {
			return errChunkLineEnd
		}
		d.state = sDone
	}
	return nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
