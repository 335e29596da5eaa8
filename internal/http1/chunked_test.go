package http1

import (
	"bytes"
	"strings"
	"testing"
)

// chunkRow is one chunked body (RFC 9112 7.1): the bytes after the head,
// and the data it decodes to, how many bytes it spans, or its error.
type chunkRow struct {
	rfc    string
	in     string
	out    string // decoded data
	n      int    // bytes consumed at done; 0 means len(in)
	status int    // 0: valid and complete; needMore: valid but incomplete; else the Error status
	maxTr  int    // MaxTrailerBytes
}

var chunkRows = []chunkRow{
	{rfc: "9112 7.1 one chunk", in: "5\r\nhello\r\n0\r\n\r\n", out: "hello"},
	{rfc: "9112 7.1 two chunks", in: "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", out: "hello world"},
	{rfc: "9112 7.1 empty body", in: "0\r\n\r\n", out: ""},
	{rfc: "9112 7.1 hex digits, both cases", in: "a\r\n0123456789\r\nA\r\n0123456789\r\n0\r\n\r\n", out: "01234567890123456789"},
	{rfc: "9112 7.1 leading zeros; last-chunk 1*\"0\"", in: "0005\r\nhello\r\n000\r\n\r\n", out: "hello"},
	{rfc: "9112 7.1 16 hex digits are allowed", in: "0000000000000001\r\nx\r\n0\r\n\r\n", out: "x"},
	{rfc: "9112 7.1 chunk data may hold CRLF", in: "4\r\n\r\n\r\n\r\n0\r\n\r\n", out: "\r\n\r\n"},
	{rfc: "9112 7.1 bytes after the body are not consumed", in: "1\r\na\r\n0\r\n\r\nGET / HTTP/1.1\r\n", out: "a", n: 11},
	{rfc: "9112 7.1.1 extension without value", in: "5;foo\r\nhello\r\n0;bar\r\n\r\n", out: "hello"},
	{rfc: "9112 7.1.1 extension with token value", in: "5;foo=bar;baz=1\r\nhello\r\n0\r\n\r\n", out: "hello"},
	{rfc: "9112 7.1.1 extension with quoted value", in: "5;foo=\"a \\\"b\\\"; c\"\r\nhello\r\n0\r\n\r\n", out: "hello"},
	{rfc: "9112 7.1.1 BWS around ; and =", in: "5 ; foo = bar\t;\tq = \"x\"\r\nhello\r\n0\r\n\r\n", out: "hello"},
	{rfc: "9112 7.1.2 trailer fields", in: "5\r\nhello\r\n0\r\nVary: *\r\nX-Sum:  abc \r\nX-Empty:\r\n\r\n", out: "hello"},
	{rfc: "9112 7.1.2 trailer with obs-text", in: "0\r\nX: \xff\r\n\r\n", out: ""},
	{rfc: "9112 7.1.2 trailer section exactly at the limit", in: "0\r\nX: 1\r\n\r\n", out: "", maxTr: 8},

	{rfc: "incomplete: nothing", in: "", status: needMore},
	{rfc: "incomplete: in data", in: "5\r\nhel", out: "hel", status: needMore},
	{rfc: "incomplete: after last-chunk", in: "5\r\nhello\r\n0\r\n", out: "hello", status: needMore},
	{rfc: "incomplete: in trailer", in: "0\r\nX: y\r\n", status: needMore},
	{rfc: "incomplete: in quoted extension", in: "5;a=\"b", status: needMore},

	{rfc: "9112 7.1 chunk-size is not hex", in: "z\r\nabc\r\n0\r\n\r\n", status: 400},
	{rfc: "9112 7.1 empty chunk-size", in: "\r\nabc\r\n0\r\n\r\n", status: 400},
	{rfc: "9112 7.1 sign in chunk-size", in: "+5\r\nhello\r\n0\r\n\r\n", status: 400},
	{rfc: "9112 7.1 0x prefix", in: "0x5\r\nhello\r\n0\r\n\r\n", status: 400},
	{rfc: "9112 7.1 17 hex digits", in: "00000000000000001\r\nx\r\n0\r\n\r\n", status: 400},
	{rfc: "9112 7.1 chunk-size overflows int64", in: "8000000000000000\r\n", status: 400},
	{rfc: "9112 7.1 missing CRLF after data", in: "5\r\nhelloX\r\n0\r\n\r\n", status: 400},
	{rfc: "9112 7.1 bare LF after data", in: "5\r\nhello\n0\r\n\r\n", status: 400},
	{rfc: "9112 7.1 bare LF after size", in: "5\nhello\r\n0\r\n\r\n", status: 400},
	{rfc: "9112 7.1 bare CR after size", in: "5\rhello\r\n0\r\n\r\n", status: 400},
	{rfc: "9112 7.1 missing last-chunk", in: "3\r\nfoo\r\n\r\n", status: 400},
	{rfc: "9112 7.1.1 SP after size without extension", in: "a \r\n0123456789\r\n0\r\n\r\n", status: 400},
	{rfc: "9112 7.1.1 junk after size", in: "2 erf\r\naa\r\n0\r\n\r\n", status: 400},
	{rfc: "9112 7.1.1 empty extension name", in: "2;\r\naa\r\n0\r\n\r\n", status: 400},
	{rfc: "9112 7.1.1 empty extension name before =", in: "2;=x\r\naa\r\n0\r\n\r\n", status: 400},
	{rfc: "9112 7.1.1 empty extension value", in: "2;a=\r\naa\r\n0\r\n\r\n", status: 400},
	{rfc: "9112 7.1.1 BWS before CRLF", in: "2;a \r\naa\r\n0\r\n\r\n", status: 400},
	{rfc: "9112 7.1.1 extension value not a token", in: "2;a=b@c\r\naa\r\n0\r\n\r\n", status: 400},
	{rfc: "9112 7.1.1 unterminated quoted-string", in: "2;a=\"bc\r\naa\r\n0\r\n\r\n", status: 400},
	{rfc: "9112 7.1.1 junk after quoted-string", in: "2;a=\"bc\"d\r\naa\r\n0\r\n\r\n", status: 400},
	{rfc: "9110 5.6.4 CTL in quoted-string", in: "2;a=\"b\x01\"\r\naa\r\n0\r\n\r\n", status: 400},
	{rfc: "9112 7.1.1 chunk line too long", in: "1;" + strings.Repeat("a", maxChunkLine) + "\r\nx\r\n0\r\n\r\n", status: 400},
	{rfc: "9112 7.1.1 chunk extensions outgrow the data", in: strings.Repeat("1;"+strings.Repeat("e", 1000)+"\r\nx\r\n", 20) + "0\r\n\r\n", status: 400},
	{rfc: "9112 7.1.1 one byte per chunk is fine", in: strings.Repeat("1\r\nx\r\n", 2000) + "0\r\n\r\n", out: strings.Repeat("x", 2000)},
	{rfc: "9112 7.1.2 trailer obs-fold", in: "0\r\nX: a\r\n b\r\n\r\n", status: 400},
	{rfc: "9112 7.1.2 trailer whitespace before colon", in: "0\r\nX : a\r\n\r\n", status: 400},
	{rfc: "9112 7.1.2 trailer without colon", in: "0\r\nX\r\n\r\n", status: 400},
	{rfc: "9112 7.1.2 trailer empty name", in: "0\r\n: a\r\n\r\n", status: 400},
	{rfc: "9112 7.1.2 trailer NUL", in: "0\r\nX: a\x00\r\n\r\n", status: 400},
	{rfc: "9112 7.1.2 trailer bare LF", in: "0\r\nX: a\n\r\n", status: 400},
	{rfc: "9112 7.1.2 trailer bare CR", in: "0\r\nX: a\rb\r\n\r\n", status: 400},
	{rfc: "9112 7.1 bare LF ending the body", in: "0\r\n\n", status: 400},
	{rfc: "9112 7.1 bare CR ending the body", in: "0\r\n\rX", status: 400},
	{rfc: "9112 7.1.2 trailer section too large", in: "0\r\nX: 12\r\n\r\n", status: 431, maxTr: 8},
}

