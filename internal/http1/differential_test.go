package http1

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// netHTTPDifference is a known, intentional difference between ParseHead and
// Go's net/http.ReadRequest. Every input on which the two disagree must
// match at least one of them. DIFFERENCES.md has the same list in prose.
type netHTTPDifference struct {
	name   string
	reason string // why wharf does what it does (RFC section)
	// match reports whether the difference explains the disagreement on
	// in, given wharf's error (nil if it accepted).
	match func(in []byte, ours error) bool
}

func oursIs(errs ...*Error) func([]byte, error) bool {
	return func(_ []byte, ours error) bool {
		for _, e := range errs {
			if ours == e {
				return true
			}
		}
		return false
	}
}

var netHTTPDifferences = []netHTTPDifference{
	{
		name:   "bare LF line endings",
		reason: "net/http accepts LF alone as a line terminator; wharf rejects it (RFC 9112 2.2 allows either; llhttp strict rejects, and a CR-less line is how many smuggling payloads begin)",
		match: func(in []byte, ours error) bool {
			return ours == errBareLF || hasBareLF(in)
		},
	},
	{
		name:   "empty lines before the request line",
		reason: "ReadRequest rejects them; wharf ignores them (RFC 9112 2.2: a server SHOULD ignore at least one empty line before the request-line). net/http's server discards up to 4 such bytes itself before calling ReadRequest",
		match:  func(in []byte, _ error) bool { return bytes.HasPrefix(in, []byte("\r\n")) },
	},
	{
		name:   "obs-fold",
		reason: "net/http unfolds continuation lines; wharf rejects them with 400 (RFC 9112 5.2: reject or replace; RFC 9112 2.2 for whitespace before the first field)",
		match:  oursIs(errObsFold, errLeadingSpace),
	},
	{
		name:   "whitespace between field name and colon",
		reason: "net/http keeps the field under a name with the whitespace in it; RFC 9112 5.1 says a server MUST reject such a request with 400",
		match:  oursIs(errSpaceBeforeColon),
	},
	{
		name:   "Host presence and syntax",
		reason: "ReadRequest does not check Host (net/http's server checks presence and a looser syntax, with any run of digits as a port); wharf requires exactly one valid Host in HTTP/1.1 (RFC 9112 3.2, RFC 9110 7.2), for CONNECT too, with a port in 1-65535 like a request-target's",
		match:  oursIs(errMissingHost, errInvalidHost),
	},
	{
		name:   "HTTP versions other than 1.0 and 1.1",
		reason: "ReadRequest accepts any HTTP/d.d (net/http's server then answers 505 for major != 1); wharf answers 505 for every version but 1.0/1.1, e.g. HTTP/1.2 (RFC 9110 15.6.6)",
		match:  oursIs(errVersionUnsupport),
	},
	{
		name:   "request-target checks",
		reason: "net/http accepts octets >= 0x80, \"*\" with any method, any scheme, userinfo and CONNECT with a path; wharf rejects them (RFC 9112 3.2, 3.2.2-3.2.4, RFC 9110 4.2.1 empty host, 4.2.4 userinfo; llhttp strict for non-ASCII)",
		match:  oursIs(errTargetChar, errAsterisk, errTarget, errUserinfo, errAuthorityForm, errEmptyHost),
	},
	{
		name:   "fragment in the request-target",
		reason: "net/http's ParseRequestURI assumes no fragment and keeps \"#...\" in the path (\"/a#b\" is served as path \"/a#b\"); wharf answers 400: origin-form is absolute-path [ \"?\" query ] and absolute-form an absolute-URI, neither with a fragment (RFC 9112 3.2.1, 3.2.2, RFC 3986 4.3)",
		match: func(in []byte, ours error) bool {
			return ours == errFragment && bytes.IndexByte(requestTarget(in), '#') >= 0
		},
	},
	{
		name:   "request-target port outside 1-65535",
		reason: "net/http accepts any run of digits as the port of an absolute-form or authority-form target (\"http://h:0/\", \"h:99999\"); wharf answers 400: the port of an http(s) URI is a TCP port, 1-65535 (RFC 9110 4.2.1, RFC 9293 3.1, RFC 6335 6: 0 is reserved)",
		match: func(in []byte, ours error) bool {
			return ours == errTargetPort && targetPortOutOfRange(requestTarget(in))
		},
	},
	{
		name:   "empty request-target",
		reason: "net/http accepts an empty target for CONNECT (\"CONNECT  HTTP/1.1\", two SPs); wharf requires exactly one SP between non-empty parts (RFC 9112 3, 3.2.3)",
		match:  oursIs(errRequestLine),
	},
	{
		name:   "Content-Length with Transfer-Encoding, repeated Content-Length, Transfer-Encoding in HTTP/1.0",
		reason: "net/http drops Content-Length when chunked is present, merges identical Content-Length lines and ignores Transfer-Encoding in HTTP/1.0; wharf rejects all three with 400 (RFC 9112 6.1 and 6.3: smuggling vectors)",
		match:  oursIs(errCLAndTE, errDuplicateCL, errTEHTTP10),
	},
	{
		name:   "invalid Transfer-Encoding in HTTP/1.0",
		reason: "net/http ignores Transfer-Encoding in HTTP/1.0 whatever its value; wharf rejects any Transfer-Encoding in HTTP/1.0 (the rule above), and reports a value that is not a transfer-coding list as \"invalid Transfer-Encoding\" first, when it reads the field, before it applies the HTTP/1.0 rule at the end of the head",
		match:  invalidTEInHTTP10,
	},
	{
		name:   "empty elements in the Transfer-Encoding list",
		reason: "net/http accepts only the exact value \"chunked\"; wharf parses the list and ignores empty elements, as RFC 9110 5.6.1 requires of recipients (\", chunked\" is chunked)",
		match: func(in []byte, ours error) bool {
			return ours == nil && teHasEmptyElement(in)
		},
	},
	{
		name:   "Expect",
		reason: "ReadRequest does not look at Expect (net/http's server answers 417 itself); wharf's parser returns 417 for an expectation other than 100-continue (RFC 9110 10.1.1)",
		match:  oursIs(errExpectation),
	},
	{
		name:   "head size limits",
		reason: "ReadRequest has no limit of its own (net/http's server has MaxHeaderBytes, 1 MB); wharf's default limits are 8 KB request line (414) and 16 KB head (431), 100 fields",
		match:  oursIs(errRequestLineLong, errHeaderTooLarge, errTooManyFields),
	},
	{
		name:   "EOF-terminated head",
		reason: "ReadRequest accepts a head that ends at EOF without its final CRLF (bufio returns the unterminated last line); a server cannot see EOF coming, so wharf says ErrNeedMore until the empty line arrives (RFC 9112 2.1)",
		match:  func(_ []byte, ours error) bool { return ours == ErrNeedMore },
	},
}

