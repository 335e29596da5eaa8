package attacktest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The bounds the test asserts (issue 3, "Must show"). They are
// properties, not benchmarks: a normal request waits for no slow client,
// so its latency is the cost of one small request on loopback plus
// scheduling noise, far below latencyBound, however many slow clients
// there are.
const (
	attackConns  = 1000                   // slowhttptest -c
	attackRate   = 500                    // slowhttptest -r: connections per second
	attackLength = 12                     // slowhttptest -l, seconds
	floodConns   = 2000                   // idle keep-alive connections in the flood
	floodHold    = 4 * time.Second        // how long the flood is held idle
	probeEvery   = 500 * time.Millisecond // one normal request (Go, then curl) per tick
	probeTimeout = 5 * time.Second
	latencyBound = 500 * time.Millisecond
	rssBound     = 512 << 20
	minHeld      = 500 // an attack that held fewer connections proves nothing
)

// knownFailures lists properties (scenario/property) that the engine is
// known to fail today, with what was observed. They are checked, and the
// failure logged, but they fail the test only with WHARF_ATTACK_STRICT=1.
// Remove an entry once the engine is fixed.
var knownFailures = map[string]string{
	// Empty. At 9cd3c13 slow readers of a file larger than the socket
	// buffers held every worker in sendfile(2); since the engine parks
	// connections waiting to write (sendfile.go), they hold none.
}

// serverFlags are wharf's flags for the test. The read-header and idle
// timeouts are the ones a slow client meets; the connection cap is above
// what the attacks open, so a normal client is never refused for lack
// of room.
var serverFlags = []string{
	"--addr", "127.0.0.1:0",
	"--log-format", "json",
	"--read-header-timeout", "10s",
	"--idle-timeout", "10s",
	"--max-conns", "5000",
	"--shutdown-timeout", "2s",
}

const smallPage = "<!doctype html><title>wharf</title><p>hello from the attack test</p>\n"

// TestSlowClients runs each attack against a fresh wharf and checks that a
// normal client is served promptly all along and memory stays bounded.
func TestSlowClients(t *testing.T) {
	if testing.Short() {
		t.Skip("slow-client integration test (about a minute); skipped with -short")
	}
	if os.Getenv("WHARF_ATTACK_TEST") != "1" {
		// A minute of 1,000-connection attacks should not run inside
		// every `go test ./...` beside other packages; .ci/run runs it
		// on its own with WHARF_ATTACK_TEST=1.
		t.Skip("slow-client integration test: set WHARF_ATTACK_TEST=1 to run it (needs slowhttptest and curl)")
	}
	sht, err := exec.LookPath("slowhttptest")
	if err != nil {
		t.Skip("slowhttptest not on PATH (Debian: apt-get install slowhttptest curl); skipping the slow-client integration test")
	}
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not on PATH (Debian: apt-get install curl); skipping the slow-client integration test")
	}
	raiseFileLimit(t, 16384)
	// A control: Go's own server in this process, asked the same thing
	// right after each Go probe of wharf. When the control is slow too,
	// a slow answer is the machine (CPU starvation), not wharf.
	control := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, smallPage)
	}))
	t.Cleanup(control.Close)
	controlAddr = strings.TrimPrefix(control.URL, "http://")

	tmp := t.TempDir()
	bin := buildWharf(t, tmp)
	uploadBin := buildBinary(t, tmp, "github.com/wharfhttp/wharf/internal/attacktest/uploadsrv")
	site := filepath.Join(tmp, "site")
	if err := os.Mkdir(site, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(site, "index.html"), []byte(smallPage))
	writeFile(t, filepath.Join(site, "1m.bin"), patterned(1<<20))
	// A slow reader holds a writer only while its response does not fit
	// in the socket's send buffer; on loopback the kernel grows that
	// buffer up to net.ipv4.tcp_wmem's maximum (4 MiB by default), so most
	// of a 1 MiB answer is buffered at once. The second slow-read run uses
	// a file twice that size, so that every slow reader really has to be
	// waited for.
	bigSize := 2 * tcpWmemMax()
	writeFile(t, filepath.Join(site, "big.bin"), patterned(bigSize))
	t.Logf("slow read big: %d MiB (twice net.ipv4.tcp_wmem's maximum)", bigSize>>20)

	slowRead := []string{"-X", "-n", "1", "-w", "10", "-y", "20", "-z", "32", "-k", "1"}
	attacks := []attack{
		{name: "slowloris", args: []string{"-H", "-i", "1", "-x", "24"}, path: "/"},
		// A body of up to 64 KiB is read before its handler runs,
		// with the connection parked while the client is slow
		// (readhead.go): the attack's connections pile up
		// without holding a worker, as slowloris's do.
		{name: "slow body", args: []string{"-B", "-i", "1", "-x", "24", "-s", "65536"}, path: "/"},
		// A larger body streams to its handler. POST to the file
		// server: it answers 405 without reading the body, tries to
		// drain the unread body for a short while (a bounded wait,
		// body.go), then closes the connection. So the connections do
		// not pile up, and the attack is met when the server has
		// answered them: counted in the access log.
		{name: "slow body 1MiB", args: []string{"-B", "-i", "1", "-x", "24", "-s", "1048576"}, path: "/", answered: 405},
		// The same bodies, read by a handler (uploadsrv, 16 workers):
		// a handler waiting for a trickling body gives its worker up
		// (pool.Lease), so the attack's 1,000 handlers hold none, and a
		// normal 4 MiB upload, probed with the page, arrives whole.
		{name: "slow body 1MiB read", args: []string{"-B", "-i", "1", "-x", "24", "-s", "1048576"}, path: "/upload", upload: true},
		{name: "slow read 1MiB", args: slowRead, path: "/1m.bin"},
		{name: "slow read big", args: slowRead, path: "/big.bin"},
	}

	var results []*result
	defer func() { logSummary(t, results) }()
	for _, a := range attacks {
		r := &result{scenario: a.name}
		results = append(results, r)
		t.Run(a.name, func(t *testing.T) {
			var extra []string
			if a.answered != 0 {
				extra = []string{"--access-log"}
			}
			b := bin
			if a.upload {
				b = uploadBin
			}
			srv := startWharf(t, b, site, extra...)
			runAttack(t, srv, r, sht, curl, a)
			check(t, r, srv)
		})
	}
	r := &result{scenario: "idle flood"}
	results = append(results, r)
	t.Run("idle flood", func(t *testing.T) {
		srv := startWharf(t, bin, site)
		runFlood(t, srv, r, curl)
		check(t, r, srv)
	})
}