// decodeIn decodes src split into pieces at the offsets in cuts, with a dst
// of dstSize bytes per call, like a server reading a socket would: bytes
// not consumed are kept and presented again with the next piece.
func decodeIn(src []byte, cuts []int, dstSize int) (out []byte, consumed int, done bool, err error) {
	var d ChunkedDecoder
	return decodeWith(&d, src, cuts, dstSize)
}

func decodeWith(d *ChunkedDecoder, src []byte, cuts []int, dstSize int) (out []byte, consumed int, done bool, err error) {
	dst := make([]byte, dstSize)
	end := 0
	bounds := append(append([]int{}, cuts...), len(src))
	for _, b := range bounds {
		if b < end {
			continue
		}
		end = b
		for {
			nd, ns, dn, e := d.Decode(dst, src[consumed:end])
			out = append(out, dst[:nd]...)
			consumed += ns
			if dn || e != nil {
				return out, consumed, dn, e
			}
			if nd == 0 && ns == 0 {
				break // need more input
			}
		}
	}
	return out, consumed, false, nil
}

func (r chunkRow) check(t *testing.T, how string, out []byte, consumed int, done bool, err error) {
	t.Helper()
	got := statusOf(err)
	if got == 0 && !done {
		got = needMore
	}
	if got != r.status {
		t.Errorf("RFC %s (%s): %q: status %d (%v), want %d", r.rfc, how, r.in, got, err, r.status)
		return
	}
	if r.status == 0 || r.status == needMore {
		if string(out) != r.out {
			t.Errorf("RFC %s (%s): %q: out %q, want %q", r.rfc, how, r.in, out, r.out)
		}
	}
	if r.status == 0 {
		want := r.n
		if want == 0 {
			want = len(r.in)
		}
		if consumed != want {
			t.Errorf("RFC %s (%s): %q: consumed %d, want %d", r.rfc, how, r.in, consumed, want)
		}
	}
}

