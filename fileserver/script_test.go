package fileserver

// Script tests, in the manner of Go's webtest (golang.org/x/website):
// every file testdata/scripts/*.txt is a list of raw requests and the
// responses they must get, sent as bytes over TCP to a real
// wharf.Server that serves a copy of testdata/site with NewDir. So a
// new rule is a new file, and the test sees exactly what a client
// sees, framing included.
//
// # Format
//
// A script is UTF-8 text, read line by line. Blank lines and lines
// starting with "#" are ignored (they separate and explain cases).
// Before the first case, directive lines may configure the Handler:
//
//	config: WORD...
//
// with the words (any number, in any order):
//
//	dotfiles              Config.AllowDotfiles
//	nocache               Config.CacheMaxFileSize -1 (see below)
//	precompressed         Config.Precompressed
//	compress              Config.Compress = &compress.Config{}
//
// (A word whose Config field does not exist yet fails the script.)
//	browse                Config.Browse
//	spa                   Config.SPA
//	notfound=NAME         Config.NotFoundFile = NAME
//	symlinks=POLICY       Config.Symlinks: inside, follow, never
//	cache-control=VALUE   Config.CacheControl = VALUE (VALUE has no spaces)
//
// A case is a request and its expected response. The request is a run
// of lines starting with ">": each line's text after "> " (or after
// ">" for an empty line) is sent followed by CRLF; if none of the
// lines is empty, one more CRLF ends the head. Nothing else is added:
// the request line and the Host field are written out.
//
//	> GET /hello.txt HTTP/1.1
//	> Host: test
//	> Range: bytes=0-4
//
// The expected response follows: lines starting with "<", then body
// lines. The first "<" line is the exact status line. Every other "<"
// line is a field rule:
//
//	< Name: VALUE   a field Name (case-insensitive) is present whose
//	                value is exactly VALUE
//	< Name: *       a field Name is present, whatever its value
//	< !Name         no field Name is present
//
// VALUE may hold variables, "$name" (letters, digits, "_"; "$$" is a
// literal "$"). A variable already set is replaced by its value; an
// unset one matches any text and is set to it, for the rest of the
// script (captures):
//
//	< ETag: $etag
//	...
//	> If-None-Match: $etag
//
// "$_" matches any text and sets nothing ("boundary=$_"). Request
// lines and body rules may use variables too, but only set ones. Predefined: $lastmod is the Last-Modified of every site file
// ("Mon, 06 May 2024 07:08:09 GMT": the test sets every mtime to it),
// $before and $after the same date one second earlier and later.
//
// Body rules (at most one of the first five; none: the body is read,
// by the response's framing, but not checked):
//
//	body "TEXT"             the exact body, a Go string literal
//	                        (variables are expanded in it first)
//	body-file PATH [A-B]    the bytes of the site file PATH (slash-
//	                        separated, relative to the site, percent-
//	                        escapes decoded: "sp%20ace"), or of its
//	                        bytes A to B inclusive
//	body-len N              the body is N bytes long
//	body-sha256 HEX         the body's SHA-256
//	parts PATH A-B...       a multipart/byteranges body (its boundary
//	                        taken from Content-Type) whose parts, in
//	                        order, carry "Content-Range: bytes A-B/SIZE"
//	                        and the bytes A to B of PATH
//	body-contains "TEXT"    the body holds TEXT (may be repeated)
//	decoded-body-file PATH  the body, decoded by its Content-Encoding
//	                        (gzip or none), is the site file PATH
//
// # What every case checks anyway
//
// The runner reads each response by its framing (RFC 9112 6.3: no
// body for HEAD, 1xx, 204 and 304; else chunked, Content-Length, or
// until close), so a body longer than its Content-Length shows up as
// garbage where the next status line should be. It also fails a
// response with a repeated field (other than Vary and Set-Cookie), a
// header line not ending in CRLF, or a 206 whose single-range
// Content-Length disagrees with its Content-Range. The cases of a
// script share one connection while the server keeps it open (a
// response with "Connection: close" makes the runner reconnect), and
// after the last case the runner half-closes it and fails if the
// server sends anything more.
//
// Every script runs twice: with the default cache and with the cache
// off, and must pass both ways (the cache must not change answers).
//
// The site is testdata/site, copied to a temporary directory with
// every file's and directory's modification time set to $lastmod,
// plus generated files too large to keep in git:
//
//	big.bin   200000 bytes (larger than the cache's 64 KiB file limit):
//	          byte i is i*7 mod 251
//	enc/page.html.br, .zst, .gz   page.html compressed (compress.Encode)
//	enc/only.html.gz              the same gzip bytes, with no original
//	enc/stale.txt.gz              stale.txt compressed, an hour older
//	                              than stale.txt (so stale: ignored)

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/compress"
)