// invalidTEInHTTP10 matches the HTTP/1.0 requests that wharf rejects for the
// syntax of a Transfer-Encoding value, which net/http ignores in HTTP/1.0.
// To stay narrow it proves each part of that explanation: the error is the
// syntax error, the request line is HTTP/1.0, and the same input without
// its Transfer-Encoding field lines is one on which wharf and net/http
// agree (net/http accepts it too, and wharf accepts it alike or rejects it
// for another listed difference), so nothing but the ignored field
// separates them. A syntax error reported for anything else, in
// HTTP/1.1, or hiding another disagreement later in the head, does not
// match.
func invalidTEInHTTP10(in []byte, ours error) bool {
	if ours != errTESyntax {
		return false
	}
	line := requestLine(in)
	if !bytes.HasSuffix(line, []byte(" HTTP/1.0")) {
		return false
	}
	crlf := []byte("\r\n")
	p := 0
	for bytes.HasPrefix(in[p:], crlf) {
		p += 2
	}
	without := append([]byte{}, in[:p]...)
	rest := in[p:]
	for first := true; len(rest) > 0; first = false {
		i := bytes.Index(rest, crlf)
		if i < 0 || (i == 0 && !first) {
			without = append(without, rest...) // the head ends (or is cut); the rest is kept as is
			break
		}
		l := rest[:i+2]
		rest = rest[i+2:]
		if colon := bytes.IndexByte(l, ':'); !first && colon >= 0 && equalFold(l[:colon], "transfer-encoding") {
			continue
		}
		without = append(without, l...)
	}
	if bytes.Equal(without, in) || readGo(without).err != nil {
		return false // nothing removed, or net/http's verdict changed with it
	}
	bad, _ := compareAgain(without)
	return bad == ""
}

