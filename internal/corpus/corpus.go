// Package corpus reads the third-party HTTP/1.1 parser corpora that are
// kept beside the repository, in ../shared/conformance (see its
// README.md): llhttp's test cases and picohttpparser's. It only reads
// and decodes the records; what a case means for a parser or a server
// is the caller's business (internal/http1's corpus tests judge the
// parser, internal/conformance replays the cases against servers).
//
// It is a leaf package, on the standard library only, so that both can
// import it: internal/conformance imports wharf, which imports
// internal/http1.
//
// The corpus is not part of the repository. Loaders return an error
// that wraps os.ErrNotExist when it is missing, and tests skip then.
package corpus

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Dir returns the corpus directory, ../shared/conformance seen from the
// root of the module that contains the working directory (tests run in
// their package's directory). The error wraps os.ErrNotExist when there
// is no module root or no corpus there.
func Dir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			dir := filepath.Join(d, "..", "shared", "conformance")
			if _, err := os.Stat(filepath.Join(dir, "llhttp", "cases.jsonl")); err != nil {
				return "", fmt.Errorf("corpus: no corpus beside the module root %s: %w", d, err)
			}
			return dir, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("corpus: no go.mod above %s: %w", wd, os.ErrNotExist)
		}
	}
}

// An LLHTTP is one case of llhttp's test suite (llhttp/cases.jsonl).
type LLHTTP struct {
	ID      int    `json:"id"`
	Name    string `json:"name"`    // the upstream test's name
	Section string `json:"section"` // the upstream section
	File    string `json:"file"`    // upstream file and line
	Line    int    `json:"line"`
	// Verdict is "valid", "invalid", "lenient-only", "upgrade",
	// "incomplete" or "finish" (../shared/conformance/README.md).
	Verdict string `json:"verdict"`
	// Messages is llhttp's messages_completed: the requests it parsed
	// completely before it stopped.
	Messages int `json:"messages_completed"`
	Meta     struct {
		Type     string `json:"type"`
		SkipBody bool   `json:"skipBody"` // llhttp was told the first request has no body
	} `json:"meta"`

	// Server is the request as sent to a real server (server_b64: the
	// upstream bytes with a Host field on the first request).
	Server []byte `json:"-"`
}

// llhttpRecord is a line of llhttp/cases.jsonl.
type llhttpRecord struct {
	LLHTTP
	ServerB64 string `json:"server_b64"`
}

// LoadLLHTTP reads every llhttp case from dir/llhttp/cases.jsonl, dir
// being the corpus directory (Dir).
func LoadLLHTTP(dir string) ([]LLHTTP, error) {
	path := filepath.Join(dir, "llhttp", "cases.jsonl")
	lines, err := readLines(path)
	if err != nil {
		return nil, err
	}
	cases := make([]LLHTTP, 0, len(lines))
	for _, line := range lines {
		var r llhttpRecord
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if r.Server, err = base64.StdEncoding.DecodeString(r.ServerB64); err != nil {
			return nil, fmt.Errorf("%s: case %d: server_b64: %w", path, r.ID, err)
		}
		cases = append(cases, r.LLHTTP)
	}
	return cases, nil
}

// A Pico is one case of picohttpparser's test suite
// (picohttpparser/cases.jsonl): a request (Fn "test_request"), a field
// section alone ("test_headers"), a response ("test_response") or a
// chunked body ("test_chunked", "test_chunked_consume_trailer").
type Pico struct {
	Fn     string `json:"fn"`
	Line   int    `json:"line"` // in picohttpparser's test.c
	Name   string `json:"name"`
	Expect string `json:"expect"` // "complete", "error" or "incomplete"

	// Chunked cases: whether the decoder consumes the trailer ("0",
	// "1"; nil when unset), and phr_decode_chunked's expected return
	// ("-1" error, "-2" incomplete, else the bytes left).
	ConsumeTrailer *string `json:"consume_trailer"`
	ExpectedRet    string  `json:"expected_ret"`

	Raw     []byte `json:"-"` // the bytes parsed (raw_b64)
	Chunked []byte `json:"-"` // a chunked body (chunked_body_b64)
	Decoded []byte `json:"-"` // what it decodes to (decoded_b64), nil if unset
}

// picoRecord is a line of picohttpparser/cases.jsonl.
type picoRecord struct {
	Pico
	RawB64     string  `json:"raw_b64"`
	ChunkedB64 string  `json:"chunked_body_b64"`
	DecodedB64 *string `json:"decoded_b64"`
}

// LoadPico reads every picohttpparser case from
// dir/picohttpparser/cases.jsonl, dir being the corpus directory (Dir).
func LoadPico(dir string) ([]Pico, error) {
	path := filepath.Join(dir, "picohttpparser", "cases.jsonl")
	lines, err := readLines(path)
	if err != nil {
		return nil, err
	}
	cases := make([]Pico, 0, len(lines))
	for _, line := range lines {
		var r picoRecord
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		where := fmt.Sprintf("%s: %s:%d", path, r.Fn, r.Line)
		if r.Raw, err = base64.StdEncoding.DecodeString(r.RawB64); err != nil {
			return nil, fmt.Errorf("%s: raw_b64: %w", where, err)
		}
		if r.Chunked, err = base64.StdEncoding.DecodeString(r.ChunkedB64); err != nil {
			return nil, fmt.Errorf("%s: chunked_body_b64: %w", where, err)
		}
		if r.DecodedB64 != nil {
			if r.Decoded, err = base64.StdEncoding.DecodeString(*r.DecodedB64); err != nil {
				return nil, fmt.Errorf("%s: decoded_b64: %w", where, err)
			}
		}
		cases = append(cases, r.Pico)
	}
	return cases, nil
}

// readLines returns the non-blank lines of a JSON Lines file.
func readLines(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			lines = append(lines, append([]byte(nil), sc.Bytes()...))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return lines, nil
}
