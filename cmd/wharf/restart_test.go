//go:build unix

package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A detached is the wharf binary run with its standard error in a
// file: a process it starts for a restart writes there too, and may
// outlive it.
type detached struct {
	t       *testing.T
	cmd     *exec.Cmd
	logPath string
	addr    string        // the first public address logged
	done    chan struct{} // closed when the process has exited
	err     error         // cmd.Wait's result, set before done is closed
}

// startDetached starts bin with args, extra descriptors (3 on) and env
// added to the test's, and waits (up to 5 s) for its startup line.
// The process is killed when the test ends, if it still runs.
func startDetached(t *testing.T, bin string, env []string, extra []*os.File, args ...string) *detached {
	t.Helper()
	d := &detached{t: t, logPath: filepath.Join(t.TempDir(), "stderr"), done: make(chan struct{})}
	logf, err := os.Create(d.logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close() // the process has its own copy
	d.cmd = exec.Command(bin, args...)
	d.cmd.Env = append(os.Environ(), env...)
	d.cmd.Stderr = logf
	d.cmd.ExtraFiles = extra
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		d.err = d.cmd.Wait()
		close(d.done)
	}()
	t.Cleanup(func() {
		select {
		case <-d.done:
		default:
			d.cmd.Process.Kill()
			<-d.done
		}
	})
	m := d.waitLog(textAddrRE)
	d.addr = m[1]
	return d
}

// log returns what the process (and those it started) logged so far.
func (d *detached) log() string {
	b, err := os.ReadFile(d.logPath)
	if err != nil {
		d.t.Fatal(err)
	}
	return string(b)
}

// waitLog waits (up to 10 s) for the log to match re, and returns the
// first match.
func (d *detached) waitLog(re *regexp.Regexp) []string {
	d.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := re.FindStringSubmatch(d.log()); m != nil {
			return m
		}
		select {
		case <-d.done:
			if m := re.FindStringSubmatch(d.log()); m != nil {
				return m
			}
			d.t.Fatalf("wharf exited (%v) before logging %q:\n%s", d.err, re, d.log())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("no log line matching %q within 10s:\n%s", re, d.log())
		}
	}
}

