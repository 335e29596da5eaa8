package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
	buildDir  string
)

// binary builds the command once per test run and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	buildOnce.Do(func() {
		// Not t.TempDir: the binary outlives the first test that asks.
		dir, err := makeTempDir()
		if err != nil {
			buildErr = err
			return
		}
		buildDir = dir
		buildPath = filepath.Join(dir, "wharf")
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", buildPath, ".")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// A process is the wharf binary running, with its stderr read line by
// line.
type process struct {
	t     *testing.T
	cmd   *exec.Cmd
	lines chan string // stderr lines; closed at EOF
	log   syncBuffer  // every stderr line so far
	addr  string
	done  chan struct{} // closed when the process has exited
	err   error         // cmd.Wait's result, set before done is closed
}

func startBinary(t *testing.T, args ...string) *process {
	t.Helper()
	p := &process{t: t, lines: make(chan string, 100), done: make(chan struct{})}
	p.cmd = exec.Command(binary(t), args...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer close(p.lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.log.Write([]byte(sc.Text() + "\n"))
			select {
			case p.lines <- sc.Text():
			default: // nobody is waiting for lines now
			}
		}
	}()
	go func() {
		<-readerDone // Wait closes the pipe: read it all first
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})

	timeout := time.After(5 * time.Second)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				<-p.done
				t.Fatalf("wharf exited before listening (%v):\n%s", p.err, p.log.String())
			}
			if m := textAddrRE.FindStringSubmatch(line); m != nil {
				p.addr = m[1]
				return p
			}
		case <-timeout:
			t.Fatalf("no startup line within 5s:\n%s", p.log.String())
		}
	}
}

func (p *process) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
}

// exitCode waits (up to d) for the process to exit and returns its
// exit status.
func (p *process) exitCode(d time.Duration) int {
	p.t.Helper()
	return exitStatus(p.t, p.done, &p.err, d, p.log.String)
}

// exitStatus waits (up to d) for done to close and returns the exit
// status in *err, cmd.Wait's result; log gives the output to show if
// the process does not exit.
func exitStatus(t *testing.T, done <-chan struct{}, err *error, d time.Duration, log func() string) int {
	t.Helper()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("wharf did not exit within %v:\n%s", d, log())
	}
	var ee *exec.ExitError
	if errors.As(*err, &ee) {
		return ee.ExitCode()
	}
	if *err != nil {
		t.Fatal(*err)
	}
	return 0
}

