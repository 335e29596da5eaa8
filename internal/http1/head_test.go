package http1

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// hostLine is the Host field most rows need (RFC 9112 3.2 requires one in
// every HTTP/1.1 request).
const hostLine = "Host: example.com\r\n"

// headRow is one rule of RFC 9112 / RFC 9110 as it applies to a request
// head: the raw bytes, and either the status of the expected *Error or the
// expected parse (sum, see summarize).
type headRow struct {
	rfc    string  // the section the row checks
	in     string  // raw request bytes
	status int     // expected Error.Status; 0: accepted; needMore: ErrNeedMore
	sum    string  // if accepted: expected summarize(h), "" to skip
	n      int     // if accepted: expected n; 0 means len(in)
	lim    *Limits // nil: defaults
	reason string  // if rejected and set: the expected Error.Reason
}

const needMore = -1

// summarize renders every parsed property of h except Fields, so a table
// row can state all of them in one readable string.
func summarize(h *Head) string {
	q := func(b []byte) string {
		if b == nil {
			return "<nil>"
		}
		return string(b)
	}
	s := fmt.Sprintf("%s %s %v path=%s query=%s host=%s HTTP/1.%d cl=%d",
		h.Method, h.Target, h.Form, q(h.Path), q(h.Query), q(h.Host), h.Minor, h.ContentLength)
	for _, f := range []struct {
		on   bool
		name string
	}{{h.Chunked, "chunked"}, {h.Close, "close"}, {h.Expect100, "expect100"}, {h.Upgrade, "upgrade"}} {
		if f.on {
			s += " " + f.name
		}
	}
	return s
}

