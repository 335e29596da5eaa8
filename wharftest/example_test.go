package wharftest_test

import (
	"fmt"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/wharftest"
)

// A handler tested without a network: NewRequest builds the request as
// the server would hand it over, and the Recorder keeps what the
// handler wrote.
func Example() {
	greet := wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		if r.Method != "GET" {
			w.Header().Set("Allow", "GET")
			w.WriteHeader(405)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteString("hello, " + r.Host + r.Path + "?" + r.RawQuery + "\n")
	})

	w := wharftest.NewRecorder()
	greet.ServeHTTP(w, wharftest.NewRequest("GET", "/docs?lang=en"))
	fmt.Println(w.Code, w.HeaderMap.Get("Content-Type"))
	fmt.Print(w.Body.String())

	w = wharftest.NewRecorder()
	greet.ServeHTTP(w, wharftest.NewRequest("POST", "http://wharf.example/form"))
	fmt.Println(w.Code, "Allow:", w.HeaderMap.Get("Allow"), "body bytes:", w.Body.Len())
	// Output:
	// 200 text/plain; charset=utf-8
	// hello, example.com/docs?lang=en
	// 405 Allow: GET body bytes: 0
}
