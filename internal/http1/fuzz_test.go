package http1

import (
	"bytes"
	"testing"

	"github.com/wharfhttp/wharf/internal/corpus"
)

// corpusSeeds returns the request streams of the llhttp and picohttpparser
// corpora (read through internal/corpus), or nil when
// ../shared/conformance is absent.
func corpusSeeds(kind string) [][]byte {
	dir, err := corpus.Dir()
	if err != nil {
		return nil
	}
	ll, _ := corpus.LoadLLHTTP(dir)
	pico, _ := corpus.LoadPico(dir)
	var out [][]byte
	switch kind {
	case "head":
		for _, c := range ll {
			out = append(out, c.Server)
		}
		for _, c := range pico {
			if c.Fn == "test_request" {
				out = append(out, c.Raw)
			}
		}
	case "chunked":
		for _, c := range pico {
			if len(c.Chunked) > 0 {
				out = append(out, c.Chunked)
			}
		}
		// The bodies of llhttp's chunked requests.
		for _, c := range ll {
			var h Head
			if n, err := ParseHead(c.Server, nil, &h); err == nil && h.Chunked {
				out = append(out, c.Server[n:])
			}
		}
	}
	return out
}

var fuzzStatuses = map[int]bool{400: true, 414: true, 417: true, 431: true, 501: true, 505: true}

// FuzzParseHead checks ParseHead's contract on arbitrary input and limits:
// it never panics; it returns ErrNeedMore or an *Error with one of the
// documented statuses, or n with a head whose parts satisfy their grammar;
// an accepted head re-parses to the same result from b[:n] alone, and every
// shorter prefix needs more; a rejected input is never accepted in part
// (each prefix needs more or fails with the same status).
func FuzzParseHead(f *testing.F) {
	for _, r := range headRows {
		var l Limits
		if r.lim != nil {
			l = *r.lim
		}
		f.Add([]byte(r.in), uint16(l.MaxRequestLine), uint16(l.MaxHeaderBytes), uint8(l.MaxFields))
	}
	for _, s := range corpusSeeds("head") {
		f.Add(s, uint16(0), uint16(0), uint8(0))
	}
	f.Fuzz(func(t *testing.T, in []byte, maxLine, maxHead uint16, maxFields uint8) {
		lim := &Limits{MaxRequestLine: int(maxLine), MaxHeaderBytes: int(maxHead), MaxFields: int(maxFields)}
		var h Head
		n, err := ParseHead(in, lim, &h)
		status := statusOf(err)
		if err != nil {
			if n != 0 {
				t.Fatalf("n = %d with error %v", n, err)
			}
			if status != needMore && !fuzzStatuses[status] {
				t.Fatalf("unexpected error %v", err)
			}
		} else {
			checkHead(t, in, n, lim, &h)
		}
		if status == needMore {
			return
		}
		// Prefixes: all of them for short inputs, a sample of long ones.
		end := n
		if err != nil {
			end = len(in)
		}
		step := 1 + end/256
		var p Head
		for k := 0; k < end; k += step {
			_, perr := ParseHead(in[:k], lim, &p)
			if ps := statusOf(perr); ps != needMore && (err == nil || ps != status) {
				t.Fatalf("prefix of %d bytes: %v; whole input (%d bytes): n=%d %v", k, perr, len(in), n, err)
			}
		}
	})
}

