package fileserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/wharftest"
)

// The browser test renders a listing in headless Chromium (the Debian
// package "chromium", which .ci/run installs): the page's style and
// script must pass its Content-Security-Policy, the XSS name must be
// text in the DOM, and light, dark and phone-sized screenshots are
// taken. With WHARF_UPDATE_SCREENSHOTS=1 the light and dark ones are
// written to docs/listing-light.png and docs/listing-dark.png; with
// WHARF_SCREENSHOT_DIR=dir, all of them to dir, to look at.

// browserSite fills dir with a small project tree and returns the
// path of the directory to screenshot.
func browserSite(t *testing.T, dir string) string {
	t.Helper()
	base := filepath.Join(dir, "projects", "wharf")
	mtime := time.Date(2026, 11, 30, 17, 5, 0, 0, time.UTC)
	files := []struct {
		name string
		size int64
		age  time.Duration
	}{
		{"docs/", 0, 26 * time.Hour},
		{"images/", 0, 3 * 24 * time.Hour},
		{"src/", 0, 2 * time.Hour},
		{"README.md", 2150, 40 * time.Minute},
		{"CHANGELOG.md", 18_430, 5 * 24 * time.Hour},
		{"wharf-v1.4.0-linux-amd64.tar.gz", 3_565_158, 6 * time.Hour},
		{"screenshot.png", 870_400, 50 * time.Hour},
		{"talk-recording.mp4", 148_897_792, 9 * 24 * time.Hour},
		{"config.json", 412, 3 * time.Hour},
		{"LICENSE", 11_357, 400 * 24 * time.Hour},
		{"notes 2026-11.txt", 96, 15 * time.Minute},
		{xssName, 5, 7 * time.Hour},
		{"an-unusually-long-file-name-that-goes-on-and-on-to-show-how-the-listing-wraps-it-on-a-narrow-screen.pdf", 1_258_291, 20 * 24 * time.Hour},
		{".env", 64, time.Hour},
	}
	for _, f := range files {
		p := filepath.Join(base, f.name)
		if strings.HasSuffix(f.name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		} else {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(p, f.size); err != nil { // sparse: cheap
				t.Fatal(err)
			}
		}
		if err := os.Chtimes(p, mtime.Add(-f.age), mtime.Add(-f.age)); err != nil {
			t.Fatal(err)
		}
	}
	return "/projects/wharf/"
}

// startServer serves h on a loopback port until the test ends and
// returns its base URL. The cleanup shuts the server down and checks
// that it left no goroutine behind.
func startServer(t *testing.T, h wharf.Handler) string {
	t.Helper()
	leaks := goleak.IgnoreCurrent() // the goroutines before the server
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &wharf.Server{Handler: h, Workers: 8}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
			s.Close()
		}
		if err := <-done; !errors.Is(err, wharf.ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
		goleak.VerifyNone(t, leaks)
	})
	return "http://" + ln.Addr().String()
}

// chromium runs headless Chromium with args and returns its standard
// output and error. Each run has a profile of its own.
func chromium(t *testing.T, bin string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args = append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--no-first-run", "--disable-extensions", "--mute-audio",
		"--user-data-dir=" + t.TempDir(),
		// Console messages (CSP violations, script errors) to stderr.
		"--enable-logging=stderr", "--v=0",
	}, args...)
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %q: %v\n%s", args, err, errOut.String())
	}
	return out.String(), errOut.String()
}

// consoleProblems returns the lines of Chromium's log that report a
// Content-Security-Policy violation or a script error.
func consoleProblems(log string) []string {
	var bad []string
	for _, line := range strings.Split(log, "\n") {
		l := strings.ToLower(line)
		if strings.Contains(l, "content security policy") || strings.Contains(l, "uncaught") ||
			strings.Contains(l, "refused to") || strings.Contains(l, "syntaxerror") {
			bad = append(bad, line)
		}
	}
	return bad
}