// An attack is one slowhttptest run.
type attack struct {
	name string
	args []string // slowhttptest's mode and its options
	path string
	// answered, if not 0, is the status the server answers the attack's
	// requests with before they are complete, closing the connection:
	// then connections cannot pile up, and the attack counts as met when
	// the server answered at least minHeld of them.
	answered int
	// upload runs the attack against uploadsrv, whose handler reads
	// bodies, and adds an upload to each round of probes.
	upload bool
}

// A result is what one scenario measured.
type result struct {
	scenario  string
	held      int // most attack connections open at once (slowhttptest's "connected", or flood connections answered)
	pending   int // most slowhttptest connections still connecting
	estab     int // most established server-side connections seen in /proc/net/tcp
	exit      string
	answered  int // requests the server answered early (attack.answered)
	down      int // slowhttptest probe ticks reporting "service available: NO"
	probes    []probe
	peakRSS   int64
	baseRSS   int64   // flood: RSS before the flood
	perConn   float64 // flood: RSS bytes per idle connection
	serverLog string  // summary of the server's warnings and errors
	ran       bool
}

type probe struct {
	client string        // "go" or "curl"
	at     time.Duration // when it started, from the start of the scenario
	status int
	lat    time.Duration
	err    error
}

// runAttack runs slowhttptest against srv while probing it.
func runAttack(t *testing.T, srv *server, r *result, sht, curl string, a attack) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "report")
	args := append(slices.Clone(a.args),
		"-c", strconv.Itoa(attackConns),
		"-r", strconv.Itoa(attackRate),
		"-l", strconv.Itoa(attackLength),
		"-p", "3",
		"-u", "http://"+srv.addr+a.path,
		"-g", "-o", prefix,
	)
	ctx, cancel := context.WithTimeout(t.Context(), time.Duration(attackLength+30)*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, sht, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.WaitDelay = 2 * time.Second

	mon := startMonitor(srv)
	if err := cmd.Start(); err != nil {
		mon.stop()
		t.Fatalf("slowhttptest: %v", err)
	}
	probeCtx, stopProbes := context.WithCancel(ctx)
	probes := startProber(probeCtx, srv.addr, curl, a.upload)
	werr := cmd.Wait()
	stopProbes()
	r.probes = <-probes
	r.peakRSS, r.estab = mon.stop()
	r.ran = true

	text := stripANSI(out.String())
	if m := regexp.MustCompile(`Exit status:\s*(.*)`).FindStringSubmatch(text); m != nil {
		r.exit = strings.TrimSpace(m[1])
	}
	if werr != nil {
		t.Errorf("slowhttptest %s: %v\n%s", strings.Join(args, " "), werr, lastLines(text, 30))
	}
	rows, err := readReport(prefix + ".csv")
	if err != nil {
		t.Errorf("slowhttptest report: %v\n%s", err, lastLines(text, 30))
		return
	}
	for _, row := range rows {
		r.held = max(r.held, row.connected)
		r.pending = max(r.pending, row.pending)
		if !row.available {
			r.down++
		}
	}
	if a.answered != 0 {
		r.answered = srv.countAnswers(a.answered)
		if r.answered < minHeld {
			t.Logf("slowhttptest report:\n%s", rowsText(rows))
			t.Errorf("the server answered %d of slowhttptest's %d requests with %d (held at most %d at once; exit status %q); want at least %d",
				r.answered, attackConns, a.answered, r.held, r.exit, minHeld)
		}
		return
	}
	if r.held < minHeld {
		t.Logf("slowhttptest report:\n%s", rowsText(rows))
		t.Errorf("slowhttptest held at most %d connections (pending %d, server saw %d established; exit status %q): fewer than %d, so the attack proved nothing",
			r.held, r.pending, r.estab, r.exit, minHeld)
	}
}

