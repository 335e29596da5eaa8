// Package srvflags holds what the benchmark servers share: the common
// flags, the CPU profile, and the wait for SIGINT/SIGTERM.
//
// Every server under bench/servers serves the same things so that the
// harness can treat them alike:
//
//	GET /plaintext   "Hello, World!" as text/plain
//	GET /sleep       (only with -sleep) "ok" after the given delay
//	GET /<file>      a file from -dir
//
// With -tls-addr (and -tls-cert, -tls-key) a server that has TLS serves
// the same routes over TLS on that second address as well.
package srvflags

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"
)

// Flags are the flags every benchmark server takes.
type Flags struct {
	Addr       string
	Dir        string
	Sleep      time.Duration // >0: serve /sleep, which waits this long
	CPUProfile string
	HeapProf   string // written on SIGUSR1

	// TLSAddr, when not empty, is a second listen address served over
	// TLS with the certificate pair in the PEM files TLSCert and TLSKey
	// (Parse checks that the three come together).
	TLSAddr, TLSCert, TLSKey string
}

// Plaintext is the body of /plaintext.
const Plaintext = "Hello, World!"

// Parse registers the common flags on flag.CommandLine, parses the
// command line and checks the result. extra, if not nil, registers a
// server's own flags first.
func Parse(extra func(*flag.FlagSet)) *Flags {
	f := &Flags{}
	flag.StringVar(&f.Addr, "addr", "127.0.0.1:8080", "listen address")
	flag.StringVar(&f.Dir, "dir", "", "directory to serve (required)")
	flag.DurationVar(&f.Sleep, "sleep", 0, "if >0, serve /sleep, answering after this delay (overload scenario)")
	flag.StringVar(&f.CPUProfile, "cpuprofile", "", "write a CPU profile to this file until SIGINT/SIGTERM")
	flag.StringVar(&f.HeapProf, "heapprofile", "", "write a heap profile to this file on each SIGUSR1 (after a GC)")
	flag.StringVar(&f.TLSAddr, "tls-addr", "", "if set, also serve over TLS on this address (needs -tls-cert and -tls-key)")
	flag.StringVar(&f.TLSCert, "tls-cert", "", "TLS certificate (PEM) for -tls-addr")
	flag.StringVar(&f.TLSKey, "tls-key", "", "TLS private key (PEM) for -tls-addr")
	if extra != nil {
		extra(flag.CommandLine)
	}
	flag.Parse()
	if f.Dir == "" {
		Fatal(fmt.Errorf("-dir is required"))
	}
	if st, err := os.Stat(f.Dir); err != nil || !st.IsDir() {
		Fatal(fmt.Errorf("-dir %q: not a directory", f.Dir))
	}
	if (f.TLSAddr == "") != (f.TLSCert == "") || (f.TLSAddr == "") != (f.TLSKey == "") {
		Fatal(fmt.Errorf("-tls-addr, -tls-cert and -tls-key go together"))
	}
	return f
}

// StartProfile starts the CPU profile if -cpuprofile was given and
// returns the function that stops it.
func (f *Flags) StartProfile() (stop func()) {
	if f.HeapProf != "" {
		usr1 := make(chan os.Signal, 1)
		signal.Notify(usr1, syscall.SIGUSR1)
		go func() {
			for range usr1 {
				runtime.GC()
				if out, err := os.Create(f.HeapProf); err == nil {
					pprof.Lookup("heap").WriteTo(out, 0)
					out.Close()
				}
			}
		}()
	}
	if f.CPUProfile == "" {
		return func() {}
	}
	out, err := os.Create(f.CPUProfile)
	if err != nil {
		Fatal(err)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		out.Close()
	}
}

// Serve listens on f.Addr and runs serve on that listener, and, with
// -tls-addr, listens there too and runs serveTLS on the second
// listener (a server without TLS passes nil, and -tls-addr is then
// fatal). Both addresses are bound before either serve function runs,
// so once the plain address answers, the TLS one accepts. Serve blocks
// until SIGINT or SIGTERM, or until a serve function returns (fatal),
// then runs cleanup with the plain listener.
func (f *Flags) Serve(serve, serveTLS func(net.Listener) error, cleanup func(ln net.Listener)) {
	if f.TLSAddr != "" && serveTLS == nil {
		Fatal(fmt.Errorf("-tls-addr: this server has no TLS"))
	}
	ln, err := net.Listen("tcp", f.Addr)
	if err != nil {
		Fatal(err)
	}
	var tlsLn net.Listener
	if f.TLSAddr != "" {
		if tlsLn, err = net.Listen("tcp", f.TLSAddr); err != nil {
			Fatal(err)
		}
	}
	errc := make(chan error, 2)
	go func() { errc <- serve(ln) }()
	if tlsLn != nil {
		go func() { errc <- serveTLS(tlsLn) }()
	}
	waitSignal(errc, func() { cleanup(ln) })
}

// waitSignal blocks until SIGINT or SIGTERM, or until errc yields (a
// server that stopped on its own), then runs cleanup. A server error is
// fatal.
func waitSignal(errc <-chan error, cleanup func()) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-sig:
		cleanup()
	case err := <-errc:
		cleanup()
		Fatal(fmt.Errorf("server stopped: %w", err))
	}
}

// Fatal prints err and exits with status 1.
func Fatal(err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[0], err)
	os.Exit(1)
}