// waitLogCount waits (up to 10 s) for n lines holding s.
func (d *detached) waitLogCount(s string, n int) {
	d.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(d.log(), s) < n {
		if time.Now().After(deadline) {
			d.t.Fatalf("fewer than %d lines with %q within 10s:\n%s", n, s, d.log())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (d *detached) signal(sig syscall.Signal) {
	d.t.Helper()
	if err := d.cmd.Process.Signal(sig); err != nil {
		d.t.Fatal(err)
	}
}

// exitCode waits (up to 15 s) for the process to exit and returns its
// exit status.
func (d *detached) exitCode() int {
	d.t.Helper()
	return exitStatus(d.t, d.done, &d.err, 15*time.Second, d.log)
}

// copyBinary copies the built binary into a folder of the test's, so
// that the test can replace it.
func copyBinary(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(binary(t))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "wharf")
	if err := os.WriteFile(path, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// replaceFile writes content as an executable beside path and renames
// it over path, as a package upgrade does.
func replaceFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// readPID reads a pid file; 0 if it does not hold a pid.
func readPID(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// alive reports whether pid is a process that has not exited (a
// zombie has).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil // no /proc: a zombie counts as alive
	}
	// pid (comm) state ...: comm may hold spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// stopPID sends SIGTERM to pid, a process the test did not start, and
// waits (up to 15 s) for it to exit. It kills it when the test ends
// otherwise.
func stopPID(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM to %d: %v", pid, err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("process %d did not exit within 15s of SIGTERM", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A load is clients sending GET / on new connections, one after the
// other each, until stopped (bounded in count and time).
type load struct {
	url  string
	stop chan struct{}
	wg   sync.WaitGroup

	mu     sync.Mutex
	ok     int
	failed []string // the first errors
	nfail  int
}

func startLoad(url string, clients int) *load {
	l := &load{url: url, stop: make(chan struct{})}
	for range clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			c := newClient()
			deadline := time.Now().Add(60 * time.Second)
			for i := 0; i < 20000 && time.Now().Before(deadline); i++ {
				select {
				case <-l.stop:
					return
				default:
				}
				got, err := get(c, l.url)
				if err == nil && got.status != 200 {
					err = fmt.Errorf("status %d", got.status)
				}
				l.mu.Lock()
				if err != nil {
					l.nfail++
					if len(l.failed) < 5 {
						l.failed = append(l.failed, err.Error())
					}
				} else {
					l.ok++
				}
				l.mu.Unlock()
			}
		}()
	}
	return l
}

func (l *load) counts() (ok, failed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ok, l.nfail
}

// waitOK waits (up to 10 s) until n more requests have been answered.
func (l *load) waitOK(t *testing.T, n int) {
	t.Helper()
	start, _ := l.counts()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ok, _ := l.counts(); ok >= start+n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d requests answered within 10s", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// end stops the clients and waits for them.
func (l *load) end() {
	close(l.stop)
	l.wg.Wait()
}

// readNotify reads one datagram (up to 5 s) from a NOTIFY_SOCKET.
func readNotify(t *testing.T, c *net.UnixConn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("reading NOTIFY_SOCKET: %v", err)
	}
	return string(buf[:n])
}

// listenNotify opens a NOTIFY_SOCKET for the test, and returns it and
// the environment entry that names it.
func listenNotify(t *testing.T) (*net.UnixConn, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, "NOTIFY_SOCKET=" + path
}

var adminLineRE = regexp.MustCompile(`msg="admin listening" addr=(\S+)`)

// A SIGHUP under load starts the (replaced) binary, which takes over
// the sockets: no request fails, the pid file names the new process,
// systemd is told the new main pid, and the old process drains and
// exits 0.
func TestBinaryRestart(t *testing.T) {
	bin := copyBinary(t)
	real := copyBinary(t) // the "new version" the upgrade installs
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "wharf.pid")
	notifyConn, notifyEnv := listenNotify(t)
	old := startDetached(t, bin, []string{notifyEnv}, nil,
		"--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--pid-file", pidFile)
	oldPID := old.cmd.Process.Pid
	if got := readNotify(t, notifyConn); got != "READY=1" {
		t.Errorf("first notification %q, want READY=1", got)
	}
	if got := readPID(t, pidFile); got != oldPID {
		t.Fatalf("pid file holds %d, want %d", got, oldPID)
	}
	var newPID int
	t.Cleanup(func() {
		if newPID != 0 && alive(newPID) {
			syscall.Kill(newPID, syscall.SIGKILL)
		}
	})

	// The upgrade: a new binary in place (a script that marks that it
	// ran, then runs the real binary).
	marker := filepath.Join(dir, "upgraded")
	replaceFile(t, bin, fmt.Sprintf("#!/bin/sh\n: > '%s'\nexec '%s' \"$@\"\n", marker, real))

	l := startLoad("http://"+old.addr+"/", 4)
	l.waitOK(t, 100)
	old.signal(syscall.SIGHUP)
	m := old.waitLog(regexp.MustCompile(`msg="restarted: the new process serves; draining" new_pid=(\d+)`))
	newPID, _ = strconv.Atoi(m[1])
	if code := old.exitCode(); code != 0 {
		t.Errorf("old process: exit status %d, want 0", code)
	}
	l.waitOK(t, 300) // served by the new process alone
	l.end()
	ok, failed := l.counts()
	t.Logf("%d requests answered, %d failed", ok, failed)
	if failed != 0 {
		t.Errorf("%d of %d requests failed during the restart; first: %q", failed, ok+failed, l.failed)
	}

	if newPID == oldPID || !alive(newPID) {
		t.Fatalf("new pid %d (old %d) not running:\n%s", newPID, oldPID, old.log())
	}
	if got := readPID(t, pidFile); got != newPID {
		t.Errorf("pid file holds %d after the restart, want the new %d", got, newPID)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("the replaced binary did not run: %v", err)
	}
	if got, want := readNotify(t, notifyConn), fmt.Sprintf("MAINPID=%d\nREADY=1", newPID); got != want {
		t.Errorf("notification from the new process %q, want %q", got, want)
	}
	// The admin listener was handed over too.
	admin := adminLineRE.FindStringSubmatch(old.log())
	if got := do(t, newClient(), "GET", "http://"+admin[1]+"/readyz"); got.status != 200 {
		t.Errorf("/readyz after the restart: %d", got.status)
	}
	log := old.log()
	if strings.Contains(log, "STOPPING=1") {
		t.Errorf("log mentions STOPPING:\n%s", log)
	}
	for _, want := range []string{
		fmt.Sprintf(`msg="restarting: new process started; waiting until it serves" new_pid=%d`, newPID),
		"socket_from=restart",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}

	stopPID(t, newPID)
	if got := readNotify(t, notifyConn); got != "STOPPING=1" {
		t.Errorf("notification at the new process's shutdown %q, want STOPPING=1", got)
	}
	if _, err := os.Stat(pidFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pid file after the new process's clean exit: %v, want removed", err)
	}
}

// With --http3, a restart hands the UDP socket over too: the new
// process serves HTTP/3 on the same port (its ListenPacket would fail
// while the old process holds the port), and once the old process has
// drained (with an HTTP/3 connection of a client still open) and
// exited, HTTP/3 requests are answered by the new one.
func TestBinaryRestartHTTP3(t *testing.T) {
	bin := copyBinary(t)
	pidFile := filepath.Join(t.TempDir(), "wharf.pid")
	old := startDetached(t, bin, nil, nil,
		"--addr", "127.0.0.1:0", "--tls-self-signed", "--http3", "--pid-file", pidFile)
	oldPID := old.cmd.Process.Pid
	old.waitLogCount(`msg="HTTP/3 listening"`, 1)
	url := "https://" + old.addr + "/"
	h3Get(t, h3Client(t), url) // its connection stays open

	var newPID int
	t.Cleanup(func() {
		if newPID != 0 && alive(newPID) {
			syscall.Kill(newPID, syscall.SIGKILL)
		}
	})
	old.signal(syscall.SIGHUP)
	m := old.waitLog(regexp.MustCompile(`msg="restarted: the new process serves; draining" new_pid=(\d+)`))
	newPID, _ = strconv.Atoi(m[1])
	if code := old.exitCode(); code != 0 {
		t.Errorf("old process: exit status %d, want 0:\n%s", code, old.log())
	}
	if newPID == oldPID || !alive(newPID) {
		t.Fatalf("new pid %d (old %d) not running:\n%s", newPID, oldPID, old.log())
	}
	if got := readPID(t, pidFile); got != newPID {
		t.Errorf("pid file holds %d after the restart, want the new %d", got, newPID)
	}
	// The old process has exited: only the new one can answer.
	h3Get(t, h3Client(t), url)
	if got := do(t, tlsClient(true), "GET", url); got.status != 200 {
		t.Errorf("HTTPS GET / after the restart: %d", got.status)
	}
	log := old.log()
	if n := strings.Count(log, `msg="HTTP/3 listening"`); n != 2 {
		t.Errorf("%d lines say HTTP/3 listens, want 2 (old and new process):\n%s", n, log)
	}
	if strings.Contains(log, "restart failed") || strings.Contains(log, "level=ERROR") {
		t.Errorf("the log has an error:\n%s", log)
	}

	stopPID(t, newPID)
	if _, err := os.Stat(pidFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pid file after the new process's clean exit: %v, want removed", err)
	}
}

// A new binary that fails to start leaves the old process serving,
// with its pid in the pid file; a SIGHUP while it starts is ignored.
func TestBinaryRestartFails(t *testing.T) {
	bin := copyBinary(t)
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "wharf.pid")
	p := startDetached(t, bin, nil, nil, "--addr", "127.0.0.1:0", "--pid-file", pidFile)

	// The "new binary" writes a pid file of its own, waits for the
	// test's go-ahead (bounded: 10 s), and fails.
	goAhead := filepath.Join(dir, "go")
	replaceFile(t, bin, fmt.Sprintf(`#!/bin/sh
echo $$ > '%s'
i=0
while [ ! -e '%s' ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
echo "new binary: cannot start" >&2
exit 1
`, pidFile, goAhead))

	p.signal(syscall.SIGHUP)
	p.waitLogCount(`msg="restarting: new process started`, 1)
	p.signal(syscall.SIGHUP)
	p.waitLogCount(`msg="SIGHUP ignored: a restart is still starting"`, 1)
	if err := os.WriteFile(goAhead, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	p.waitLogCount(`msg="restart failed; still serving"`, 1)
	log := p.log()
	if !strings.Contains(log, "exited before it was ready: exit status 1") || !strings.Contains(log, "new binary: cannot start") {
		t.Errorf("the log does not say why the restart failed:\n%s", log)
	}
	if n := strings.Count(log, `msg="restarting: new process started`); n != 1 {
		t.Errorf("%d restarts started, want 1:\n%s", n, log)
	}
	if got := do(t, newClient(), "GET", "http://"+p.addr+"/"); got.status != 200 {
		t.Errorf("GET / after the failed restart: %d", got.status)
	}
	if got, want := readPID(t, pidFile), p.cmd.Process.Pid; got != want {
		t.Errorf("pid file holds %d after the failed restart, want the old %d", got, want)
	}

	p.signal(syscall.SIGTERM)
	if code := p.exitCode(); code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0:\n%s", code, p.log())
	}
}

// A second signal during --shutdown-delay closes at once and exits 1.
func TestBinaryShutdownDelaySecondSignal(t *testing.T) {
	p := startBinary(t, "--addr", "127.0.0.1:0", "--shutdown-delay", "1m")
	p.signal(syscall.SIGTERM)
	waitLine(t, p, "serving on for the shutdown delay")
	if got := do(t, newClient(), "GET", "http://"+p.addr+"/"); got.status != 200 {
		t.Errorf("GET / during the shutdown delay: %d", got.status)
	}
	p.signal(syscall.SIGTERM)
	if code := p.exitCode(10 * time.Second); code != 1 {
		t.Errorf("exit status %d, want 1:\n%s", code, p.log.String())
	}
	if log := p.log.String(); !strings.HasSuffix(log, "wharf: forced close on second signal\n") {
		t.Errorf("stderr does not end with the error line:\n%s", log)
	}
}

// Under systemd's socket activation (LISTEN_FDS), wharf serves on the
// sockets it inherits, not on --addr; the one named "admin" is the
// admin listener. It notifies READY=1 and, at shutdown, STOPPING=1.
func TestBinarySocketActivation(t *testing.T) {
	var files []*os.File
	var addrs []string
	for range 2 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		f, err := ln.(*net.TCPListener).File()
		ln.Close() // the socket lives on in f
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		files = append(files, f)
		addrs = append(addrs, ln.Addr().String())
	}
	notifyConn, notifyEnv := listenNotify(t)
	// LISTEN_PID must be the pid of the process that reads it: a shell
	// sets it and then execs wharf, which keeps the pid.
	p := startDetached(t, "/bin/sh",
		[]string{notifyEnv, "LISTEN_FDS=2", "LISTEN_FDNAMES=wharf.socket:admin", "WHARF_BIN=" + binary(t)},
		files,
		"-c", `LISTEN_PID=$$ exec "$WHARF_BIN" --addr 192.0.2.1:1`) // well-formed, but not an address of this machine
	for _, f := range files {
		f.Close() // the process has its copies
	}
	if p.addr != addrs[0] {
		t.Errorf("serves on %s, want the inherited %s", p.addr, addrs[0])
	}
	if got := readNotify(t, notifyConn); got != "READY=1" {
		t.Errorf("notification %q, want READY=1", got)
	}
	log := p.log()
	if !strings.Contains(log, "socket_from=systemd") || strings.Count(log, "wharf listening") != 1 {
		t.Errorf("log:\n%s", log)
	}
	c := newClient()
	if got := do(t, c, "GET", "http://"+addrs[0]+"/"); got.status != 200 || !strings.Contains(got.body, "Hello!") {
		t.Errorf("GET / on the inherited socket: %d %q", got.status, got.body)
	}
	if got := do(t, c, "GET", "http://"+addrs[1]+"/readyz"); got.status != 200 {
		t.Errorf("GET /readyz on the inherited admin socket: %d", got.status)
	}
	p.signal(syscall.SIGTERM)
	if got := readNotify(t, notifyConn); got != "STOPPING=1" {
		t.Errorf("notification at shutdown %q, want STOPPING=1", got)
	}
	if code := p.exitCode(); code != 0 {
		t.Errorf("exit status %d, want 0:\n%s", code, p.log())
	}
}

