package accesslog

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wharfhttp/wharf"
	"go.uber.org/goleak"
)

// exchange sends raw on a new connection to addr and returns what the
// server sent back until it closed.
func exchange(t *testing.T, addr, raw string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, raw)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, _ := io.ReadAll(c)
	return string(b)
}

// Through a real server: a request with a query, a user agent and a
// referer, and the server's own 408, each logged once done, with the
// bytes the client received.
func TestLogOfAServer(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, f := range []Format{Combined, JSON} {
		var out syncBuffer
		l, err := New(Config{Format: f, Writer: &out, Location: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		s := &wharf.Server{Observer: l, ReadHeaderTimeout: 200 * time.Millisecond,
			Handler: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) { w.WriteString("hello") })}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		served := make(chan error, 1)
		go func() { served <- s.Serve(ln) }()
		addr := ln.Addr().String()

		ok := exchange(t, addr, "GET /p?q=1 HTTP/1.1\r\nHost: x\r\nUser-Agent: test/1\r\nReferer: http://r/\r\nConnection: close\r\n\r\n")
		slow := exchange(t, addr, "GET /p HTTP/1.1\r\n")
		waitFor(t, "two lines", func() bool { return strings.Count(out.String(), "\n") == 2 })

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := s.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		cancel()
		if err := <-served; !errors.Is(err, wharf.ErrServerClosed) {
			t.Error(err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}

		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if f == Combined {
			wantOK := regexp.MustCompile(`^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET /p\?q=1 HTTP/1\.1" 200 5 "http://r/" "test/1" rt=\d+\.\d{6} qt=\d+\.\d{6} ht=\d+\.\d{6} reason=- err="-"$`)
			want408 := regexp.MustCompile(`^127\.0\.0\.1 - - \[[^]]+\] "-" 408 \d+ "-" "-" rt=0\.[2-9]\d{5} qt=0\.000000 ht=0\.000000 reason=head-timeout err="-"$`)
			if !wantOK.MatchString(lines[0]) || !want408.MatchString(lines[1]) {
				t.Errorf("combined:\n%s", out.String())
			}
			continue
		}
		var got [2]struct {
			Target, Referer, Reason string
			UserAgent               string `json:"user_agent"`
			Status, Bytes           int
		}
		for i := range got {
			if err := json.Unmarshal([]byte(lines[i]), &got[i]); err != nil {
				t.Fatal(err)
			}
		}
		if g := got[0]; g.Target != "/p?q=1" || g.UserAgent != "test/1" || g.Referer != "http://r/" || g.Status != 200 || g.Bytes != len(ok) {
			t.Errorf("json 200: %+v (client got %d bytes)", g, len(ok))
		}
		if g := got[1]; g.Target != "" || g.Status != 408 || g.Reason != "head-timeout" || g.Bytes != len(slow) {
			t.Errorf("json 408: %+v (client got %d bytes)", g, len(slow))
		}
	}
}