// siteTime is the modification time the script tests give every file
// of the site.
var siteTime = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

func TestScripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "scripts", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no scripts in testdata/scripts")
	}
	site := copySite(t)
	for _, file := range files {
		sc, err := parseScript(file)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		for _, mode := range []string{"cache", "nocache"} {
			t.Run(filepath.Base(file)+"/"+mode, func(t *testing.T) {
				cfg := sc.config
				if mode == "nocache" {
					cfg.CacheMaxFileSize = -1
				}
				sc.run(t, site, cfg)
			})
		}
	}
}

// copySite copies testdata/site to a temporary directory, adds the
// generated files, and sets every modification time to siteTime.
func copySite(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "site")
	src := filepath.Join("testdata", "site")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 200000)
	for i := range big {
		big[i] = byte(i * 7 % 251)
	}
	if err := os.WriteFile(filepath.Join(dst, "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	// Precompressed sidecars, made by the encoders wharf/compress uses.
	sidecars := []struct {
		src  string
		enc  compress.Encoding
		dsts []string
	}{
		{"enc/page.html", compress.Brotli, []string{"enc/page.html.br"}},
		{"enc/page.html", compress.Zstd, []string{"enc/page.html.zst"}},
		{"enc/page.html", compress.Gzip, []string{"enc/page.html.gz", "enc/only.html.gz"}},
		{"enc/stale.txt", compress.Gzip, []string{"enc/stale.txt.gz"}},
	}
	for _, sc := range sidecars {
		data, err := os.ReadFile(filepath.Join(dst, filepath.FromSlash(sc.src)))
		if err != nil {
			t.Fatal(err)
		}
		z, err := compress.Encode(nil, sc.enc, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range sc.dsts {
			if err := os.WriteFile(filepath.Join(dst, filepath.FromSlash(name)), z, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Files first, then directories deepest first: setting a file's
	// time does not change its directory's, but creating one did.
	var dirs []string
	err := filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			dirs = append(dirs, p)
			return nil
		}
		return os.Chtimes(p, siteTime, siteTime)
	})
	if err != nil {
		t.Fatal(err)
	}
	// A stale sidecar: older than its original.
	stale := siteTime.Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(dst, "enc", "stale.txt.gz"), stale, stale); err != nil {
		t.Fatal(err)
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := os.Chtimes(dirs[i], siteTime, siteTime); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// A script is a parsed script file.
type script struct {
	file   string
	config Config
	cases  []scriptCase
}

type scriptCase struct {
	line     int      // of the first request line
	request  []string // the ">" lines' text
	status   string
	rules    []fieldRule
	bodyRule []bodyRule
}

type fieldRule struct {
	line   int
	name   string
	absent bool
	any    bool
	value  string // a pattern with variables
}

type bodyRule struct {
	line int
	verb string // body, body-file, body-len, body-sha256, parts, body-contains
	args string // the rest of the line
}

var bodyVerbs = map[string]bool{
	"body": true, "body-file": true, "body-len": true, "body-sha256": true,
	"parts": true, "body-contains": true, "decoded-body-file": true,
}

func parseScript(file string) (*script, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	sc := &script{file: file}
	var cur *scriptCase
	// state: 0 before/between cases, 1 in a request, 2 in a response
	state := 0
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		line = strings.TrimSuffix(line, "\r")
		errorf := func(format string, args ...any) error {
			return fmt.Errorf("%s:%d: %s", file, n, fmt.Sprintf(format, args...))
		}
		switch {
		case strings.TrimSpace(line) == "", strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, ">"):
			if state != 1 {
				sc.cases = append(sc.cases, scriptCase{line: n})
				cur = &sc.cases[len(sc.cases)-1]
				state = 1
			}
			text := strings.TrimPrefix(line, ">")
			text = strings.TrimPrefix(text, " ")
			cur.request = append(cur.request, text)
		case strings.HasPrefix(line, "<"):
			if cur == nil || state == 0 {
				return nil, errorf("a response line before any request")
			}
			text := strings.TrimSpace(strings.TrimPrefix(line, "<"))
			if state == 1 {
				cur.status = text
				state = 2
				continue
			}
			if len(cur.bodyRule) > 0 {
				return nil, errorf("a field rule after a body rule")
			}
			if name, ok := strings.CutPrefix(text, "!"); ok {
				cur.rules = append(cur.rules, fieldRule{line: n, name: strings.TrimSpace(name), absent: true})
				continue
			}
			name, value, ok := strings.Cut(text, ":")
			if !ok || name == "" || strings.ContainsAny(name, " \t") {
				return nil, errorf("want %q, %q or %q", "< Name: value", "< Name: *", "< !Name")
			}
			value = strings.TrimSpace(value)
			cur.rules = append(cur.rules, fieldRule{line: n, name: name, value: value, any: value == "*"})
		case state == 0 && len(sc.cases) == 0 && strings.HasPrefix(line, "config:"):
			if err := parseConfig(&sc.config, strings.Fields(strings.TrimPrefix(line, "config:"))); err != nil {
				return nil, errorf("%v", err)
			}
		default:
			verb, args, _ := strings.Cut(line, " ")
			if state != 2 || !bodyVerbs[verb] {
				return nil, errorf("unexpected line %q", line)
			}
			cur.bodyRule = append(cur.bodyRule, bodyRule{line: n, verb: verb, args: strings.TrimSpace(args)})
		}
	}
	for _, c := range sc.cases {
		if c.status == "" {
			return nil, fmt.Errorf("%s:%d: a request without a response", file, c.line)
		}
	}
	return sc, nil
}

// configWords maps the words of a "config:" line to Config fields.
// The fields are set by name through reflect, so that a script can name
// a field another change is adding: until it exists, the script fails
// with "Config has no field", and this file still compiles.
var configWords = map[string]string{
	"dotfiles":      "AllowDotfiles",
	"precompressed": "Precompressed",
	"compress":      "Compress",
	"browse":        "Browse",
	"spa":           "SPA",
	"notfound":      "NotFoundFile",
	"cache-control": "CacheControl",
	"symlinks":      "Symlinks",
}

// symlinkWords are the values of "symlinks=", in the order of the
// SymlinkPolicy constants.
var symlinkWords = []string{"inside", "follow", "never"}

func parseConfig(cfg *Config, words []string) error {
	for _, w := range words {
		k, v, hasValue := strings.Cut(w, "=")
		if k == "nocache" && !hasValue {
			cfg.CacheMaxFileSize = -1
			continue
		}
		name, ok := configWords[k]
		if !ok {
			return fmt.Errorf("unknown config word %q", w)
		}
		f := reflect.ValueOf(cfg).Elem().FieldByName(name)
		if !f.IsValid() {
			return fmt.Errorf("config word %q: Config has no field %s (yet)", w, name)
		}
		switch {
		case f.Kind() == reflect.Bool && !hasValue:
			f.SetBool(true)
		case f.Kind() == reflect.String && hasValue:
			f.SetString(v)
		case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Struct && !hasValue:
			f.Set(reflect.New(f.Type().Elem())) // a zero Config of its package
		case f.Kind() == reflect.Int && hasValue && slices.Contains(symlinkWords, v):
			f.SetInt(int64(slices.Index(symlinkWords, v)))
		default:
			return fmt.Errorf("config word %q: bad value for Config.%s (%s)", w, name, f.Type())
		}
	}
	return nil
}

// run serves site with cfg on a real server and runs the script's
// cases against it.
func (sc *script) run(t *testing.T, site string, cfg Config) {
	h, err := NewDir(site, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() }) // after the server's cleanup
	addr := strings.TrimPrefix(startServer(t, h), "http://")
	vars := map[string]string{
		"lastmod": siteTime.Format(timeFormat),
		"before":  siteTime.Add(-time.Second).Format(timeFormat),
		"after":   siteTime.Add(time.Second).Format(timeFormat),
	}
	var c *scriptConn
	defer func() {
		if c != nil {
			c.finish(t, sc.file)
		}
	}()
	for _, tc := range sc.cases {
		where := fmt.Sprintf("%s:%d", sc.file, tc.line)
		if c == nil {
			if c, err = dialScript(addr); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
		}
		closed, err := sc.runCase(t, c, tc, vars, site, where)
		if err != nil {
			// The connection's state is unknown: start afresh.
			t.Errorf("%s: %v", where, err)
			c.nc.Close()
			c = nil
			continue
		}
		if closed {
			c.nc.Close()
			c = nil
		}
	}
}

