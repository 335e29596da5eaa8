// Command idleconns measures a server's memory per idle keep-alive
// connection. It reads the server's VmRSS from /proc/<pid>/status,
// opens -n connections, sends one request on each and reads the whole
// answer, lets the server settle, reads VmRSS again, checks that the
// connections are still open, and prints one JSON object:
//
//	{"conns":10000,"failed":0,"closed_by_server":0,"rss_before_kb":...,
//	 "rss_after_kb":...,"bytes_per_conn":...}
//
// Run it with a raised file limit (ulimit -n) on both sides.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wharfhttp/wharf/bench/internal/resphead"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "server address")
	path := flag.String("path", "/plaintext", "request path")
	n := flag.Int("n", 10000, "connections to open")
	pid := flag.Int("pid", 0, "server process whose VmRSS is measured (required)")
	dialers := flag.Int("dialers", 32, "connections opened in parallel (keep below the listen backlog)")
	settle := flag.Duration("settle", 2*time.Second, "wait between the last answer and the RSS reading")
	timeout := flag.Duration("timeout", 60*time.Second, "give up after this long")
	hold := flag.Duration("hold", 0, "keep the connections open this long after the reading (to profile the server meanwhile)")
	flag.Parse()
	if *pid <= 0 {
		fail(errors.New("-pid is required"))
	}
	before, err := rssKB(*pid)
	if err != nil {
		fail(err)
	}

	req := []byte("GET " + *path + " HTTP/1.1\r\nHost: " + *addr + "\r\n\r\n")
	deadline := time.Now().Add(*timeout)
	conns := make([]net.Conn, *n)
	var next, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range *dialers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= *n || time.Now().After(deadline) {
					return
				}
				c, err := oneRequest(*addr, req, deadline)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				conns[i] = c
			}
		})
	}
	wg.Wait()
	opened := time.Now()
	time.Sleep(*settle)
	after, err := rssKB(*pid)
	if err != nil {
		fail(err)
	}

	// A connection the server has closed has an EOF (or a reset)
	// waiting; an open idle one has nothing to read. Peek without
	// blocking, so that checking 10,000 connections takes no time.
	closed := 0
	ok := 0
	for _, c := range conns {
		if c == nil {
			continue
		}
		ok++
		if !stillOpen(c) {
			closed++
		}
	}
	if *hold > 0 {
		fmt.Fprintf(os.Stderr, "idleconns: holding %d connections for %v\n", ok, *hold)
		time.Sleep(*hold)
	}
	for _, c := range conns {
		if c != nil {
			// Reset rather than close: 10,000 TIME_WAIT entries would
			// linger for a minute and collide with the next scenario.
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}
	}
	out := map[string]any{
		"conns":            ok,
		"failed":           failed.Load(),
		"closed_by_server": closed,
		"rss_before_kb":    before,
		"rss_after_kb":     after,
		"held_seconds":     time.Since(opened).Seconds(),
	}
	if ok > 0 {
		out["bytes_per_conn"] = float64(after-before) * 1024 / float64(ok)
	}
	if e, _ := firstErr.Load().(string); e != "" {
		out["first_error"] = e
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

// oneRequest dials addr, sends req and reads one whole answer, which
// must be a 200. It returns the open connection.
func oneRequest(addr string, req []byte, deadline time.Time) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, time.Until(deadline))
	if err != nil {
		return nil, err
	}
	c.SetDeadline(deadline)
	if _, err := c.Write(req); err != nil {
		c.Close()
		return nil, err
	}
	// A small reader: the answer to a short request is small, and no
	// byte of it may be left unread (the next read checks for EOF).
	br := bufio.NewReaderSize(c, 1024)
	h, _, err := resphead.Read(br)
	if err != nil {
		c.Close()
		return nil, err
	}
	if h.Status != 200 {
		c.Close()
		return nil, fmt.Errorf("status %d", h.Status)
	}
	if !h.Keep {
		c.Close()
		return nil, errors.New("server answered Connection: close")
	}
	switch {
	case h.Length >= 0:
		_, err = io.CopyN(io.Discard, br, h.Length)
	case h.Chunked:
		err = skipChunked(br)
	default:
		err = errors.New("answer has no length")
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	if br.Buffered() > 0 {
		c.Close()
		return nil, errors.New("extra bytes after the answer")
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

// stillOpen reports whether c has neither data nor EOF waiting: a
// non-blocking MSG_PEEK read returns EAGAIN on an open idle connection,
// 0 after the peer closed, and an error after a reset.
func stillOpen(c net.Conn) bool {
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		return false
	}
	open := false
	rc.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		open = err == syscall.EAGAIN
		return true // never wait
	})
	return open
}

func skipChunked(br *bufio.Reader) error {
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		size, err := strconv.ParseInt(strings.TrimSpace(strings.SplitN(line, ";", 2)[0]), 16, 64)
		if err != nil {
			return err
		}
		if size == 0 {
			for { // trailers, then the empty line
				l, err := br.ReadString('\n')
				if err != nil {
					return err
				}
				if strings.TrimSpace(l) == "" {
					return nil
				}
			}
		}
		if _, err := io.CopyN(io.Discard, br, size+2); err != nil {
			return err
		}
	}
}

func rssKB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			f := strings.Fields(string(v))
			if len(f) > 0 {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, errors.New("no VmRSS")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "idleconns:", err)
	os.Exit(1)
}
