package attacktest

// The processes and measurements the test uses: the wharf binary, its
// memory and connections, slowhttptest's report, file limits.

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A monitor samples the server's resident memory and its established
// connections until stopped.
type monitor struct {
	done chan struct{}
	res  chan [2]int64
}

func startMonitor(srv *server) *monitor {
	m := &monitor{done: make(chan struct{}), res: make(chan [2]int64, 1)}
	go func() {
		var peakRSS, peakEstab int64
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for i := 0; i < 1200; i++ { // at most two minutes
			peakRSS = max(peakRSS, readRSS(srv.pid))
			if i%3 == 0 {
				peakEstab = max(peakEstab, int64(established(srv.port)))
			}
			select {
			case <-m.done:
				peakRSS = max(peakRSS, readRSS(srv.pid))
				m.res <- [2]int64{peakRSS, peakEstab}
				return
			case <-tick.C:
			}
		}
		<-m.done
		m.res <- [2]int64{peakRSS, peakEstab}
	}()
	return m
}

// stop ends sampling and returns the peak RSS in bytes and the most
// established connections seen.
func (m *monitor) stop() (int64, int) {
	close(m.done)
	r := <-m.res
	return r[0], int(r[1])
}

// readRSS returns VmRSS of process pid in bytes (0 if unknown).
func readRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// established counts the established TCP connections whose local port is
// port (what `ss -tn state established '( sport = :port )'` lists).
func established(port int) int {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return 0
	}
	want := fmt.Sprintf(":%04X", port)
	n := 0
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) > 3 && strings.HasSuffix(f[1], want) && f[3] == "01" {
			n++
		}
	}
	return n
}

// A server is a running wharf binary.
type server struct {
	cmd     *exec.Cmd
	pid     int
	addr    string
	port    int
	logPath string
}

func startWharf(t *testing.T, bin, site string, extraFlags ...string) *server {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "wharf.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(bin, slices.Concat(serverFlags, extraFlags, []string{site})...)
	cmd.Stdout = logf
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start wharf: %v", err)
	}
	srv := &server{cmd: cmd, pid: cmd.Process.Pid, logPath: logPath}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if addr := listenAddr(logPath); addr != "" {
			srv.addr = addr
			_, p, _ := net.SplitHostPort(addr)
			srv.port, _ = strconv.Atoi(p)
			return srv
		}
		select {
		case err := <-exited:
			b, _ := os.ReadFile(logPath)
			t.Fatalf("wharf exited at start: %v\n%s", err, b)
		case <-time.After(20 * time.Millisecond):
		}
	}
	b, _ := os.ReadFile(logPath)
	t.Fatalf("wharf did not log its address within 10s:\n%s", b)
	return nil
}

// listenAddr returns the address in wharf's "wharf listening" log line.
func listenAddr(logPath string) string {
	b, _ := os.ReadFile(logPath)
	for line := range strings.Lines(string(b)) {
		var rec struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "wharf listening" {
			return rec.Addr
		}
	}
	return ""
}

// countAnswers counts the access-log records of requests answered with
// status.
func (s *server) countAnswers(status int) int {
	b, _ := os.ReadFile(s.logPath)
	n := 0
	for line := range strings.Lines(string(b)) {
		var rec struct {
			Target string `json:"target"`
			Status int    `json:"status"`
		}
		// Access-log lines (JSON, as the logs) have a target.
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Target != "" && rec.Status == status {
			n++
		}
	}
	return n
}

// logSummary counts the server's log records above info by level and
// message.
func (s *server) logSummary() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return err.Error()
	}
	counts := map[string]int{}
	var other []string
	for line := range strings.Lines(string(b)) {
		var rec struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
		}
		if json.Unmarshal([]byte(line), &rec) != nil {
			if len(other) < 3 {
				other = append(other, strings.TrimSpace(line))
			}
			continue
		}
		if rec.Level != "INFO" && rec.Level != "DEBUG" {
			counts[rec.Level+" "+strconv.Quote(rec.Msg)]++
		}
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%d× %s", counts[k], k))
	}
	parts = append(parts, other...)
	return strings.Join(parts, "; ")
}

// A reportRow is one second of slowhttptest's CSV report.
type reportRow struct {
	second, closed, pending, connected int
	available                          bool
}

func readReport(path string) ([]reportRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) < 2 || len(recs[0]) < 5 || recs[0][3] != "Connected" {
		return nil, fmt.Errorf("unexpected report format: %q", recs)
	}
	var rows []reportRow
	for _, rec := range recs[1:] {
		if len(rec) < 5 {
			continue
		}
		var v [5]int
		for i := range v {
			v[i], err = strconv.Atoi(strings.TrimSpace(rec[i]))
			if err != nil {
				return nil, fmt.Errorf("report row %q: %v", rec, err)
			}
		}
		// The last column is the connection count while slowhttptest's
		// probe got an answer, 0 while it did not.
		rows = append(rows, reportRow{v[0], v[1], v[2], v[3], v[4] != 0})
	}
	return rows, nil
}

func rowsText(rows []reportRow) string {
	var b strings.Builder
	b.WriteString("second closed pending connected available\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%6d %6d %7d %9d %v\n", r.second, r.closed, r.pending, r.connected, r.available)
	}
	return b.String()
}

// buildWharf builds cmd/wharf into dir.
func buildWharf(t *testing.T, dir string) string {
	t.Helper()
	return buildBinary(t, dir, "github.com/wharfhttp/wharf/cmd/wharf")
}

// buildBinary builds the command pkg into dir and returns its path.
func buildBinary(t *testing.T, dir, pkg string) string {
	t.Helper()
	bin := filepath.Join(dir, filepath.Base(pkg))
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, pkg)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// raiseFileLimit raises RLIMIT_NOFILE to want for this process and the
// processes it starts (wharf, slowhttptest), which each hold over 1,000
// sockets. An explicit Setrlimit also stops os/exec from giving children
// the limit the process started with.
func raiseFileLimit(t *testing.T, want uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatalf("getrlimit: %v", err)
	}
	if lim.Cur >= want {
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatalf("setrlimit: %v", err)
		}
		return
	}
	raised := syscall.Rlimit{Cur: want, Max: max(lim.Max, want)}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
		// Not privileged to raise the hard limit: go as far as it allows.
		raised = syscall.Rlimit{Cur: min(want, lim.Max), Max: lim.Max}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
			t.Fatalf("setrlimit: %v", err)
		}
	}
	if need := uint64(floodConns + 500); raised.Cur < need {
		t.Skipf("RLIMIT_NOFILE is %d and cannot be raised to %d; the slow-client test needs that many sockets", raised.Cur, need)
	}
}

// tcpWmemMax returns the largest send buffer Linux grows a TCP socket to
// (net.ipv4.tcp_wmem's third value), 4 MiB if unknown, at most 32 MiB.
func tcpWmemMax() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_wmem")
	if err == nil {
		if f := strings.Fields(string(b)); len(f) == 3 {
			if n, err := strconv.Atoi(f[2]); err == nil && n > 0 {
				return min(n, 32<<20)
			}
		}
	}
	return 4 << 20
}

func patterned(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)

func stripANSI(s string) string { return ansi.ReplaceAllString(s, "") }

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
