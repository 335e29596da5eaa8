package http1

import "testing"

func TestAppendResponseHead(t *testing.T) {
	date := []byte("Mon, 30 Nov 2026 19:00:00 GMT")
	for _, tc := range []struct {
		status  int
		date    []byte
		length  int64
		chunked bool
		conn    Conn
		want    string
	}{
		{200, date, 5, false, ConnDefault, "HTTP/1.1 200 OK\r\nDate: Mon, 30 Nov 2026 19:00:00 GMT\r\nContent-Length: 5\r\n"},
		{200, nil, -1, true, ConnClose, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"},
		{304, nil, -1, false, ConnKeepAlive, "HTTP/1.1 304 Not Modified\r\nConnection: keep-alive\r\n"},
		{200, nil, 0, true, ConnDefault, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"}, // a length wins over chunked
	} {
		if got := string(AppendResponseHead(nil, tc.status, tc.date, tc.length, tc.chunked, tc.conn)); got != tc.want {
			t.Errorf("AppendResponseHead(%d, %d, %v, %d) =\n%q, want\n%q", tc.status, tc.length, tc.chunked, tc.conn, got, tc.want)
		}
	}
	if got := string(EndHead(AppendField(nil, "X-A", "b"))); got != "X-A: b\r\n\r\n" {
		t.Errorf("AppendField+EndHead = %q", got)
	}
	if got := string(AppendChunk(nil, []byte("hello, world!!!!!"))) + LastChunk; got != "11\r\nhello, world!!!!!\r\n0\r\n\r\n" {
		t.Errorf("AppendChunk+LastChunk = %q", got)
	}
}
