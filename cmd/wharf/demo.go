package main

import (
	"embed"
	"io/fs"
	"log/slog"
	"strconv"
	"time"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/compress"
	"github.com/wharfhttp/wharf/fileserver"
)

// The demo site is the classic teaching server: GET / answers a hello
// page, GET /sleep the same page after a pause (to show that one slow
// request does not hold up the others), GET /style.css the pages' style
// sheet, anything else a 404 page. The style sheet is served by the
// fileserver, so the demo shows static serving too.
var (
	//go:embed demo/hello.html
	helloPage []byte

	//go:embed demo/404.html
	notFoundPage []byte

	// demoStatic holds only the files the fileserver may serve: the
	// pages are answered by the demo handler itself, so /hello.html and
	// /404.html are not found like any other unknown path.
	//
	//go:embed demo/style.css
	demoStatic embed.FS
)

// demoCompress is the compression of the demo site (--compress). Its
// pages are a few hundred bytes, below compress.DefaultMinSize (1 KiB),
// under which compression is not worth its cost for a real site; the
// demo compresses them anyway (from 128 bytes, where gzip's 18-byte
// frame still leaves a gain), so that it shows the feature.
var demoCompress = compress.Config{MinSize: 128}

// sleepDelay is how long /sleep waits. It is a variable only so that
// tests can shorten it; it must not change while a server runs.
var sleepDelay = 5 * time.Second

// A demoHandler serves the embedded demo site.
type demoHandler struct {
	static *fileserver.Handler
}

func newDemo(log *slog.Logger) (*demoHandler, error) {
	sub, err := fs.Sub(demoStatic, "demo")
	if err != nil {
		return nil, err
	}
	static := fileserver.New(sub, fileserver.Config{NotFoundPage: notFoundPage, Logger: log})
	return &demoHandler{static: static}, nil
}

// Close releases the fileserver's resources.
func (d *demoHandler) Close() error { return d.static.Close() }

// ReleasesRequest marks the demo as a wharf.RequestReleaser: it keeps
// nothing of a request after ServeHTTP returns.
func (d *demoHandler) ReleasesRequest() {}

func (d *demoHandler) ServeHTTP(w wharf.ResponseWriter, r *wharf.Request) {
	switch r.Path {
	case "/", "/sleep":
	default:
		// Unknown paths get the "Oops!" page from the fileserver.
		d.static.ServeHTTP(w, r)
		return
	}
	if r.Method != "GET" && r.Method != "HEAD" {
		h := w.Header()
		h.Set("Allow", "GET, HEAD")
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(405)
		w.WriteString("405 method not allowed\n")
		return
	}
	if r.Path == "/sleep" {
		t := time.NewTimer(sleepDelay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			// The server is closing (Close, or Shutdown's deadline):
			// give up at once instead of holding Close up.
			w.WriteHeader(503)
			return
		}
	}
	// For HEAD the server sends the head only; Write then reports
	// ErrBodyNotAllowed, which is expected.
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(helloPage)))
	w.WriteHeader(200)
	w.Write(helloPage)
}