// Every error is one line on stderr, nothing on stdout, and an exit
// status that says whose it is: 2 for a usage error (a flag's value
// malformed or out of range, flags that contradict each other, too many
// arguments), 1 for a failure at run time (a port in use, a file or
// folder missing). Every flag has a row.
func TestBinaryErrors(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	missing := filepath.Join(dir, "nope")
	const usage, runtime = 2, 1
	rows := []struct {
		args []string
		env  []string
		code int
		want string
	}{
		// Usage errors: each flag with a bad value.
		{args: []string{"--addr", "256.0.0.1:99999"}, code: usage, want: "--addr"},
		{args: []string{"--addr", "127.0.0.1"}, code: usage, want: "--addr"},
		{args: []string{"--workers", "0"}, code: usage, want: "--workers must be at least 1"},
		{args: []string{"--workers", "many"}, code: usage, want: "workers"},
		{args: []string{"--queue", "-2"}, code: usage, want: "--queue"},
		{args: []string{"--shutdown-timeout", "-1s"}, code: usage, want: "--shutdown-timeout"},
		{args: []string{"--shutdown-delay", "-1s"}, code: usage, want: "--shutdown-delay"},
		{args: []string{"--admin-addr", "nope"}, code: usage, want: "--admin-addr"},
		{args: []string{"--admin-addr", "127.0.0.1:70000"}, code: usage, want: "--admin-addr"},
		{args: []string{"--reuseport=maybe"}, code: usage, want: "reuseport"},
		{args: []string{"--read-header-timeout", "-1s"}, code: usage, want: "--read-header-timeout"},
		{args: []string{"--read-timeout", "soon"}, code: usage, want: "read-timeout"},
		{args: []string{"--write-timeout", "-1s"}, code: usage, want: "--write-timeout"},
		{args: []string{"--idle-timeout", "-1m"}, code: usage, want: "--idle-timeout"},
		{args: []string{"--max-header-bytes", "0"}, code: usage, want: "--max-header-bytes must be at least 1 byte"},
		{args: []string{"--max-body-bytes", "512k"}, code: usage, want: `unknown unit "k"`},
		{args: []string{"--max-conns", "-1"}, code: usage, want: "--max-conns"},
		{args: []string{"--max-conns-per-ip", "-1"}, code: usage, want: "--max-conns-per-ip"},
		{args: []string{"--log-format", "xml"}, code: usage, want: "--log-format"},
		{args: []string{"--log-level", "loud"}, code: usage, want: "--log-level"},
		{args: []string{"--access-log=maybe"}, code: usage, want: "access-log"},
		{args: []string{"--access-log", "--access-log-format", "apache"}, code: usage, want: "--access-log-format"},
		{args: []string{"--version=maybe"}, code: usage, want: "version"},
		{args: []string{"--tls-cert", "cert.pem"}, code: usage, want: "--tls-cert needs --tls-key"},
		{args: []string{"--tls-key", "key.pem"}, code: usage, want: "--tls-key needs --tls-cert"},
		{args: []string{"--tls-self-signed", "--tls-cert", "c.pem", "--tls-key", "k.pem"}, code: usage, want: "exclude each other"},
		{args: []string{"--http2=maybe"}, code: usage, want: "http2"},
		{args: []string{"--proxy-protocol"}, code: usage, want: "--proxy-protocol needs --trusted-proxies"},
		{args: []string{"--proxy-protocol", "--trusted-proxies", "10.0.0.0/33"}, code: usage, want: "--trusted-proxies"},
		{args: []string{"--http3"}, code: usage, want: "--http3 needs TLS"},
		{args: []string{"--h2c=maybe"}, code: usage, want: "h2c"},
		{args: []string{"--hash-password"}, code: usage, want: "empty password"},
		{args: []string{"--precompressed=maybe"}, code: usage, want: "precompressed"},
		{args: []string{"--compress=maybe"}, code: usage, want: "compress"},
		{args: []string{"--browse=maybe"}, code: usage, want: "browse"},
		{args: []string{"--spa=maybe"}, code: usage, want: "spa"},
		{args: []string{"--cache-control", "no-cache\r\nX-A: 1"}, code: usage, want: "--cache-control"},
		{args: []string{"--symlinks", "maybe"}, code: usage, want: "--symlinks"},
		{args: []string{"--cache-validity", "-5s"}, code: usage, want: "--cache-validity"},
		{args: []string{"--header", "nocolon"}, code: usage, want: `--header "nocolon"`},
		{args: []string{"--header", "X-A: a\nb"}, code: usage, want: "--header"},
		{args: []string{"--cors", "https://a.example/path"}, code: usage, want: "--cors"},
		{args: []string{"--basic-auth", "bob:plaintext"}, code: usage, want: "wharf --hash-password"},
		{args: []string{"--bogus"}, code: usage, want: "bogus"},
		{args: []string{"a", "b"}, code: usage, want: "too many arguments"},
		{env: []string{"WHARF_WORKERS=0"}, code: usage, want: "--workers must be at least 1"},
		{env: []string{"WHARF_LOG_LEVEL=loud"}, code: usage, want: "--log-level"},

		// Failures at run time.
		{args: []string{missing}, code: runtime, want: "no such file or directory"},
		{args: []string{"--addr", busy.Addr().String()}, code: runtime, want: "address already in use"},
		{args: []string{"--addr", "127.0.0.1:0", "--admin-addr", busy.Addr().String()}, code: runtime, want: "address already in use"},
		{args: []string{"--addr", "127.0.0.1:0", "--pid-file", filepath.Join(missing, "wharf.pid")}, code: runtime, want: "--pid-file"},
		{args: []string{"--addr", "127.0.0.1:0", "--access-log", "--access-log-file", filepath.Join(missing, "a.log")}, code: runtime, want: "--access-log-file"},
		{args: []string{"--addr", "127.0.0.1:0", "--tls-cert", filepath.Join(missing, "c.pem"), "--tls-key", filepath.Join(missing, "k.pem")}, code: runtime, want: "c.pem"},
	}

	// Every flag is in the table.
	seen := make(map[string]bool)
	for _, tc := range rows {
		for _, a := range tc.args {
			if name, ok := strings.CutPrefix(a, "--"); ok {
				name, _, _ = strings.Cut(name, "=")
				seen[name] = true
			}
		}
	}
	newFlagSet(new(options)).VisitAll(func(f *flag.Flag) {
		if !seen[f.Name] {
			t.Errorf("no row for --%s", f.Name)
		}
	})

	for _, tc := range rows {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		cmd := exec.CommandContext(ctx, bin, tc.args...)
		cmd.Env = append(os.Environ(), tc.env...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		cancel()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != tc.code {
			t.Errorf("%s wharf %q: %v, want exit status %d", tc.env, tc.args, err, tc.code)
		}
		out := stderr.String()
		if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") || !strings.Contains(out, tc.want) {
			t.Errorf("%s wharf %q: stderr %q, want one line with %q", tc.env, tc.args, out, tc.want)
		}
		if stdout.Len() != 0 {
			t.Errorf("%s wharf %q: stdout %q", tc.env, tc.args, stdout.String())
		}
	}

	out, err := exec.Command(bin, "--version").Output()
	if err != nil || !strings.HasPrefix(string(out), "wharf ") {
		t.Errorf("wharf --version: %q, %v", out, err)
	}

	cmd := exec.Command(bin, "--hash-password")
	cmd.Stdin = strings.NewReader("s3cret\n")
	out, err = cmd.Output()
	if err != nil || bcrypt.CompareHashAndPassword(bytes.TrimSuffix(out, []byte("\n")), []byte("s3cret")) != nil {
		t.Errorf("echo s3cret | wharf --hash-password: %q, %v", out, err)
	}
}

