package http1

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/wharfhttp/wharf/internal/corpus"
)

// corpusDir returns the third-party corpora's directory, beside the
// repository in ../shared/conformance (see its README.md), or skips the
// test when there is none. The cases are read through internal/corpus,
// the loader internal/conformance's replay uses too.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir, err := corpus.Dir()
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("corpus tests skipped: no ../shared/conformance beside the repository (they run in CI): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// outcome is what a strict server built on this package does with a byte
// stream (the model a corpus case is judged against).
type outcome struct {
	completed int    // requests parsed completely, head and body
	status    int    // status of the rejection, 0 if none
	stage     string // where the stream stopped: "end", "head-incomplete", "body-incomplete", "head", "body", "method", "closed"
	hostAdded int    // later pipelined messages that got a Host field (see serve)
	err       error  // the error behind status, if it came from ParseHead
	lastHead  Head
}

func (o outcome) rejected() bool { return o.status != 0 || o.stage == "closed" }

func (o outcome) String() string {
	return fmt.Sprintf("completed=%d stage=%s status=%d", o.completed, o.stage, o.status)
}

// serve runs the request stream in through ParseHead and the body rules the
// way the server does:
//
//   - a head error is answered with its status and the connection closed;
//   - a method that is not in the IANA registry gets 501 (RFC 9110 9.1, see
//     KnownMethod) — the server's policy, applied here so that the corpus
//     judges the server as deployed;
//   - the body is read by Content-Length or with a ChunkedDecoder (RFC 9112
//     6.3); skipBody leaves it unread (llhttp's skipBody callback);
//   - after a request that requires closing the connection (Close), any
//     further bytes are not processed (RFC 9112 9.6: "The server MUST NOT
//     process any further requests received on that connection"); that
//     counts as a rejection of those bytes (llhttp reports "Data after
//     Connection: close").
//
// llhttp's server_b64 adds a Host field only to the first request of a
// pipelined stream. When a later HTTP/1.1 request fails only for lack of
// Host, serve inserts "Host: example.com" after its request line and parses
// it again, so that the rest of the request is still checked.
func serve(in []byte, skipBody bool) outcome {
	var o outcome
	var h Head
	var d ChunkedDecoder
	buf := make([]byte, 4096)
	for {
		if len(in) == 0 {
			o.stage = "end"
			return o
		}
		n, err := ParseHead(in, nil, &h)
		if err == errMissingHost && o.completed > 0 {
			lead := len(in) - len(bytes.TrimLeft(in, "\r\n"))
			if i := bytes.Index(in[lead:], []byte("\r\n")) + lead; i >= lead {
				in = append(append(append([]byte{}, in[:i+2]...), "Host: example.com\r\n"...), in[i+2:]...)
				o.hostAdded++
				n, err = ParseHead(in, nil, &h)
			}
		}
		o.lastHead = h
		if err == ErrNeedMore {
			o.stage = "head-incomplete"
			return o
		}
		if err != nil {
			o.stage, o.status, o.err = "head", statusOf(err), err
			return o
		}
		if !KnownMethod(h.Method) {
			o.stage, o.status = "method", 501
			return o
		}
		in = in[n:]
		switch {
		case skipBody:
		case h.Chunked:
			d.Reset()
			for {
				_, ns, done, err := d.Decode(buf, in)
				in = in[ns:]
				if err != nil {
					o.stage, o.status = "body", statusOf(err)
					return o
				}
				if done {
					break
				}
				if ns == 0 {
					o.stage = "body-incomplete"
					return o
				}
			}
		case h.ContentLength > 0:
			if int64(len(in)) < h.ContentLength {
				o.stage = "body-incomplete"
				return o
			}
			in = in[h.ContentLength:]
		}
		o.completed++
		if h.Close && len(in) > 0 {
			o.stage = "closed"
			return o
		}
	}
}

// llhttpValidExceptions are the cases llhttp parses ("valid") that wharf
// answers with an error status instead, by name, with the status allowed
// and the reason. Each is either not HTTP (another protocol or method that
// llhttp supports for Node.js's sake) or a rule of RFC 9112/9110 that
// llhttp does not enforce. Every entry must be used, so the list stays
// exact.
var llhttpValidExceptions = map[string]struct {
	status int
	reason string
}{
	// Not HTTP: 505 for another protocol's version, 501 for a method
	// outside the IANA registry (RFC 9110 9.1).
	"SOURCE request":                                {501, "SOURCE is Icecast's method, not in the HTTP method registry (RFC 9110 9.1: 501)"},
	"SOURCE request with ICE":                       {505, "ICE/1.0 is Icecast's protocol (RFC 9110 15.6.6: 505)"},
	"OPTIONS request with RTSP":                     {505, "RTSP/1.0 is RTSP (RFC 2326), not HTTP (RFC 9110 15.6.6: 505)"},
	"ANNOUNCE request with RTSP":                    {505, "RTSP/1.0 is RTSP (RFC 2326), not HTTP (RFC 9110 15.6.6: 505)"},
	"PURGE request":                                 {501, "PURGE is a Squid/Varnish cache method, not in the HTTP method registry (RFC 9110 9.1: 501)"},
	"No HTTP version":                               {505, "a request line without version is an HTTP/0.9 simple-request (RFC 9112 2.3; 505)"},
	"M-SEARCH request":                              {400, "SSDP (HTTPU over UDP); asterisk-form is only for OPTIONS (RFC 9112 3.2.4: 400)"},
	"`host:port` and basic auth":                    {400, "userinfo in an http target URI SHOULD be treated as an error (RFC 9110 4.2.4)"},
	"POST with `chunked` as last transfer-encoding": {501, "only the chunked coding is implemented; deflate gets 501 (RFC 9112 6.1)"},
	"POST with `chunked` as last transfer-encoding (multiple headers)": {501, "only the chunked coding is implemented; deflate gets 501 (RFC 9112 6.1)"},
}

func TestCorpusLLHTTP(t *testing.T) {
	cases, err := corpus.LoadLLHTTP(corpusDir(t))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]map[string]int{} // verdict -> result -> count
	count := func(v, r string) {
		if counts[v] == nil {
			counts[v] = map[string]int{}
		}
		counts[v][r]++
	}
	used := map[string]bool{}
	hostAdded := 0
	fragments := map[string]int{} // verdict -> cases with a fragment in a target
	for _, c := range cases {
		in := c.Server
		where := fmt.Sprintf("llhttp #%d %s:%d %q (%s)", c.ID, c.File, c.Line, c.Name, c.Verdict)
		if stripped, ok := stripFragments(in); ok {
			// A request-target with a fragment is refused (RFC 9112
			// 3.2.1, 3.2.2; issue 11), whatever the case is about: a
			// valid case by that rule alone, an invalid one by it or by
			// an earlier one. The case is then judged below with the
			// fragments removed, so that the rule it was written for
			// (framing, mostly) is still checked.
			o := serve(in, c.Meta.SkipBody)
			if o.status != 400 || o.stage != "head" || (c.Verdict == "valid" && o.err != errFragment) {
				t.Errorf("%s: %v (%v); want 400 for the fragment in the target", where, o, o.err)
			}
			fragments[c.Verdict]++
			in = stripped
			where += " without its fragment"
		}
		o := serve(in, c.Meta.SkipBody)
		hostAdded += o.hostAdded
		switch c.Verdict {
		case "valid":
			if ex, ok := llhttpValidExceptions[c.Name]; ok {
				used[c.Name] = true
				if o.status != ex.status {
					t.Errorf("%s: %v; want status %d: %s", where, o, ex.status, ex.reason)
				}
				count(c.Verdict, fmt.Sprintf("rejected as listed (%d)", ex.status))
				continue
			}
			if o.rejected() || o.completed != c.Messages {
				t.Errorf("%s: %v; want %d request(s) accepted", where, o, c.Messages)
				count(c.Verdict, "FAILED")
				continue
			}
			count(c.Verdict, "accepted")
		case "invalid", "lenient-only":
			// A strict server rejects 100% of these (lenient-only: llhttp
			// accepts them only with a leniency flag).
			if !o.rejected() {
				t.Errorf("%s: %v; want a rejection", where, o)
				count(c.Verdict, "FAILED")
				continue
			}
			switch o.stage {
			case "closed":
				count(c.Verdict, "rejected: data after close not processed (RFC 9112 9.6)")
			default:
				count(c.Verdict, fmt.Sprintf("rejected at %s (%d)", o.stage, o.status))
			}
		case "upgrade":
			// CONNECT and Upgrade hand-overs: the head must parse; the
			// server answers CONNECT with 501 and ignores Upgrade.
			var h Head
			if _, err := ParseHead(in, nil, &h); err != nil {
				t.Errorf("%s: head rejected: %v", where, err)
				count(c.Verdict, "FAILED")
				continue
			}
			switch {
			case string(h.Method) == "CONNECT":
				count(c.Verdict, "parsed: CONNECT (server answers 501)")
			case h.Upgrade:
				count(c.Verdict, "parsed: Upgrade reported (server ignores it)")
			default:
				t.Errorf("%s: neither CONNECT nor Upgrade", where)
			}
		case "incomplete":
			// The body never arrives: no error, and the stream stops in
			// the body.
			if o.rejected() || o.completed != c.Messages || o.stage != "body-incomplete" {
				t.Errorf("%s: %v; want an incomplete body", where, o)
				count(c.Verdict, "FAILED")
				continue
			}
			count(c.Verdict, "incomplete body, no error")
		case "finish":
			// EOF handling belongs to the server (an incomplete request at
			// EOF is dropped); recorded only.
			count(c.Verdict, "recorded (EOF handling is the server's): "+o.stage)
		default:
			t.Errorf("%s: unknown verdict", where)
		}
	}
	for name := range llhttpValidExceptions {
		if !used[name] {
			t.Errorf("exception %q matches no valid case", name)
		}
	}
	var verdicts []string
	for v := range counts {
		verdicts = append(verdicts, v)
	}
	sort.Strings(verdicts)
	for _, v := range verdicts {
		total := 0
		var parts []string
		for r, n := range counts[v] {
			total += n
			parts = append(parts, fmt.Sprintf("%s: %d", r, n))
		}
		sort.Strings(parts)
		t.Logf("llhttp %-12s %3d cases; %s", v, total, strings.Join(parts, "; "))
	}
	t.Logf("llhttp: Host inserted into %d later pipelined message(s) (server_b64 adds Host to the first only)", hostAdded)
	t.Logf("llhttp: fragment in the request-target, 400 as sent, counted above as judged without it: %v", fragments)
}

