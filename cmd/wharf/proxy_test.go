package main

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pires/go-proxyproto"
)

// sendFrom sends raw on a new connection from the local address from
// and returns what the server sent until it closed (or 5 s passed).
func sendFrom(t *testing.T, from, addr string, raw []byte) string {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	c.Write(raw)
	b, _ := io.ReadAll(c)
	return string(b)
}

func TestProxyProtocol(t *testing.T) {
	r := startRun(t, "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--access-log",
		"--proxy-protocol", "--trusted-proxies", "127.0.0.1/32, 10.0.0.0/8")
	req := "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

	// v1 from a trusted proxy: served, logged with the client's address.
	got := sendFrom(t, "127.0.0.1", r.addr, []byte("PROXY TCP4 203.0.113.7 127.0.0.1 56324 80\r\n"+req))
	if !strings.HasPrefix(got, "HTTP/1.1 200 ") {
		t.Fatalf("v1 header from a trusted proxy: %q", got)
	}
	// v2 likewise.
	h := proxyproto.HeaderProxyFromAddrs(2, &net.TCPAddr{IP: net.ParseIP("198.51.100.9"), Port: 4242}, &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 80})
	v2, err := h.Format()
	if err != nil {
		t.Fatal(err)
	}
	if got := sendFrom(t, "127.0.0.1", r.addr, append(v2, req...)); !strings.HasPrefix(got, "HTTP/1.1 200 ") {
		t.Fatalf("v2 header from a trusted proxy: %q", got)
	}
	// From a trusted proxy without a header, or a malformed one: closed.
	if got := sendFrom(t, "127.0.0.1", r.addr, []byte(req)); got != "" {
		t.Errorf("no header from a trusted proxy: %q, want the connection closed", got)
	}
	if got := sendFrom(t, "127.0.0.1", r.addr, []byte("PROXY BOGUS\r\n"+req)); got != "" {
		t.Errorf("malformed header: %q, want the connection closed", got)
	}
	// From an address not trusted: refused at accept, header or not.
	if got := sendFrom(t, "127.0.0.2", r.addr, []byte("PROXY TCP4 203.0.113.8 127.0.0.1 56324 80\r\n"+req)); got != "" {
		t.Errorf("header from an untrusted address: %q, want the connection closed", got)
	}

	waitLog := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !strings.Contains(r.stderr.String(), want); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("log lacks %q:\n%s", want, r.stderr.String())
			}
		}
	}
	waitLog(`203.0.113.7 - - [`)
	waitLog(`198.51.100.9 - - [`)
	if strings.Contains(r.stderr.String(), "203.0.113.8") {
		t.Error("the untrusted client's claimed address was logged")
	}
	m := do(t, newClient(), "GET", r.adminURL("/metrics"))
	if !strings.Contains(m.body, "wharf_proxy_header_errors_total 2") {
		t.Errorf("/metrics: want 2 header errors:\n%s", grepLines(m.body, "proxy"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestProxyProtocolBadInput(t *testing.T) {
	for _, tc := range []badInput{
		{name: "no trusted proxies", args: []string{"--proxy-protocol"}, want: []string{"--proxy-protocol needs --trusted-proxies"}, usage: true},
		{name: "trusted without protocol", args: []string{"--trusted-proxies", "10.0.0.0/8"}, want: []string{"--trusted-proxies needs --proxy-protocol"}, usage: true},
		{name: "bad CIDR", args: []string{"--proxy-protocol", "--trusted-proxies", "10.0.0.0/33"}, want: []string{"--trusted-proxies", "10.0.0.0/33"}, usage: true},
	} {
		t.Run(tc.name, tc.check)
	}
}
