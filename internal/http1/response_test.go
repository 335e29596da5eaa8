package http1

import (
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestStatusText(t *testing.T) {
	for code, want := range map[int]string{200: "OK", 404: "Not Found", 413: "Content Too Large", 422: "Unprocessable Content",
		431: "Request Header Fields Too Large", 505: "HTTP Version Not Supported", 418: "", 599: "", 0: "", -1: ""} {
		if got := StatusText(code); got != want {
			t.Errorf("StatusText(%d) = %q, want %q", code, got, want)
		}
	}
	// Every code net/http knows has a phrase here too, except the ones
	// RFC 9110 renamed or marked unused.
	renamed := map[int]bool{413: true, 414: true, 416: true, 418: true, 422: true}
	for code := 100; code < 600; code++ {
		if http.StatusText(code) != "" && !renamed[code] && StatusText(code) != http.StatusText(code) {
			t.Errorf("%d: %q vs net/http %q", code, StatusText(code), http.StatusText(code))
		}
	}
}

func TestAppendStatusLine(t *testing.T) {
	for _, c := range []struct {
		minor, code int
		want        string
	}{
		{1, 200, "HTTP/1.1 200 OK\r\n"},
		{0, 200, "HTTP/1.1 200 OK\r\n"}, // RFC 9110 6.2: the server's own version
		{1, 404, "HTTP/1.1 404 Not Found\r\n"},
		{1, 599, "HTTP/1.1 599 \r\n"}, // RFC 9112 4: reason-phrase may be empty
		{1, 799, "HTTP/1.1 799 \r\n"},
		{1, 99, "HTTP/1.1 500 Internal Server Error\r\n"},
		{1, 1000, "HTTP/1.1 500 Internal Server Error\r\n"},
	} {
		if got := string(AppendStatusLine([]byte("x"), c.minor, c.code)); got != "x"+c.want {
			t.Errorf("AppendStatusLine(%d, %d) = %q", c.minor, c.code, got)
		}
	}
}

func TestAppendHTTPDate(t *testing.T) {
	// RFC 9110 5.6.7's example.
	ex := time.Date(1994, time.November, 6, 8, 49, 37, 0, time.UTC)
	if got := string(AppendHTTPDate(nil, ex)); got != "Sun, 06 Nov 1994 08:49:37 GMT" {
		t.Fatalf("got %q", got)
	}
	// Always GMT, whatever the location of t.
	est := time.FixedZone("EST", -5*3600)
	if got := string(AppendHTTPDate(nil, ex.In(est))); got != "Sun, 06 Nov 1994 08:49:37 GMT" {
		t.Fatalf("got %q", got)
	}
	// Agrees with net/http's formatting over a wide range of instants.
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 10000; i++ {
		tm := time.Unix(r.Int64N(253402300799), 0)
		if got, want := string(AppendHTTPDate(nil, tm)), tm.UTC().Format(http.TimeFormat); got != want {
			t.Fatalf("%v: got %q want %q", tm, got, want)
		}
	}
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC), "Sat, 01 Jan 0000 00:00:00 GMT"},
		{time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC), "Fri, 31 Dec 9999 23:59:59 GMT"},
	} {
		if got := string(AppendHTTPDate(nil, c.t)); got != c.want {
			t.Errorf("%v: got %q want %q", c.t, got, c.want)
		}
		if _, err := http.ParseTime(c.want); err != nil {
			t.Errorf("%q: %v", c.want, err)
		}
	}
}

func TestAppendChunkSize(t *testing.T) {
	for n, want := range map[int]string{0: "0\r\n", 1: "1\r\n", 15: "f\r\n", 16: "10\r\n", 4096: "1000\r\n", 1<<63 - 1: "7fffffffffffffff\r\n"} {
		if got := string(AppendChunkSize(nil, n)); got != want {
			t.Errorf("AppendChunkSize(%d) = %q", n, got)
		}
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "negative") {
			t.Fatal("no panic for a negative size")
		}
	}()
	AppendChunkSize(nil, -1)
}
