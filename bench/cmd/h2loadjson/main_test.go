package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

// The files under testdata are h2load 1.52's output (Debian 12's
// nghttp2-client), progress lines left out: timed.txt from -D 1 -c 4
// -m 64, count.txt from -n 8 -c 1 -m 8, http11.txt from a client that
// offered only http/1.1, refused.txt from a port nobody listens on.

func parseFile(t *testing.T, name string, d time.Duration, want string) (*result, error) {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return parse(f, d, want)
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		file string
		d    time.Duration
		want result
	}{
		{"timed.txt", time.Second, result{
			Requests: 11765, DurationUS: 1_000_000, Bytes: 2636550, DataBytes: 2329470,
			MeanUS: 21510, MaxUS: 79910,
			Protocol: "h2", TLS: "TLSv1.3", Cipher: "TLS_AES_128_GCM_SHA256", TempKey: "X25519 253 bits",
		}},
		// No -duration: "finished in" (7.74ms) is the duration.
		{"count.txt", 0, result{
			Requests: 8, DurationUS: 7740, Bytes: 1973, DataBytes: 1584,
			MeanUS: 1460, MaxUS: 1480,
			Protocol: "h2", TLS: "TLSv1.3", Cipher: "TLS_AES_128_GCM_SHA256", TempKey: "X25519 253 bits",
		}},
		{"refused.txt", 0, result{DurationUS: 1920, ErrRead: 4}},
	} {
		got, err := parseFile(t, tc.file, tc.d, "")
		if err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		if *got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.file, *got, tc.want)
		}
	}
}

// TestParseFailures: answers that are not 2xx or 3xx count as requests
// and as err_status, as wrk counts them; "errored" ones (no answer) as
// err_read only.
func TestParseFailures(t *testing.T) {
	b, err := os.ReadFile("testdata/timed.txt")
	if err != nil {
		t.Fatal(err)
	}
	out := strings.Replace(string(b),
		"requests: 11765 total, 12021 started, 11765 done, 11765 succeeded, 0 failed, 0 errored, 0 timeout",
		"requests: 100 total, 100 started, 100 done, 90 succeeded, 10 failed, 4 errored, 1 timeout", 1)
	got, err := parse(strings.NewReader(out), time.Second, "h2")
	if err != nil {
		t.Fatal(err)
	}
	if got.Requests != 96 || got.ErrStatus != 6 || got.ErrRead != 4 || got.ErrTimeout != 1 {
		t.Errorf("requests %d, err_status %d, err_read %d, err_timeout %d; want 96, 6, 4, 1", got.Requests, got.ErrStatus, got.ErrRead, got.ErrTimeout)
	}
}

func TestParseErrors(t *testing.T) {
	if _, err := parseFile(t, "http11.txt", 0, "h2"); err == nil || !strings.Contains(err.Error(), `"http/1.1"`) {
		t.Errorf("http/1.1 run with -protocol h2: err = %v, want the protocol named", err)
	}
	if _, err := parseFile(t, "http11.txt", 0, ""); err != nil {
		t.Errorf("http/1.1 run without -protocol: %v", err)
	}
	if _, err := parse(strings.NewReader("starting benchmark...\nApplication protocol: h2\n"), 0, "h2"); err == nil {
		t.Error("an unfinished run parsed without error")
	}
}

// TestParseOldTraffic: nghttp2 before 1.4x wrote "N bytes total".
func TestParseOldTraffic(t *testing.T) {
	out := "finished in 7.08s, 141164.80 req/s, 555.33MB/s\n" +
		"requests: 10 total, 10 started, 10 done, 10 succeeded, 0 failed, 0 errored, 0 timeout\n" +
		"traffic: 4125025824 bytes total, 11023424 bytes headers (space savings 93.07%), 4096000000 bytes data\n"
	got, err := parse(strings.NewReader(out), 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if got.Bytes != 4125025824 || got.DataBytes != 4096000000 || got.DurationUS != 7_080_000 {
		t.Errorf("bytes %d, data %d, duration %d us; want 4125025824, 4096000000, 7080000", got.Bytes, got.DataBytes, got.DurationUS)
	}
}