// fragmentRE matches a request line whose target has a fragment: the
// method, the target up to "#", the fragment, and the version.
var fragmentRE = regexp.MustCompile(`(?m)^([!#-'*+.0-9A-Z^-z|~-]+ [^ #\r\n]*)#[^ \r\n]*( HTTP/)`)

// stripFragments removes the fragment from every request-target in the
// stream in, and reports whether there was one.
func stripFragments(in []byte) ([]byte, bool) {
	out := fragmentRE.ReplaceAll(in, []byte("$1$2"))
	return out, !bytes.Equal(out, in)
}

// picoExceptions are picohttpparser expectations that RFC 9112 strictness
// overrides, keyed by "fn:line", with what wharf does instead.
var picoExceptions = map[string]string{
	"test_request:92":                  "error: obs-fold is rejected (RFC 9112 5.2)",
	"test_request:139":                 "error: octets >= 0x80 in the request-target are rejected (RFC 9112 3.2, llhttp strict)",
	"test_request:157":                 "error: exactly one SP between request-line parts (RFC 9112 3)",
	"test_chunked:422":                 "error: a 16-digit chunk size above 2^63-1 overflows int64 (RFC 9112 7.1); pico waits for 2^64-1 bytes",
	"test_chunked_consume_trailer:447": "error: bare LF ending the trailer section (RFC 9112 2.2, llhttp strict)",
	"test_chunked_consume_trailer:448": "error: bare LF in trailer fields (RFC 9112 2.2, llhttp strict)",
}

