// Command fasthttp is the fasthttp peer of the benchmark: fasthttp.FS
// over -dir, plus /plaintext (and /sleep with -sleep). Logs are off.
//
// -byte-range sets FS.AcceptByteRange (206 answers to Range requests;
// every file answer then carries "Accept-Ranges: bytes"). -compress-root
// DIR sets FS.Compress and FS.CompressBrotli, with the suffixes ".gz",
// ".br" and ".zst": for a request that accepts gzip (or br), FS first
// opens NAME.gz (NAME.br) beside NAME under -dir, a precompressed
// sidecar, as long as it is not older than NAME by a second or more;
// when there is none it compresses NAME once into DIR/NAME.gz (a
// directory of its own, so that its copies are never seen as sidecars
// by the other servers sharing -dir) and serves that. Either way the
// opened file stays in FS's cache (10 s after its last use).
package main

import (
	"flag"
	"io"
	"log"
	"net"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/wharfhttp/wharf/bench/internal/srvflags"
)

func main() {
	var byteRange bool
	var compressRoot string
	f := srvflags.Parse(func(fs *flag.FlagSet) {
		fs.BoolVar(&byteRange, "byte-range", false, "answer Range requests (FS.AcceptByteRange)")
		fs.StringVar(&compressRoot, "compress-root", "", "if set, compress (FS.Compress, FS.CompressBrotli), keeping compressed copies in this directory and serving NAME.gz/NAME.br sidecars under -dir")
	})
	stop := f.StartProfile()

	fs := &fasthttp.FS{
		Root:               f.Dir,
		IndexNames:         []string{"index.html"},
		GenerateIndexPages: false,
		Compress:           compressRoot != "",
		CompressBrotli:     compressRoot != "",
		CompressRoot:       compressRoot,
		// All three must be set and differ, or FS uses its defaults
		// (".fasthttp.gz", ...), which would never find a sidecar.
		CompressedFileSuffixes: map[string]string{"gzip": ".gz", "br": ".br", "zstd": ".zst"},
		AcceptByteRange:        byteRange,
	}
	files := fs.NewRequestHandler()
	handler := func(ctx *fasthttp.RequestCtx) {
		switch string(ctx.Path()) {
		case "/plaintext":
			ctx.SetContentType("text/plain")
			ctx.WriteString(srvflags.Plaintext)
		case "/sleep":
			if f.Sleep > 0 {
				time.Sleep(f.Sleep)
				ctx.SetContentType("text/plain")
				ctx.WriteString("ok")
				return
			}
			files(ctx)
		default:
			files(ctx)
		}
	}
	srv := &fasthttp.Server{
		Handler: handler,
		Logger:  log.New(io.Discard, "", 0),
	}
	// No TLS: the harness leaves fasthttp out of its TLS scenarios.
	f.Serve(srv.Serve, nil, func(ln net.Listener) {
		ln.Close()
		stop()
	})
}
