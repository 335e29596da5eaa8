package http1

import (
	"bytes"
	"testing"
	"time"
)

// wrkRequest is what wrk sends by default.
const wrkRequest = "GET / HTTP/1.1\r\nHost: 127.0.0.1:7878\r\n\r\n"

// browserRequest is a typical ~600-byte head from a desktop browser.
const browserRequest = "GET /static/app.js?v=1712345678 HTTP/1.1\r\n" +
	"Host: www.example.com\r\n" +
	"Connection: keep-alive\r\n" +
	"sec-ch-ua: \"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", \"Not-A.Brand\";v=\"99\"\r\n" +
	"sec-ch-ua-mobile: ?0\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n" +
	"sec-ch-ua-platform: \"Linux\"\r\n" +
	"Accept: */*\r\n" +
	"Sec-Fetch-Site: same-origin\r\n" +
	"Sec-Fetch-Mode: no-cors\r\n" +
	"Sec-Fetch-Dest: script\r\n" +
	"Referer: https://www.example.com/\r\n" +
	"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
	"Accept-Language: en-US,en;q=0.9,de;q=0.8\r\n" +
	"Cookie: session=0123456789abcdef0123456789abcdef; theme=dark; _ga=GA1.2.123456789.1712345678\r\n" +
	"If-None-Match: \"5f3e-18c2a1b4\"\r\n" +
	"\r\n"

var chunkedBody = func() []byte {
	var b []byte
	data := bytes.Repeat([]byte("x"), 4096)
	for i := 0; i < 16; i++ {
		b = AppendChunkSize(b, len(data))
		b = append(b, data...)
		b = append(b, "\r\n"...)
	}
	return append(b, "0\r\nX-Checksum: abc\r\n\r\n"...)
}()

// TestAllocs asserts the zero-allocation contract of the hot paths.
func TestAllocs(t *testing.T) {
	var h Head
	for _, req := range []string{wrkRequest, browserRequest, "POST /x HTTP/1.1\r\n" + hostLine + "Transfer-Encoding: chunked\r\n\r\n"} {
		b := []byte(req)
		if a := testing.AllocsPerRun(100, func() {
			if _, err := ParseHead(b, nil, &h); err != nil {
				t.Fatal(err)
			}
		}); a != 0 {
			t.Errorf("ParseHead: %v allocs", a)
		}
		if a := testing.AllocsPerRun(100, func() { ParseHead(b[:len(b)-1], nil, &h) }); a != 0 {
			t.Errorf("ParseHead (need more): %v allocs", a)
		}
	}
	bad := []byte("GET / HTTP/1.1\r\nHost: a\r\nX : y\r\n\r\n")
	if a := testing.AllocsPerRun(100, func() { ParseHead(bad, nil, &h) }); a != 0 {
		t.Errorf("ParseHead (error): %v allocs", a)
	}
	var d ChunkedDecoder
	dst := make([]byte, 8192)
	if a := testing.AllocsPerRun(100, func() {
		d.Reset()
		src := chunkedBody
		for {
			_, ns, done, err := d.Decode(dst, src)
			if err != nil {
				t.Fatal(err)
			}
			src = src[ns:]
			if done {
				break
			}
		}
	}); a != 0 {
		t.Errorf("Decode: %v allocs", a)
	}
	buf := make([]byte, 0, 128)
	now := time.Now()
	if a := testing.AllocsPerRun(100, func() {
		buf = AppendStatusLine(buf[:0], 1, 200)
		buf = AppendStatusLine(buf[:0], 1, 799)
		buf = AppendHTTPDate(buf[:0], now)
		buf = AppendChunkSize(buf[:0], 12345)
	}); a != 0 {
		t.Errorf("Append*: %v allocs", a)
	}
}

func benchHead(b *testing.B, req string) {
	in := []byte(req)
	var h Head
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseHead(in, nil, &h); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseHead(b *testing.B) {
	b.Run("wrk", func(b *testing.B) { benchHead(b, wrkRequest) })
	b.Run("browser", func(b *testing.B) { benchHead(b, browserRequest) })
}

func BenchmarkChunked(b *testing.B) {
	var d ChunkedDecoder
	dst := make([]byte, 16384)
	b.SetBytes(int64(len(chunkedBody)))
	b.ReportAllocs()
	for b.Loop() {
		d.Reset()
		src := chunkedBody
		for {
			_, ns, done, err := d.Decode(dst, src)
			if err != nil {
				b.Fatal(err)
			}
			src = src[ns:]
			if done {
				break
			}
		}
	}
}

func BenchmarkAppendStatusLineDate(b *testing.B) {
	buf := make([]byte, 0, 128)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendStatusLine(buf[:0], 1, 200)
		buf = AppendHTTPDate(buf, now)
	}
}