type scriptConn struct {
	nc net.Conn
	br *bufio.Reader
}

func dialScript(addr string) (*scriptConn, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &scriptConn{nc: nc, br: bufio.NewReader(nc)}, nil
}

// finish half-closes the connection and fails if the server sends
// anything more than the responses the script read.
func (c *scriptConn) finish(t *testing.T, file string) {
	defer c.nc.Close()
	if tc, ok := c.nc.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	rest, _ := io.ReadAll(c.br)
	if len(rest) > 0 {
		t.Errorf("%s: %d bytes after the last response: %.200q", file, len(rest), rest)
	}
}

// A scriptResponse is a response as read from the wire.
type scriptResponse struct {
	status string
	fields []wharf.Field
	body   []byte
}

func (r *scriptResponse) get(name string) (string, bool) {
	for _, f := range r.fields {
		if strings.EqualFold(f.Name, name) {
			return f.Value, true
		}
	}
	return "", false
}

// runCase sends tc's request on c, reads the response and checks it.
// closed reports that the server closed (or will close) the
// connection.
func (sc *script) runCase(t *testing.T, c *scriptConn, tc scriptCase, vars map[string]string, site, where string) (closed bool, err error) {
	var req bytes.Buffer
	blank := false
	for _, line := range tc.request {
		s, err := expand(line, vars)
		if err != nil {
			return false, err
		}
		req.WriteString(s + "\r\n")
		blank = blank || line == ""
	}
	if !blank {
		req.WriteString("\r\n")
	}
	method, _, _ := strings.Cut(tc.request[0], " ")
	c.nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.nc.Write(req.Bytes()); err != nil {
		return false, err
	}
	resp, err := readScriptResponse(c.br, method)
	if err != nil {
		return false, fmt.Errorf("reading the response: %v", err)
	}
	show := func() string {
		var b strings.Builder
		b.WriteString("\n\t" + resp.status)
		for _, f := range resp.fields {
			b.WriteString("\n\t" + f.Name + ": " + f.Value)
		}
		fmt.Fprintf(&b, "\n\t(%d body bytes) %.120q", len(resp.body), resp.body)
		return b.String()
	}
	status, err := expand(tc.status, vars)
	if err != nil {
		return false, err
	}
	var fails []string
	if resp.status != status {
		fails = append(fails, fmt.Sprintf("%s: status %q; want %q", where, resp.status, status))
	}
	for _, rule := range tc.rules {
		if msg := rule.check(resp, vars); msg != "" {
			fails = append(fails, fmt.Sprintf("%s:%d: %s", sc.file, rule.line, msg))
		}
	}
	for _, rule := range tc.bodyRule {
		if msg := rule.check(resp, vars, site); msg != "" {
			fails = append(fails, fmt.Sprintf("%s:%d: %s", sc.file, rule.line, msg))
		}
	}
	if msg := checkFraming(resp); msg != "" {
		fails = append(fails, fmt.Sprintf("%s: %s", where, msg))
	}
	if len(fails) > 0 {
		t.Errorf("%s\nthe response:%s", strings.Join(fails, "\n"), show())
	}
	v, _ := resp.get("Connection")
	return strings.EqualFold(v, "close"), nil
}

