package compress_test

import (
	"fmt"
	"strings"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/compress"
	"github.com/wharfhttp/wharf/wharftest"
)

// Handler wraps an application so that its text answers are compressed
// for the clients that accept it.
func ExampleHandler() {
	app := wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteString(strings.Repeat("<p>Hello, wharf!</p>\n", 100))
	})
	h := compress.Handler(app, compress.Config{})

	r := wharftest.NewRequest("GET", "/")
	r.Header.Add("Accept-Encoding", "gzip, deflate, br, zstd")
	rec := wharftest.NewRecorder()
	h.ServeHTTP(rec, r)

	fmt.Println("Content-Encoding:", rec.HeaderMap.Get("Content-Encoding"))
	fmt.Println("Vary:", rec.HeaderMap.Get("Vary"))
	fmt.Println("smaller:", rec.Body.Len() < 2100)
	// Output:
	// Content-Encoding: br
	// Vary: Accept-Encoding
	// smaller: true
}

func ExampleNegotiate() {
	h := wharf.Header{{Name: "Accept-Encoding", Value: "gzip;q=1.0, br;q=0.8, identity;q=0.1"}}
	e, ok := compress.Negotiate(h, compress.All)
	fmt.Println(e, ok)
	e, ok = compress.Negotiate(h, compress.SetOf(compress.Zstd))
	fmt.Println(e, ok)
	// Output:
	// gzip true
	// identity true
}

func ExampleEncode() {
	src := []byte(strings.Repeat("body { margin: 0; padding: 0; }\n", 50))
	gz, err := compress.Encode(nil, compress.Gzip, src)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(src), "bytes; gzip smaller:", len(gz) < len(src)/10)
	// Output:
	// 1600 bytes; gzip smaller: true
}
