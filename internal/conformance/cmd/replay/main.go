// Command replay replays the llhttp and picohttpparser corpora
// (../shared/conformance) against HTTP servers over raw TCP on loopback
// and prints the results side by side as Markdown (docs/CONFORMANCE.md
// is made from its output).
//
//	go build -o /tmp/wharf ./cmd/wharf
//	go run ./internal/conformance/cmd/replay -corpus ../shared/conformance \
//	    -peers wharf,nethttp,nginx -wharf /tmp/wharf -json /tmp/replay.json
//
// Peers (each on a free loopback port):
//
//	wharf      a wharf.Server in this process with the replay handler
//	           (conformance.WharfHandler: read the body, answer 200)
//	nethttp    a net/http server in this process with the same handler
//	           (conformance.NetHTTPHandler)
//	nginx      the nginx binary given by -nginx, in the foreground, with a
//	           generated configuration: one worker, loopback, and the same
//	           behaviour (the echo module's echo_read_request_body, then
//	           200 "ok"); without the module (-nginx-echo ""), `return 200`,
//	           which does not read the body. Its pid, logs and temporary
//	           files are under a temporary directory.
//	wharf-cmd  the wharf command as deployed (-wharf binary): `wharf
//	           --addr 127.0.0.1:0 DIR`, DIR a temporary directory with an
//	           index.html; its file server does not read request bodies
//	NAME=ADDR  a server already listening on ADDR
//
// Every peer gets the same bytes, the same timeouts and the same
// classification (package conformance).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/internal/conformance"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("replay: ")
	corpus := flag.String("corpus", "../shared/conformance", "corpus `dir`ectory")
	peers := flag.String("peers", "wharf,nethttp", "comma-separated peers: wharf, nethttp, nginx, wharf-cmd or NAME=HOST:PORT")
	wharfBin := flag.String("wharf", "./wharf", "wharf `binary` for the wharf-cmd peer (go build -o wharf ./cmd/wharf)")
	nginxBin := flag.String("nginx", "nginx", "nginx `binary`")
	nginxEcho := flag.String("nginx-echo", "/usr/lib/nginx/modules/ngx_http_echo_module.so", "nginx echo `module` (Debian: libnginx-mod-http-echo); empty: return 200 without reading the body")
	jsonOut := flag.String("json", "", "write every case's results to this `file`")
	timeout := flag.Duration("timeout", 2*time.Second, "per-case timeout")
	quiet := flag.Duration("quiet", 250*time.Millisecond, "read this long after the deciding answers")
	parallel := flag.Int("parallel", 16, "cases replayed at once")
	flag.Parse()

	cases, err := conformance.Load(*corpus)
	if err != nil {
		log.Fatal(err)
	}
	opt := conformance.Options{Timeout: *timeout, Quiet: *quiet, Parallel: *parallel}
	var runs []conformance.Run
	for _, p := range strings.Split(*peers, ",") {
		p = strings.TrimSpace(p)
		name, addr, stop, err := startPeer(p, *wharfBin, *nginxBin, *nginxEcho)
		if err != nil {
			log.Fatalf("peer %s: %v", p, err)
		}
		log.Printf("%s on %s: replaying %d cases", name, addr, len(cases))
		start := time.Now()
		results := conformance.ReplayAll(context.Background(), addr, cases, opt)
		log.Printf("%s: done in %v", name, time.Since(start).Round(time.Millisecond))
		if err := stop(); err != nil {
			log.Printf("peer %s: stop: %v", name, err)
		}
		runs = append(runs, conformance.Run{Server: name, Results: results})
	}
	reports := conformance.Report(cases, runs)
	conformance.WriteMarkdown(os.Stdout, cases, reports, conformance.Servers(runs))
	if *jsonOut != "" {
		b, err := json.MarshalIndent(reports, "", "  ")
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// startPeer starts (or names) a server and returns its address and a
// function that stops it.
func startPeer(p, wharfBin, nginxBin, nginxEcho string) (name, addr string, stop func() error, err error) {
	noop := func() error { return nil }
	if n, a, ok := strings.Cut(p, "="); ok {
		return n, a, noop, nil
	}
	switch p {
	case "nethttp":
		addr, stop, err := startNetHTTP()
		return "net/http", addr, stop, err
	case "wharf":
		addr, stop, err := startWharfLib()
		return "wharf", addr, stop, err
	case "wharf-cmd":
		addr, stop, err := startWharf(wharfBin)
		return "wharf-cmd", addr, stop, err
	case "nginx":
		addr, stop, err := startNginx(nginxBin, nginxEcho)
		return "nginx", addr, stop, err
	}
	return "", "", nil, fmt.Errorf("unknown peer %q", p)
}

// startWharfLib serves the replay handler with wharf's defaults.
func startWharfLib() (string, func() error, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &wharf.Server{Handler: conformance.WharfHandler()}
	go srv.Serve(ln)
	return ln.Addr().String(), func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(ctx)
	}, nil
}

// startNetHTTP serves the replay handler with net/http's defaults (plus
// a read-header timeout, as any deployment has).
func startNetHTTP() (string, func() error, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{
		Handler:           conformance.NetHTTPHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go srv.Serve(ln)
	return ln.Addr().String(), func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(ctx)
	}, nil
}

var wharfAddrRE = regexp.MustCompile(`msg="wharf listening" addr=(\S+)`)

// startWharf runs the wharf command on a free loopback port, serving a
// temporary directory with an index.html, and waits for its
// "wharf listening" log line.
func startWharf(bin string) (string, func() error, error) {
	dir, err := os.MkdirTemp("", "replay-wharf-")
	if err != nil {
		return "", nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("ok\n"), 0o644); err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", dir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	stop := func() error {
		defer os.RemoveAll(dir)
		return stopProcess(cmd)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := wharfAddrRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case addr := <-found:
		return addr, stop, nil
	case <-time.After(10 * time.Second):
		stop()
		return "", nil, errors.New("no \"wharf listening\" line within 10 s")
	}
}

// nginxConf is a minimal configuration: one worker, loopback only,
// every path under the temporary prefix. %[3]s loads the echo module,
// %[4]s is the location's content.
const nginxConf = `%[3]sdaemon off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    server {
        listen %[2]s;
        location / { %[4]s }
    }
}
`

// startNginx runs nginx in the foreground on a free loopback port.
func startNginx(bin, echoModule string) (string, func() error, error) {
	dir, err := os.MkdirTemp("", "replay-nginx-")
	if err != nil {
		return "", nil, err
	}
	addr, err := freePort()
	if err != nil {
		return "", nil, err
	}
	conf := filepath.Join(dir, "nginx.conf")
	load, content := "", `return 200 "ok\n";`
	if echoModule != "" {
		load = "load_module " + echoModule + ";\n"
		content = `echo_read_request_body; echo "ok";`
	}
	if err := os.WriteFile(conf, fmt.Appendf(nil, nginxConf, dir, addr, load, content), 0o644); err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", conf)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	stop := func() error {
		defer os.RemoveAll(dir)
		return stopProcess(cmd)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return addr, stop, nil
		}
	}
	stop()
	return "", nil, errors.New("nginx did not listen within 10 s")
}

// freePort returns a loopback address with a port that was free a
// moment ago.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// stopProcess sends SIGTERM to the process it started and waits up to
// 10 s for it to exit, then kills it.
func stopProcess(cmd *exec.Cmd) error {
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil // stopped by our signal
		}
		return err
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		return <-done
	}
}