var headRows = []headRow{
	// --- accepted requests ---
	{rfc: "9112 3", in: "GET / HTTP/1.1\r\n" + hostLine + "\r\n",
		sum: "GET / origin-form path=/ query=<nil> host=example.com HTTP/1.1 cl=-1"},
	{rfc: "9112 3.2.1 origin-form with query", in: "GET /a/b?x=1&y=%20 HTTP/1.1\r\n" + hostLine + "\r\n",
		sum: "GET /a/b?x=1&y=%20 origin-form path=/a/b query=x=1&y=%20 host=example.com HTTP/1.1 cl=-1"},
	{rfc: "9112 3.2.1 empty query", in: "GET /a? HTTP/1.1\r\n" + hostLine + "\r\n",
		sum: "GET /a? origin-form path=/a query= host=example.com HTTP/1.1 cl=-1"},
	{rfc: "9112 3.2 visible ASCII delimiters are kept as sent", in: "GET /\"{|}\\^`<> HTTP/1.1\r\n" + hostLine + "\r\n",
		sum: "GET /\"{|}\\^`<> origin-form path=/\"{|}\\^`<> query=<nil> host=example.com HTTP/1.1 cl=-1"},
	{rfc: "9112 3.2.2 absolute-form overrides Host", in: "GET http://other.example:8080/p?q HTTP/1.1\r\n" + hostLine + "\r\n",
		sum: "GET http://other.example:8080/p?q absolute-form path=/p query=q host=other.example:8080 HTTP/1.1 cl=-1"},
	{rfc: "9112 3.2.2 scheme is case-insensitive (RFC 3986 3.1)", in: "GET HTTPS://h/ HTTP/1.1\r\n" + hostLine + "\r\n",
		sum: "GET HTTPS://h/ absolute-form path=/ query=<nil> host=h HTTP/1.1 cl=-1"},
	{rfc: "9110 4.2.3 absolute-form empty path is /", in: "GET http://h?q HTTP/1.1\r\n" + hostLine + "\r\n",
		sum: "GET http://h?q absolute-form path=/ query=q host=h HTTP/1.1 cl=-1"},
	{rfc: "9112 3.2.2 IP-literal authority", in: "GET http://[::1]:80 HTTP/1.1\r\n" + hostLine + "\r\n",
		sum: "GET http://[::1]:80 absolute-form path=/ query=<nil> host=[::1]:80 HTTP/1.1 cl=-1"},
	{rfc: "9112 3.2.3 authority-form with CONNECT", in: "CONNECT example.com:443 HTTP/1.1\r\n" + hostLine + "\r\n",
		sum: "CONNECT example.com:443 authority-form path=<nil> query=<nil> host=example.com:443 HTTP/1.1 cl=-1"},
	{rfc: "3986 3.2.3 an empty port means the default (9110 4.2.1)", in: "GET http://h:/p HTTP/1.1\r\n" + hostLine + "\r\n",
		sum: "GET http://h:/p absolute-form path=/p query=<nil> host=h: HTTP/1.1 cl=-1"},
	{rfc: "9293 3.1 ports 1 and 65535 are the bounds", in: "GET http://h:65535?q HTTP/1.1\r\nHost: h:1\r\n\r\n",
		sum: "GET http://h:65535?q absolute-form path=/ query=q host=h:65535 HTTP/1.1 cl=-1"},
	{rfc: "3986 3.2.3 leading zeros in a port (00080 is 80)", in: "GET http://[::1]:00080/ HTTP/1.1\r\nHost: h:0000000000000000000065535\r\n\r\n",
		sum: "GET http://[::1]:00080/ absolute-form path=/ query=<nil> host=[::1]:00080 HTTP/1.1 cl=-1"},
	{rfc: "9112 3.2.3 authority-form port 1 and 65535", in: "CONNECT [::1]:1 HTTP/1.1\r\nHost: [::1]:65535\r\n\r\n",
		sum: "CONNECT [::1]:1 authority-form path=<nil> query=<nil> host=[::1]:1 HTTP/1.1 cl=-1"},
	{rfc: "9110 7.2 Host with an empty port", in: "GET / HTTP/1.1\r\nHost: h:\r\n\r\n",
		sum: "GET / origin-form path=/ query=<nil> host=h: HTTP/1.1 cl=-1"},
	{rfc: "9112 3.2.4 asterisk-form with OPTIONS", in: "OPTIONS * HTTP/1.1\r\n" + hostLine + "\r\n",
		sum: "OPTIONS * asterisk-form path=<nil> query=<nil> host=example.com HTTP/1.1 cl=-1"},
	{rfc: "9110 9.1 extension method (any token)", in: "M-SEARCH_1.x! / HTTP/1.1\r\n" + hostLine + "\r\n",
		sum: "M-SEARCH_1.x! / origin-form path=/ query=<nil> host=example.com HTTP/1.1 cl=-1"},
	{rfc: "9112 2.3 HTTP/1.0 needs no Host and closes by default (9112 9.3)", in: "GET / HTTP/1.0\r\n\r\n",
		sum: "GET / origin-form path=/ query=<nil> host=<nil> HTTP/1.0 cl=-1 close"},
	{rfc: "9112 9.3 HTTP/1.0 keep-alive", in: "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
		sum: "GET / origin-form path=/ query=<nil> host=<nil> HTTP/1.0 cl=-1"},
	{rfc: "9112 9.6 Connection: close (token list, any case)", in: "GET / HTTP/1.1\r\n" + hostLine + "Connection: foo, CLOSE\r\n\r\n",
		sum: "GET / origin-form path=/ query=<nil> host=example.com HTTP/1.1 cl=-1 close"},
	{rfc: "9112 9.6 close wins over keep-alive", in: "GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n",
		sum: "GET / origin-form path=/ query=<nil> host=<nil> HTTP/1.0 cl=-1 close"},
	{rfc: "9112 2.2 empty lines before the request line are ignored", in: "\r\n\r\nGET / HTTP/1.1\r\n" + hostLine + "\r\n",
		sum: "GET / origin-form path=/ query=<nil> host=example.com HTTP/1.1 cl=-1"},
	{rfc: "9112 3.2 empty Host is allowed for a target without authority", in: "GET / HTTP/1.1\r\nHost:\r\n\r\n",
		sum: "GET / origin-form path=/ query=<nil> host= HTTP/1.1 cl=-1"},
	{rfc: "9110 7.2 Host with port, IPv4, sub-delims and pct-encoding", in: "GET / HTTP/1.1\r\nHost: 10.0.0.1:8080\r\n\r\n",
		sum: "GET / origin-form path=/ query=<nil> host=10.0.0.1:8080 HTTP/1.1 cl=-1"},
	{rfc: "9110 7.2 Host reg-name sub-delims", in: "GET / HTTP/1.1\r\nHost: a_b-c.d~e!$&'()*+,;=%41\r\n\r\n",
		sum: "GET / origin-form path=/ query=<nil> host=a_b-c.d~e!$&'()*+,;=%41 HTTP/1.1 cl=-1"},
	{rfc: "9110 7.2 Host IPv6 literal", in: "GET / HTTP/1.1\r\nHost: [2001:db8::1]:443\r\n\r\n",
		sum: "GET / origin-form path=/ query=<nil> host=[2001:db8::1]:443 HTTP/1.1 cl=-1"},
	{rfc: "9110 5.5 OWS around field values is trimmed; obs-text is allowed", in: "GET / HTTP/1.1\r\nHost: \t example.com \t\r\nX: \xe2\x82\xac\t\r\n\r\n",
		sum: "GET / origin-form path=/ query=<nil> host=example.com HTTP/1.1 cl=-1"},
	{rfc: "9110 8.6 Content-Length (leading zeros allowed)", in: "POST / HTTP/1.1\r\n" + hostLine + "Content-Length: 007\r\n\r\nabcdefg", n: 59,
		sum: "POST / origin-form path=/ query=<nil> host=example.com HTTP/1.1 cl=7"},
	{rfc: "9110 8.6 Content-Length max int64", in: "POST / HTTP/1.1\r\n" + hostLine + "Content-Length: 9223372036854775807\r\n\r\n",
		sum: "POST / origin-form path=/ query=<nil> host=example.com HTTP/1.1 cl=9223372036854775807"},
	{rfc: "9112 6.1 Transfer-Encoding: chunked (case-insensitive)", in: "POST / HTTP/1.1\r\n" + hostLine + "Transfer-Encoding: Chunked\r\n\r\n",
		sum: "POST / origin-form path=/ query=<nil> host=example.com HTTP/1.1 cl=-1 chunked"},
	{rfc: "9110 5.6.1 empty list elements are ignored", in: "POST / HTTP/1.1\r\n" + hostLine + "Transfer-Encoding: , chunked ,\r\n\r\n",
		sum: "POST / origin-form path=/ query=<nil> host=example.com HTTP/1.1 cl=-1 chunked"},
	{rfc: "9110 10.1.1 Expect: 100-continue", in: "PUT / HTTP/1.1\r\n" + hostLine + "Expect: 100-Continue\r\nContent-Length: 1\r\n\r\n",
		sum: "PUT / origin-form path=/ query=<nil> host=example.com HTTP/1.1 cl=1 expect100"},
	{rfc: "9110 10.1.1 100-continue is ignored in HTTP/1.0", in: "PUT / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n",
		sum: "PUT / origin-form path=/ query=<nil> host=<nil> HTTP/1.0 cl=-1 close"},
	{rfc: "9110 7.8 Upgrade is reported", in: "GET / HTTP/1.1\r\n" + hostLine + "Connection: upgrade\r\nUpgrade: websocket\r\n\r\n",
		sum: "GET / origin-form path=/ query=<nil> host=example.com HTTP/1.1 cl=-1 upgrade"},
	{rfc: "9112 2.1 pipelined: n ends at the first head", in: "GET /1 HTTP/1.1\r\n" + hostLine + "\r\nGET /2 HTTP/1.1\r\n" + hostLine + "\r\n", n: 38,
		sum: "GET /1 origin-form path=/1 query=<nil> host=example.com HTTP/1.1 cl=-1"},
	{rfc: "6585 5 exactly MaxFields fields", in: "GET / HTTP/1.1\r\n" + hostLine + "A: 1\r\nB: 2\r\n\r\n", lim: &Limits{MaxFields: 3},
		sum: "GET / origin-form path=/ query=<nil> host=example.com HTTP/1.1 cl=-1"},
	{rfc: "9112 3 request line of exactly MaxRequestLine bytes", in: "GET /abcd HTTP/1.1\r\n" + hostLine + "\r\n", lim: &Limits{MaxRequestLine: 18}},
	{rfc: "6585 5 head of exactly MaxHeaderBytes bytes", in: "GET / HTTP/1.1\r\n" + hostLine + "\r\n", lim: &Limits{MaxHeaderBytes: 37}},

	// --- incomplete ---
	{rfc: "ErrNeedMore: empty input", in: "", status: needMore},
	{rfc: "ErrNeedMore: only empty lines", in: "\r\n\r\n", status: needMore},
	{rfc: "ErrNeedMore: CR at the end", in: "GET / HTTP/1.1\r\n" + hostLine + "\r", status: needMore},
	{rfc: "ErrNeedMore: no final CRLF", in: "GET / HTTP/1.1\r\n" + hostLine, status: needMore},
	{rfc: "ErrNeedMore: partial version", in: "GET / HTTP/1.", status: needMore},

	// --- 400: message syntax (RFC 9112 2.2) ---
	{rfc: "9112 2.2 bare CR in request line", in: "GET / HTTP/1.1\rHost: x\r\n\r\n", status: 400},
	{rfc: "9112 2.2 bare CR before request line", in: "\rGET / HTTP/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 2.2 bare CR in field value", in: "GET / HTTP/1.1\r\n" + hostLine + "X: a\rb\r\n\r\n", status: 400},
	{rfc: "9112 2.2 bare CR at end of head", in: "GET / HTTP/1.1\r\n" + hostLine + "\rX", status: 400},
	{rfc: "9112 2.2 bare LF after request line (llhttp strict)", in: "GET / HTTP/1.1\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 2.2 bare LF after field (llhttp strict)", in: "GET / HTTP/1.1\r\n" + "Host: example.com\n\r\n", status: 400},
	{rfc: "9112 2.2 bare LF ending the head", in: "GET / HTTP/1.1\r\n" + hostLine + "\n", status: 400},
	{rfc: "9112 2.2 bare LF before the request line", in: "\nGET / HTTP/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 2.2 whitespace between start-line and first field", in: "GET / HTTP/1.1\r\n " + hostLine + "\r\n", status: 400},

	// --- 400/505: request line (RFC 9112 3) ---
	{rfc: "9110 9.1 method is a token", in: "G@T / HTTP/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9110 9.1 empty method", in: " / HTTP/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 3 two SP after method", in: "GET  / HTTP/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 3 two SP before version", in: "GET /  HTTP/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 3 HTAB as separator", in: "GET\t/ HTTP/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 3 trailing SP after version", in: "GET / HTTP/1.1 \r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 3 SP inside the target", in: "GET /a b HTTP/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 3.2 CTL in target", in: "GET /a\x01 HTTP/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 3.2 DEL in target", in: "GET /a\x7f HTTP/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 3.2 octet >= 0x80 in target (llhttp strict)", in: "GET /\xce\xb4 HTTP/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "RFC 3986 2.1 bad pct-encoding in path", in: "GET /%zz HTTP/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "RFC 3986 2.1 truncated pct-encoding", in: "GET /%4 HTTP/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 3.2 target not in any form", in: "GET foo HTTP/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 3.2.2 only http(s) absolute-form", in: "GET ftp://h/ HTTP/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9110 4.2.1 empty host in http URI", in: "GET http:///p HTTP/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9110 4.2.1 empty host with port in http URI", in: "GET http://:80/p HTTP/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9110 4.2.4 userinfo in target", in: "GET http://u:p@h/ HTTP/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 3.2.3 CONNECT needs authority-form", in: "CONNECT / HTTP/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 3.2.3 authority-form needs a port", in: "CONNECT example.com HTTP/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 3.2.3 authority-form only for CONNECT", in: "GET example.com:443 HTTP/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 3.2.4 asterisk-form only for OPTIONS", in: "GET * HTTP/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 3.2.1 fragment in origin-form", in: "GET /a#b HTTP/1.1\r\n" + hostLine + "\r\n", status: 400, reason: "fragment in request-target"},
	{rfc: "9112 3.2.1 fragment after a query", in: "GET /a?b#c HTTP/1.1\r\n" + hostLine + "\r\n", status: 400, reason: "fragment in request-target"},
	{rfc: "9112 3.2.1 empty fragment", in: "GET /# HTTP/1.1\r\n" + hostLine + "\r\n", status: 400, reason: "fragment in request-target"},
	{rfc: "9112 3.2.1 fragment in HTTP/1.0", in: "GET /a#b HTTP/1.0\r\n\r\n", status: 400, reason: "fragment in request-target"},
	{rfc: "9112 3.2.1 fragment with OPTIONS", in: "OPTIONS /#* HTTP/1.1\r\n" + hostLine + "\r\n", status: 400, reason: "fragment in request-target"},
	{rfc: "9112 3.2.2 fragment in absolute-form path", in: "GET http://h/a#b HTTP/1.1\r\n" + hostLine + "\r\n", status: 400, reason: "fragment in request-target"},
	{rfc: "9112 3.2.2 fragment right after the authority", in: "GET http://h#f HTTP/1.1\r\n" + hostLine + "\r\n", status: 400, reason: "fragment in request-target"},
	{rfc: "9112 3.2.2 fragment after an absolute-form query", in: "GET https://h:443?q#f HTTP/1.1\r\n" + hostLine + "\r\n", status: 400, reason: "fragment in request-target"},
	{rfc: "9110 4.2.1 port 0 in absolute-form", in: "GET http://host:0/ HTTP/1.1\r\n" + hostLine + "\r\n", status: 400, reason: "request-target port outside 1-65535"},
	{rfc: "9110 4.2.1 port 00000 is 0", in: "GET http://host:00000/ HTTP/1.1\r\n" + hostLine + "\r\n", status: 400, reason: "request-target port outside 1-65535"},
	{rfc: "9293 3.1 port 65536", in: "GET http://host:65536/ HTTP/1.1\r\n" + hostLine + "\r\n", status: 400, reason: "request-target port outside 1-65535"},
	{rfc: "9293 3.1 port that overflows any integer", in: "GET http://host:99999999999999999999999/ HTTP/1.1\r\n" + hostLine + "\r\n", status: 400, reason: "request-target port outside 1-65535"},
	{rfc: "9293 3.1 port 99999999999, no path", in: "GET http://host:99999999999 HTTP/1.1\r\n" + hostLine + "\r\n", status: 400, reason: "request-target port outside 1-65535"},
	{rfc: "9293 3.1 port out of range before a query", in: "GET https://host:70000?q HTTP/1.1\r\n" + hostLine + "\r\n", status: 400, reason: "request-target port outside 1-65535"},
	{rfc: "9293 3.1 IP-literal with port 0", in: "GET http://[::1]:0/ HTTP/1.1\r\n" + hostLine + "\r\n", status: 400, reason: "request-target port outside 1-65535"},
	{rfc: "9293 3.1 port checked before the fragment", in: "GET http://h:0/#f HTTP/1.1\r\n" + hostLine + "\r\n", status: 400, reason: "request-target port outside 1-65535"},
	{rfc: "3986 3.2.3 port with a non-digit is a syntax error", in: "GET http://h:0x50/ HTTP/1.1\r\n" + hostLine + "\r\n", status: 400, reason: "invalid request-target"},
	{rfc: "9110 4.2.1 empty host wins over the port", in: "GET http://:0/ HTTP/1.1\r\n" + hostLine + "\r\n", status: 400, reason: "empty host in http(s) URI"},
	{rfc: "9112 3.2.3 authority-form port 0", in: "CONNECT h:0 HTTP/1.1\r\n" + hostLine + "\r\n", status: 400, reason: "request-target port outside 1-65535"},
	{rfc: "9112 3.2.3 authority-form port 65536", in: "CONNECT h:65536 HTTP/1.1\r\n" + hostLine + "\r\n", status: 400, reason: "request-target port outside 1-65535"},
	{rfc: "9112 3.2.3 authority-form IP-literal port 0", in: "CONNECT [::1]:000 HTTP/1.1\r\n" + hostLine + "\r\n", status: 400, reason: "request-target port outside 1-65535"},
	{rfc: "9112 3.2.3 authority-form empty port", in: "CONNECT h: HTTP/1.1\r\n" + hostLine + "\r\n", status: 400, reason: "CONNECT requires authority-form"},
	{rfc: "9112 2.3 HTTP-name is case-sensitive", in: "GET / http/1.1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 2.3 one digit minor", in: "GET / HTTP/1.10\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 2.3 missing minor", in: "GET / HTTP/1\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 2.3 garbage version", in: "GET / HTTP/x.y\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 2.3 empty version", in: "GET / \r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9112 4 a status line is not a request line", in: "HTTP/1.1 200 OK\r\n" + hostLine + "\r\n", status: 400},
	{rfc: "9110 15.6.6 HTTP/1.2 is not supported", in: "GET / HTTP/1.2\r\n" + hostLine + "\r\n", status: 505},
	{rfc: "9110 15.6.6 HTTP/2.0", in: "GET / HTTP/2.0\r\n" + hostLine + "\r\n", status: 505},
	{rfc: "9110 15.6.6 HTTP/3", in: "GET / HTTP/3\r\n" + hostLine + "\r\n", status: 505},
	{rfc: "9110 15.6.6 HTTP/0.9 versioned", in: "GET / HTTP/0.9\r\n\r\n", status: 505},
	{rfc: "9112 2.3 HTTP/0.9 simple-request (no version)", in: "GET /\r\n\r\n", status: 505},
	{rfc: "9110 15.6.6 other protocol (RTSP)", in: "OPTIONS * RTSP/1.0\r\n" + hostLine + "\r\n", status: 505},
	{rfc: "9112 3 request line longer than MaxRequestLine", in: "GET /abcde HTTP/1.1\r\n" + hostLine + "\r\n", lim: &Limits{MaxRequestLine: 18}, status: 414},
	{rfc: "9112 3 414 while incomplete", in: "GET /" + strings.Repeat("a", 40), lim: &Limits{MaxRequestLine: 30}, status: 414},

	// --- field lines (RFC 9112 5, RFC 9110 5) ---
	{rfc: "9112 5.1 whitespace before colon", in: "GET / HTTP/1.1\r\n" + hostLine + "X : y\r\n\r\n", status: 400},
	{rfc: "9112 5.1 HTAB before colon", in: "GET / HTTP/1.1\r\n" + hostLine + "X\t: y\r\n\r\n", status: 400},
	{rfc: "9110 5.1 empty field name", in: "GET / HTTP/1.1\r\n" + hostLine + ": y\r\n\r\n", status: 400},
	{rfc: "9110 5.1 field name is a token", in: "GET / HTTP/1.1\r\n" + hostLine + "X(y): z\r\n\r\n", status: 400},
	{rfc: "9110 5.1 non-ASCII field name", in: "GET / HTTP/1.1\r\n" + hostLine + "X\xff: z\r\n\r\n", status: 400},
	{rfc: "9112 5 field line without colon", in: "GET / HTTP/1.1\r\n" + hostLine + "X\r\n\r\n", status: 400},
	{rfc: "9112 5.2 obs-fold (SP)", in: "GET / HTTP/1.1\r\n" + hostLine + "X: a\r\n b\r\n\r\n", status: 400},
	{rfc: "9112 5.2 obs-fold (HTAB)", in: "GET / HTTP/1.1\r\n" + hostLine + "X: a\r\n\tb\r\n\r\n", status: 400},
	{rfc: "9110 5.5 NUL in field value", in: "GET / HTTP/1.1\r\n" + hostLine + "X: a\x00b\r\n\r\n", status: 400},
	{rfc: "9110 5.5 CTL in field value", in: "GET / HTTP/1.1\r\n" + hostLine + "X: a\x0cb\r\n\r\n", status: 400},
	{rfc: "9110 5.5 DEL in field value", in: "GET / HTTP/1.1\r\n" + hostLine + "X: a\x7f\r\n\r\n", status: 400},
	{rfc: "6585 5 more than MaxFields fields", in: "GET / HTTP/1.1\r\n" + hostLine + "A: 1\r\nB: 2\r\n\r\n", lim: &Limits{MaxFields: 2}, status: 431},
	{rfc: "6585 5 head larger than MaxHeaderBytes", in: "GET / HTTP/1.1\r\n" + hostLine + "\r\n", lim: &Limits{MaxHeaderBytes: 36}, status: 431},
	{rfc: "6585 5 431 while incomplete", in: "GET / HTTP/1.1\r\n" + hostLine + "X: " + strings.Repeat("a", 100), lim: &Limits{MaxHeaderBytes: 64}, status: 431},
	{rfc: "9112 2.2 endless empty lines hit MaxHeaderBytes", in: strings.Repeat("\r\n", 40), lim: &Limits{MaxHeaderBytes: 64}, status: 431},

	// --- Host (RFC 9112 3.2, RFC 9110 7.2) ---
	{rfc: "9112 3.2 HTTP/1.1 without Host", in: "GET / HTTP/1.1\r\n\r\n", status: 400},
	{rfc: "9112 3.2 absolute-form still needs Host in HTTP/1.1", in: "GET http://h/ HTTP/1.1\r\n\r\n", status: 400},
	{rfc: "9112 3.2 CONNECT needs Host too", in: "CONNECT h:443 HTTP/1.1\r\n\r\n", status: 400},
	{rfc: "9112 3.2 two Host fields", in: "GET / HTTP/1.1\r\n" + hostLine + hostLine + "\r\n", status: 400},
	{rfc: "9112 3.2 two Host fields in HTTP/1.0", in: "GET / HTTP/1.0\r\nhost: a\r\nHOST: a\r\n\r\n", status: 400},
	{rfc: "9110 7.2 SP in Host", in: "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", status: 400},
	{rfc: "9110 7.2 / in Host", in: "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", status: 400},
	{rfc: "9110 7.2 userinfo in Host", in: "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", status: 400},
	{rfc: "9110 7.2 non-digit port", in: "GET / HTTP/1.1\r\nHost: a:b\r\n\r\n", status: 400},
	{rfc: "9110 7.2 unclosed IP-literal", in: "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", status: 400},
	{rfc: "9110 7.2 bad pct-encoding in Host", in: "GET / HTTP/1.1\r\nHost: a%g0\r\n\r\n", status: 400},
	{rfc: "9110 7.2 Host port 0 (as in a target)", in: "GET / HTTP/1.1\r\nHost: h:0\r\n\r\n", status: 400, reason: "invalid Host header"},
	{rfc: "9110 7.2 Host port 65536", in: "GET / HTTP/1.0\r\nHost: h:65536\r\n\r\n", status: 400, reason: "invalid Host header"},
	{rfc: "9110 7.2 Host IP-literal port 99999999999", in: "GET / HTTP/1.1\r\nHost: [::1]:99999999999\r\n\r\n", status: 400, reason: "invalid Host header"},
	{rfc: "9112 3.2 invalid Host is rejected even with absolute-form", in: "GET http://h/ HTTP/1.1\r\nHost: a b\r\n\r\n", status: 400},

	// --- framing (RFC 9112 6) ---
	{rfc: "9112 6.1 Content-Length and Transfer-Encoding", in: "POST / HTTP/1.1\r\n" + hostLine + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", status: 400},
	{rfc: "9112 6.1 Transfer-Encoding and Content-Length (other order)", in: "POST / HTTP/1.1\r\n" + hostLine + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", status: 400},
	{rfc: "9112 6.3 two Content-Length fields, even equal", in: "POST / HTTP/1.1\r\n" + hostLine + "Content-Length: 5\r\nContent-Length: 5\r\n\r\n", status: 400},
	{rfc: "9110 8.6 Content-Length list", in: "POST / HTTP/1.1\r\n" + hostLine + "Content-Length: 5, 5\r\n\r\n", status: 400},
	{rfc: "9110 8.6 empty Content-Length", in: "POST / HTTP/1.1\r\n" + hostLine + "Content-Length: \r\n\r\n", status: 400},
	{rfc: "9110 8.6 signed Content-Length", in: "POST / HTTP/1.1\r\n" + hostLine + "Content-Length: +5\r\n\r\n", status: 400},
	{rfc: "9110 8.6 negative Content-Length", in: "POST / HTTP/1.1\r\n" + hostLine + "Content-Length: -1\r\n\r\n", status: 400},
	{rfc: "9110 8.6 hex Content-Length", in: "POST / HTTP/1.1\r\n" + hostLine + "Content-Length: 0x10\r\n\r\n", status: 400},
	{rfc: "9110 8.6 SP inside Content-Length", in: "POST / HTTP/1.1\r\n" + hostLine + "Content-Length: 4 2\r\n\r\n", status: 400},
	{rfc: "9112 7.1 Content-Length overflows int64", in: "POST / HTTP/1.1\r\n" + hostLine + "Content-Length: 9223372036854775808\r\n\r\n", status: 400},
	{rfc: "9112 6.1 Transfer-Encoding in HTTP/1.0", in: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", status: 400},
	{rfc: "9112 6.3 final coding is not chunked", in: "POST / HTTP/1.1\r\n" + hostLine + "Transfer-Encoding: chunked, gzip\r\n\r\n", status: 400},
	{rfc: "9112 6.3 final coding is not chunked (two fields)", in: "POST / HTTP/1.1\r\n" + hostLine + "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", status: 400},
	{rfc: "9112 6.3 identity alone", in: "POST / HTTP/1.1\r\n" + hostLine + "Transfer-Encoding: identity\r\n\r\n", status: 400},
	{rfc: "9112 6.3 empty Transfer-Encoding", in: "POST / HTTP/1.1\r\n" + hostLine + "Transfer-Encoding:\r\n\r\n", status: 400},
	{rfc: "9112 6.3 chunkedchunked is not chunked", in: "POST / HTTP/1.1\r\n" + hostLine + "Transfer-Encoding: chunkedchunked\r\n\r\n", status: 400},
	{rfc: "9112 6.1 chunked twice", in: "POST / HTTP/1.1\r\n" + hostLine + "Transfer-Encoding: chunked, chunked\r\n\r\n", status: 400},
	{rfc: "9112 6.1 chunked twice (two fields)", in: "POST / HTTP/1.1\r\n" + hostLine + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", status: 400},
	{rfc: "9110 10.1.4 transfer-coding syntax", in: "POST / HTTP/1.1\r\n" + hostLine + "Transfer-Encoding: \"chunked\"\r\n\r\n", status: 400},
	{rfc: "9112 7.1 chunked takes no parameters", in: "POST / HTTP/1.1\r\n" + hostLine + "Transfer-Encoding: chunked;a=b\r\n\r\n", status: 400},
	{rfc: "9112 6.1 gzip before chunked is not implemented", in: "POST / HTTP/1.1\r\n" + hostLine + "Transfer-Encoding: gzip, chunked\r\n\r\n", status: 501},
	{rfc: "9112 6.1 unknown coding before chunked (two fields)", in: "POST / HTTP/1.1\r\n" + hostLine + "Transfer-Encoding: x-custom;q=1\r\nTransfer-Encoding: chunked\r\n\r\n", status: 501},
	{rfc: "9112 6.1 identity before chunked", in: "POST / HTTP/1.1\r\n" + hostLine + "Transfer-Encoding: identity, chunked\r\n\r\n", status: 501},

	// --- Expect (RFC 9110 10.1.1) ---
	{rfc: "9110 10.1.1 unknown expectation", in: "PUT / HTTP/1.1\r\n" + hostLine + "Expect: 200-ok\r\n\r\n", status: 417},
	{rfc: "9110 10.1.1 100-continue with parameters is another expectation", in: "PUT / HTTP/1.1\r\n" + hostLine + "Expect: 100-continue;a=b\r\n\r\n", status: 417},
}

func statusOf(err error) int {
	if err == nil {
		return 0
	}
	if err == ErrNeedMore {
		return needMore
	}
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Status
	}
	return -2
}

func TestParseHeadTable(t *testing.T) {
	var h Head
	for _, r := range headRows {
		n, err := ParseHead([]byte(r.in), r.lim, &h)
		if got := statusOf(err); got != r.status {
			t.Errorf("RFC %s: %q: got status %d (%v), want %d", r.rfc, r.in, got, err, r.status)
			continue
		}
		if err != nil {
			if n != 0 {
				t.Errorf("RFC %s: n = %d with error", r.rfc, n)
			}
			var pe *Error
			if r.reason != "" && (!errors.As(err, &pe) || pe.Reason != r.reason) {
				t.Errorf("RFC %s: %q: got %v, want reason %q", r.rfc, r.in, err, r.reason)
			}
			continue
		}
		wantN := r.n
		if wantN == 0 {
			wantN = len(r.in)
		}
		if n != wantN {
			t.Errorf("RFC %s: %q: n = %d, want %d", r.rfc, r.in, n, wantN)
		}
		if r.sum != "" {
			if got := summarize(&h); got != r.sum {
				t.Errorf("RFC %s: %q:\n got %s\nwant %s", r.rfc, r.in, got, r.sum)
			}
		}
	}
}

// TestParseHeadFields checks the field list: order, names as sent, values
// without OWS (RFC 9112 5, RFC 9110 5.5), and the reuse of h.Fields.
func TestParseHeadFields(t *testing.T) {
	in := "GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nx-b:  two words \t\r\nX-Empty: \r\nHOST2:\t\xff\xfe\r\n\r\n"
	want := []string{"Host=a", "X-Empty=", "x-b=two words", "X-Empty=", "HOST2=\xff\xfe"}
	h := Head{Fields: make([]Field, 0, 8)}
	for round := 0; round < 2; round++ {
		if _, err := ParseHead([]byte(in), nil, &h); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range h.Fields {
			got = append(got, string(f.Name)+"="+string(f.Value))
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("fields = %q, want %q", got, want)
		}
		if cap(h.Fields) != 8 {
			t.Fatalf("Fields capacity not reused: %d", cap(h.Fields))
		}
	}
	// A failed parse and a parse of a shorter head reset every field.
	if _, err := ParseHead([]byte("GET / HTTP/1.0\r\n\r\n"), nil, &h); err != nil {
		t.Fatal(err)
	}
	if len(h.Fields) != 0 || h.Host != nil || h.ContentLength != -1 {
		t.Fatalf("Head not reset: %+v", h)
	}
}

// acceptedRows returns the inputs of the rows that parse successfully, the
// seeds of the incremental, pipelining and fuzz tests.
func acceptedRows() []headRow {
	var rows []headRow
	for _, r := range headRows {
		if r.status == 0 {
			rows = append(rows, r)
		}
	}
	return rows
}

// TestParseHeadIncremental feeds every accepted request one byte more at a
// time: each strict prefix must give ErrNeedMore, and the complete input
// must give the same result as parsing it at once (RFC 9112 2.1: a head is
// complete only at the empty line).
func TestParseHeadIncremental(t *testing.T) {
	for _, r := range acceptedRows() {
		var whole Head
		n, err := ParseHead([]byte(r.in), r.lim, &whole)
		if err != nil {
			t.Fatalf("%q: %v", r.in, err)
		}
		want := summarize(&whole)
		var h Head
		for k := 0; k < n; k++ {
			if _, err := ParseHead([]byte(r.in[:k]), r.lim, &h); err != ErrNeedMore {
				t.Errorf("RFC %s: prefix %q: got %v, want ErrNeedMore", r.rfc, r.in[:k], err)
				break
			}
		}
		n2, err := ParseHead([]byte(r.in[:n]), r.lim, &h)
		if err != nil || n2 != n || summarize(&h) != want {
			t.Errorf("RFC %s: %q: complete prefix gave n=%d err=%v %s, want n=%d %s", r.rfc, r.in, n2, err, summarize(&h), n, want)
		}
	}
}

// TestParseHeadPipelined appends a second request (and junk) to each
// accepted head: n must still end at the first head.
func TestParseHeadPipelined(t *testing.T) {
	for _, r := range acceptedRows() {
		var h Head
		n, err := ParseHead([]byte(r.in), r.lim, &h)
		if err != nil {
			t.Fatal(err)
		}
		for _, tail := range []string{"GET / HTTP/1.1\r\n" + hostLine + "\r\n", "\x00garbage\r\n", "\r"} {
			in := r.in[:n] + tail
			n2, err := ParseHead([]byte(in), r.lim, &h)
			if r.lim != nil && r.lim.MaxHeaderBytes != 0 {
				continue // the tail may push the input over the limit; n is what matters
			}
			if err != nil || n2 != n {
				t.Errorf("RFC %s: %q: n=%d err=%v, want n=%d", r.rfc, in, n2, err, n)
			}
		}
	}
}

// TestParseHeadLimitsEarly checks that 414 and 431 come as soon as the bytes
// seen prove the limit exceeded, not when the line or head ends.
func TestParseHeadLimitsEarly(t *testing.T) {
	var h Head
	lim := &Limits{MaxRequestLine: 20, MaxHeaderBytes: 60}
	line := "GET /" + strings.Repeat("a", 100)
	for k := 1; k <= len(line); k++ {
		_, err := ParseHead([]byte(line[:k]), lim, &h)
		want := needMore
		if k > 20 { // 21 content bytes: the line cannot end within 20
			want = 414
		}
		if got := statusOf(err); got != want {
			t.Fatalf("request line prefix of %d bytes: status %d, want %d", k, got, want)
		}
	}
	head := "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("b", 100)
	for k := 1; k <= len(head); k++ {
		_, err := ParseHead([]byte(head[:k]), lim, &h)
		want := needMore
		if k >= 60 { // 60 bytes and no end yet: the head needs more than 60
			want = 431
		}
		if got := statusOf(err); got != want {
			t.Fatalf("head prefix of %d bytes: status %d, want %d", k, got, want)
		}
	}
	// The default limits apply to zero fields and to a nil *Limits.
	long := "GET /" + strings.Repeat("a", DefaultLimits.MaxRequestLine) + " HTTP/1.1\r\n"
	for _, l := range []*Limits{nil, {}, {MaxFields: 1}} {
		if _, err := ParseHead([]byte(long), l, &h); statusOf(err) != 414 {
			t.Fatalf("limits %+v: %v, want 414", l, err)
		}
	}
}

func TestErrorText(t *testing.T) {
	if got := errMissingHost.Error(); got != "http1: 400 missing Host header" {
		t.Fatalf("Error() = %q", got)
	}
	var pe *Error
	if !errors.As(error(errTEUnsupported), &pe) || pe.Status != 501 {
		t.Fatal("errors.As")
	}
	if ErrNeedMore.Error() != "http1: need more data" {
		t.Fatal(ErrNeedMore)
	}
}

func TestHasToken(t *testing.T) {
	for _, c := range []struct {
		v, tok string
		want   bool
	}{
		{"close", "close", true},
		{"Close", "close", true},
		{" keep-alive , close\t", "close", true},
		{"keep-alive,,Upgrade", "upgrade", true},
		{"closed", "close", false},
		{"x-close", "close", false},
		{"", "close", false},
		{",", "close", false},
		{"clo se", "close", false},
	} {
		if got := HasToken([]byte(c.v), c.tok); got != c.want {
			t.Errorf("HasToken(%q, %q) = %v", c.v, c.tok, got)
		}
	}
}

func TestValidators(t *testing.T) {
	for c := 0; c < 256; c++ {
		want := bytes.IndexByte([]byte("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"), byte(c)) >= 0
		if IsTokenChar(byte(c)) != want {
			t.Errorf("IsTokenChar(%#x) = %v", c, !want)
		}
	}
	for s, want := range map[string]bool{"Content-Type": true, "X-A_b.c~!": true, "": false, "a b": false, "a:b": false, "a\r\nb": false, "é": false} {
		if ValidFieldName(s) != want {
			t.Errorf("ValidFieldName(%q) != %v", s, want)
		}
	}
	for s, want := range map[string]bool{"": true, "text/html; charset=utf-8": true, "a\tb": true, "\xe2\x82\xac": true,
		"a\r\nSet-Cookie: x": false, "a\nb": false, "a\rb": false, "a\x00b": false, "a\x7fb": false, "a\x01b": false} {
		if ValidFieldValue(s) != want {
			t.Errorf("ValidFieldValue(%q) != %v", s, want)
		}
	}
}

func TestSWAR(t *testing.T) {
	// The 8-byte fast paths must agree with the byte tables on every byte
	// in every position.
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 8; pos++ {
			b := []byte("abcdefgh")
			b[pos] = byte(c)
			w := load8(b, 0)
			if got, want := valueFast8(w), c >= 0x20 && c != 0x7f; got != want {
				t.Errorf("valueFast8 byte %#x at %d = %v", c, pos, got)
			}
			if got, want := targetFast8(w), charClass[c]&cTarget != 0; got != want {
				t.Errorf("targetFast8 byte %#x at %d = %v", c, pos, got)
			}
		}
	}
}

func TestTargetFormString(t *testing.T) {
	for f, s := range map[TargetForm]string{OriginForm: "origin-form", AbsoluteForm: "absolute-form", AuthorityForm: "authority-form", AsteriskForm: "asterisk-form", 9: "TargetForm(9)"} {
		if f.String() != s {
			t.Errorf("%d: %s", f, f.String())
		}
	}
}

func TestIPLiteral(t *testing.T) {
	for s, want := range map[string]bool{
		"::": true, "::1": true, "1::": true, "2001:db8::1": true, "1:2:3:4:5:6:7:8": true,
		"1:2:3:4:5:6:7::": true, "::2:3:4:5:6:7:8": true, "::ffff:192.0.2.1": true, "1:2:3:4:5:6:1.2.3.4": true,
		"ABCD:ef01::": true, "v1.x": true, "vF.a:b!": true,
		"": false, ":": false, ":0": false, ":::": false, "1:::2": false, "1::2::3": false, "1:2:3:4:5:6:7:8:9": false,
		"1:2:3:4:5:6:7": false, "1:2:3:4:5:6:7:8::": false, "12345::": false, "1:": false, "g::": false,
		"::1.2.3": false, "::256.0.0.1": false, "::01.2.3.4": false, "::1.2.3.4:5": false, "1.2.3.4": false,
		"::1%25eth0": false, "v.x": false, "v1.": false, "v1x": false,
	} {
		if got := validIPLiteral([]byte(s)); got != want {
			t.Errorf("validIPLiteral(%q) = %v", s, got)
		}
	}
}

func TestKnownMethod(t *testing.T) {
	for m, want := range map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "DELETE": true, "CONNECT": true,
		"OPTIONS": true, "TRACE": true, "PATCH": true, "PROPFIND": true, "QUERY": true, "LINK": true,
		"get": false, "PURGE": false, "SOURCE": false, "ANNOUNCE": false, "M-SEARCH": false, "MKCOLA": false, "": false} {
		if got := KnownMethod([]byte(m)); got != want {
			t.Errorf("KnownMethod(%q) = %v", m, got)
		}
	}
	m := []byte("PROPPATCH")
	if a := testing.AllocsPerRun(100, func() { KnownMethod(m) }); a != 0 {
		t.Errorf("KnownMethod: %v allocs", a)
	}
}
