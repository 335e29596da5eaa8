package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The access log goes to --access-log-file in the format asked for,
// the server's own answers included, and /metrics on the admin
// listener counts the same answers.
func TestAccessLogFileAndMetrics(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	r := startRun(t, "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0",
		"--access-log", "--access-log-format", "json", "--access-log-file", path)
	c := newClient()
	do(t, c, "GET", r.url("/?q=1"))
	do(t, c, "GET", r.url("/nope"))
	if got := rawRequest(t, r.addr, "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n"); !strings.HasPrefix(got, "HTTP/1.1 400 ") {
		t.Fatalf("bad request: %q", got)
	}
	var lines []map[string]any
	deadline := time.Now().Add(5 * time.Second)
	for len(lines) < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // polling interval: the log is written in batches
		b, _ := os.ReadFile(path)
		lines = lines[:0]
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var m map[string]any
			if l != "" && json.Unmarshal([]byte(l), &m) == nil {
				lines = append(lines, m)
			}
		}
	}
	if len(lines) != 3 {
		t.Fatalf("access log has %d JSON lines, want 3", len(lines))
	}
	if lines[0]["target"] != "/?q=1" || lines[0]["status"] != float64(200) || lines[1]["status"] != float64(404) ||
		lines[2]["status"] != float64(400) || lines[2]["reason"] != "bad-request" {
		t.Errorf("access log lines: %v", lines)
	}
	if strings.Contains(r.stderr.String(), `"target"`) {
		t.Error("access lines went to stderr too")
	}
	m := do(t, c, "GET", r.adminURL("/metrics"))
	for _, want := range []string{
		`wharf_http_requests_total{code="200",method="GET"} 1`,
		`wharf_http_requests_total{code="404",method="GET"} 1`,
		`wharf_http_requests_total{code="400",method="NONE"} 1`,
		"wharf_connections_open ", "wharf_pool_workers 512",
	} {
		if !strings.Contains(m.body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
}

func TestAccessLogBadInput(t *testing.T) {
	for _, tc := range []badInput{
		{name: "format", args: []string{"--access-log", "--access-log-format", "apache"}, want: []string{"--access-log-format", `"apache"`, "combined"}, usage: true},
		{name: "unwritable file", args: []string{"--access-log", "--access-log-file", filepath.Join(t.TempDir(), "no", "such", "dir", "a.log")}, want: []string{"--access-log-file", "a.log"}},
	} {
		t.Run(tc.name, tc.check)
	}
}

// The access log's options without the switch are not silently
// ignored: the operator is told, and the server runs without the log.
func TestAccessLogOptionsWithoutSwitch(t *testing.T) {
	var buf strings.Builder
	log := slog.New(slog.NewTextHandler(&buf, nil))
	opts := &options{accessLogFile: filepath.Join(t.TempDir(), "a.log")}
	alog, closeLog, err := openAccessLog(opts, io.Discard, log)
	if err != nil || alog != nil {
		t.Fatalf("openAccessLog: %v, %v; want no log and no error", alog, err)
	}
	closeLog()
	if !strings.Contains(buf.String(), "no effect without --access-log") {
		t.Errorf("no warning logged; got %q", buf.String())
	}
	buf.Reset()
	openAccessLog(&options{}, io.Discard, log)
	if buf.Len() != 0 {
		t.Errorf("a warning without the options: %q", buf.String())
	}
}