func TestListingInBrowser(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not on PATH (apt-get install chromium): the listing is not checked in a browser")
	}
	dir := t.TempDir()
	page := browserSite(t, dir)
	h, err := NewDir(dir, Config{Browse: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	url := startServer(t, h) + page

	t.Run("dom", func(t *testing.T) {
		dom, log := chromium(t, bin, "--dump-dom", url)
		if !strings.Contains(dom, `<table id="listing">`) {
			t.Fatalf("no listing in the DOM:\n%s\n%s", dom, log)
		}
		// The name is a text node (serialized escaped), not an element.
		if !strings.Contains(dom, "&lt;img src=x onerror=alert(1)&gt;.txt") {
			t.Errorf("the DOM lacks the XSS name as text:\n%s", dom)
		}
		if strings.Contains(strings.ToLower(dom), "<img") || strings.Contains(dom, "onerror=\"") {
			t.Errorf("the XSS name became an element:\n%s", dom)
		}
		if strings.Contains(dom, ".env") {
			t.Errorf("a dotfile is listed")
		}
		if p := consoleProblems(log); len(p) > 0 {
			t.Errorf("console:\n%s", strings.Join(p, "\n"))
		}
	})

	// In a live page: no dialog opened, the style applied (so the CSP
	// hash is right) in both themes, no horizontal scroll on a phone,
	// and the script sorts as the server does when the column heads
	// are clicked.
	t.Run("live", func(t *testing.T) {
		b := startCDP(t, bin)
		events := b.open(t, url)
		for _, ev := range events {
			if ev.Method == "Page.javascriptDialogOpening" {
				t.Errorf("the page opened a dialog: %s", ev.Params)
			}
		}
		var n int
		if b.eval(t, `document.getElementsByTagName("img").length`, &n); n != 0 {
			t.Errorf("%d <img> elements in the page", n)
		}
		for _, scheme := range []struct{ name, bg string }{{"light", "rgb(246, 247, 249)"}, {"dark", "rgb(13, 16, 20)"}} {
			b.call(t, "Emulation.setEmulatedMedia", map[string]any{
				"features": []map[string]string{{"name": "prefers-color-scheme", "value": scheme.name}}})
			var bg string
			if b.eval(t, `getComputedStyle(document.body).backgroundColor`, &bg); bg != scheme.bg {
				t.Errorf("%s: body background %q; want %q (is the style blocked?)", scheme.name, bg, scheme.bg)
			}
		}
		for _, width := range []int{320, 390, 1000} {
			b.call(t, "Emulation.setDeviceMetricsOverride", map[string]any{
				"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": width < 640})
			var sw int
			if b.eval(t, `document.documentElement.scrollWidth`, &sw); sw > width {
				t.Errorf("%d px wide: the page is %d px wide (horizontal scroll)", width, sw)
			}
		}
		for _, click := range []struct{ col, query string }{
			{"size", "sort=size&order=desc"},
			{"size", "sort=size&order=asc"},
			{"time", "sort=time&order=desc"},
			{"name", "sort=name&order=asc"},
			{"name", "sort=name&order=desc"},
			{"time", "sort=time&order=desc"},
			{"time", "sort=time&order=asc"},
		} {
			var got struct {
				Names  []string
				Search string
				Aria   string
			}
			b.eval(t, `(function () {
				var th = document.querySelector("th[data-key=`+click.col+`]");
				th.querySelector("a").click();
				return {
					Names: Array.from(document.querySelectorAll("#entries .n"), function (e) { return e.textContent; }),
					Search: location.search,
					Aria: th.getAttribute("aria-sort")
				};
			})()`, &got)
			want := serverOrder(t, h, page+"?"+click.query)
			if !slices.Equal(got.Names, want) || got.Search != "?"+click.query {
				t.Errorf("click %s: %s\n%q\nwant %s\n%q", click.col, got.Search, got.Names, click.query, want)
			}
			if wantAria := map[bool]string{true: "descending", false: "ascending"}[strings.HasSuffix(click.query, "desc")]; got.Aria != wantAria {
				t.Errorf("click %s: aria-sort %q; want %q", click.col, got.Aria, wantAria)
			}
		}
	})

	update := os.Getenv("WHARF_UPDATE_SCREENSHOTS") == "1"
	for _, tc := range []struct {
		name, doc     string // doc: the file under docs/ it updates
		width, height int
		dark          bool
	}{
		{"light", "listing-light.png", 1000, 700, false},
		{"dark", "listing-dark.png", 1000, 700, true},
		{"phone-light", "", 390, 844, false},
		{"phone-dark", "", 390, 844, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), tc.name+".png")
			if d := os.Getenv("WHARF_SCREENSHOT_DIR"); d != "" {
				file = filepath.Join(d, "listing-"+tc.name+".png")
			}
			if update && tc.doc != "" {
				file = filepath.Join("..", "docs", tc.doc)
			}
			args := []string{"--screenshot=" + file, "--window-size=" + strconv.Itoa(tc.width) + "," + strconv.Itoa(tc.height)}
			if tc.dark {
				// Blink's preferredColorScheme: 0 is dark, 1 light.
				args = append(args, "--blink-settings=preferredColorScheme=0")
			} else {
				args = append(args, "--blink-settings=preferredColorScheme=1")
			}
			_, log := chromium(t, bin, append(args, url)...)
			if p := consoleProblems(log); len(p) > 0 {
				t.Errorf("console:\n%s", strings.Join(p, "\n"))
			}
			img := readPNG(t, file)
			if b := img.Bounds(); b.Dx() != tc.width || b.Dy() != tc.height {
				t.Errorf("screenshot %v; want %dx%d", b, tc.width, tc.height)
			}
			// The theme follows prefers-color-scheme: the page's
			// background (a corner) is light or dark.
			lum := luminance(img, img.Bounds().Min.X+2, img.Bounds().Max.Y-2)
			if tc.dark && lum > 0.2 || !tc.dark && lum < 0.8 {
				t.Errorf("background luminance %.2f for dark=%v", lum, tc.dark)
			}
			if update && tc.doc != "" {
				t.Logf("wrote %s", file)
			}
		})
	}
}

