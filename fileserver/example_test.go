package fileserver_test

import (
	"fmt"
	"testing/fstest"

	"github.com/wharfhttp/wharf/fileserver"
	"github.com/wharfhttp/wharf/wharftest"
)

// A Handler over an in-memory file system (an embed.FS works the same
// way; NewDir serves a directory on disk), asked without a network
// through package wharftest.
func Example() {
	site := fstest.MapFS{
		"index.html":      {Data: []byte("<h1>home</h1>\n")},
		"docs/index.html": {Data: []byte("<h1>docs</h1>\n")},
		"style.css":       {Data: []byte("h1 { color: teal }\n")},
		".env":            {Data: []byte("SECRET=1\n")},
	}
	files := fileserver.New(site, fileserver.Config{NotFoundPage: []byte("<h1>Oops!</h1>\n")})
	defer files.Close()

	for _, path := range []string{"/", "/style.css", "/docs", "/docs/", "/missing", "/.env", "/../style.css"} {
		w := wharftest.NewRecorder()
		files.ServeHTTP(w, wharftest.NewRequest("GET", path))
		fmt.Printf("%-13s %d %-24s", path, w.Code, w.HeaderMap.Get("Content-Type"))
		if loc := w.HeaderMap.Get("Location"); loc != "" {
			fmt.Printf(" Location: %s\n", loc)
		} else {
			fmt.Printf(" %s", w.Body.String())
		}
	}
	// Output:
	// /             200 text/html; charset=utf-8 <h1>home</h1>
	// /style.css    200 text/css; charset=utf-8  h1 { color: teal }
	// /docs         301                          Location: docs/
	// /docs/        200 text/html; charset=utf-8 <h1>docs</h1>
	// /missing      404 text/html; charset=utf-8 <h1>Oops!</h1>
	// /.env         404 text/html; charset=utf-8 <h1>Oops!</h1>
	// /../style.css 404 text/html; charset=utf-8 <h1>Oops!</h1>
}
