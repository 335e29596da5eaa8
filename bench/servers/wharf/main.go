// Command wharf is the wharf server of the benchmark: wharf.Server with
// fileserver.NewDir over -dir, plus /plaintext (and /sleep with -sleep).
// Logs are off (a nil Logger discards). -compress turns on the file
// server's on-the-fly compression (fileserver.Config.Compress, with
// compress.Config's defaults) and -precompressed its sidecar files
// (NAME.gz, NAME.br beside NAME); both change only the answers to
// requests that carry Accept-Encoding. -nethttp serves /plaintext with
// a net/http handler through nethttp.Wrap instead of the native handler
// (the same bytes as bench/servers/nethttp's), to compare the adapter
// with net/http's own server.
package main

import (
	"context"
	"flag"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/bench/internal/srvflags"
	"github.com/wharfhttp/wharf/compress"
	"github.com/wharfhttp/wharf/fileserver"
	"github.com/wharfhttp/wharf/nethttp"
)

func main() {
	var workers, queue int
	var compressOn, precompressed, viaNetHTTP bool
	f := srvflags.Parse(func(fs *flag.FlagSet) {
		fs.IntVar(&workers, "workers", 256, "wharf.Server Workers")
		fs.IntVar(&queue, "queue", 0, "wharf.Server Queue (0: the default, 4 x workers; <0: none)")
		fs.BoolVar(&compressOn, "compress", false, "compress compressible files on the fly for clients that accept it (fileserver.Config.Compress = &compress.Config{})")
		fs.BoolVar(&precompressed, "precompressed", false, "serve sidecar files NAME.br, NAME.zst, NAME.gz (fileserver.Config.Precompressed)")
		fs.BoolVar(&viaNetHTTP, "nethttp", false, "serve /plaintext with a net/http handler through nethttp.Wrap (the handler of bench/servers/nethttp)")
	})
	stop := f.StartProfile()

	cfg := fileserver.Config{Precompressed: precompressed}
	if compressOn {
		cfg.Compress = &compress.Config{}
	}
	files, err := fileserver.NewDir(f.Dir, cfg)
	if err != nil {
		srvflags.Fatal(err)
	}
	h := &handler{files: files, sleep: f.Sleep, plain: []byte(srvflags.Plaintext)}
	var root wharf.Handler = h
	if viaNetHTTP {
		root = &wrapped{rest: h, plain: nethttp.Wrap(http.HandlerFunc(plaintextNetHTTP))}
	}
	srv := &wharf.Server{
		Handler: root,
		Workers: workers,
		Queue:   queue,
		// The 10,000-connection scenario needs room above the default cap.
		MaxConns: 20000,
	}
	srvflags.Serve(f.Addr, srv.Serve, func(net.Listener) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		stop()
		files.Close()
	})
}

// handler routes /plaintext, /sleep and files. It keeps nothing from a
// request after ServeHTTP returns, and says so (wharf.RequestReleaser),
// as the fileserver does: the server then reuses one request's memory
// for the next instead of allocating.
type handler struct {
	files *fileserver.Handler
	sleep time.Duration
	plain []byte
}

func (h *handler) ServeHTTP(w wharf.ResponseWriter, r *wharf.Request) {
	switch r.Path {
	case "/plaintext":
		w.Header().Set("Content-Type", "text/plain")
		w.Write(h.plain)
	case "/sleep":
		if h.sleep > 0 {
			time.Sleep(h.sleep)
			w.Header().Set("Content-Type", "text/plain")
			w.WriteString("ok")
			return
		}
		h.files.ServeHTTP(w, r)
	default:
		h.files.ServeHTTP(w, r)
	}
}

// ReleasesRequest marks handler as a wharf.RequestReleaser.
func (h *handler) ReleasesRequest() {}

var _ wharf.RequestReleaser = (*handler)(nil)

// plaintextNetHTTP is bench/servers/nethttp's /plaintext handler, word
// for word.
func plaintextNetHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, srvflags.Plaintext)
}

// wrapped is handler with /plaintext served by a net/http handler
// through nethttp.Wrap (-nethttp). It is not a wharf.RequestReleaser:
// a net/http handler may keep its *http.Request, so the server gives
// each request its own memory, as it does for any handler that does
// not promise otherwise (so rest is a field: embedding it would pass
// on its ReleasesRequest method).
type wrapped struct {
	rest  *handler
	plain wharf.Handler
}

// ServeHTTP serves /plaintext through the adapter, the rest as handler.
func (h *wrapped) ServeHTTP(w wharf.ResponseWriter, r *wharf.Request) {
	if r.Path == "/plaintext" {
		h.plain.ServeHTTP(w, r)
		return
	}
	h.rest.ServeHTTP(w, r)
}
