package http1

// Limits bounds the size of a request head. A zero (or negative) field means
// "use the value from DefaultLimits"; a nil *Limits means DefaultLimits.
type Limits struct {
	// MaxRequestLine is the largest request line accepted, in bytes,
	// excluding its CRLF. A longer line is answered with 414 URI Too Long
	// (RFC 9112 3: "A server that receives a request-target longer than any
	// URI it wishes to parse MUST respond with a 414"), as soon as the
	// bytes seen show that the line cannot end within the limit.
	MaxRequestLine int

	// MaxHeaderBytes is the largest head accepted, in bytes: any empty lines
	// before the request line, the request line, every field line and the
	// final CRLF, that is n as returned by ParseHead. A larger head is
	// answered with 431 Request Header Fields Too Large (RFC 6585 5), as soon
	// as the bytes seen show that the head cannot end within the limit.
	MaxHeaderBytes int

	// MaxFields is the largest number of field lines accepted; one more is
	// answered with 431.
	MaxFields int
}

// DefaultLimits are the limits used for zero fields of a Limits.
var DefaultLimits = Limits{MaxRequestLine: 8192, MaxHeaderBytes: 16384, MaxFields: 100}

func (l *Limits) resolve() (maxLine, maxHead, maxFields int) {
	maxLine, maxHead, maxFields = DefaultLimits.MaxRequestLine, DefaultLimits.MaxHeaderBytes, DefaultLimits.MaxFields
	if l != nil {
		if l.MaxRequestLine > 0 {
			maxLine = l.MaxRequestLine
		}
		if l.MaxHeaderBytes > 0 {
			maxHead = l.MaxHeaderBytes
		}
		if l.MaxFields > 0 {
			maxFields = l.MaxFields
		}
	}
	return
}

// TargetForm is the form of a request-target (RFC 9112 3.2).
type TargetForm uint8

const (
	OriginForm    TargetForm = iota // "/path?query" (RFC 9112 3.2.1)
	AbsoluteForm                    // "http://host/path?query" (RFC 9112 3.2.2)
	AuthorityForm                   // "host:port", CONNECT only (RFC 9112 3.2.3)
	AsteriskForm                    // "*", OPTIONS only (RFC 9112 3.2.4)
)

func (f TargetForm) String() string {
	switch f {
	case OriginForm:
		return "origin-form"
	case AbsoluteForm:
		return "absolute-form"
	case AuthorityForm:
		return "authority-form"
	case AsteriskForm:
		return "asterisk-form"
	}
	return "TargetForm(" + itoa3(int(f)) + ")"
}

// Field is one field line of a head. Name and Value are slices of the
// parser's input (Value without leading and trailing whitespace); they are
// valid only as long as that input is, and must be copied before the buffer
// is reused.
type Field struct {
	Name, Value []byte
}

// Head is a parsed request head. Every []byte in it is a slice of the input
// given to ParseHead (see Field), except where noted. After a successful
// ParseHead all fields are set; after an error their contents are
// unspecified. The zero value is ready to use, and a Head may be reused for
// the next request: ParseHead resets it and appends into Fields[:0], so a
// reused Head does not allocate.
type Head struct {
	Method []byte     // method token, case-sensitive (RFC 9110 9.1)
	Target []byte     // request-target as sent (RFC 9112 3.2)
	Form   TargetForm // form of Target

	// Path and Query are set for origin-form and absolute-form targets.
	// Path starts with "/" (for an absolute-form target with an empty path
	// it is "/", RFC 9112 3.2.4 / RFC 9110 4.2.3); Query is what follows
	// "?" (nil if there is no "?"). Neither is percent-decoded, but every
	// "%" in them is followed by two hex digits. A target with a fragment
	// ("#...") is refused with 400 (RFC 9112 3.2.1, 3.2.2), so neither
	// contains "#".
	Path, Query []byte

	// Host is the authority the request is for: the authority of an
	// absolute-form or authority-form target (RFC 9112 3.2.2: it overrides
	// the Host field), otherwise the Host field value (possibly empty),
	// or nil for an HTTP/1.0 request without Host. It has been checked to
	// be uri-host [ ":" port ] (RFC 9110 7.2), with a port, if it has
	// digits, in 1-65535 (an empty port means the default), but is not
	// lower-cased.
	Host []byte

	Minor  int     // HTTP minor version: 0 (HTTP/1.0) or 1 (HTTP/1.1)
	Fields []Field // all field lines, in order, including Host and the framing fields

	// ContentLength is the value of the Content-Length field, or -1 if
	// there is none (then the body is chunked if Chunked is set and empty
	// otherwise: a request has no read-until-close body, RFC 9112 6.3).
	ContentLength int64

	// Chunked is set when the final (and only) transfer coding is chunked
	// (RFC 9112 6.1); decode the body with a ChunkedDecoder.
	Chunked bool

	// Close is set when the connection must be closed after this exchange:
	// the request has "Connection: close" (RFC 9112 9.6), or it is HTTP/1.0
	// without "Connection: keep-alive" (RFC 9112 9.3). A server must not
	// process further requests on the connection (RFC 9112 9.6).
	Close bool

	// Expect100 is set for "Expect: 100-continue" in an HTTP/1.1 request
	// (RFC 9110 10.1.1; the expectation is ignored in HTTP/1.0 requests).
	// Any other expectation makes ParseHead fail with 417.
	Expect100 bool

	// Upgrade is set when an Upgrade field is present (RFC 9110 7.8). It
	// is only reported; a server may ignore it.
	Upgrade bool
}