func readPNG(t *testing.T, file string) image.Image {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return img
}

// luminance returns the relative luminance (0 black, 1 white) of the
// pixel at x, y.
func luminance(img image.Image, x, y int) float64 {
	r, g, b, _ := img.At(x, y).RGBA()
	return (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)) / 0xffff
}

// serverOrder returns the names, as the page shows them, of the
// server's listing of target.
func serverOrder(t *testing.T, h *Handler, target string) []string {
	t.Helper()
	r := wharftest.NewRequest("GET", target)
	r.Header.Add("Accept", "application/json")
	rec := wharftest.NewRecorder()
	h.ServeHTTP(rec, r)
	var es []struct {
		Name  string `json:"name"`
		IsDir bool   `json:"is_dir"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &es); err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	var names []string
	for _, e := range es {
		if e.IsDir {
			e.Name += "/"
		}
		names = append(names, e.Name)
	}
	return names
}

// A cdp drives a headless Chromium over the DevTools protocol on a
// pipe (--remote-debugging-pipe: JSON messages ended by NUL, written
// to its fd 3 and read from its fd 4), enough to load a page, run a
// script in it and see the events it sent.
type cdp struct {
	in      *os.File      // to Chromium
	out     *bufio.Reader // from Chromium
	id      int
	session string
}

type cdpMessage struct {
	ID     int             `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

// startCDP starts Chromium; the cleanup closes it and waits for it.
func startCDP(t *testing.T, bin string) *cdp {
	t.Helper()
	toR, toW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	fromR, fromW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu",
		"--no-first-run", "--disable-extensions", "--mute-audio",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{toR, fromW} // fds 3 and 4
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	toR.Close()
	fromW.Close()
	c := &cdp{in: toW, out: bufio.NewReader(fromR)}
	t.Cleanup(func() {
		toW.Close() // Chromium exits when its pipe closes
		cmd.Wait()
		fromR.Close()
		cancel()
	})
	return c
}

// call sends a command (to the attached page once there is one) and
// returns its result and the events that came before it.
func (c *cdp) call(t *testing.T, method string, params any) (json.RawMessage, []cdpMessage) {
	t.Helper()
	c.id++
	msg := map[string]any{"id": c.id, "method": method, "params": params}
	if c.session != "" {
		msg["sessionId"] = c.session
	}
	b, _ := json.Marshal(msg)
	if _, err := c.in.Write(append(b, 0)); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	var events []cdpMessage
	for {
		raw, err := c.out.ReadBytes(0)
		if err != nil {
			t.Fatalf("%s: reading the answer: %v", method, err)
		}
		var m cdpMessage
		if err := json.Unmarshal(raw[:len(raw)-1], &m); err != nil {
			t.Fatalf("%s: %v: %q", method, err, raw)
		}
		switch {
		case m.ID == c.id && m.Error != nil:
			t.Fatalf("%s: %s", method, m.Error)
		case m.ID == c.id:
			return m.Result, events
		case m.Method != "":
			events = append(events, m)
		}
	}
}

// waitEvent reads messages until the event method arrives.
func (c *cdp) waitEvent(t *testing.T, method string) []cdpMessage {
	t.Helper()
	var events []cdpMessage
	for {
		raw, err := c.out.ReadBytes(0)
		if err != nil {
			t.Fatalf("waiting for %s: %v", method, err)
		}
		var m cdpMessage
		if err := json.Unmarshal(raw[:len(raw)-1], &m); err != nil {
			t.Fatalf("waiting for %s: %v", method, err)
		}
		events = append(events, m)
		if m.Method == method {
			return events
		}
	}
}

// open loads url in a new page and returns the events sent until it
// loaded (a javascriptDialogOpening among them would be an alert).
func (c *cdp) open(t *testing.T, url string) []cdpMessage {
	t.Helper()
	res, _ := c.call(t, "Target.createTarget", map[string]any{"url": "about:blank"})
	var target struct{ TargetID string }
	json.Unmarshal(res, &target)
	res, _ = c.call(t, "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true})
	var att struct{ SessionID string }
	json.Unmarshal(res, &att)
	c.session = att.SessionID
	c.call(t, "Page.enable", nil)
	_, events := c.call(t, "Page.navigate", map[string]any{"url": url})
	return append(events, c.waitEvent(t, "Page.loadEventFired")...)
}

// eval evaluates the expression expr in the page and decodes its
// value into v.
func (c *cdp) eval(t *testing.T, expr string, v any) {
	t.Helper()
	res, _ := c.call(t, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true})
	var r struct {
		Result           struct{ Value json.RawMessage }
		ExceptionDetails json.RawMessage
	}
	if err := json.Unmarshal(res, &r); err != nil || r.ExceptionDetails != nil {
		t.Fatalf("evaluate: %v %s", err, r.ExceptionDetails)
	}
	if err := json.Unmarshal(r.Result.Value, v); err != nil {
		t.Fatalf("evaluate: %v: %s", err, r.Result.Value)
	}
}
