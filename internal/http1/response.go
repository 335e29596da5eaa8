package http1

import "time"

// statusText holds the reason phrases of the IANA HTTP Status Code
// Registry: those of RFC 9110 section 15, plus the codes other RFCs
// register (102, 103, 207, 208, 226, 423, 424, 425, 428, 429, 431, 451,
// 506, 507, 508, 510, 511). 418 is "(Unused)" in RFC 9110 15.5.19 and has
// no phrase here.
var statusText = map[int]string{
	100: "Continue",
	101: "Switching Protocols",
	102: "Processing",
	103: "Early Hints",

	200: "OK",
	201: "Created",
	202: "Accepted",
	203: "Non-Authoritative Information",
	204: "No Content",
	205: "Reset Content",
	206: "Partial Content",
	207: "Multi-Status",
	208: "Already Reported",
	226: "IM Used",

	300: "Multiple Choices",
	301: "Moved Permanently",
	302: "Found",
	303: "See Other",
	304: "Not Modified",
	305: "Use Proxy",
	307: "Temporary Redirect",
	308: "Permanent Redirect",

	400: "Bad Request",
	401: "Unauthorized",
	402: "Payment Required",
	403: "Forbidden",
	404: "Not Found",
	405: "Method Not Allowed",
	406: "Not Acceptable",
	407: "Proxy Authentication Required",
	408: "Request Timeout",
	409: "Conflict",
	410: "Gone",
	411: "Length Required",
	412: "Precondition Failed",
	413: "Content Too Large",
	414: "URI Too Long",
	415: "Unsupported Media Type",
	416: "Range Not Satisfiable",
	417: "Expectation Failed",
	421: "Misdirected Request",
	422: "Unprocessable Content",
	423: "Locked",
	424: "Failed Dependency",
	425: "Too Early",
	426: "Upgrade Required",
	428: "Precondition Required",
	429: "Too Many Requests",
	431: "Request Header Fields Too Large",
	451: "Unavailable For Legal Reasons",

	500: "Internal Server Error",
	501: "Not Implemented",
	502: "Bad Gateway",
	503: "Service Unavailable",
	504: "Gateway Timeout",
	505: "HTTP Version Not Supported",
	506: "Variant Also Negotiates",
	507: "Insufficient Storage",
	508: "Loop Detected",
	510: "Not Extended",
	511: "Network Authentication Required",
}

// statusLines[code-100] is the complete status line for codes 100-599.
var statusLines = func() (t [500]string) {
	for code := 100; code < 600; code++ {
		t[code-100] = "HTTP/1.1 " + itoa3(code) + " " + statusText[code] + "\r\n"
	}
	return t
}()

// StatusText returns the reason phrase registered for code (RFC 9110
// section 15 and the IANA registry), or "" if code has none.
func StatusText(code int) string {
	return statusText[code]
}

// AppendStatusLine appends the status line for code (RFC 9112 4), such as
// "HTTP/1.1 200 OK\r\n", to dst.
//
// The version written is always HTTP/1.1, whatever minor the request had:
// a server sends the highest minor version it conforms to within the
// request's major version (RFC 9110 6.2, RFC 9112 2.3), and an HTTP/1.0
// client reads an HTTP/1.1 response. minor is accepted so that callers can
// pass the request's version; it does not change the output.
//
// A code without a registered phrase gets an empty one ("HTTP/1.1 599 \r\n"),
// which is valid: reason-phrase may be empty (RFC 9112 4). A code outside
// 100-999 cannot be written as three digits (RFC 9110 15: status-code =
// 3DIGIT) and is written as 500.
func AppendStatusLine(dst []byte, minor, code int) []byte {
	_ = minor
	if code >= 100 && code < 600 {
		return append(dst, statusLines[code-100]...)
	}
	if code < 100 || code > 999 {
		return append(dst, statusLines[500-100]...)
	}
	dst = append(dst, "HTTP/1.1 "...)
	dst = append(dst, byte('0'+code/100), byte('0'+code/10%10), byte('0'+code%10), ' ', '\r', '\n')
	return dst
}

const (
	dayNames   = "SunMonTueWedThuFriSat"
	monthNames = "JanFebMarAprMayJunJulAugSepOctNovDec"
)

// AppendHTTPDate appends t as an IMF-fixdate (RFC 9110 5.6.7), the format
// of the Date, Last-Modified and Expires fields, for example
// "Sun, 06 Nov 1994 08:49:37 GMT". t is converted to UTC. Years outside
// 0000-9999 cannot be written in the format and are clamped to those
// bounds. It does not allocate.
func AppendHTTPDate(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	hour, min, sec := t.Clock()
	wd := int(t.Weekday())
	switch {
	case year < 0:
		year, month, day, hour, min, sec, wd = 0, time.January, 1, 0, 0, 0, 6 // 0000-01-01 was a Saturday
	case year > 9999:
		year, month, day, hour, min, sec, wd = 9999, time.December, 31, 23, 59, 59, 5 // a Friday
	}
	m := int(month) - 1
	return append(dst,
		dayNames[3*wd], dayNames[3*wd+1], dayNames[3*wd+2], ',', ' ',
		byte('0'+day/10), byte('0'+day%10), ' ',
		monthNames[3*m], monthNames[3*m+1], monthNames[3*m+2], ' ',
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), ' ',
		byte('0'+hour/10), byte('0'+hour%10), ':',
		byte('0'+min/10), byte('0'+min%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), ' ', 'G', 'M', 'T')
}

// AppendChunkSize appends the chunk-size line for a chunk of n bytes (RFC
// 9112 7.1): n in lower-case hex, then CRLF. n == 0 gives "0\r\n", the
// last-chunk; the caller then writes the trailer section and the final
// CRLF. Chunk extensions are never written. n must not be negative; a
// negative n is a bug in the caller and panics, because writing any line
// for it would corrupt the message framing.
func AppendChunkSize(dst []byte, n int) []byte {
	if n < 0 {
		panic("http1: negative chunk size")
	}
	var b [18]byte
	i := len(b)
	for {
		i--
		b[i] = "0123456789abcdef"[n&0xf]
		n >>= 4
		if n == 0 {
			break
		}
	}
	dst = append(dst, b[i:]...)
	return append(dst, '\r', '\n')
}
