package wharf

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// TestAbortHandler checks that panic(ErrAbortHandler) is silent, keeps
// the answers of earlier pipelined requests, sends what was committed
// unfinished, and closes the connection.
func TestAbortHandler(t *testing.T) {
	var logs bytes.Buffer
	h := HandlerFunc(func(w ResponseWriter, r *Request) {
		switch r.Path {
		case "/ok":
			w.WriteString("ok\n")
		case "/before":
			w.WriteString("never sent")
			panic(ErrAbortHandler)
		case "/after":
			w.WriteHeader(200)
			w.WriteString("partial")
			w.Flush()
			panic(ErrAbortHandler)
		}
	})
	s := &Server{Handler: h, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	addr := startServer(t, s)

	got := exchangeRaw(t, addr, "GET /ok HTTP/1.1\r\nHost: a\r\n\r\nGET /before HTTP/1.1\r\nHost: a\r\n\r\nGET /ok HTTP/1.1\r\nHost: a\r\n\r\n")
	if strings.Count(got, "HTTP/1.1 ") != 1 || !strings.HasSuffix(got, "ok\n") || strings.Contains(got, "never sent") {
		t.Errorf("abort before writing: got %q; want the first answer only", got)
	}
	got = exchangeRaw(t, addr, "GET /after HTTP/1.1\r\nHost: a\r\n\r\n")
	if !strings.HasPrefix(got, "HTTP/1.1 200 ") || !strings.Contains(got, "Transfer-Encoding: chunked") ||
		!strings.HasSuffix(got, "7\r\npartial\r\n") {
		t.Errorf("abort after a flush: got %q; want a chunked head and an unterminated body", got)
	}
	if logs.Len() != 0 {
		t.Errorf("ErrAbortHandler was logged: %s", logs.String())
	}
}
