// Package srvflags holds what the benchmark servers share: the common
// flags, the CPU profile, and the wait for SIGINT/SIGTERM.
//
// Every server under bench/servers serves the same things so that the
// harness can treat them alike:
//
//	GET /plaintext   "Hello, World!" as text/plain
//	GET /sleep       (only with -sleep) "ok" after the given delay
//	GET /<file>      a file from -dir
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

// Serve listens on addr, runs serve on the listener, and blocks until
// SIGINT or SIGTERM or until serve returns (fatal), then runs cleanup.
func Serve(addr string, serve func(net.Listener) error, cleanup func(ln net.Listener)) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- serve(ln) }()
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
