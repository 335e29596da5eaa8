// Package conformance replays third-party HTTP/1.1 parser corpora
// (llhttp and picohttpparser, kept in ../shared/conformance) against a
// running server over raw TCP and classifies what the server did with
// each case. The same replay, byte for byte and with the same rules, is
// run against wharf, net/http and nginx (see cmd/replay), so that the
// counts in docs/CONFORMANCE.md are comparable.
package conformance

import (
	"bytes"
	"fmt"
	"regexp"

	"github.com/wharfhttp/wharf/internal/corpus"
)

// A Case is one corpus case: the bytes sent to the server and what a
// strict server is expected to do with them.
type Case struct {
	Corpus string // "llhttp" or "picohttpparser"
	Key    string // stable identifier: "llhttp#12", "pico test_request:92"
	Name   string // the upstream test's name
	Where  string // upstream file and line

	// Verdict is the upstream verdict: "valid", "invalid",
	// "lenient-only", "upgrade", "incomplete" or "finish" (llhttp; see
	// ../shared/conformance/README.md). picohttpparser's expectations map
	// to "valid" (complete), "invalid" (error) and "incomplete".
	Verdict string

	// Good is the number of leading requests in Raw that are well formed
	// and complete, before the part that decides the verdict:
	//   - valid: the requests a server must answer (llhttp's
	//     messages_completed; 1 when the case uses llhttp's skipBody, where
	//     what follows the first head is that request's body on a server);
	//   - invalid: llhttp's messages_completed (it stops at the error);
	//   - lenient-only: the requests before the one that needs leniency
	//     (0, or 1 for the cases in lenientGood).
	Good int

	// Expect, when set, overrides the class expected from Verdict (see
	// ExpectedClass).
	Expect Class

	Raw  []byte // the bytes sent
	Head bool   // the first request is HEAD (its answer has no body)
	Note string // how Raw differs from the corpus bytes, if it does
}

// lenientGood lists the llhttp lenient-only cases whose offending part is
// not in the first request: the first request is well formed and must be
// answered; what follows it needs leniency. Every other lenient-only
// case is offending from its first request on.
var lenientGood = map[string]int{
	// HTTP/1.0 without keep-alive: the connection ends after the first
	// request (RFC 9112 9.3); llhttp goes on only with lenient keep-alive.
	"Resetting flags when keep-alive is off (1.0, lenient)": 1,
	// Connection: close: nothing after the first request is processed
	// (RFC 9112 9.6).
	"CRLF between requests, explicit `close` (lenient)": 1,
	// The second request has a control character in a field value.
	"Second request header value (lenient)": 1,
}

// Dir returns the corpus directory, ../shared/conformance beside the
// module root (corpus.Dir); the error wraps os.ErrNotExist when it is
// missing.
func Dir() (string, error) { return corpus.Dir() }

// Load reads every llhttp case and every picohttpparser request case
// from dir (../shared/conformance). A missing corpus is an error that
// wraps os.ErrNotExist.
func Load(dir string) ([]Case, error) {
	ll, err := LoadLLHTTP(dir)
	if err != nil {
		return nil, err
	}
	pico, err := LoadPico(dir)
	if err != nil {
		return nil, err
	}
	return append(ll, pico...), nil
}

