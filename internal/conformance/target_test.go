package conformance

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestRequestTargetRefusals checks issue 11's request-line refusals on the
// wire, against a running wharf.Server: a request-target with a fragment
// (RFC 9112 3.2.1, 3.2.2) and a port outside 1-65535 (RFC 9110 4.2.1, RFC
// 9293 3.1) are answered 400 like any invalid request-line, the connection
// is closed and the pipelined probe after them is never answered; the
// neighbouring forms that stay valid (an empty port, the bounds 1 and
// 65535, leading zeros) are served and the connection kept. The parser's
// own table (internal/http1, head_test.go) checks the reasons.
func TestRequestTargetRefusals(t *testing.T) {
	const (
		host  = "Host: example.com\r\n"
		good  = "GET /ok HTTP/1.1\r\n" + host + "\r\n"
		probe = "GET /probe HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n"
	)
	rows := []struct {
		name string
		raw  string
		want []int // statuses, in order; the connection must then be closed
	}{
		{"fragment in origin-form", "GET /a#b HTTP/1.1\r\n" + host + "\r\n" + probe, []int{400}},
		{"fragment after a query", "GET /a?q=1#top HTTP/1.1\r\n" + host + "\r\n" + probe, []int{400}},
		{"fragment after a good pipelined request", good + "GET /a#b HTTP/1.1\r\n" + host + "\r\n" + probe, []int{200, 400}},
		{"fragment in HTTP/1.0", "GET /a#b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" + probe, []int{400}},
		{"fragment in absolute-form", "GET http://example.com/a#b HTTP/1.1\r\n" + host + "\r\n" + probe, []int{400}},
		{"fragment right after the authority", "GET http://example.com#b HTTP/1.1\r\n" + host + "\r\n" + probe, []int{400}},
		{"absolute-form port 0", "GET http://example.com:0/ HTTP/1.1\r\n" + host + "\r\n" + probe, []int{400}},
		{"absolute-form port 65536", "GET http://example.com:65536/ HTTP/1.1\r\n" + host + "\r\n" + probe, []int{400}},
		{"absolute-form port 99999999999", "GET http://example.com:99999999999/ HTTP/1.1\r\n" + host + "\r\n" + probe, []int{400}},
		{"absolute-form IP-literal port 0", "GET https://[::1]:0/ HTTP/1.1\r\n" + host + "\r\n" + probe, []int{400}},
		{"authority-form port 0 (CONNECT)", "CONNECT example.com:0 HTTP/1.1\r\n" + host + "\r\n" + probe, []int{400}},
		{"authority-form port 65536 (CONNECT)", "CONNECT example.com:65536 HTTP/1.1\r\n" + host + "\r\n" + probe, []int{400}},
		{"Host port 0", "GET / HTTP/1.1\r\nHost: example.com:0\r\n\r\n" + probe, []int{400}},
		// Still valid: served, and the probe is answered.
		{"absolute-form empty port (the default)", "GET http://example.com:/ HTTP/1.1\r\n" + host + "\r\n" + probe, []int{200, 200}},
		{"absolute-form port 65535", "GET http://example.com:65535/ HTTP/1.1\r\n" + host + "\r\n" + probe, []int{200, 200}},
		{"absolute-form port 1 with leading zeros", "GET http://example.com:00001/ HTTP/1.1\r\n" + host + "\r\n" + probe, []int{200, 200}},
		{"Host port 65535", "GET / HTTP/1.1\r\nHost: example.com:65535\r\n\r\n" + probe, []int{200, 200}},
		{"authority-form port 65535 (CONNECT: 501, not supported)", "CONNECT example.com:65535 HTTP/1.1\r\n" + host + "\r\n" + probe, []int{501}},
	}
	addr := startWharf(t)
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			// Verdict "valid" with Good = all answers: the replay reads
			// them all, then waits Quiet for the close.
			c := Case{Verdict: "valid", Good: len(r.want), Raw: []byte(r.raw)}
			res := Replay(ctx, addr, c, Options{Timeout: 3 * time.Second})
			if !slices.Equal(res.Statuses, r.want) || !res.Closed || res.Err != "" {
				t.Errorf("%q: got %s, want %v then close", r.raw, res, r.want)
			}
		})
	}
}
