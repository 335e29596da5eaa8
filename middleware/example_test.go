package middleware_test

import (
	"encoding/base64"
	"fmt"
	"log"
	"testing/fstest"

	"golang.org/x/crypto/bcrypt"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/fileserver"
	"github.com/wharfhttp/wharf/middleware"
	"github.com/wharfhttp/wharf/wharftest"
)

// A file server behind basic authentication, readable by scripts of
// one other origin, with a site-wide field on every answer. The
// middlewares wrap from the inside out: authentication, then CORS
// (preflights carry no credentials, so CORS answers them first), then
// the site-wide fields.
func Example() {
	files := fileserver.New(fstest.MapFS{"hello.txt": {Data: []byte("hello\n")}}, fileserver.Config{})

	// In real use the hash comes from `wharf --hash-password`.
	hash, _ := bcrypt.GenerateFromPassword([]byte("builder"), bcrypt.MinCost)
	var h wharf.Handler = files
	h, err := middleware.NewBasicAuth(h, "files", []string{"bob:" + string(hash)})
	if err != nil {
		log.Fatal(err)
	}
	h, err = middleware.NewCORS(h, []string{"https://app.example"})
	if err != nil {
		log.Fatal(err)
	}
	h = middleware.Headers(h, []wharf.Field{{Name: "X-Frame-Options", Value: "DENY"}})

	show := func(r *wharf.Request) {
		rec := wharftest.NewRecorder()
		h.ServeHTTP(rec, r)
		code, hdr, body := rec.Result()
		fmt.Printf("%s %d allow-origin=%q www-authenticate=%q x-frame-options=%q body=%q\n",
			r.Method, code, hdr.Get("Access-Control-Allow-Origin"), hdr.Get("WWW-Authenticate"),
			hdr.Get("X-Frame-Options"), body)
	}

	// A preflight: answered by CORS, without credentials.
	r := wharftest.NewRequest("OPTIONS", "/hello.txt")
	r.Header.Add("Origin", "https://app.example")
	r.Header.Add("Access-Control-Request-Method", "GET")
	r.Header.Add("Access-Control-Request-Headers", "authorization")
	show(r)

	// The request itself, first without credentials, then with them.
	r = wharftest.NewRequest("GET", "/hello.txt")
	r.Header.Add("Origin", "https://app.example")
	show(r)
	r.Header.Add("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("bob:builder")))
	show(r)

	// Output:
	// OPTIONS 204 allow-origin="https://app.example" www-authenticate="" x-frame-options="DENY" body=""
	// GET 401 allow-origin="https://app.example" www-authenticate="Basic realm=\"files\", charset=\"UTF-8\"" x-frame-options="DENY" body="401 Unauthorized\n"
	// GET 200 allow-origin="https://app.example" www-authenticate="" x-frame-options="DENY" body="hello\n"
}