// compareAgain is compareNetHTTP, for a difference that classifies a reduced
// input through the list it is part of (set in init: a direct call would be
// an initialization cycle).
var compareAgain func([]byte) (string, string)

func init() { compareAgain = compareNetHTTP }

// requestLine returns the request line of in without its CRLF, after any
// empty lines that precede it (RFC 9112 2.2), or nil if there is no CRLF.
func requestLine(in []byte) []byte {
	for bytes.HasPrefix(in, []byte("\r\n")) {
		in = in[2:]
	}
	i := bytes.Index(in, []byte("\r\n"))
	if i < 0 {
		return nil
	}
	return in[:i]
}

// requestTarget returns the request-target of in's request line: the bytes
// between its first and second SP.
func requestTarget(in []byte) []byte {
	parts := bytes.SplitN(requestLine(in), []byte(" "), 3)
	if len(parts) < 3 {
		return nil
	}
	return parts[1]
}

// targetPortOutOfRange reports whether target, in absolute-form or
// authority-form, has a port that is not 1-65535, computed independently
// of the parser (strconv on the digits after the authority's last ":").
func targetPortOutOfRange(target []byte) bool {
	if len(target) == 0 || target[0] == '/' {
		return false // origin-form has no authority
	}
	auth := target
	if i := bytes.Index(auth, []byte("://")); i >= 0 {
		auth = auth[i+3:]
		if j := bytes.IndexAny(auth, "/?#"); j >= 0 {
			auth = auth[:j]
		}
	}
	i := bytes.LastIndexByte(auth, ':')
	if i < 0 || bytes.IndexByte(auth[i:], ']') >= 0 || i == len(auth)-1 {
		return false // no port, or an empty one
	}
	port, err := strconv.ParseUint(string(auth[i+1:]), 10, 64)
	if err != nil {
		var ne *strconv.NumError
		return errors.As(err, &ne) && ne.Err == strconv.ErrRange // digits, too many of them
	}
	return port == 0 || port > 65535
}

// teHasEmptyElement reports whether a Transfer-Encoding field of in has an
// empty list element (or several lines that net/http would not combine).
func teHasEmptyElement(in []byte) bool {
	var h Head
	if _, err := ParseHead(in, nil, &h); err != nil {
		return false
	}
	lines := 0
	for _, f := range h.Fields {
		if !equalFold(f.Name, "transfer-encoding") {
			continue
		}
		lines++
		for _, e := range bytes.Split(f.Value, []byte(",")) {
			if len(trimOWS(e)) == 0 {
				return true
			}
		}
	}
	return lines > 1
}

func hasBareLF(in []byte) bool {
	for i, c := range in {
		if c == '\n' && (i == 0 || in[i-1] != '\r') {
			return true
		}
	}
	return false
}

// goResult is ReadRequest's verdict on in.
type goResult struct {
	req      *http.Request
	err      error
	consumed int
}

func readGo(in []byte) goResult {
	br := bufio.NewReaderSize(bytes.NewReader(in), len(in)+16)
	req, err := http.ReadRequest(br)
	return goResult{req, err, len(in) - br.Buffered()}
}

