package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// setSleep shortens /sleep for one test.
func setSleep(t *testing.T, d time.Duration) {
	old := sleepDelay
	sleepDelay = d
	// Registered before startRun's cleanup, so it runs after run returns.
	t.Cleanup(func() { sleepDelay = old })
}

// waitInFlight waits (up to 5 s) until n handlers are running in the
// server whose log is log: it polls, every 5 ms, /metrics on the admin
// listener the log names (so the server needs --admin-addr) for
// wharf_http_requests_in_flight, the handlers running. It is how a test
// knows that its /sleep requests are being served.
func waitInFlight(t *testing.T, log func() string, n int) {
	t.Helper()
	const gauge = "wharf_http_requests_in_flight"
	want := fmt.Sprintf("%s %d", gauge, n)
	c := newClient()
	last := "no admin listening line yet"
	deadline := time.Now().Add(5 * time.Second)
	for {
		if m := adminAddrRE.FindStringSubmatch(log()); m != nil {
			got, err := get(c, "http://"+m[1]+"/metrics")
			last = "no " + gauge + " line"
			if err != nil {
				last = err.Error()
			}
			for l := range strings.Lines(got.body) {
				if strings.HasPrefix(l, gauge+" ") {
					last = strings.TrimSpace(l)
				}
			}
			if last == want {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not %d within 5s; last seen: %s\nlog:\n%s", gauge, n, last, log())
		}
		time.Sleep(5 * time.Millisecond) // the polling interval
	}
}

// makeSite writes a small site under a new temporary directory and
// returns the site's directory and a secret that lives next to it,
// outside the site.
func makeSite(t *testing.T) (dir, secret string) {
	t.Helper()
	parent := t.TempDir()
	secret = "secret-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	dir = filepath.Join(parent, "site")
	files := map[string]string{
		"../secret.txt":  secret,
		"index.html":     "<!DOCTYPE html><title>root</title><p>root index</p>\n",
		"sub/index.html": "<!DOCTYPE html><title>sub</title><p>sub index</p>\n",
		"style.css":      "body { color: red }\n",
		"a.json":         `{"a": 1}` + "\n",
		"404.html":       "<!DOCTYPE html><title>404</title><p>custom not found</p>\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, secret
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestServeDir(t *testing.T) {
	dir, secret := makeSite(t)
	r := startRun(t, "--addr", "127.0.0.1:0", dir)
	c := newClient()

	for _, tc := range []struct {
		path     string
		status   int
		ctype    string // prefix
		body     string // exact, if not ""
		location string
	}{
		{path: "/", status: 200, ctype: "text/html", body: readFile(t, filepath.Join(dir, "index.html"))},
		{path: "/index.html", status: 200, ctype: "text/html", body: readFile(t, filepath.Join(dir, "index.html"))},
		{path: "/sub", status: 301, location: "sub/"}, // relative (fileserver, 1d8f5bd): /sub/ from /sub
		{path: "/sub/", status: 200, ctype: "text/html", body: readFile(t, filepath.Join(dir, "sub", "index.html"))},
		{path: "/style.css", status: 200, ctype: "text/css", body: readFile(t, filepath.Join(dir, "style.css"))},
		{path: "/a.json", status: 200, ctype: "application/json", body: readFile(t, filepath.Join(dir, "a.json"))},
		{path: "/missing", status: 404, ctype: "text/html", body: readFile(t, filepath.Join(dir, "404.html"))},
	} {
		got := do(t, c, "GET", r.url(tc.path))
		if got.status != tc.status {
			t.Errorf("GET %s: status %d, want %d", tc.path, got.status, tc.status)
		}
		if ct := got.header.Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
			t.Errorf("GET %s: Content-Type %q, want %q...", tc.path, ct, tc.ctype)
		}
		if tc.body != "" && got.body != tc.body {
			t.Errorf("GET %s: body %q, want %q", tc.path, got.body, tc.body)
		}
		if loc := got.header.Get("Location"); tc.location != "" && loc != tc.location {
			t.Errorf("GET %s: Location %q, want %q", tc.path, loc, tc.location)
		}
	}

	// Paths that try to leave the root, sent raw so that no client
	// cleans them first.
	for _, p := range []string{
		"/../secret.txt",
		"/../../../../etc/passwd",
		"/%2e%2e/secret.txt",
		"/sub/../../secret.txt",
		"/sub/%2e%2e/%2e%2e/secret.txt",
		"/..%2fsecret.txt",
		"/%2e%2e%2fsecret.txt",
	} {
		got := rawRequest(t, r.addr, "GET "+p+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if strings.HasPrefix(got, "HTTP/1.1 200") {
			t.Errorf("GET %s: answered 200:\n%s", p, got)
		}
		if strings.Contains(got, secret) || strings.Contains(got, "root:") {
			t.Errorf("GET %s: answer holds bytes from outside the root:\n%s", p, got)
		}
	}

	start := time.Now()
	if err := r.stop(); err != nil {
		t.Fatalf("run returned %v after cancel", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("run took %v to return after cancel", d)
	}
	if c, err := net.DialTimeout("tcp", r.addr, time.Second); err == nil {
		c.Close()
		t.Errorf("dial %s after run returned: still accepting", r.addr)
	}
	log := r.stderr.String()
	for _, want := range []string{
		`msg="wharf listening"`, "url=http://" + r.addr + "/", "dir=" + dir, "workers=512", "queue=2048",
		`msg="shutting down"`, "msg=stopped",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if n := strings.Count(log, "wharf listening"); n != 1 {
		t.Errorf("%d startup lines, want 1", n)
	}
	r.checkGoroutines()
}

func TestDemoSite(t *testing.T) {
	r := startRun(t, "--addr", "127.0.0.1:0", "--workers", "8")
	c := newClient()

	got := do(t, c, "GET", r.url("/"))
	if got.status != 200 || !strings.Contains(got.body, "<h1>Hello!</h1>") || !strings.HasPrefix(got.body, "<!DOCTYPE html>") {
		t.Errorf("GET /: %d %q", got.status, got.body)
	}
	if ct := got.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("GET /: Content-Type %q", ct)
	}

	// HEAD: the head of GET, no body.
	head := rawRequest(t, r.addr, "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	hdr, body, ok := strings.Cut(head, "\r\n\r\n")
	if !ok || !strings.HasPrefix(hdr, "HTTP/1.1 200 ") {
		t.Fatalf("HEAD /: %q", head)
	}
	if body != "" {
		t.Errorf("HEAD /: body %q", body)
	}
	if want := "Content-Length: " + strconv.Itoa(len(helloPage)); !strings.Contains(strings.ToLower(hdr), strings.ToLower(want)) {
		t.Errorf("HEAD /: head lacks %q:\n%s", want, hdr)
	}

	for _, p := range []string{"/nope", "/hello.html", "/404.html", "/sleep/", "/a/b/c"} {
		got := do(t, c, "GET", r.url(p))
		if got.status != 404 || !strings.Contains(got.body, "<h1>Oops!</h1>") {
			t.Errorf("GET %s: %d %q", p, got.status, got.body)
		}
		if ct := got.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("GET %s: Content-Type %q", p, ct)
		}
	}

	got = do(t, c, "GET", r.url("/style.css"))
	if got.status != 200 || !strings.HasPrefix(got.header.Get("Content-Type"), "text/css") {
		t.Errorf("GET /style.css: %d %q", got.status, got.header.Get("Content-Type"))
	}

	for _, m := range []string{"POST", "PUT", "DELETE"} {
		for _, p := range []string{"/", "/sleep"} {
			got := do(t, c, m, r.url(p))
			if got.status != 405 || got.header.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: %d, Allow %q", m, p, got.status, got.header.Get("Allow"))
			}
		}
	}

	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	if log := r.stderr.String(); !strings.Contains(log, `dir="(embedded demo)"`) {
		t.Errorf("log lacks the demo dir:\n%s", log)
	}
	r.checkGoroutines()
}

// Slow requests run in parallel and do not hold up a fast one.
func TestDemoSleepParallel(t *testing.T) {
	const sleep = 300 * time.Millisecond
	setSleep(t, sleep)
	r := startRun(t, "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--workers", "8")
	c := newClient()

	start := time.Now()
	var wg sync.WaitGroup
	results := make([]result, 6)
	for i := range results {
		wg.Go(func() {
			var err error
			if results[i], err = get(c, r.url("/sleep")); err != nil {
				t.Errorf("/sleep #%d: %v", i, err)
			}
		})
	}
	waitInFlight(t, r.stderr.String, len(results)) // all six are being served
	fastStart := time.Now()
	fast := do(t, c, "GET", r.url("/"))
	fastTook := time.Since(fastStart)
	wg.Wait()
	total := time.Since(start)

	if fast.status != 200 {
		t.Errorf("GET / during /sleep: %d", fast.status)
	}
	if fastTook >= sleep {
		t.Errorf("GET / during six /sleep took %v, want < %v", fastTook, sleep)
	}
	for i, res := range results {
		if res.status != 200 || !strings.Contains(res.body, "<h1>Hello!</h1>") {
			t.Errorf("/sleep #%d: %d %q", i, res.status, res.body)
		}
	}
	if total < sleep {
		t.Errorf("six /sleep took %v, less than one sleep (%v)", total, sleep)
	}
	if limit := 2*sleep + time.Second; total > limit {
		t.Errorf("six /sleep took %v, want < %v (they should run in parallel)", total, limit)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	r.checkGoroutines()
}

// A request in flight when the context is cancelled is answered, and
// run then returns nil.
func TestGracefulShutdown(t *testing.T) {
	const sleep = time.Second
	setSleep(t, sleep)
	r := startRun(t, "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--access-log")
	c := newClient()

	res := make(chan result, 1)
	start := time.Now()
	go func() {
		got, err := get(c, r.url("/sleep"))
		if err != nil {
			t.Errorf("/sleep in flight during shutdown: %v", err)
		}
		res <- got
	}()
	waitInFlight(t, r.stderr.String, 1) // the request is being served
	r.cancel()

	select {
	case got := <-res:
		if got.status != 200 || !strings.Contains(got.body, "<h1>Hello!</h1>") {
			t.Errorf("/sleep in flight during shutdown: %d %q", got.status, got.body)
		}
		if d := time.Since(start); d < sleep {
			t.Errorf("/sleep answered after %v, before its sleep (%v)", d, sleep)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("/sleep not answered within 10s")
	}
	err, ok := r.wait(5 * time.Second)
	if !ok {
		t.Fatal("run did not return within 5s")
	}
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	log := r.stderr.String()
	for _, want := range []string{`msg="shutting down"`, `"GET /sleep HTTP/1.1" 200 `, "msg=stopped"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	r.checkGoroutines()
}

// Past --shutdown-timeout, connections are closed and run says so.
func TestShutdownTimeout(t *testing.T) {
	setSleep(t, 30*time.Second)
	r := startRun(t, "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--shutdown-timeout", "200ms")
	c := newClient()

	res := make(chan struct{})
	go func() {
		defer close(res)
		resp, err := c.Get(r.url("/sleep"))
		if err == nil {
			resp.Body.Close()
		}
	}()
	waitInFlight(t, r.stderr.String, 1) // the request is being served
	start := time.Now()
	r.cancel()
	err, ok := r.wait(5 * time.Second)
	if !ok {
		t.Fatal("run did not return within 5s of cancel with --shutdown-timeout 200ms")
	}
	if err == nil || !strings.Contains(err.Error(), "shutdown timed out") {
		t.Errorf("run: %v, want shutdown timed out", err)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("run returned %v after cancel, before the shutdown timeout", d)
	}
	select {
	case <-res:
	case <-time.After(5 * time.Second):
		t.Fatal("the /sleep request did not end after the forced close")
	}
	r.checkGoroutines()
}

func TestBadInput(t *testing.T) {
	dir, _ := makeSite(t)
	file := filepath.Join(dir, "index.html")
	for _, tc := range []badInput{
		{name: "workers 0", args: []string{"--workers", "0"}, want: []string{"wharf: --workers must be at least 1 (got 0)"}, usage: true},
		{name: "workers negative", args: []string{"--workers=-3"}, want: []string{"--workers", "-3"}, usage: true},
		{name: "queue", args: []string{"--queue", "-2"}, want: []string{"--queue", "-2"}, usage: true},
		{name: "log format", args: []string{"--log-format", "xml"}, want: []string{"--log-format", "text", "json", `"xml"`}, usage: true},
		{name: "log level", args: []string{"--log-level", "loud"}, want: []string{"--log-level", "debug", "info", "warn", "error"}, usage: true},
		{name: "negative timeout", args: []string{"--read-timeout", "-1s"}, want: []string{"--read-timeout"}, usage: true},
		{name: "max body", args: []string{"--max-body-bytes", "0"}, want: []string{"--max-body-bytes"}, usage: true},
		{name: "max body unit", args: []string{"--max-body-bytes", "1 Mb"}, want: []string{"max-body-bytes", `"1 Mb"`, "KiB", "kB"}, usage: true},
		{name: "env max header", env: map[string]string{"WHARF_MAX_HEADER_BYTES": "16k"}, want: []string{"WHARF_MAX_HEADER_BYTES", `"16k"`}, usage: true},
		{name: "max conns", args: []string{"--max-conns", "-1"}, want: []string{"--max-conns"}, usage: true},
		{name: "bad addr", args: []string{"--addr", "256.0.0.1:99999"}, want: []string{`wharf: --addr "256.0.0.1:99999": the port must be a number from 0 to 65535`}, usage: true},
		{name: "addr no port", args: []string{"--addr", "127.0.0.1"}, want: []string{`wharf: --addr "127.0.0.1": want HOST:PORT`}, usage: true},
		{name: "addr unknown service", args: []string{"--addr", "127.0.0.1:nosuchservice"}, want: []string{"--addr", "service name"}, usage: true},
		{name: "addr not on this machine", args: []string{"--addr", "192.0.2.1:80"}, want: []string{"wharf: listen on 192.0.2.1:80: "}},
		{name: "missing dir", args: []string{filepath.Join(dir, "nope")}, want: []string{"nope", "no such file"}},
		{name: "dir is a file", args: []string{file}, want: []string{"index.html", "not a directory"}},
		{name: "two dirs", args: []string{dir, dir}, want: []string{"too many arguments", "got 2"}, usage: true},
		{name: "flag after dir", args: []string{dir, "--workers", "2"}, want: []string{"too many arguments", "flags must come before DIR"}, usage: true},
		{name: "unknown flag", args: []string{"--bogus"}, want: []string{"bogus"}, usage: true},
		{name: "bad flag value", args: []string{"--workers", "many"}, want: []string{"workers", `"many"`}, usage: true},
		{name: "flag needs value", args: []string{"--addr"}, want: []string{"addr"}, usage: true},
		{name: "env workers", env: map[string]string{"WHARF_WORKERS": "abc"}, want: []string{"WHARF_WORKERS", `"abc"`}, usage: true},
		{name: "env duration", env: map[string]string{"WHARF_IDLE_TIMEOUT": "soon"}, want: []string{"WHARF_IDLE_TIMEOUT"}, usage: true},
		{name: "env bool", env: map[string]string{"WHARF_ACCESS_LOG": "maybe"}, want: []string{"WHARF_ACCESS_LOG"}, usage: true},
		{name: "env value validated", env: map[string]string{"WHARF_LOG_FORMAT": "xml"}, want: []string{"--log-format"}, usage: true},

		// The serving flags (issue 8): every bad value is a usage error.
		{name: "header no colon", args: []string{"--header", "nocolon"}, want: []string{`--header "nocolon"`, `"Name: value"`}, usage: true},
		{name: "header name not a token", args: []string{"--header", "X Y: z"}, want: []string{"--header", "token"}, usage: true},
		{name: "header space before colon", args: []string{"--header", "X-A : z"}, want: []string{"--header", "token"}, usage: true},
		{name: "header empty name", args: []string{"--header", ": z"}, want: []string{"--header", "token"}, usage: true},
		{name: "header CRLF in value", args: []string{"--header", "X-A: a\r\nSet-Cookie: x=1"}, want: []string{"--header", "CR, LF"}, usage: true},
		{name: "header NUL in value", args: []string{"--header", "X-A: a\x00b"}, want: []string{"--header", "NUL"}, usage: true},
		{name: "header set by the server", args: []string{"--header", "content-length: 5"}, want: []string{"--header", "the server sets Content-Length"}, usage: true},
		{name: "cache-control CRLF", args: []string{"--cache-control", "no-cache\r\nX-A: 1"}, want: []string{"--cache-control"}, usage: true},
		{name: "symlinks", args: []string{"--symlinks", "sometimes"}, want: []string{"--symlinks must be inside, follow or never", `"sometimes"`}, usage: true},
		{name: "cache-validity negative", args: []string{"--cache-validity", "-1s"}, want: []string{"--cache-validity must not be negative"}, usage: true},
		{name: "cache-validity unparsable", args: []string{"--cache-validity", "soon"}, want: []string{"cache-validity", `"soon"`}, usage: true},
		{name: "precompressed not a bool", args: []string{"--precompressed=maybe"}, want: []string{"precompressed"}, usage: true},
		{name: "cors path", args: []string{"--cors", "https://a.example/"}, want: []string{"--cors", `"https://a.example/"`, "scheme://host[:port]"}, usage: true},
		{name: "cors empty entry", args: []string{"--cors", "https://a.example,,https://b.example"}, want: []string{"--cors", "empty origin"}, usage: true},
		{name: "cors star and more", args: []string{"--cors", "*,https://a.example"}, want: []string{"--cors", `"*" must be the only origin`}, usage: true},
		{name: "cors null", args: []string{"--cors", "null"}, want: []string{"--cors", `"null"`}, usage: true},
		{name: "cors second flag", args: []string{"--cors", "https://a.example", "--cors", "a.example"}, want: []string{"--cors", `"a.example"`}, usage: true},
		{name: "basic-auth plaintext", args: []string{"--basic-auth", "bob:plaintext"}, want: []string{"--basic-auth", `user "bob"`, "must be a bcrypt hash", "wharf --hash-password"}, notWant: "plaintext", usage: true},
		{name: "basic-auth no colon", args: []string{"--basic-auth", "bob"}, want: []string{"--basic-auth", "USER:BCRYPT_HASH"}, usage: true},
		{name: "basic-auth empty user", args: []string{"--basic-auth", ":$2a$04$abcdefghijklmnopqrstuuAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, want: []string{"--basic-auth", "empty user name"}, usage: true},
		{name: "env header", env: map[string]string{"WHARF_HEADER": "X-A: 1\nnocolon\n"}, want: []string{`--header "nocolon"`}, usage: true},
		{name: "env symlinks", env: map[string]string{"WHARF_SYMLINKS": "always"}, want: []string{"--symlinks", `"always"`}, usage: true},
		{name: "env cors", env: map[string]string{"WHARF_CORS": "https://a.example\nftp:/b"}, want: []string{"--cors", `"ftp:/b"`}, usage: true},
		{name: "env basic-auth plaintext", env: map[string]string{"WHARF_BASIC_AUTH": "bob:hunter2"}, want: []string{"--basic-auth", "bcrypt hash"}, notWant: "hunter2", usage: true},
		{name: "env compress", env: map[string]string{"WHARF_COMPRESS": "yes please"}, want: []string{"WHARF_COMPRESS"}, usage: true},
		{name: "hash-password empty", args: []string{"--hash-password"}, stdin: "\n", want: []string{"--hash-password", "empty password"}, usage: true},
		{name: "hash-password no input", args: []string{"--hash-password"}, want: []string{"--hash-password", "empty password"}, usage: true},
		{name: "hash-password too long", args: []string{"--hash-password"}, stdin: strings.Repeat("p", 80) + "\n", want: []string{"--hash-password", "80 bytes", "72"}, notWant: "ppp", usage: true},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.check(t) })
	}
}

// A badInput is a command line, environment and standard input that
// run must refuse, and what its error must say.
type badInput struct {
	name    string
	args    []string
	env     map[string]string
	stdin   string
	want    []string // substrings of the error
	notWant string   // not in the error (a secret)
	usage   bool     // a usageError (exit status 2)
}

// check runs the command on the bad input and checks that it fails
// before listening, with one line that starts "wharf: " and holds what
// tc wants.
func (tc badInput) check(t *testing.T) {
	t.Helper()
	for k, v := range tc.env {
		t.Setenv(k, v)
	}
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := run(ctx, tc.args, strings.NewReader(tc.stdin), &stdout, &stderr)
	if err == nil {
		t.Fatalf("run(%q) = nil; log:\n%s", tc.args, stderr.String())
	}
	for _, w := range tc.want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	if tc.notWant != "" && strings.Contains(err.Error(), tc.notWant) {
		t.Errorf("error %q shows %q", err, tc.notWant)
	}
	if !strings.HasPrefix(err.Error(), "wharf: ") {
		t.Errorf("error %q lacks the wharf: prefix", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error %q is more than one line", err)
	}
	var ue *usageError
	if isUsage := errors.As(err, &ue); isUsage != tc.usage {
		t.Errorf("usage error = %v, want %v (%v)", isUsage, tc.usage, err)
	}
	if strings.Contains(stderr.String(), "wharf listening") {
		t.Errorf("logged a startup line for bad input:\n%s", stderr.String())
	}
}

func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = run(ctx, []string{"--addr", addr}, strings.NewReader(""), new(bytes.Buffer), new(bytes.Buffer))
	if err == nil {
		t.Fatal("run on a port in use returned nil")
	}
	if want := "wharf: listen on " + addr + ": "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want prefix %q", err, want)
	}
	if !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("error %q does not say the address is in use", err)
	}
}

func TestVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"--version"}, strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if out := stdout.String(); !strings.HasPrefix(out, "wharf ") || !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
		t.Errorf("--version printed %q", out)
	}
	if stderr.Len() != 0 {
		t.Errorf("--version wrote to stderr: %q", stderr.String())
	}
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help", "-help"} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), []string{arg}, strings.NewReader(""), &stdout, &stderr); err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		out := stdout.String()
		for _, want := range []string{"Usage: wharf [flags] [DIR]", "--addr", "--workers", "--access-log", "$WHARF_ADDR", "$WHARF_LOG_FORMAT", "(default 127.0.0.1:7878)",
			"--precompressed", "--compress", "(default true)", "--browse", "--spa", "--cache-control", "--symlinks inside|follow|never", "(default inside)",
			"--cache-validity duration", "stale", "(default 1s)", "0: check on every request",
			`--header "Name: value"`, "$WHARF_HEADER", "--cors ORIGIN", "$WHARF_CORS", "--basic-auth USER:BCRYPT_HASH", "$WHARF_BASIC_AUTH",
			"one value per line", "--hash-password", "cost 12"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: usage lacks %q:\n%s", arg, want, out)
			}
		}
		if stderr.Len() != 0 {
			t.Errorf("%s wrote to stderr: %q", arg, stderr.String())
		}
	}
}