func TestChunkedTable(t *testing.T) {
	for _, r := range chunkRows {
		d := ChunkedDecoder{MaxTrailerBytes: r.maxTr}
		out, n, done, err := decodeWith(&d, []byte(r.in), nil, 1<<16)
		r.check(t, "whole", out, n, done, err)
	}
}

// TestChunkedSplit splits every row at every offset (every few offsets for
// the two rows longer than 1 KB), and also feeds it one
// byte at a time with a one-byte dst: the result must not depend on how
// the bytes arrive (the decoder is a state machine, RFC 9112 7.1 has no
// lookahead).
func TestChunkedSplit(t *testing.T) {
	for _, r := range chunkRows {
		src := []byte(r.in)
		for cut := 0; cut <= len(src); cut += 1 + len(src)/1024 {
			d := ChunkedDecoder{MaxTrailerBytes: r.maxTr}
			out, n, done, err := decodeWith(&d, src, []int{cut}, 3)
			r.check(t, "split", out, n, done, err)
		}
		var all []int
		for i := range src {
			all = append(all, i)
		}
		d := ChunkedDecoder{MaxTrailerBytes: r.maxTr}
		out, n, done, err := decodeWith(&d, src, all, 1)
		r.check(t, "bytewise", out, n, done, err)
	}
}

// TestChunkedDrain: with an empty dst the decoder still consumes size
// lines, CRLFs and the trailer, and stops at chunk data.
func TestChunkedDrain(t *testing.T) {
	var d ChunkedDecoder
	src := []byte("3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n")
	nd, ns, done, err := d.Decode(nil, src)
	if nd != 0 || ns != 7 || done || err != nil {
		t.Fatalf("empty dst at size line: %d %d %v %v", nd, ns, done, err)
	}
	buf := make([]byte, 3)
	nd, ns2, done, err := d.Decode(buf, src[ns:])
	if nd != 3 || string(buf) != "abc" || !done || err != nil || ns+ns2 != len(src) {
		t.Fatalf("rest: %d %d %v %v", nd, ns2, done, err)
	}
	// After done: nothing more is consumed.
	if nd, ns, done, err := d.Decode(buf, []byte("GET")); nd != 0 || ns != 0 || !done || err != nil {
		t.Fatalf("after done: %d %d %v %v", nd, ns, done, err)
	}
	// Errors are sticky; Reset clears them and keeps MaxTrailerBytes.
	d = ChunkedDecoder{MaxTrailerBytes: 7}
	if _, _, _, err := d.Decode(buf, []byte("x")); statusOf(err) != 400 {
		t.Fatal(err)
	}
	if _, _, _, err := d.Decode(buf, []byte("0\r\n\r\n")); statusOf(err) != 400 {
		t.Fatal("error not sticky")
	}
	d.Reset()
	if d.MaxTrailerBytes != 7 {
		t.Fatal("Reset lost MaxTrailerBytes")
	}
	if _, _, done, err := d.Decode(buf, []byte("0\r\n\r\n")); !done || err != nil {
		t.Fatal("after Reset", err)
	}
}

func TestChunkedLarge(t *testing.T) {
	// A body encoded with AppendChunkSize round-trips through the decoder.
	data := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	var enc []byte
	for i := 0; i < len(data); i += 1000 {
		j := min(i+1000, len(data))
		enc = AppendChunkSize(enc, j-i)
		enc = append(enc, data[i:j]...)
		enc = append(enc, "\r\n"...)
	}
	enc = AppendChunkSize(enc, 0)
	enc = append(enc, "\r\n"...)
	for _, dstSize := range []int{1, 7, 4096, len(data)} {
		out, n, done, err := decodeIn(enc, []int{100, 5000, 30000}, dstSize)
		if err != nil || !done || n != len(enc) || !bytes.Equal(out, data) {
			t.Fatalf("dst %d: n=%d done=%v err=%v equal=%v", dstSize, n, done, err, bytes.Equal(out, data))
		}
	}
}
