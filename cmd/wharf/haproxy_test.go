//go:build unix

package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHAProxyRoll runs two wharf instances behind HAProxy (checking
// /readyz on their admin listeners), drives requests through HAProxy,
// and rolls both instances one after the other (SIGTERM with
// --shutdown-delay, then a new process on the same ports), then
// restarts one with SIGHUP: no client request may fail (issue 9,
// item 7). It needs Debian's haproxy (apt-get install haproxy).
func TestHAProxyRoll(t *testing.T) {
	haproxyBin, err := exec.LookPath("haproxy")
	if err != nil {
		t.Skip("haproxy is not installed (Debian: apt-get install haproxy): the roll behind a load balancer is not tested")
	}
	bin := binary(t)

	type instance struct {
		name        string
		port, admin int
		p           *detached
	}
	start := func(in *instance) {
		in.p = startDetached(t, bin, nil, nil,
			"--addr", "127.0.0.1:"+strconv.Itoa(in.port),
			"--admin-addr", "127.0.0.1:"+strconv.Itoa(in.admin),
			"--shutdown-delay", "1500ms", // > HAProxy's check interval × fall
			"--access-log")
	}
	instances := []*instance{{name: "w1"}, {name: "w2"}}
	for _, in := range instances {
		in.port, in.admin = freePort(t), freePort(t)
		start(in)
	}

	front := freePort(t)
	var servers strings.Builder
	for _, in := range instances {
		fmt.Fprintf(&servers, "    server %s 127.0.0.1:%d check port %d inter 200ms fall 1 rise 1\n", in.name, in.port, in.admin)
	}
	cfg := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`global
    maxconn 512
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
    retries 2
    option redispatch
    retry-on conn-failure empty-response
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
%s`, front, servers.String())), 0o644); err != nil {
		t.Fatal(err)
	}
	hap := exec.Command(haproxyBin, "-db", "-f", cfg)
	var hapOut syncBuffer
	hap.Stdout, hap.Stderr = &hapOut, &hapOut
	if err := hap.Start(); err != nil {
		t.Fatal(err)
	}
	hapDone := make(chan struct{})
	go func() {
		hap.Wait()
		close(hapDone)
	}()
	defer func() {
		hap.Process.Signal(syscall.SIGTERM)
		select {
		case <-hapDone:
		case <-time.After(5 * time.Second):
			hap.Process.Kill()
			<-hapDone
		}
	}()

	url := "http://127.0.0.1:" + strconv.Itoa(front) + "/"
	c := newClient()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if got, err := get(c, url); err == nil && got.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("HAProxy does not answer 200 within 10s:\n%s", hapOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	l := startLoad(url, 4)
	defer func() {
		l.end()
		ok, failed := l.counts()
		t.Logf("%d requests answered through HAProxy, %d failed", ok, failed)
		if failed != 0 {
			t.Errorf("%d of %d requests failed during the roll; first: %q\nHAProxy:\n%s", failed, ok+failed, l.failed, hapOut.String())
		}
	}()
	// waitServed waits until the instance has answered n more requests
	// (HAProxy sends it traffic).
	waitServed := func(p *detached, n int) {
		t.Helper()
		base := strings.Count(p.log(), `HTTP/1.1" 200 `)
		p.waitLogCount(`HTTP/1.1" 200 `, base+n)
	}
	for _, in := range instances {
		waitServed(in.p, 20)
	}

	// Roll: each instance stopped (SIGTERM, --shutdown-delay) and
	// started again, one after the other.
	for _, in := range instances {
		in.p.signal(syscall.SIGTERM)
		if code := in.p.exitCode(); code != 0 {
			t.Fatalf("%s: exit status %d:\n%s", in.name, code, in.p.log())
		}
		l.waitOK(t, 50) // served by the other alone
		start(in)
		waitServed(in.p, 20)
	}

	// Restart one in place (SIGHUP): HAProxy never sees it go.
	w1 := instances[0].p
	w1.signal(syscall.SIGHUP)
	m := w1.waitLog(regexp.MustCompile(`msg="restarted: the new process serves; draining" new_pid=(\d+)`))
	newPID, _ := strconv.Atoi(m[1])
	t.Cleanup(func() {
		if alive(newPID) {
			syscall.Kill(newPID, syscall.SIGKILL)
		}
	})
	if code := w1.exitCode(); code != 0 {
		t.Errorf("w1 after SIGHUP: exit status %d", code)
	}
	waitServed(w1, 20) // the new process, logging to the same file
	l.waitOK(t, 50)
	stopPID(t, newPID)
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