// readScriptResponse reads a response to a request with method from
// br, strictly: CRLF line ends, and the body by RFC 9112 6.3.
func readScriptResponse(br *bufio.Reader, method string) (*scriptResponse, error) {
	readLine := func() (string, error) {
		line, err := br.ReadString('\n')
		if err != nil {
			return "", fmt.Errorf("%w after %q", err, line)
		}
		if !strings.HasSuffix(line, "\r\n") {
			return "", fmt.Errorf("line %q does not end in CRLF", line)
		}
		return line[:len(line)-2], nil
	}
	status, err := readLine()
	if err != nil {
		return nil, err
	}
	resp := &scriptResponse{status: status}
	parts := strings.SplitN(status, " ", 3)
	if len(parts) < 2 || parts[0] != "HTTP/1.1" {
		return nil, fmt.Errorf("malformed status line %q", status)
	}
	code, err := strconv.Atoi(parts[1])
	if err != nil {
		return nil, fmt.Errorf("malformed status line %q", status)
	}
	for {
		line, err := readLine()
		if err != nil {
			return nil, err
		}
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("malformed field line %q", line)
		}
		resp.fields = append(resp.fields, wharf.Field{Name: name, Value: strings.Trim(value, " \t")})
	}
	if method == "HEAD" || code/100 == 1 || code == 204 || code == 304 {
		return resp, nil
	}
	if te, ok := resp.get("Transfer-Encoding"); ok {
		if !strings.EqualFold(te, "chunked") {
			return nil, fmt.Errorf("Transfer-Encoding %q", te)
		}
		for {
			line, err := readLine()
			if err != nil {
				return nil, err
			}
			size, _, _ := strings.Cut(line, ";")
			n, err := strconv.ParseInt(size, 16, 64)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("malformed chunk size line %q", line)
			}
			if n == 0 {
				for {
					if line, err = readLine(); err != nil || line == "" {
						return resp, err
					}
				}
			}
			chunk := make([]byte, n)
			if _, err := io.ReadFull(br, chunk); err != nil {
				return nil, err
			}
			resp.body = append(resp.body, chunk...)
			if line, err := readLine(); err != nil || line != "" {
				return nil, fmt.Errorf("chunk not followed by CRLF (%q, %v)", line, err)
			}
		}
	}
	if cl, ok := resp.get("Content-Length"); ok {
		n, err := strconv.ParseInt(cl, 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("Content-Length %q", cl)
		}
		resp.body = make([]byte, n)
		_, err = io.ReadFull(br, resp.body)
		return resp, err
	}
	resp.body, err = io.ReadAll(br)
	return resp, err
}