func TestEnv(t *testing.T) {
	t.Setenv("WHARF_WORKERS", "3")
	t.Setenv("WHARF_QUEUE", "7")
	t.Setenv("WHARF_ACCESS_LOG", "true")
	t.Setenv("WHARF_READ_HEADER_TIMEOUT", "2s")
	t.Setenv("WHARF_MAX_CONNS_PER_IP", "") // empty: unset
	t.Setenv("WHARF_VERSION", "1")         // not read
	o, err := parseFlags([]string{"--queue", "9"}, new(bytes.Buffer))
	if err != nil {
		t.Fatal(err)
	}
	if o.workers != 3 || o.queue != 9 || !o.accessLog || o.readHeaderTimeout != 2*time.Second || o.maxConnsPerIP != 0 || o.version {
		t.Errorf("options from env: %+v", *o)
	}

	// The whole command, configured from the environment only.
	t.Setenv("WHARF_ADDR", "127.0.0.1:0")
	t.Setenv("WHARF_LOG_FORMAT", "json")
	// Uncompressed, so that the access record counts the page's bytes
	// (with compression it counts the bytes sent).
	t.Setenv("WHARF_COMPRESS", "false")
	r := startRun(t)
	got := do(t, newClient(), "GET", r.url("/"))
	if got.status != 200 {
		t.Errorf("GET /: %d", got.status)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	var start, req map[string]any
	for _, rec := range r.logRecords() {
		switch rec["msg"] {
		case "wharf listening":
			start = rec
		}
		if rec["target"] != nil {
			req = rec // an access-log line (JSON, as the logs)
		}
	}
	if start == nil || start["workers"] != float64(3) || start["queue"] != float64(7) || start["url"] != "http://"+r.addr+"/" {
		t.Errorf("startup record %v", start)
	}
	if req == nil || req["target"] != "/" || req["status"] != float64(200) || req["body_bytes"] != float64(len(helloPage)) {
		t.Errorf("access record %v", req)
	}
}