func (h *Head) reset() {
	fields := h.Fields[:0]
	*h = Head{Fields: fields, ContentLength: -1}
}

// ParseHead parses the request head at the start of b: optional empty lines,
// the request line, the field lines and the empty line that ends them
// (RFC 9112 2.1). It stores the result in h and returns n, the length of
// the head: the body, if any, starts at b[n:].
//
// If b holds no complete head and nothing in it is malformed yet, ParseHead
// returns ErrNeedMore: call it again with b extended by the bytes read since
// (it re-parses from the start; that costs one pass over b). Otherwise it
// returns an *Error that says which status to answer with; the connection
// must then be closed (RFC 9112 9.6 and 11.2: once framing is in doubt, no
// further bytes can be trusted). Limits are enforced while the head is still
// incomplete, so a slow or endless head is rejected as early as possible.
//
// h must not be nil; lim may be nil (DefaultLimits). ParseHead checks
// syntax and framing only: it accepts any token as a method (see
// KnownMethod for the server's 501 policy).
//
// ParseHead is a pure function of its arguments: it does not allocate
// (beyond growing h.Fields when its capacity is too small), and it keeps no
// reference to b other than the slices stored in h.
func ParseHead(b []byte, lim *Limits, h *Head) (n int, err error) {
	maxLine, maxHead, maxFields := lim.resolve()
	h.reset()
	// Parsing only the first maxHead bytes makes the 431 check exact and
	// order-independent: whatever the parser sees within the limit decides,
	// and running out of bytes there means the head is too large.
	hb := b
	if len(hb) > maxHead {
		hb = hb[:maxHead]
	}
	n, err = parseHead(hb, maxLine, maxFields, h)
	if err == ErrNeedMore && len(b) >= maxHead {
		return 0, errHeaderTooLarge
	}
	if err != nil {
		return 0, err
	}
	return n, nil
}

// headState carries what the field lines said about framing until the end
// of the head, where the rules that involve more than one field are checked.
type headState struct {
	hosts      int
	hostValue  []byte
	clSeen     bool
	cl         int64
	te         teState
	upgrade    bool
	connClose  bool
	keepAlive  bool
	expect100  bool
	expectElse bool
}

func parseHead(b []byte, maxLine, maxFields int, h *Head) (int, error) {
	p := 0
	// RFC 9112 2.2: "a server that is expecting to receive and parse a
	// request-line SHOULD ignore at least one empty line (CRLF) received
	// prior to the request-line". Any number is ignored; they count
	// against MaxHeaderBytes, which bounds them.
	for {
		if p == len(b) {
			return 0, ErrNeedMore
		}
		if b[p] != '\r' {
			break
		}
		if p+1 == len(b) {
			return 0, ErrNeedMore
		}
		if b[p+1] != '\n' {
			return 0, errBareCR
		}
		p += 2
	}
	if b[p] == '\n' {
		return 0, errBareLF
	}

	p, err := parseRequestLine(b, p, maxLine, h)
	if err != nil {
		return 0, err
	}

	var st headState
	first := true
	for {
		if p == len(b) {
			return 0, ErrNeedMore
		}
		c := b[p]
		if c == '\r' {
			if p+1 == len(b) {
				return 0, ErrNeedMore
			}
			if b[p+1] != '\n' {
				return 0, errBareCR
			}
			p += 2
			break
		}
		if c == ' ' || c == '\t' {
			if first {
				// RFC 9112 2.2: whitespace between the start-line and the
				// first field line; rejecting is one of the two options.
				return 0, errLeadingSpace
			}
			// RFC 9112 5.2: a server MUST either reject obs-fold with 400
			// or replace it; strict servers reject.
			return 0, errObsFold
		}
		first = false

		// field-name = token (RFC 9110 5.1), immediately followed by ":"
		// (RFC 9112 5.1: no whitespace between name and colon, 400).
		q := p
		for q < len(b) && charClass[b[q]]&cToken != 0 {
			q++
		}
		if q == len(b) {
			return 0, ErrNeedMore
		}
		if b[q] != ':' || q == p {
			switch b[q] {
			case ' ', '\t':
				if q > p {
					return 0, errSpaceBeforeColon
				}
			case '\n':
				return 0, errBareLF
			}
			return 0, errFieldName
		}
		name := b[p:q]

		// field-value with OWS around it (RFC 9112 5, RFC 9110 5.5).
		v := q + 1
		for v < len(b) && (b[v] == ' ' || b[v] == '\t') {
			v++
		}
		r := v
		for r+8 <= len(b) && valueFast8(load8(b, r)) {
			r += 8
		}
		for r < len(b) && charClass[b[r]]&cValue != 0 {
			r++
		}
		if r == len(b) {
			return 0, ErrNeedMore
		}
		if b[r] != '\r' {
			if b[r] == '\n' {
				return 0, errBareLF // RFC 9112 2.2, see doc.go
			}
			// NUL and other CTLs (RFC 9110 5.5: field-vchar, and "a
			// recipient of CR, LF, or NUL within a field value MUST either
			// reject the message or replace each").
			return 0, errFieldValue
		}
		if r+1 == len(b) {
			return 0, ErrNeedMore
		}
		if b[r+1] != '\n' {
			return 0, errBareCR // RFC 9112 2.2: bare CR is invalid
		}
		e := r
		for e > v && (b[e-1] == ' ' || b[e-1] == '\t') {
			e--
		}
		value := b[v:e]
		if len(h.Fields) >= maxFields {
			return 0, errTooManyFields
		}
		h.Fields = append(h.Fields, Field{Name: name, Value: value})
		if err := st.field(name, value); err != nil {
			return 0, err
		}
		p = r + 2
	}

	if err := st.finish(h); err != nil {
		return 0, err
	}
	return p, nil
}