// runFlood opens floodConns keep-alive connections, sends one GET on each,
// reads the answer and holds them all idle for floodHold, while probing.
func runFlood(t *testing.T, srv *server, r *result, curl string) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	// A few requests first, so that the baseline includes the buffers
	// and code paths a served request touches.
	for range 5 {
		if p := probeGo(srv.addr); p.err != nil {
			t.Fatalf("warm-up request: %v", p.err)
		}
	}
	// A settle time that is part of the measurement, not a wait for
	// a state: the baseline is the memory of a server idle for a
	// moment after the warm-up (its connections closed, their buffers
	// back in the pools), as the flood's is of idle connections.
	// Resident memory has no "settled" event to poll for.
	time.Sleep(200 * time.Millisecond)
	r.baseRSS = readRSS(srv.pid)
	mon := startMonitor(srv)
	probeCtx, stopProbes := context.WithCancel(ctx)
	probes := startProber(probeCtx, srv.addr, curl, false)

	conns, errs := openIdle(ctx, srv.addr, floodConns)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	r.held = len(conns)
	// Hold them idle, well inside the server's 10 s idle timeout.
	select {
	case <-time.After(floodHold):
	case <-ctx.Done():
	}
	held := readRSS(srv.pid)
	stopProbes()
	r.probes = <-probes
	r.peakRSS, r.estab = mon.stop()
	r.ran = true
	if len(conns) > 0 {
		r.perConn = float64(max(r.peakRSS, held)-r.baseRSS) / float64(len(conns))
	}
	if len(errs) > 0 {
		t.Errorf("idle flood: %d of %d connections failed; first: %v", len(errs), floodConns, errs[0])
	}
	// The server must really have held them all open (and idle).
	if r.estab < len(conns) {
		t.Errorf("idle flood: server held at most %d established connections of %d opened", r.estab, len(conns))
	}
}

