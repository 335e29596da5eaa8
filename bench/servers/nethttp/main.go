// Command nethttp is the net/http peer of the benchmark: http.FileServer
// over -dir, plus /plaintext (and /sleep with -sleep). Logs are off.
// With -tls-addr, -tls-cert and -tls-key it serves the same over TLS on
// the second address too (http.Server.ServeTLS: crypto/tls's defaults,
// and HTTP/2 by ALPN, as net/http does by default).
package main

import (
	"flag"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/wharfhttp/wharf/bench/internal/srvflags"
)

func main() {
	var limit int
	f := srvflags.Parse(func(fs *flag.FlagSet) {
		fs.IntVar(&limit, "limit", 0, "if >0, at most this many /sleep handlers run at once; the others wait (a bounded pool with an unbounded queue)")
	})
	stop := f.StartProfile()

	mux := http.NewServeMux()
	files := http.FileServer(http.Dir(f.Dir))
	mux.Handle("/", files)
	mux.HandleFunc("/plaintext", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, srvflags.Plaintext)
	})
	if f.Sleep > 0 {
		var sem chan struct{}
		if limit > 0 {
			sem = make(chan struct{}, limit)
		}
		mux.HandleFunc("/sleep", func(w http.ResponseWriter, r *http.Request) {
			if sem != nil {
				sem <- struct{}{}
				defer func() { <-sem }()
			}
			time.Sleep(f.Sleep)
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "ok")
		})
	}
	srv := &http.Server{
		Handler:  mux,
		ErrorLog: log.New(io.Discard, "", 0),
	}
	serveTLS := func(ln net.Listener) error { return srv.ServeTLS(ln, f.TLSCert, f.TLSKey) }
	f.Serve(srv.Serve, serveTLS, func(net.Listener) {
		srv.Close()
		stop()
	})
}