// checkFraming checks what every response must satisfy.
func checkFraming(resp *scriptResponse) string {
	seen := map[string]bool{}
	for _, f := range resp.fields {
		name := strings.ToLower(f.Name)
		if seen[name] && name != "vary" && name != "set-cookie" {
			return fmt.Sprintf("field %s repeated", f.Name)
		}
		seen[name] = true
	}
	if !strings.HasPrefix(resp.status, "HTTP/1.1 206 ") {
		return ""
	}
	cr, hasCR := resp.get("Content-Range")
	ct, _ := resp.get("Content-Type")
	if strings.HasPrefix(ct, "multipart/byteranges") {
		if hasCR {
			return "a multipart 206 with a Content-Range field"
		}
		return ""
	}
	var a, b, size int64
	if _, err := fmt.Sscanf(cr, "bytes %d-%d/%d", &a, &b, &size); err != nil || a > b || b >= size {
		return fmt.Sprintf("a 206 with Content-Range %q", cr)
	}
	if cl, _ := resp.get("Content-Length"); cl != strconv.FormatInt(b-a+1, 10) {
		return fmt.Sprintf("a 206 with Content-Range %q and Content-Length %q", cr, cl)
	}
	return ""
}

func (rule fieldRule) check(resp *scriptResponse, vars map[string]string) string {
	var values []string
	for _, f := range resp.fields {
		if strings.EqualFold(f.Name, rule.name) {
			values = append(values, f.Value)
		}
	}
	switch {
	case rule.absent:
		if len(values) > 0 {
			return fmt.Sprintf("%s: %q; want none", rule.name, values)
		}
		return ""
	case len(values) == 0:
		return fmt.Sprintf("no %s field", rule.name)
	case rule.any:
		return ""
	}
	re, names, err := pattern(rule.value, vars)
	if err != nil {
		return err.Error()
	}
	for _, v := range values {
		if m := re.FindStringSubmatch(v); m != nil {
			for i, name := range names {
				vars[name] = m[i+1]
			}
			return ""
		}
	}
	want, _ := expand(rule.value, vars)
	if len(names) > 0 {
		want = rule.value
	}
	return fmt.Sprintf("%s: %q; want %q", rule.name, values, want)
}

