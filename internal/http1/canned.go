package http1

// Canned answers: the complete responses the server writes itself,
// without a handler, each of which closes the connection.

// Continue is the interim answer to "Expect: 100-continue" (RFC 9110
// 10.1.1), sent when the handler first reads the body.
const Continue = "HTTP/1.1 100 Continue\r\n\r\n"

// AppendErrorResponse appends a complete plain-text answer that closes
// the connection: the status line, Date (when date is not empty),
// Content-Type, "Connection: close", Content-Length, and the body
// "STATUS TEXT: reason\n" (": reason" only when reason is not empty).
// reason is fixed text from the server, never peer input.
func AppendErrorResponse(dst []byte, status int, reason string, date []byte) []byte {
	text := StatusText(status)
	dst = AppendStatusLine(dst, 1, status)
	if len(date) > 0 {
		dst = append(dst, "Date: "...)
		dst = append(dst, date...)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: "...)
	n := 3 + 1 + len(text) + 1
	if reason != "" {
		n += 2 + len(reason)
	}
	dst = AppendInt(dst, int64(n))
	dst = append(dst, "\r\n\r\n"...)
	dst = AppendInt(dst, int64(status))
	dst = append(dst, ' ')
	dst = append(dst, text...)
	if reason != "" {
		dst = append(dst, ": "...)
		dst = append(dst, reason...)
	}
	return append(dst, '\n')
}

// OverloadBody is the body of AppendOverloadResponse's answer.
const OverloadBody = "503 Service Unavailable: the server is busy; retry later\n"

// AppendOverloadResponse appends the 503 answer of a server with no
// worker free, with Retry-After in seconds. It has no Date, so that it
// can be built once and sent as it is.
func AppendOverloadResponse(dst []byte, retryAfter int64) []byte {
	const body = OverloadBody
	dst = AppendStatusLine(dst, 1, 503)
	dst = append(dst, "Retry-After: "...)
	dst = AppendInt(dst, retryAfter)
	dst = append(dst, "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: "...)
	dst = AppendInt(dst, int64(len(body)))
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, body...)
}

// AppendInt appends the decimal form of v.
func AppendInt(dst []byte, v int64) []byte {
	var b [20]byte
	i := len(b)
	if v == 0 {
		return append(dst, '0')
	}
	neg := v < 0
	u := uint64(v)
	if neg {
		u = -u
	}
	for u > 0 {
		i--
		b[i] = byte('0' + u%10)
		u /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return append(dst, b[i:]...)
}
