package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"github.com/wharfhttp/wharf/tlsconfig"
)

// writePair writes a fresh self-signed pair as PEM files in dir and
// returns the certificate.
func writePair(t *testing.T, dir string) (certFile, keyFile string, leaf *x509.Certificate) {
	t.Helper()
	cert, err := tlsconfig.SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	// Written beside, then renamed over: a renewal as certbot does it.
	for _, f := range []struct {
		name string
		pem  []byte
	}{
		{keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key})},
		{certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})},
	} {
		if err := os.WriteFile(f.name+".new", f.pem, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(f.name+".new", f.name); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile, cert.Leaf
}

// tlsClient trusts any certificate (the test checks which one it got)
// and keeps no connection.
func tlsClient(h2 bool) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true},
		ForceAttemptHTTP2: h2,
		DisableKeepAlives: true,
	}}
}

func TestTLSSelfSigned(t *testing.T) {
	r := startRun(t, "--addr", "127.0.0.1:0", "--log-format", "json", "--tls-self-signed")
	if !strings.Contains(r.stderr.String(), `"url":"https://`) || !strings.Contains(r.stderr.String(), `"fingerprint":"`) {
		t.Fatalf("startup log lacks the https URL or the fingerprint:\n%s", r.stderr.String())
	}
	for _, h2 := range []bool{true, false} {
		resp, err := tlsClient(h2).Get("https://" + r.addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "Hello") {
			t.Errorf("h2=%v: %d %q", h2, resp.StatusCode, body)
		}
		if want := map[bool]int{true: 2, false: 1}[h2]; resp.ProtoMajor != want {
			t.Errorf("client with h2=%v got %s", h2, resp.Proto)
		}
	}
	if got := rawRequest(t, r.addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); !strings.HasPrefix(got, "HTTP/1.0 400 Bad Request") {
		t.Errorf("plain HTTP to the HTTPS port: %q", got)
	}
}

func TestTLSNoHTTP2(t *testing.T) {
	r := startRun(t, "--addr", "127.0.0.1:0", "--tls-self-signed", "--http2=false")
	resp, err := tlsClient(true).Get("https://" + r.addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 1 {
		t.Errorf("--http2=false: got %s", resp.Proto)
	}
}

// A renewed certificate on disk is served within seconds, without a
// restart.
func TestTLSCertReload(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, first := writePair(t, dir)
	r := startRun(t, "--addr", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile)
	served := func() *x509.Certificate {
		t.Helper()
		resp, err := tlsClient(false).Get("https://" + r.addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.TLS.PeerCertificates[0]
	}
	if got := served(); !got.Equal(first) {
		t.Fatal("not serving the certificate given")
	}
	_, _, second := writePair(t, dir)
	deadline := time.Now().Add(15 * time.Second)
	for !served().Equal(second) {
		if time.Now().After(deadline) {
			t.Fatal("the renewed certificate was not served within 15 s")
		}
		time.Sleep(100 * time.Millisecond) // polling interval
	}
}

func TestH2CFlag(t *testing.T) {
	r := startRun(t, "--addr", "127.0.0.1:0", "--h2c")
	tr := &http.Transport{Protocols: new(http.Protocols), DisableKeepAlives: true}
	tr.Protocols.SetUnencryptedHTTP2(true)
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get(r.url("/"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.StatusCode != 200 {
		t.Errorf("--h2c: %s %d", resp.Proto, resp.StatusCode)
	}
}

func TestTLSBadInput(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := writePair(t, dir)
	for _, tc := range []badInput{
		{name: "cert without key", args: []string{"--tls-cert", certFile}, want: []string{"--tls-cert needs --tls-key"}, usage: true},
		{name: "key without cert", args: []string{"--tls-key", keyFile}, want: []string{"--tls-key needs --tls-cert"}, usage: true},
		{name: "both kinds", args: []string{"--tls-self-signed", "--tls-cert", certFile, "--tls-key", keyFile}, want: []string{"exclude each other"}, usage: true},
		{name: "missing cert", args: []string{"--tls-cert", filepath.Join(dir, "none.pem"), "--tls-key", keyFile}, want: []string{"none.pem"}},
		{name: "swapped", args: []string{"--tls-cert", keyFile, "--tls-key", certFile}, want: []string{"key.pem"}},
	} {
		t.Run(tc.name, tc.check)
	}
}

// --http3 serves HTTP/3 on the UDP port of the same number, advertised
// with Alt-Svc on the HTTPS answers.
func TestHTTP3Flag(t *testing.T) {
	r := startRun(t, "--addr", "127.0.0.1:0", "--tls-self-signed", "--http3")
	resp, err := tlsClient(true).Get("https://" + r.addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, port, _ := net.SplitHostPort(r.addr)
	if got, want := resp.Header.Get("Alt-Svc"), `h3=":`+port+`"; ma=86400`; got != want {
		t.Errorf("Alt-Svc %q, want %q", got, want)
	}
	h3Get(t, h3Client(t), "https://"+r.addr+"/")
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
}

// h3Client returns an HTTP/3 client (trusting any certificate) on a
// UDP socket of its own; it is closed when the test ends.
func h3Client(t *testing.T) *http.Client {
	t.Helper()
	uc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	qt := &quic.Transport{Conn: uc}
	tr := &http3.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
		Dial: func(ctx context.Context, addr string, tlsConf *tls.Config, conf *quic.Config) (*quic.Conn, error) {
			ua, err := net.ResolveUDPAddr("udp", addr)
			if err != nil {
				return nil, err
			}
			return qt.DialEarly(ctx, ua, tlsConf, conf)
		},
	}
	t.Cleanup(func() {
		tr.Close()
		qt.Close()
	})
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// h3Get checks that GET url over HTTP/3 answers 200 with the demo
// site's page.
func h3Get(t *testing.T, c *http.Client, url string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("HTTP/3 GET %s: %v", url, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.ProtoMajor != 3 || resp.StatusCode != 200 || !strings.Contains(string(body), "Hello") {
		t.Errorf("HTTP/3: %s %d %q", resp.Proto, resp.StatusCode, body)
	}
}

func TestHTTP3NeedsTLS(t *testing.T) {
	badInput{name: "http3 without TLS", args: []string{"--http3"}, want: []string{"--http3 needs TLS"}, usage: true}.check(t)
}