// Sockets from systemd that leave nothing to serve the site on are an
// error, one line, before anything is served.
func TestBinarySocketActivationAdminOnly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ln.(*net.TCPListener).File()
	ln.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ exec "$WHARF_BIN"`)
	cmd.Env = append(os.Environ(), "LISTEN_FDS=1", "LISTEN_FDNAMES=admin", "WHARF_BIN="+binary(t))
	cmd.ExtraFiles = []*os.File{f}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Errorf("exit: %v, want status 1", err)
	}
	if got, want := stderr.String(), "wharf: systemd: no socket but the \"admin\" one to serve the site on\n"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
}

// A LISTEN_PID of another process is not ours: wharf listens on --addr.
func TestBinarySocketActivationOtherPID(t *testing.T) {
	p := startDetached(t, binary(t), []string{"LISTEN_FDS=1", "LISTEN_PID=1"}, nil, "--addr", "127.0.0.1:0")
	if strings.Contains(p.log(), "socket_from") {
		t.Errorf("took sockets meant for pid 1:\n%s", p.log())
	}
}

// With --reuseport, two processes serve one port, and the kernel
// spreads new connections over both; without it, the second fails.
func TestBinaryReuseport(t *testing.T) {
	p1 := startDetached(t, binary(t), nil, nil, "--addr", "127.0.0.1:0", "--reuseport", "--access-log")
	p2 := startDetached(t, binary(t), nil, nil, "--addr", p1.addr, "--reuseport", "--access-log")
	if p2.addr != p1.addr {
		t.Fatalf("second process on %s, want %s", p2.addr, p1.addr)
	}
	cmd := exec.Command(binary(t), "--addr", p1.addr)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err == nil || !strings.Contains(stderr.String(), "address already in use") || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("a third process without --reuseport: %v, %q; want one line saying the address is in use", err, stderr.String())
	}

	c := newClient()
	for range 40 {
		if got := do(t, c, "GET", "http://"+p1.addr+"/"); got.status != 200 {
			t.Fatalf("GET /: %d", got.status)
		}
	}
	// The access log is written in batches: wait for the 40 lines.
	var n1, n2 int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		n1, n2 = strings.Count(p1.log(), `HTTP/1.1" 200 `), strings.Count(p2.log(), `HTTP/1.1" 200 `)
		if n1+n2 >= 40 {
			break
		}
	}
	if n1+n2 != 40 || n1 == 0 || n2 == 0 {
		t.Errorf("requests answered: %d by the first process, %d by the second; want both some of 40", n1, n2)
	}

	p1.signal(syscall.SIGTERM)
	if code := p1.exitCode(); code != 0 {
		t.Errorf("first process: exit status %d", code)
	}
	if got := do(t, c, "GET", "http://"+p1.addr+"/"); got.status != 200 {
		t.Errorf("GET / after the first process stopped: %d", got.status)
	}
	p2.signal(syscall.SIGTERM)
	if code := p2.exitCode(); code != 0 {
		t.Errorf("second process: exit status %d", code)
	}
}

// A new process that fails while it starts tells the old one why: the
// old process's "restart failed" record holds the new one's error (not
// just its exit status, or "signal: killed" when it had closed the
// ready pipe before it failed), and the old process serves on.
func TestBinaryRestartFailureReason(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  func(dir string) []string // DIR is a site in dir
		https bool
		// breakIt makes the new process fail; bin is the executable
		// the old process restarts.
		breakIt func(t *testing.T, dir, bin string)
		want    []string // in the "restart failed" record
		status  int      // of GET / after the failed restart
	}{
		{
			name: "flags now invalid",
			args: func(dir string) []string { return []string{filepath.Join(dir, "site")} },
			breakIt: func(t *testing.T, dir, bin string) {
				// The upgrade installs a version that refuses the
				// command line.
				real := copyBinary(t)
				replaceFile(t, bin, fmt.Sprintf("#!/bin/sh\nexec '%s' --symlinks sometimes \"$@\"\n", real))
			},
			want:   []string{"--symlinks must be inside, follow or never", "exit status 2"},
			status: 200,
		},
		{
			name: "site directory removed",
			args: func(dir string) []string { return []string{filepath.Join(dir, "site")} },
			breakIt: func(t *testing.T, dir, bin string) {
				if err := os.RemoveAll(filepath.Join(dir, "site")); err != nil {
					t.Fatal(err)
				}
			},
			want:   []string{"cannot serve", "no such file or directory", "exit status 1"},
			status: 404, // the old process serves on, its files gone
		},
		{
			// The new process fails after it took the sockets over.
			name: "pid file folder removed",
			args: func(dir string) []string {
				return []string{"--pid-file", filepath.Join(dir, "run", "wharf.pid"), filepath.Join(dir, "site")}
			},
			breakIt: func(t *testing.T, dir, bin string) {
				if err := os.RemoveAll(filepath.Join(dir, "run")); err != nil {
					t.Fatal(err)
				}
			},
			want:   []string{"--pid-file", "no such file or directory", "exit status 1"},
			status: 200,
		},
		{
			name: "certificate unreadable",
			args: func(dir string) []string {
				return []string{"--tls-cert", filepath.Join(dir, "cert.pem"), "--tls-key", filepath.Join(dir, "key.pem"), filepath.Join(dir, "site")}
			},
			https: true,
			breakIt: func(t *testing.T, dir, bin string) {
				if err := os.WriteFile(filepath.Join(dir, "cert.pem"), []byte("garbage\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			want:   []string{"cert.pem is not PEM", "exit status 1"},
			status: 200,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := copyBinary(t)
			dir := t.TempDir()
			writeFiles(t, filepath.Join(dir, "site"), map[string]string{"index.html": "old site"})
			if err := os.Mkdir(filepath.Join(dir, "run"), 0o755); err != nil {
				t.Fatal(err)
			}
			writePair(t, dir)
			p := startDetached(t, bin, nil, nil, append([]string{"--addr", "127.0.0.1:0"}, tc.args(dir)...)...)
			tc.breakIt(t, dir, bin)

			p.signal(syscall.SIGHUP)
			p.waitLogCount(`msg="restart failed; still serving"`, 1)
			var rec string
			for line := range strings.Lines(p.log()) {
				if strings.Contains(line, `msg="restart failed; still serving"`) {
					rec = line
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(rec, w) {
					t.Errorf("the restart failed record lacks %q:\n%s\nwhole log:\n%s", w, rec, p.log())
				}
			}
			if strings.Contains(rec, "killed") {
				t.Errorf("the new process was killed, not heard:\n%s", rec)
			}

			c, scheme := newClient(), "http"
			if tc.https {
				c, scheme = tlsClient(false), "https"
			}
			if got := do(t, c, "GET", scheme+"://"+p.addr+"/"); got.status != tc.status {
				t.Errorf("GET / after the failed restart: %d, want %d", got.status, tc.status)
			}
			select {
			case <-p.done:
				t.Fatalf("the old process exited (%v):\n%s", p.err, p.log())
			default:
			}
			p.signal(syscall.SIGTERM)
			if code := p.exitCode(); code != 0 {
				t.Errorf("exit status %d after SIGTERM, want 0:\n%s", code, p.log())
			}
		})
	}
}
