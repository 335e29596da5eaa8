// Command uploadsrv is the attack test's server of request bodies: a
// wharf.Server whose handler reads whole bodies, which the wharf command
// (a file server: POST is 405) never does. It takes the attack test's
// flags (see serverFlags in attack_test.go), serves GET / with DIR's
// index.html, and answers POST /upload with the length of the body it
// read. It logs "wharf listening" as the command does, so the test finds
// its address the same way.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/wharfhttp/wharf"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.String("log-format", "json", "ignored: logs are JSON")
	readHeader := flag.Duration("read-header-timeout", 10*time.Second, "wharf.Server ReadHeaderTimeout")
	idle := flag.Duration("idle-timeout", 10*time.Second, "wharf.Server IdleTimeout")
	maxConns := flag.Int("max-conns", 5000, "wharf.Server MaxConns")
	shutdown := flag.Duration("shutdown-timeout", 2*time.Second, "graceful shutdown limit")
	workers := flag.Int("workers", 16, "wharf.Server Workers")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	page, err := os.ReadFile(filepath.Join(flag.Arg(0), "index.html"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "uploadsrv:", err)
		os.Exit(1)
	}
	srv := &wharf.Server{
		Workers: *workers, ReadHeaderTimeout: *readHeader, IdleTimeout: *idle, MaxConns: *maxConns,
		MaxBodyBytes: 64 << 20, Logger: log,
		Handler: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
			switch {
			case r.Method == "POST" && r.Path == "/upload":
				n, err := io.Copy(io.Discard, r.Body)
				if err != nil {
					return // the server answers the body's error
				}
				w.WriteString(strconv.FormatInt(n, 10))
			case r.Path == "/":
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.Write(page)
			default:
				w.WriteHeader(404)
			}
		}),
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "uploadsrv:", err)
		os.Exit(1)
	}
	log.Info("wharf listening", "addr", ln.Addr().String())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), *shutdown)
		defer cancel()
		if srv.Shutdown(sctx) != nil {
			srv.Close()
		}
	}()
	if err := srv.Serve(ln); err != wharf.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "uploadsrv:", err)
		os.Exit(1)
	}
}
