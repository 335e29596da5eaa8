// Command fasthttp is the fasthttp peer of the benchmark: fasthttp.FS
// over -dir, plus /plaintext (and /sleep with -sleep). Logs are off.
package main

import (
	"io"
	"log"
	"net"
	"time"

	"github.com/valyala/fasthttp"

	"wharf/bench/internal/srvflags"
)

func main() {
	f := srvflags.Parse(nil)
	stop := f.StartProfile()

	fs := &fasthttp.FS{
		Root:               f.Dir,
		IndexNames:         []string{"index.html"},
		GenerateIndexPages: false,
		Compress:           false,
		AcceptByteRange:    false,
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
	srvflags.Serve(f.Addr, srv.Serve, func(ln net.Listener) {
		ln.Close()
		stop()
	})
}
