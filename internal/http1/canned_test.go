package http1

import (
	"bufio"
	"bytes"
	"io"
	"math"
	"net/http"
	"strconv"
	"testing"
)

// The canned answers are well-formed HTTP/1.1 as net/http reads them,
// with a Content-Length that matches their body.
func TestCannedAnswers(t *testing.T) {
	date := []byte("Mon, 30 Nov 2026 19:00:00 GMT")
	for _, tc := range []struct {
		name       string
		b          []byte
		status     int
		body, date string
	}{
		{"400 with reason", AppendErrorResponse(nil, 400, "bad chunk", date), 400, "400 Bad Request: bad chunk\n", string(date)},
		{"408 without date", AppendErrorResponse(nil, 408, "", nil), 408, "408 Request Timeout\n", ""},
		{"503", AppendOverloadResponse(nil, 7), 503, "503 Service Unavailable: the server is busy; retry later\n", ""},
	} {
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(tc.b)), nil)
		if err != nil {
			t.Fatalf("%s: %v\n%s", tc.name, err, tc.b)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != tc.status || string(body) != tc.body || !resp.Close ||
			resp.Header.Get("Date") != tc.date || resp.ContentLength != int64(len(body)) {
			t.Errorf("%s: %d %q close=%v date=%q len=%d (%v)", tc.name, resp.StatusCode, body, resp.Close,
				resp.Header.Get("Date"), resp.ContentLength, err)
		}
		if tc.status == 503 && resp.Header.Get("Retry-After") != "7" {
			t.Errorf("Retry-After = %q", resp.Header.Get("Retry-After"))
		}
	}
}

func TestAppendInt(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 9, 10, 12345, -987, math.MaxInt64, math.MinInt64} {
		if got, want := string(AppendInt([]byte("x"), v)), "x"+strconv.FormatInt(v, 10); got != want {
			t.Errorf("AppendInt(%d) = %q, want %q", v, got, want)
		}
	}
}