// field records what a field line means for framing and connection
// management. Errors that one field line alone proves are returned at once.
func (st *headState) field(name, value []byte) error {
	switch len(name) {
	case 4:
		if equalFold(name, "host") {
			// RFC 9112 3.2: a server MUST respond with 400 to a request
			// with more than one Host field line or an invalid Host value.
			// The port is held to the same range as a request-target's
			// (1-65535, see checkHostPort): the Host field and an
			// absolute-form authority name the same thing (RFC 9110 7.2).
			st.hosts++
			if st.hosts > 1 {
				return errDuplicateHost
			}
			if !validHostPort(value, false) {
				return errInvalidHost
			}
			st.hostValue = value
		}
	case 6:
		if equalFold(name, "expect") {
			st.expect(value)
		}
	case 7:
		if equalFold(name, "upgrade") {
			st.upgrade = true // RFC 9110 7.8
		}
	case 10:
		if equalFold(name, "connection") {
			// RFC 9110 7.6.1: Connection = #connection-option; options
			// are case-insensitive tokens.
			if HasToken(value, "close") {
				st.connClose = true
			}
			if HasToken(value, "keep-alive") {
				st.keepAlive = true
			}
		}
	case 14:
		if equalFold(name, "content-length") {
			if st.clSeen {
				// RFC 9112 6.3 (item 5): differing or repeated
				// Content-Length is unrecoverable; we do not merge even
				// identical repeats (RFC 9110 8.6 allows, not requires it).
				return errDuplicateCL
			}
			st.clSeen = true
			return st.contentLength(value)
		}
	case 17:
		if equalFold(name, "transfer-encoding") {
			return st.te.add(value)
		}
	}
	return nil
}

// expect records an Expect field (RFC 9110 10.1.1): Expect = #expectation;
// the only expectation defined is "100-continue", compared
// case-insensitively.
func (st *headState) expect(v []byte) {
	for len(v) > 0 {
		var elem []byte
		if i := indexComma(v); i >= 0 {
			elem, v = v[:i], v[i+1:]
		} else {
			elem, v = v, nil
		}
		elem = trimOWS(elem)
		switch {
		case len(elem) == 0:
			// RFC 9110 5.6.1: empty list elements are ignored.
		case equalFold(elem, "100-continue"):
			st.expect100 = true
		default:
			st.expectElse = true
		}
	}
}

// finish applies the rules that involve the whole head and fills in h.
func (st *headState) finish(h *Head) error {
	// RFC 9112 3.2: "A server MUST respond with a 400 (Bad Request) status
	// code to any HTTP/1.1 request message that lacks a Host header field".
	if h.Minor == 1 && st.hosts == 0 {
		return errMissingHost
	}
	if h.Host == nil {
		// RFC 9112 3.2.2: an absolute-form (or authority-form) target
		// overrides Host; otherwise the Host field names the authority.
		h.Host = st.hostValue
	}
	if st.te.seen {
		if err := st.te.check(st.clSeen, h.Minor); err != nil {
			return err
		}
		h.Chunked = true
	} else if st.clSeen {
		h.ContentLength = st.cl
	}
	h.Upgrade = st.upgrade
	// RFC 9110 10.1.1: an expectation the server cannot meet gets 417; a
	// 100-continue in an HTTP/1.0 request MUST be ignored.
	if st.expectElse {
		return errExpectation
	}
	h.Expect100 = st.expect100 && h.Minor == 1
	// RFC 9112 9.3 and 9.6: HTTP/1.1 is persistent unless "close" is
	// present; HTTP/1.0 only with "keep-alive".
	h.Close = st.connClose || (h.Minor == 0 && !st.keepAlive)
	return nil
}