func TestCorpusPicoHTTPParser(t *testing.T) {
	cases, err := corpus.LoadPico(corpusDir(t))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	used := map[string]bool{}
	for _, c := range cases {
		key := fmt.Sprintf("%s:%d", c.Fn, c.Line)
		where := fmt.Sprintf("picohttpparser %s %q", key, c.Name)
		_, isException := picoExceptions[key]
		if isException {
			used[key] = true
		}
		switch c.Fn {
		case "test_request", "test_headers":
			in := c.Raw
			if c.Fn == "test_headers" {
				// phr_parse_headers parses a field section alone: give it a
				// request line.
				in = append([]byte("GET / HTTP/1.1\r\n"), in...)
			}
			var h Head
			_, err := ParseHead(in, nil, &h)
			got := "complete"
			if err == ErrNeedMore {
				got = "incomplete"
			} else if err != nil {
				got = "error"
			}
			want := c.Expect
			if isException {
				want = "error"
			}
			if got != want {
				t.Errorf("%s: %q: got %s (%v), want %s", where, in, got, err, want)
				counts[c.Fn+" FAILED"]++
				continue
			}
			if isException {
				counts[c.Fn+" stricter than pico (listed)"]++
			} else {
				counts[c.Fn+" "+got+" as expected"]++
			}
		case "test_response":
			counts["test_response skipped: response parsing is not this package's job"]++
		case "test_chunked", "test_chunked_consume_trailer":
			src, want := c.Chunked, c.Decoded
			out, n, done, err := decodeIn(src, nil, 64)
			ok := false
			switch {
			case isException || c.ExpectedRet == "-1":
				ok = statusOf(err) == 400
			case c.ExpectedRet == "-2":
				ok = err == nil && !done
			case c.ConsumeTrailer != nil && *c.ConsumeTrailer == "0":
				// pico stops after the last-chunk line when told not to
				// consume the trailer; this decoder always reads the
				// trailer section, so it waits for more.
				ok = err == nil && !done && bytes.Equal(out, want)
			default:
				ok = err == nil && done && n == len(src) && bytes.Equal(out, want)
			}
			if !ok {
				t.Errorf("%s: %q: out=%q n=%d done=%v err=%v, want ret %s", where, src, out, n, done, err, c.ExpectedRet)
				counts[c.Fn+" FAILED"]++
				continue
			}
			if isException {
				counts[c.Fn+" stricter than pico (listed)"]++
			} else {
				counts[c.Fn+" as expected"]++
			}
		default:
			t.Errorf("%s: unknown fn", where)
		}
	}
	for key := range picoExceptions {
		if !used[key] {
			t.Errorf("exception %q matches no case", key)
		}
	}
	var keys []string
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("picohttpparser %-70s %d", k, counts[k])
	}
}