var varName = regexp.MustCompile(`^[A-Za-z0-9_]+`)

// expand replaces the variables in s by their values; an unset one is
// an error.
func expand(s string, vars map[string]string) (string, error) {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		s = s[i+1:]
		if strings.HasPrefix(s, "$") {
			b.WriteByte('$')
			s = s[1:]
			continue
		}
		name := varName.FindString(s)
		v, ok := vars[name]
		if !ok {
			return "", fmt.Errorf("variable $%s is not set", name)
		}
		b.WriteString(v)
		s = s[len(name):]
	}
}

// pattern compiles a field value pattern: set variables are literal,
// unset ones match any text and are returned, in order, for capture.
func pattern(s string, vars map[string]string) (*regexp.Regexp, []string, error) {
	var b strings.Builder
	var names []string
	b.WriteString("^")
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			b.WriteString(regexp.QuoteMeta(s))
			break
		}
		b.WriteString(regexp.QuoteMeta(s[:i]))
		s = s[i+1:]
		if strings.HasPrefix(s, "$") {
			b.WriteString(`\$`)
			s = s[1:]
			continue
		}
		name := varName.FindString(s)
		if name == "" {
			return nil, nil, fmt.Errorf("a lone $ in %q", s)
		}
		s = s[len(name):]
		if name == "_" {
			b.WriteString(".*?") // matches anything, captures nothing
			continue
		}
		if v, ok := vars[name]; ok {
			b.WriteString(regexp.QuoteMeta(v))
			continue
		}
		b.WriteString("(.*?)")
		names = append(names, name)
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	return re, names, err
}