func TestBinarySIGTERMIdle(t *testing.T) {
	dir, _ := makeSite(t)
	p := startBinary(t, "--addr", "127.0.0.1:0", dir)
	got := do(t, newClient(), "GET", "http://"+p.addr+"/")
	if got.status != 200 || !strings.Contains(got.body, "root index") {
		t.Errorf("GET /: %d %q", got.status, got.body)
	}
	p.signal(syscall.SIGTERM)
	if code := p.exitCode(10 * time.Second); code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0:\n%s", code, p.log.String())
	}
	log := p.log.String()
	for _, want := range []string{`msg="wharf listening"`, `msg="shutting down" signal=terminated`, "msg=stopped"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

// A request in flight when SIGTERM arrives is answered, then wharf
// exits 0. This waits for the demo's real five-second /sleep.
func TestBinarySIGTERMInFlight(t *testing.T) {
	p := startBinary(t, "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0")
	res := make(chan error, 1)
	go func() {
		got, err := get(newClient(), "http://"+p.addr+"/sleep")
		if err == nil && (got.status != 200 || !strings.Contains(got.body, "<h1>Hello!</h1>")) {
			err = errors.New("answer " + got.body)
		}
		res <- err
	}()
	waitInFlight(t, p.log.String, 1) // the request is being served
	p.signal(syscall.SIGTERM)
	select {
	case err := <-res:
		if err != nil {
			t.Errorf("/sleep in flight at SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("/sleep not answered within 15s")
	}
	if code := p.exitCode(10 * time.Second); code != 0 {
		t.Errorf("exit status %d, want 0:\n%s", code, p.log.String())
	}
}

// A second signal during the shutdown closes connections at once and
// exits 1 with one error line.
func TestBinarySecondSignal(t *testing.T) {
	p := startBinary(t, "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0")
	res := make(chan error, 1)
	go func() {
		resp, err := newClient().Get("http://" + p.addr + "/sleep")
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		res <- err
	}()
	waitInFlight(t, p.log.String, 1) // the request is being served
	start := time.Now()
	p.signal(syscall.SIGINT)
	waitLine(t, p, "shutting down")
	p.signal(syscall.SIGINT)
	if code := p.exitCode(10 * time.Second); code != 1 {
		t.Errorf("exit status %d, want 1:\n%s", code, p.log.String())
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("exit took %v after the second signal, want at once", d)
	}
	if log := p.log.String(); !strings.HasSuffix(log, "wharf: forced close on second signal\n") {
		t.Errorf("stderr does not end with the error line:\n%s", log)
	}
	select {
	case <-res:
	case <-time.After(5 * time.Second):
		t.Fatal("the /sleep request did not end after the forced close")
	}
}

// waitLine waits (up to 5 s) for a stderr line containing s.
func waitLine(t *testing.T, p *process, s string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(p.log.String(), s) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no line with %q within 5s:\n%s", s, p.log.String())
}