func goIncomplete(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// compareNetHTTP returns "" if ParseHead and ReadRequest agree on in (or
// disagree in a listed way), else a description of the disagreement.
func compareNetHTTP(in []byte) (string, string) {
	var h Head
	n, ours := ParseHead(in, nil, &h)
	g := readGo(in)
	oursOK, goOK := ours == nil, g.err == nil
	if !oursOK || !goOK {
		if !oursOK && !goOK {
			return "", "both reject"
		}
		if ours == ErrNeedMore && goIncomplete(g.err) {
			return "", "both incomplete"
		}
		for _, d := range netHTTPDifferences {
			if d.match(in, ours) {
				return "", d.name
			}
		}
		if oursOK {
			return "net/http rejects (" + g.err.Error() + "), wharf accepts", ""
		}
		return "wharf rejects (" + ours.Error() + "), net/http accepts", ""
	}
	// Both accept: they must agree on everything that matters.
	req := g.req
	var diffs []string
	add := func(what string, a, b any) {
		diffs = append(diffs, fmt.Sprintf("%s: wharf %#v / net/http %#v", what, a, b))
	}
	if n != g.consumed {
		add("head length", n, g.consumed)
	}
	if string(h.Method) != req.Method {
		add("method", string(h.Method), req.Method)
	}
	if string(h.Target) != req.RequestURI {
		add("target", string(h.Target), req.RequestURI)
	}
	if h.Minor != req.ProtoMinor || req.ProtoMajor != 1 {
		add("version", h.Minor, req.Proto)
	}
	if string(h.Host) != req.Host {
		add("host", string(h.Host), req.Host)
	}
	goCL := req.ContentLength
	oursCL := h.ContentLength
	if oursCL == -1 && !h.Chunked {
		oursCL = 0 // net/http reports 0 for a request without a body
	}
	if oursCL != goCL {
		add("content-length", oursCL, goCL)
	}
	if h.Chunked != slices.Equal(req.TransferEncoding, []string{"chunked"}) {
		add("chunked", h.Chunked, req.TransferEncoding)
	}
	if h.Close != req.Close {
		add("close", h.Close, req.Close)
	}
	// Fields: net/http canonicalizes names, groups values by name and
	// moves Host (and Transfer-Encoding when chunked) out of Header.
	ourHdr := http.Header{}
	for _, f := range h.Fields {
		k := textproto.CanonicalMIMEHeaderKey(string(f.Name))
		if k == "Host" || (k == "Transfer-Encoding" && h.Chunked) {
			continue
		}
		ourHdr[k] = append(ourHdr[k], string(f.Value))
	}
	if len(ourHdr) != len(req.Header) {
		add("header count", len(ourHdr), len(req.Header))
	}
	for k, v := range ourHdr {
		if !slices.Equal(v, req.Header[k]) {
			add("header "+k, v, req.Header[k])
		}
	}
	if len(diffs) > 0 {
		return "both accept but differ: " + strings.Join(diffs, "; "), ""
	}
	return "", "agree"
}

// FuzzDifferentialNetHTTP parses each input with ParseHead and with
// net/http.ReadRequest. When both accept, method, target, version, Host,
// framing, Connection handling and every header field (canonicalized) must
// agree; when they disagree about accepting, the input must match one of
// the listed intentional differences.
func FuzzDifferentialNetHTTP(f *testing.F) {
	for _, r := range headRows {
		f.Add([]byte(r.in))
	}
	for _, s := range corpusSeeds("head") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if bad, _ := compareNetHTTP(in); bad != "" {
			t.Fatalf("%q: %s", in, bad)
		}
	})
}

// TestDifferentialNetHTTPSeeds runs the comparison over the tables and the
// corpora and reports how often each listed difference was needed.
func TestDifferentialNetHTTPSeeds(t *testing.T) {
	counts := map[string]int{}
	var inputs [][]byte
	for _, r := range headRows {
		inputs = append(inputs, []byte(r.in))
	}
	inputs = append(inputs, corpusSeeds("head")...)
	for _, in := range inputs {
		bad, why := compareNetHTTP(in)
		if bad != "" {
			t.Errorf("%q: %s", in, bad)
			continue
		}
		counts[why]++
	}
	for _, d := range netHTTPDifferences {
		t.Logf("%-40s %d", d.name, counts[d.name])
	}
	t.Logf("agree %d, both reject %d, both incomplete %d", counts["agree"], counts["both reject"], counts["both incomplete"])
}