// LoadLLHTTP reads llhttp's cases from the corpus directory dir, through
// internal/corpus, the loader internal/http1's corpus test uses too.
// Each case sends server_b64 (the request adapted for a real server: a
// Host field on the first request). In valid pipelined cases the later
// HTTP/1.1 requests lack Host, which would make every one of them a
// trivial 400; Host is added to those (AddHost), and the case's Note
// says so.
func LoadLLHTTP(dir string) ([]Case, error) {
	all, err := corpus.LoadLLHTTP(dir)
	if err != nil {
		return nil, err
	}
	var cases []Case
	for _, c := range all {
		raw := c.Server
		k := Case{
			Corpus:  "llhttp",
			Key:     fmt.Sprintf("llhttp#%d", c.ID),
			Name:    c.Name,
			Where:   fmt.Sprintf("%s:%d", c.File, c.Line),
			Verdict: c.Verdict,
			Good:    c.Messages,
			Raw:     raw,
			Head:    bytes.HasPrefix(raw, []byte("HEAD ")),
		}
		switch c.Verdict {
		case "valid":
			if c.Meta.SkipBody {
				// llhttp was told the first request has no body (its
				// skipBody callback, meant for answers to HEAD). A server
				// reads Content-Length bytes: the rest of the case is the
				// first request's body, and it never completes.
				k.Good, k.Expect = 1, Waiting
				k.Note = "skipBody: on a server the rest is the first request's body, which never completes: expected waiting"
			} else if c.Messages > 1 {
				var n int
				k.Raw, n = AddHost(raw)
				if n > 0 {
					k.Note = fmt.Sprintf("Host added to %d later pipelined request(s)", n)
				}
			}
		case "lenient-only":
			k.Good = lenientGood[c.Name]
		}
		cases = append(cases, k)
	}
	return cases, nil
}

// laterRequestLine matches an HTTP/1.1 request line that starts a line
// after the first one.
var laterRequestLine = regexp.MustCompile(`\n[A-Z][A-Z-]* \S+ HTTP/1\.1\r\n`)

// AddHost inserts "Host: example.com" after every HTTP/1.1 request line
// other than the first whose field section has no Host field, and
// reports how many it inserted. It is used only for valid pipelined
// llhttp cases, whose bodies (if any) contain no request lines.
func AddHost(raw []byte) ([]byte, int) {
	var out []byte
	n, last := 0, 0
	for _, m := range laterRequestLine.FindAllIndex(raw, -1) {
		end := m[1]
		head := raw[end:]
		if i := bytes.Index(head, []byte("\r\n\r\n")); i >= 0 {
			head = head[:i+2]
		}
		if bytes.HasPrefix(bytes.ToLower(head), []byte("host:")) || bytes.Contains(bytes.ToLower(head), []byte("\nhost:")) {
			continue
		}
		out = append(out, raw[last:end]...)
		out = append(out, "Host: example.com\r\n"...)
		last = end
		n++
	}
	if n == 0 {
		return raw, 0
	}
	return append(out, raw[last:]...), n
}

// LoadPico reads picohttpparser's cases from the corpus directory dir
// (through internal/corpus): its request cases (test_request) as they
// are, and its header-section cases (test_headers) after the request
// line "GET / HTTP/1.0" (HTTP/1.0 so that no Host field is needed).
// Response and chunked-decoder cases are not requests and are left out.
func LoadPico(dir string) ([]Case, error) {
	all, err := corpus.LoadPico(dir)
	if err != nil {
		return nil, err
	}
	var cases []Case
	for _, c := range all {
		if c.Fn != "test_request" && c.Fn != "test_headers" {
			continue
		}
		raw := c.Raw
		k := Case{
			Corpus: "picohttpparser",
			Key:    fmt.Sprintf("pico %s:%d", c.Fn, c.Line),
			Name:   c.Name,
			Where:  fmt.Sprintf("test.c:%d", c.Line),
			Raw:    raw,
		}
		if c.Fn == "test_headers" {
			k.Raw = append([]byte("GET / HTTP/1.0\r\n"), raw...)
			k.Note = `after the request line "GET / HTTP/1.0"`
		}
		switch c.Expect {
		case "complete":
			k.Verdict, k.Good = "valid", 1
		case "error":
			k.Verdict = "invalid"
		case "incomplete":
			k.Verdict = "incomplete"
		default:
			return nil, fmt.Errorf("%s: %s: unknown expectation %q", dir, k.Key, c.Expect)
		}
		cases = append(cases, k)
	}
	return cases, nil
}
