package main

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var adminAddrRE = regexp.MustCompile(`msg="admin listening" addr=(\S+)`)

// adminURL returns the URL of path on r's admin listener.
func (r *running) adminURL(path string) string {
	r.t.Helper()
	m := adminAddrRE.FindStringSubmatch(r.stderr.String())
	if m == nil {
		r.t.Fatalf("no admin listening line:\n%s", r.stderr.String())
	}
	return "http://" + m[1] + path
}

func TestAdmin(t *testing.T) {
	r := startRun(t, "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0")
	c := newClient()
	for _, tc := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/healthz", 200, "ok\n"},
		{"GET", "/readyz", 200, "ready\n"},
		{"HEAD", "/readyz", 200, ""},
		{"GET", "/", 404, ""},
		{"GET", "/sleep", 404, ""}, // the site's paths are not here
		{"GET", "/healthz/x", 404, ""},
		{"POST", "/healthz", 405, ""},
	} {
		got := do(t, c, tc.method, r.adminURL(tc.path))
		if got.status != tc.status || tc.body != "" && got.body != tc.body {
			t.Errorf("admin %s %s: %d %q, want %d %q", tc.method, tc.path, got.status, got.body, tc.status, tc.body)
		}
		if tc.status == 200 && got.header.Get("Cache-Control") != "no-store" {
			t.Errorf("admin %s %s: Cache-Control %q, want no-store", tc.method, tc.path, got.header.Get("Cache-Control"))
		}
	}
	// Never on the public address.
	for _, p := range []string{"/healthz", "/readyz"} {
		if got := do(t, c, "GET", r.url(p)); got.status != 404 {
			t.Errorf("public GET %s: %d, want 404", p, got.status)
		}
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	r.checkGoroutines()
}

// Without --admin-addr there is no admin listener.
func TestNoAdmin(t *testing.T) {
	r := startRun(t, "--addr", "127.0.0.1:0")
	if strings.Contains(r.stderr.String(), "admin listening") {
		t.Errorf("an admin listener without --admin-addr:\n%s", r.stderr.String())
	}
}

// On shutdown, /readyz fails at once while the site is still served
// for --shutdown-delay; then the listeners close and run returns nil.
func TestShutdownDelay(t *testing.T) {
	const delay = 3 * time.Second
	r := startRun(t, "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--shutdown-delay", delay.String())
	c := newClient()
	readyz, healthz := r.adminURL("/readyz"), r.adminURL("/healthz")
	if got := do(t, c, "GET", readyz); got.status != 200 {
		t.Fatalf("/readyz before shutdown: %d", got.status)
	}

	start := time.Now()
	r.cancel()
	deadline := time.Now().Add(delay / 2)
	for {
		got := do(t, c, "GET", readyz)
		if got.status == 503 && got.body == "stopping\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still %d %q %v after the shutdown began", got.status, got.body, time.Since(start))
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Within the delay: the site is served on new connections, and the
	// process is healthy.
	if got := do(t, c, "GET", r.url("/")); got.status != 200 {
		t.Errorf("GET / during the shutdown delay: %d", got.status)
	}
	if got := do(t, c, "GET", healthz); got.status != 200 {
		t.Errorf("/healthz during the shutdown delay: %d", got.status)
	}

	err, returned := r.wait(delay + 10*time.Second)
	if !returned || err != nil {
		t.Fatalf("run: returned %v, err %v", returned, err)
	}
	if d := time.Since(start); d < delay {
		t.Errorf("run returned %v after the shutdown began, before the %v delay", d, delay)
	}
	log := r.stderr.String()
	last := -1
	for _, want := range []string{`msg="shutting down"`, `msg="not ready (/readyz answers 503); serving on for the shutdown delay" delay=3s`, `msg="draining: no longer accepting`, "msg=stopped"} {
		i := strings.Index(log, want)
		if i < last {
			t.Errorf("log lacks %q after the previous phase:\n%s", want, log)
		}
		last = i
	}
	if c, err := net.DialTimeout("tcp", r.addr, time.Second); err == nil {
		c.Close()
		t.Errorf("dial %s after run returned: still accepting", r.addr)
	}
	r.checkGoroutines()
}

func TestPIDFile(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "wharf.pid")
	r := startRun(t, "--addr", "127.0.0.1:0", "--pid-file", pidFile)
	if got, want := readFile(t, pidFile), strconv.Itoa(os.Getpid())+"\n"; got != want {
		t.Errorf("pid file holds %q, want %q", got, want)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pidFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pid file after a clean exit: %v, want it removed", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files left in the pid file's folder: %v", entries)
	}

	// A pid file that holds another pid at exit (a new process's,
	// after a restart) stays.
	r = startRun(t, "--addr", "127.0.0.1:0", "--pid-file", pidFile)
	if err := os.WriteFile(pidFile, []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, pidFile); got != "1\n" {
		t.Errorf("another process's pid file: %q after exit, want it kept", got)
	}
}

func TestBadInputOps(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	for _, tc := range []badInput{
		{name: "admin port in use", args: []string{"--addr", "127.0.0.1:0", "--admin-addr", busy.Addr().String()},
			want: []string{"wharf: --admin-addr: listen on " + busy.Addr().String() + ": ", "address already in use"}},
		{name: "admin addr no port", args: []string{"--admin-addr", "127.0.0.1"}, want: []string{"--admin-addr", "HOST:PORT"}, usage: true},
		{name: "admin addr is addr", args: []string{"--addr", "127.0.0.1:7999", "--admin-addr", "127.0.0.1:7999"}, want: []string{"--admin-addr", "public address"}, usage: true},
		{name: "pid file in a missing folder", args: []string{"--addr", "127.0.0.1:0", "--pid-file", filepath.Join(dir, "nope", "wharf.pid")},
			want: []string{"wharf: --pid-file " + filepath.Join(dir, "nope", "wharf.pid") + ": no such file or directory"}},
		{name: "shutdown delay negative", args: []string{"--shutdown-delay", "-1s"}, want: []string{"--shutdown-delay", "negative"}, usage: true},
		{name: "env shutdown delay", env: map[string]string{"WHARF_SHUTDOWN_DELAY": "soon"}, want: []string{"WHARF_SHUTDOWN_DELAY", `"soon"`}, usage: true},
		{name: "env reuseport", env: map[string]string{"WHARF_REUSEPORT": "maybe"}, want: []string{"WHARF_REUSEPORT"}, usage: true},
	} {
		t.Run(tc.name, tc.check)
	}
}
