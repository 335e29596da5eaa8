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
//
// With -tls-addr, -tls-cert and -tls-key it serves the same routes over
// TLS on the second address too (wharf.Server.ServeTLS, crypto/tls's
// defaults); -http2 then offers HTTP/2 there by ALPN (h2.Configure, the
// streams on the same workers), as net/http's ServeTLS does by default.
package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/bench/internal/srvflags"
	"github.com/wharfhttp/wharf/compress"
	"github.com/wharfhttp/wharf/fileserver"
	"github.com/wharfhttp/wharf/h2"
	"github.com/wharfhttp/wharf/nethttp"
)

func main() {
	var workers, queue int
	var compressOn, precompressed, viaNetHTTP, http2 bool
	f := srvflags.Parse(func(fs *flag.FlagSet) {
		fs.IntVar(&workers, "workers", 256, "wharf.Server Workers")
		fs.IntVar(&queue, "queue", 0, "wharf.Server Queue (0: the default, 4 x workers; <0: none)")
		fs.BoolVar(&compressOn, "compress", false, "compress compressible files on the fly for clients that accept it (fileserver.Config.Compress = &compress.Config{})")
		fs.BoolVar(&precompressed, "precompressed", false, "serve sidecar files NAME.br, NAME.zst, NAME.gz (fileserver.Config.Precompressed)")
		fs.BoolVar(&viaNetHTTP, "nethttp", false, "serve /plaintext with a net/http handler through nethttp.Wrap (the handler of bench/servers/nethttp)")
		fs.BoolVar(&http2, "http2", false, "with -tls-addr: offer HTTP/2 by ALPN (h2.Configure)")
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
	if http2 {
		if f.TLSAddr == "" {
			srvflags.Fatal(errors.New("-http2 needs -tls-addr"))
		}
		if err := h2.Configure(srv, nil); err != nil {
			srvflags.Fatal(err)
		}
	}
	serveTLS := func(ln net.Listener) error { return srv.ServeTLS(ln, f.TLSCert, f.TLSKey) }
	f.Serve(srv.Serve, serveTLS, func(net.Listener) {
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