func checkHead(t *testing.T, in []byte, n int, lim *Limits, h *Head) {
	t.Helper()
	maxLine, maxHead, maxFields := lim.resolve()
	if n <= 0 || n > len(in) || n > maxHead {
		t.Fatalf("n = %d, len %d", n, len(in))
	}
	if !bytes.HasSuffix(in[:n], []byte("\r\n\r\n")) {
		t.Fatalf("head does not end in CRLF CRLF: %q", in[:n])
	}
	if len(h.Method) == 0 || !ValidFieldName(string(h.Method)) {
		t.Fatalf("method %q is not a token", h.Method)
	}
	if len(h.Target) == 0 || len(h.Target) > maxLine {
		t.Fatalf("target %q", h.Target)
	}
	for _, c := range h.Target {
		if c <= ' ' || c >= 0x7f {
			t.Fatalf("target %q has byte %#x", h.Target, c)
		}
	}
	// RFC 9112 3.2.1, 3.2.2: no fragment in an accepted target; RFC 9110
	// 4.2.1: an authority's port, if it has digits, is a TCP port (both
	// checked here without the parser's code: issue 11).
	if bytes.IndexByte(h.Target, '#') >= 0 {
		t.Fatalf("target %q with a fragment accepted", h.Target)
	}
	if h.Form == AuthorityForm || h.Form == AbsoluteForm {
		if targetPortOutOfRange(h.Target) {
			t.Fatalf("target %q with a port outside 1-65535 accepted", h.Target)
		}
	}
	if targetPortOutOfRange(append([]byte("http://"), h.Host...)) {
		t.Fatalf("host %q with a port outside 1-65535 accepted", h.Host)
	}
	switch h.Form {
	case OriginForm, AbsoluteForm:
		if len(h.Path) == 0 || h.Path[0] != '/' {
			t.Fatalf("path %q", h.Path)
		}
	case AuthorityForm:
		if string(h.Method) != "CONNECT" {
			t.Fatal("authority-form without CONNECT")
		}
	case AsteriskForm:
		if string(h.Method) != "OPTIONS" || string(h.Target) != "*" {
			t.Fatal("asterisk-form")
		}
	default:
		t.Fatalf("form %v", h.Form)
	}
	if h.Minor != 0 && h.Minor != 1 {
		t.Fatalf("minor %d", h.Minor)
	}
	if h.Minor == 1 && h.Host == nil {
		t.Fatal("HTTP/1.1 without host")
	}
	if len(h.Fields) > maxFields {
		t.Fatalf("%d fields", len(h.Fields))
	}
	for _, f := range h.Fields {
		if !ValidFieldName(string(f.Name)) || !ValidFieldValue(string(f.Value)) {
			t.Fatalf("field %q: %q", f.Name, f.Value)
		}
		if v := f.Value; len(v) > 0 && (v[0] == ' ' || v[0] == '\t' || v[len(v)-1] == ' ' || v[len(v)-1] == '\t') {
			t.Fatalf("value %q not trimmed", v)
		}
	}
	if h.ContentLength < -1 || h.Chunked && h.ContentLength != -1 {
		t.Fatalf("framing cl=%d chunked=%v", h.ContentLength, h.Chunked)
	}
	if h.Chunked && h.Minor == 0 {
		t.Fatal("chunked HTTP/1.0")
	}
	// b[:n] alone gives the same head, and so does b[:n] plus anything.
	want := summarize(h)
	var h2 Head
	for _, tail := range []string{"", "\x00", "GET / HTTP/1.1\r\n"} {
		in2 := append(append([]byte{}, in[:n]...), tail...)
		if n2, err := ParseHead(in2, lim, &h2); n2 != n || err != nil || summarize(&h2) != want {
			t.Fatalf("re-parse with tail %q: n=%d err=%v %s, want n=%d %s", tail, n2, err, summarize(&h2), n, want)
		}
	}
}

// FuzzChunked checks that decoding does not depend on how the input is
// split or on the size of dst: the whole input at once with a large dst,
// two pieces cut at an arbitrary offset with a small dst, and one byte at
// a time (for short inputs) must produce the same data, the same consumed
// count, and the same completion or error status.
func FuzzChunked(f *testing.F) {
	for _, r := range chunkRows {
		f.Add([]byte(r.in), uint16(len(r.in)/2), uint8(3))
	}
	f.Add(chunkedBody[:200], uint16(100), uint8(1))
	for _, s := range corpusSeeds("chunked") {
		f.Add(s, uint16(len(s)/3), uint8(5))
	}
	f.Fuzz(func(t *testing.T, in []byte, cut uint16, dstSize uint8) {
		type result struct {
			out      []byte
			consumed int
			done     bool
			status   int
		}
		run := func(cuts []int, dst int) result {
			out, n, done, err := decodeIn(in, cuts, dst)
			return result{out, n, done, statusOf(err)}
		}
		same := func(a, b result) bool {
			return a.status == b.status && a.done == b.done && bytes.Equal(a.out, b.out) && a.consumed == b.consumed
		}
		whole := run(nil, 1<<16)
		if whole.status != 0 && whole.status != 400 && whole.status != 431 {
			t.Fatalf("status %d", whole.status)
		}
		if whole.done && whole.consumed > len(in) {
			t.Fatal("consumed more than given")
		}
		c := int(cut) % (len(in) + 1)
		if split := run([]int{c}, 1+int(dstSize)); !same(whole, split) {
			t.Fatalf("whole %+v != split at %d (dst %d) %+v", whole, c, 1+int(dstSize), split)
		}
		if len(in) <= 512 {
			var all []int
			for i := range in {
				all = append(all, i)
			}
			if bw := run(all, 1); !same(whole, bw) {
				t.Fatalf("whole %+v != bytewise %+v", whole, bw)
			}
		}
	})
}
