package h2

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/tlsconfig"
)

// h2specBinary finds h2spec (github.com/summerwind/h2spec, which CI
// installs with go install) in PATH or in GOPATH/bin.
func h2specBinary(t *testing.T) string {
	if p, err := exec.LookPath("h2spec"); err == nil {
		return p
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "h2spec")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("h2spec not installed (go install github.com/summerwind/h2spec/cmd/h2spec@latest); .ci/run installs it")
	return ""
}

// h2specResult is one run's summary and the failed test IDs.
type h2specResult struct {
	total, passed, failed int
	failures              []string
}

var (
	summaryRE = regexp.MustCompile(`(\d+) tests, (\d+) passed, (\d+) skipped, (\d+) failed`)
	sectionRE = regexp.MustCompile(`^\s+(\d+(?:\.\d+)*)\.\s`)
	caseRE    = regexp.MustCompile(`^\s+× (\d+):`)
)

func runH2spec(t *testing.T, bin, addr string) h2specResult {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(bin, "-h", host, "-p", port, "-t", "-k", "-o", "2")
	out, _ := cmd.CombinedOutput() // exits non-zero when a test fails
	m := summaryRE.FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("h2spec printed no summary:\n%s", out)
	}
	var r h2specResult
	r.total, _ = strconv.Atoi(m[1])
	r.passed, _ = strconv.Atoi(m[2])
	r.failed, _ = strconv.Atoi(m[4])
	// The "Failures:" section lists each failed case ("× 3: ...")
	// under its section heading ("4.2. Frame Size").
	if i := strings.Index(string(out), "Failures:"); i >= 0 {
		section := ""
		for _, line := range strings.Split(string(out)[i:], "\n") {
			if m := sectionRE.FindStringSubmatch(line); m != nil {
				section = m[1]
			} else if m := caseRE.FindStringSubmatch(line); m != nil {
				r.failures = append(r.failures, section+" #"+m[1])
			}
		}
	}
	return r
}

// h2specHandler answers what h2spec sends: a body is read, then "ok".
func h2specHandler(r io.Reader, write func(string)) {
	io.Copy(io.Discard, r)
	write("ok\n")
}

// TestH2spec runs h2spec against wharf's HTTP/2 and against net/http's
// own HTTP/2 server, and requires wharf to pass at least as many.
func TestH2spec(t *testing.T) {
	if testing.Short() {
		t.Skip("h2spec takes about a minute")
	}
	bin := h2specBinary(t)
	cert, err := tlsconfig.SelfSigned()
	if err != nil {
		t.Fatal(err)
	}

	// wharf
	s := &wharf.Server{Handler: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		h2specHandler(r.Body, func(s string) { w.WriteString(s) })
	})}
	s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	if err := Configure(s, nil); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.ServeTLS(ln, "", "")
	defer s.Close()
	got := runH2spec(t, bin, ln.Addr().String())

	// net/http's HTTP/2 server, same certificate and handler.
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h2specHandler(r.Body, func(s string) { io.WriteString(w, s) })
		}),
		TLSConfig:   &tls.Config{Certificates: []tls.Certificate{cert}},
		ReadTimeout: 10 * time.Second,
	}
	if err := http2.ConfigureServer(hs, nil); err != nil {
		t.Fatal(err)
	}
	hln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hs.ServeTLS(hln, "", "")
	defer hs.Close()
	ref := runH2spec(t, bin, hln.Addr().String())

	t.Logf("h2spec: wharf %d/%d passed, failed %v", got.passed, got.total, got.failures)
	t.Logf("h2spec: net/http %d/%d passed, failed %v", ref.passed, ref.total, ref.failures)
	if got.passed < ref.passed {
		t.Errorf("wharf passes %d h2spec tests, net/http %d", got.passed, ref.passed)
	}
	for _, f := range got.failures {
		if !slices.Contains(ref.failures, f) {
			t.Errorf("h2spec %s fails on wharf only", f)
		}
	}
}
