// Package resphead reads HTTP/1.1 response heads for the bench clients
// (idleconns, openloop): just the status and the framing they need, so
// that a load generator stays cheap and its checks stay strict.
package resphead

import (
	"bufio"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Head is what a bench client needs of a response head.
type Head struct {
	Status  int
	Keep    bool  // HTTP/1.1 without "Connection: close"
	Length  int64 // Content-Length, or -1
	Chunked bool  // Transfer-Encoding ends in chunked
}

// ErrStatusLine reports a status line that is not "HTTP/1.x NNN ...".
var ErrStatusLine = errors.New("bad status line")

// Read reads a status line and header section from br. got reports
// whether any byte of the answer arrived (so a timeout can be told from
// a server that never answered).
func Read(br *bufio.Reader) (h Head, got bool, err error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return h, line != "", fmt.Errorf("status line: %w", err)
	}
	got = true
	f := strings.Fields(line)
	if len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/1.") {
		return h, got, fmt.Errorf("%w: %q", ErrStatusLine, line)
	}
	if h.Status, err = strconv.Atoi(f[1]); err != nil {
		return h, got, fmt.Errorf("%w: %q", ErrStatusLine, line)
	}
	h.Keep = f[0] == "HTTP/1.1"
	h.Length = -1
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return h, got, fmt.Errorf("head: %w", err)
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			return h, got, nil
		}
		name, value, _ := strings.Cut(l, ":")
		value = strings.TrimSpace(value)
		switch strings.ToLower(name) {
		case "content-length":
			if h.Length, err = strconv.ParseInt(value, 10, 64); err != nil {
				return h, got, fmt.Errorf("bad Content-Length %q", value)
			}
		case "transfer-encoding":
			h.Chunked = strings.HasSuffix(strings.ToLower(value), "chunked")
		case "connection":
			if strings.EqualFold(value, "close") {
				h.Keep = false
			}
		}
	}
}
