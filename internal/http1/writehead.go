package http1

// Response heads. The server writes a head in three steps: the status
// line with the fields it owns (AppendResponseHead), the handler's
// fields (AppendField, after the caller dropped invalid ones), and the
// blank line (EndHead). Bodies sent chunked use AppendChunk and
// LastChunk.

// Conn is the Connection field a response head carries.
type Conn uint8

const (
	// ConnDefault writes no Connection field: persistent, as HTTP/1.1
	// responses are by default (RFC 9112 9.3).
	ConnDefault Conn = iota
	// ConnClose writes "Connection: close": the connection closes after
	// this response.
	ConnClose
	// ConnKeepAlive writes "Connection: keep-alive", for an HTTP/1.0
	// client that asked to keep the connection.
	ConnKeepAlive
)

// AppendResponseHead appends the status line and the fields the server
// owns: Date (when date is not empty), the body's framing, and
// Connection. The framing is "Content-Length: length" when length >= 0,
// "Transfer-Encoding: chunked" when chunked, else none (a response
// without a body, or one delimited by closing the connection).
func AppendResponseHead(dst []byte, status int, date []byte, length int64, chunked bool, conn Conn) []byte {
	dst = AppendStatusLine(dst, 1, status)
	if len(date) > 0 {
		dst = append(dst, "Date: "...)
		dst = append(dst, date...)
		dst = append(dst, "\r\n"...)
	}
	switch {
	case length >= 0:
		dst = append(dst, "Content-Length: "...)
		dst = AppendInt(dst, length)
		dst = append(dst, "\r\n"...)
	case chunked:
		dst = append(dst, "Transfer-Encoding: chunked\r\n"...)
	}
	switch conn {
	case ConnClose:
		dst = append(dst, "Connection: close\r\n"...)
	case ConnKeepAlive:
		dst = append(dst, "Connection: keep-alive\r\n"...)
	}
	return dst
}

// AppendField appends the field line "name: value". The caller has
// checked both (ValidFieldName, ValidFieldValue): a CR or LF in them
// would split the response.
func AppendField(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// EndHead appends the blank line that ends a head.
func EndHead(dst []byte) []byte { return append(dst, "\r\n"...) }

// AppendChunk appends p as one chunk: its size line, p, and CRLF. p
// must not be empty (an empty chunk is the last-chunk).
func AppendChunk(dst, p []byte) []byte {
	dst = AppendChunkSize(dst, len(p))
	dst = append(dst, p...)
	return append(dst, "\r\n"...)
}

// LastChunk ends a chunked body without trailer fields.
const LastChunk = "0\r\n\r\n"

// CRLF ends a chunk's data when the data is written separately.
var CRLF = []byte("\r\n")