// TestDifferenceMatchersNarrow checks that the differences that look at
// more than wharf's error match what they describe and nothing next to
// it: an exception that matched a real bug would hide it from the fuzzer.
func TestDifferenceMatchersNarrow(t *testing.T) {
	const h10 = " HTTP/1.0\r\n"
	tests := []struct {
		in   string
		ours error // the error the matcher is asked about
		want bool
	}{
		// invalid Transfer-Encoding in HTTP/1.0 (the fuzzer's finding)
		{"0 / HTTP/1.0\r\nTrAnsfer-EnCoding:\"\r\n\r\n", errTESyntax, true},
		{"POST /" + h10 + "Transfer-Encoding: chunked;\r\nX: y\r\n\r\nbody", errTESyntax, true},
		{"POST /" + h10 + "Content-Length: 1\r\nTransfer-Encoding: (\r\n\r\nx", errTESyntax, true},
		{"GET /" + h10 + "Transfer-Encoding: \"\r\nX : y\r\n\r\n", errTESyntax, true},       // the rest is another listed difference
		{"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \"\r\n\r\n", errTESyntax, false}, // not HTTP/1.0
		{"GET /" + h10 + "X-Transfer-Encoding: \"\r\n\r\n", errTESyntax, false},             // no Transfer-Encoding line to blame
		{"GET /" + h10 + "Transfer-Encoding: \"\r\n\r\n", errTEHTTP10, false},               // another error
		{"GET /" + h10 + "Transfer-Encoding: \"\r\nHost: a b\r\n\r\n", errTESyntax, true},   // Host syntax: listed
		{"GET /HTTP/1.0 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \"\r\n\r\n", errTESyntax, false},
		// ReadRequest rejects leading empty lines: both reject, and the
		// matcher, never asked in the fuzzer, does not match either.
		{strings.Repeat("\r\n", 20) + "0 /" + h10 + "Transfer-Encoding: \"\r\n\r\n", errTESyntax, false},
		{"POST /" + h10 + "Transfer-Encoding: \"\r\nContent-Length: 30\r\n\r\nTransfer-Encoding: in the body\r\n", errTESyntax, true},
	}
	for _, tt := range tests {
		if got := invalidTEInHTTP10([]byte(tt.in), tt.ours); got != tt.want {
			t.Errorf("invalidTEInHTTP10(%q, %v) = %v, want %v", tt.in, tt.ours, got, tt.want)
		}
	}
	ports := map[string]bool{
		"http://h:0/": true, "https://h:65536?q": true, "h:99999999999999999999999": true,
		"http://[::1]:0#f": true, "[::1]:00000": true,
		"http://h:65535/": false, "h:1": false, "http://h:/": false, "http://[::1]/": false,
		"http://h/a:0": false, "http://h:80/a:0": false, "/a:0": false, "h:0x1": false,
	}
	for target, want := range ports {
		if got := targetPortOutOfRange([]byte(target)); got != want {
			t.Errorf("targetPortOutOfRange(%q) = %v, want %v", target, got, want)
		}
	}
	for _, tt := range []struct {
		in   string
		want string
	}{
		{"GET /a#b HTTP/1.1\r\n", "/a#b"},
		{"\r\n\r\nGET http://h:0/ HTTP/1.1\r\nHost: h\r\n\r\n", "http://h:0/"},
		{"GET /a HTTP/1.1\r\nX: #\r\n\r\n", "/a"},
	} {
		if got := string(requestTarget([]byte(tt.in))); got != tt.want {
			t.Errorf("requestTarget(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