func (rule bodyRule) check(resp *scriptResponse, vars map[string]string, site string) string {
	body := resp.body
	switch rule.verb {
	case "body", "body-contains":
		s, err := expand(rule.args, vars)
		if err != nil {
			return err.Error()
		}
		want, err := strconv.Unquote(s)
		if err != nil {
			return fmt.Sprintf("%s %s: not a Go string literal: %v", rule.verb, rule.args, err)
		}
		if rule.verb == "body" && string(body) != want {
			return fmt.Sprintf("body %.200q; want %.200q", body, want)
		}
		if rule.verb == "body-contains" && !bytes.Contains(body, []byte(want)) {
			return fmt.Sprintf("body %.200q; want it to contain %q", body, want)
		}
	case "body-len":
		if strconv.Itoa(len(body)) != rule.args {
			return fmt.Sprintf("body is %d bytes; want %s", len(body), rule.args)
		}
	case "body-sha256":
		sum := sha256.Sum256(body)
		if got := hex.EncodeToString(sum[:]); got != strings.ToLower(rule.args) {
			return fmt.Sprintf("body SHA-256 %s; want %s", got, rule.args)
		}
	case "decoded-body-file":
		data, err := readSiteFile(site, rule.args)
		if err != nil {
			return err.Error()
		}
		ce, _ := resp.get("Content-Encoding")
		if ce == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				return fmt.Sprintf("gzip: %v", err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				return fmt.Sprintf("gzip: %v", err)
			}
		} else if ce != "" {
			return fmt.Sprintf("decoded-body-file: Content-Encoding %q (only gzip is decoded)", ce)
		}
		if !bytes.Equal(body, data) {
			return fmt.Sprintf("decoded body (%d bytes) %.80q; want %s (%d bytes)", len(body), body, rule.args, len(data))
		}
	case "body-file":
		args := strings.Fields(rule.args)
		if len(args) < 1 || len(args) > 2 {
			return "want body-file PATH [A-B]"
		}
		data, err := readSiteFile(site, args[0])
		if err != nil {
			return err.Error()
		}
		if len(args) == 2 {
			a, b, ok := parseAB(args[1])
			if !ok || b >= int64(len(data)) {
				return fmt.Sprintf("bad range %q for %s (%d bytes)", args[1], args[0], len(data))
			}
			data = data[a : b+1]
		}
		if !bytes.Equal(body, data) {
			return fmt.Sprintf("body (%d bytes) %.80q; want %s %s (%d bytes) %.80q", len(body), body, args[0], strings.Join(args[1:], ""), len(data), data)
		}
	case "parts":
		args := strings.Fields(rule.args)
		if len(args) < 2 {
			return "want parts PATH A-B..."
		}
		data, err := readSiteFile(site, args[0])
		if err != nil {
			return err.Error()
		}
		ct, _ := resp.get("Content-Type")
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil || mt != "multipart/byteranges" || params["boundary"] == "" {
			return fmt.Sprintf("Content-Type %q: not multipart/byteranges with a boundary", ct)
		}
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for i, ab := range args[1:] {
			a, b, ok := parseAB(ab)
			if !ok || b >= int64(len(data)) {
				return fmt.Sprintf("bad range %q for %s (%d bytes)", ab, args[0], len(data))
			}
			p, err := mr.NextPart()
			if err != nil {
				return fmt.Sprintf("part %d: %v", i, err)
			}
			got, err := io.ReadAll(p)
			if err != nil {
				return fmt.Sprintf("part %d: %v", i, err)
			}
			wantCR := fmt.Sprintf("bytes %d-%d/%d", a, b, len(data))
			if cr := p.Header.Get("Content-Range"); cr != wantCR || !bytes.Equal(got, data[a:b+1]) {
				return fmt.Sprintf("part %d: Content-Range %q, %.80q; want %q, %.80q", i, cr, got, wantCR, data[a:b+1])
			}
		}
		if p, err := mr.NextPart(); err != io.EOF {
			if err == nil {
				return fmt.Sprintf("an extra part %q", p.Header.Get("Content-Range"))
			}
			return fmt.Sprintf("after the parts: %v", err)
		}
	}
	return ""
}

// readSiteFile reads the site file name, a slash-separated path with
// percent-escapes.
func readSiteFile(site, name string) ([]byte, error) {
	name, err := url.PathUnescape(name)
	if err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(site, filepath.FromSlash(name)))
}

// parseAB parses "A-B".
func parseAB(s string) (a, b int64, ok bool) {
	as, bs, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, false
	}
	a, err1 := strconv.ParseInt(as, 10, 64)
	b, err2 := strconv.ParseInt(bs, 10, 64)
	return a, b, err1 == nil && err2 == nil && 0 <= a && a <= b
}
