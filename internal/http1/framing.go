package http1

import "math"

// contentLength parses a Content-Length value (RFC 9110 8.6:
// Content-Length = 1*DIGIT). Leading zeros are allowed; anything else (an
// empty value, a sign, whitespace inside, a list such as "5, 5", or a value
// that overflows int64) is an unrecoverable framing error (RFC 9112 6.3,
// item 5), answered with 400.
func (st *headState) contentLength(v []byte) error {
	if len(v) == 0 {
		return errContentLength
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return errContentLength
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return errContentLength
		}
		n = n*10 + d
	}
	st.cl = n
	return nil
}

// teState accumulates the Transfer-Encoding field lines of a head. Several
// lines combine into one list, in order (RFC 9110 5.3).
type teState struct {
	seen        bool // a Transfer-Encoding field line was present
	chunked     int  // how many times "chunked" was listed
	lastChunked bool // the last coding listed so far is "chunked"
	other       bool // a coding other than chunked was listed
	chunkedArgs bool // "chunked" had parameters
}

// add parses one Transfer-Encoding value (RFC 9112 6.1:
// Transfer-Encoding = #transfer-coding; RFC 9110 10.1.4: transfer-coding =
// token *( OWS ";" OWS transfer-parameter )). Coding names are
// case-insensitive. Empty list elements are ignored (RFC 9110 5.6.1).
func (t *teState) add(v []byte) error {
	t.seen = true
	for len(v) > 0 {
		var elem []byte
		if i := indexComma(v); i >= 0 {
			elem, v = v[:i], v[i+1:]
		} else {
			elem, v = v, nil
		}
		elem = trimOWS(elem)
		if len(elem) == 0 {
			continue
		}
		i := 0
		for i < len(elem) && charClass[elem[i]]&cToken != 0 {
			i++
		}
		if i == 0 {
			return errTESyntax
		}
		name, params := elem[:i], trimOWS(elem[i:])
		if len(params) > 0 && params[0] != ';' {
			return errTESyntax
		}
		if equalFold(name, "chunked") {
			t.chunked++
			t.lastChunked = true
			if len(params) > 0 {
				t.chunkedArgs = true // chunked takes no parameters (RFC 9112 7.1)
			}
		} else {
			t.other = true
			t.lastChunked = false
		}
	}
	return nil
}

// check applies the framing rules of RFC 9112 6.1 and 6.3 once the whole
// head has been read. The order matters only for which status is answered;
// every failure is fatal to the connection.
func (t *teState) check(hasContentLength bool, minor int) error {
	switch {
	case hasContentLength:
		// RFC 9112 6.1: "A server MAY reject a request that contains both
		// Content-Length and Transfer-Encoding or process such a request
		// in accordance with the Transfer-Encoding alone"; it is the
		// classic request-smuggling vector, so we reject.
		return errCLAndTE
	case minor == 0:
		// RFC 9112 6.1: a Transfer-Encoding in an HTTP/1.0 message means
		// the framing is faulty.
		return errTEHTTP10
	case !t.lastChunked:
		// RFC 9112 6.3 (item 4): if chunked is not the final coding of a
		// request, "the server MUST respond with the 400 (Bad Request)
		// status code and then close the connection".
		return errTENotChunkedLast
	case t.chunked > 1:
		// RFC 9112 6.1: "A sender MUST NOT apply the chunked transfer
		// coding more than once to a message body".
		return errTEChunkedTwice
	case t.chunkedArgs:
		return errTESyntax
	case t.other:
		// RFC 9112 6.1: "A server that receives a request message with a
		// transfer coding it does not understand SHOULD respond with 501
		// (Not Implemented)". Only chunked is implemented.
		return errTEUnsupported
	}
	return nil
}