// openIdle dials n connections to addr, sends one GET / on each and reads
// the whole answer, leaving each connection open and idle.
func openIdle(ctx context.Context, addr string, n int) ([]net.Conn, []error) {
	var (
		mu    sync.Mutex
		conns []net.Conn
		errs  []error
		wg    sync.WaitGroup
	)
	jobs := make(chan struct{}, n)
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	req := []byte("GET / HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: attacktest-idle\r\n\r\n")
	for range 64 {
		wg.Go(func() {
			d := net.Dialer{Timeout: 3 * time.Second}
			for range jobs {
				c, err := d.DialContext(ctx, "tcp", addr)
				if err == nil {
					err = oneRequest(c, req)
				}
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
					if c != nil {
						c.Close()
					}
				} else {
					conns = append(conns, c)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return conns, errs
}

func oneRequest(c net.Conn, req []byte) error {
	c.SetDeadline(time.Now().Add(10 * time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write(req); err != nil {
		return err
	}
	br := bufio.NewReaderSize(c, 1024)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 || resp.Close {
		return fmt.Errorf("status %d, close %v", resp.StatusCode, resp.Close)
	}
	if br.Buffered() > 0 {
		return fmt.Errorf("%d unexpected bytes after the answer", br.Buffered())
	}
	return nil
}

// check asserts a scenario's properties.
func check(t *testing.T, r *result, srv *server) {
	r.serverLog = srv.logSummary()
	if !r.ran {
		return
	}
	var bad, slow []string
	var ctlSlow int
	var ctlMax time.Duration
	n := 0
	for _, p := range r.probes {
		if p.client == "control" {
			ctlMax = max(ctlMax, p.lat)
			if p.lat >= latencyBound || p.err != nil {
				ctlSlow++
			}
			continue
		}
		n++
		switch {
		case p.err != nil:
			bad = append(bad, fmt.Sprintf("%s at %.1fs: %v", p.client, p.at.Seconds(), p.err))
		case p.status != 200:
			bad = append(bad, fmt.Sprintf("%s at %.1fs: status %d", p.client, p.at.Seconds(), p.status))
		}
		if p.lat >= latencyBound {
			slow = append(slow, fmt.Sprintf("%s at %.1fs: %v", p.client, p.at.Seconds(), p.lat.Round(time.Millisecond)))
		}
	}
	if n < 4 {
		t.Errorf("only %d normal requests were made", n)
	}
	machine := fmt.Sprintf("control (net/http in the test process): max %v, %d slow", ctlMax.Round(time.Millisecond), ctlSlow)
	// A normal request must be answered 200: a server that sheds it with
	// 503, or lets it time out, is not serving.
	property(t, r.scenario+"/status", len(bad) == 0, "%d of %d normal requests not answered 200: %s\nserver log: %s",
		len(bad), n, strings.Join(firstN(bad, 5), "; "), r.serverLog)
	// A correctness property of the engine, not a benchmark: a slow
	// client must not hold a worker, so a normal request never queues
	// behind 1,000 of them and is answered in the time one small request
	// takes on loopback. 500 ms is a bound with a wide margin for noise.
	property(t, r.scenario+"/latency", len(slow) == 0, "%d of %d normal requests took %v or more: %s (established server connections peaked at %d; %s; load average %s)\nserver log: %s",
		len(slow), n, latencyBound, strings.Join(firstN(slow, 8), ", "), r.estab, machine, loadAvg(), r.serverLog)
	property(t, r.scenario+"/rss", r.peakRSS < rssBound, "peak RSS %d MiB, want < %d MiB", r.peakRSS>>20, rssBound>>20)
}

// property reports a failed property: as a test error, or, for a known
// engine failure without WHARF_ATTACK_STRICT=1, as a log line.
func property(t *testing.T, name string, ok bool, format string, args ...any) {
	t.Helper()
	why, known := knownFailures[name]
	if ok {
		if known {
			t.Logf("%s: known failure did not occur this time; if the engine is fixed, remove it from knownFailures", name)
		}
		return
	}
	msg := fmt.Sprintf(format, args...)
	if known && os.Getenv("WHARF_ATTACK_STRICT") != "1" {
		t.Logf("KNOWN ENGINE FAILURE %s (%s), not failing the test; set WHARF_ATTACK_STRICT=1 to fail: %s", name, why, msg)
		return
	}
	t.Errorf("%s: %s", name, msg)
}

func logSummary(t *testing.T, results []*result) {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-16s %5s %5s %6s  %-15s %-15s %-15s %7s %9s %9s\n",
		"scenario", "held", "estab", "probes", "go p50/max ms", "curl p50/max", "control p50/max", "non-200", "peak RSS", "RSS/conn")
	for _, r := range results {
		if !r.ran {
			fmt.Fprintf(&b, "%-16s (did not run)\n", r.scenario)
			continue
		}
		var goLat, curlLat, ctlLat []time.Duration
		non200 := 0
		for _, p := range r.probes {
			switch p.client {
			case "go":
				goLat = append(goLat, p.lat)
			case "curl":
				curlLat = append(curlLat, p.lat)
			default:
				ctlLat = append(ctlLat, p.lat)
				continue
			}
			if p.err != nil || p.status != 200 {
				non200++
			}
		}
		perConn := "-"
		if r.perConn != 0 {
			perConn = fmt.Sprintf("%.1f KiB", r.perConn/1024)
		}
		fmt.Fprintf(&b, "%-16s %5d %5d %6d  %-15s %-15s %-15s %7d %5d MiB %9s\n",
			r.scenario, r.held, r.estab, len(goLat)+len(curlLat), p50max(goLat), p50max(curlLat), p50max(ctlLat), non200, r.peakRSS>>20, perConn)
	}
	fmt.Fprintf(&b, "load average at the end: %s\n", loadAvg())
	for _, r := range results {
		if r.answered > 0 {
			fmt.Fprintf(&b, "%s: the server answered %d requests early and closed (held: most open at once)\n", r.scenario, r.answered)
		}
		if r.exit != "" || r.down > 0 {
			fmt.Fprintf(&b, "%s: slowhttptest exit status %q, probe said unavailable in %d report rows\n", r.scenario, r.exit, r.down)
		}
		if r.serverLog != "" {
			fmt.Fprintf(&b, "%s: server log: %s\n", r.scenario, r.serverLog)
		}
	}
	t.Log(b.String())
}

// loadAvg returns the first three fields of /proc/loadavg.
func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func p50max(d []time.Duration) string {
	if len(d) == 0 {
		return "-"
	}
	s := slices.Clone(d)
	slices.Sort(s)
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) }
	return ms(s[len(s)/2]) + " / " + ms(s[len(s)-1])
}

// startProber makes one normal request with Go's client and one with curl
// every probeEvery until ctx is done, each on a new connection, and sends
// what it measured when it stops.
func startProber(ctx context.Context, addr, curl string, upload bool) <-chan []probe {
	out := make(chan []probe, 1)
	t0 := time.Now()
	go func() {
		var ps []probe
		tick := time.NewTicker(probeEvery)
		defer tick.Stop()
		// Bounded: the attack lasts attackLength seconds, the prober at
		// most twice that many ticks.
		for range 4 * (attackLength + 30) {
			select {
			case <-ctx.Done():
				out <- ps
				return
			case <-tick.C:
			}
			at := time.Since(t0)
			pg := probeGo(addr)
			pg.at = at
			at = time.Since(t0)
			pc := probeCurl(addr, curl)
			pc.at = at
			ps = append(ps, pg, pc)
			if upload {
				pu := probeUpload(addr)
				pu.at = at
				ps = append(ps, pu)
			}
			if controlAddr != "" {
				ctl := probeGo(controlAddr)
				ctl.client = "control"
				ctl.at = time.Since(t0)
				ps = append(ps, ctl)
			}
		}
		out <- ps
	}()
	return out
}

// controlAddr is the control server's address (see TestSlowClients).
var controlAddr string

var probeClient = &http.Client{
	Timeout:   probeTimeout,
	Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
}

// probeGo and probeCurl take no context: a probe under way when the
// attack ends finishes, bounded by probeTimeout.
func probeGo(addr string) probe {
	start := time.Now()
	resp, err := probeClient.Get("http://" + addr + "/")
	if err != nil {
		return probe{client: "go", lat: time.Since(start), err: err}
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	lat := time.Since(start)
	if err == nil && string(body) != smallPage {
		err = fmt.Errorf("wrong body (%d bytes)", len(body))
	}
	return probe{client: "go", status: resp.StatusCode, lat: lat, err: err}
}

// uploadSize is the normal upload probed during the slow-body attack.
const uploadSize = 4 << 20

// probeUpload POSTs uploadSize bytes to uploadsrv and checks that it read
// them all.
func probeUpload(addr string) probe {
	start := time.Now()
	resp, err := probeClient.Post("http://"+addr+"/upload", "application/octet-stream", bytes.NewReader(patterned(uploadSize)))
	if err != nil {
		return probe{client: "upload", lat: time.Since(start), err: err}
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	lat := time.Since(start)
	if err == nil && string(body) != strconv.Itoa(uploadSize) {
		err = fmt.Errorf("the server read %q bytes of %d", body, uploadSize)
	}
	return probe{client: "upload", status: resp.StatusCode, lat: lat, err: err}
}

func probeCurl(addr, curl string) probe {
	cctx, cancel := context.WithTimeout(context.Background(), probeTimeout+time.Second)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(cctx, curl, "-s", "-o", "/dev/null", "--noproxy", "*",
		"--max-time", strconv.Itoa(int(probeTimeout/time.Second)),
		"-w", "%{http_code} %{time_total}", "http://"+addr+"/")
	out, err := cmd.Output()
	wall := time.Since(start)
	p := probe{client: "curl", lat: wall}
	f := strings.Fields(string(out))
	if len(f) == 2 {
		p.status, _ = strconv.Atoi(f[0])
		if secs, perr := strconv.ParseFloat(f[1], 64); perr == nil {
			p.lat = time.Duration(secs * float64(time.Second))
		}
	}
	if err != nil {
		p.err = fmt.Errorf("curl: %v (%q)", err, out)
	}
	return p
}
