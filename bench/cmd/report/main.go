// Command report turns the raw measurements of bench/run into the
// results file (JSON and text), docs/BENCHMARKS.md and the SVG chart
// docs/benchmarks.svg. It needs nothing outside the standard library.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/wharfhttp/wharf/bench/internal/loadresult"
)

// record is one line of raw.jsonl, written by bench/run.
type record struct {
	Scenario string          `json:"scenario"`
	Server   string          `json:"server"`
	Round    int             `json:"round"`
	Rate     float64         `json:"rate"`
	Mode     string          `json:"mode"`
	Crashed  bool            `json:"crashed"`
	CPUs     float64         `json:"cpu_s"`
	Walls    float64         `json:"wall_s"`
	Window   float64         `json:"window_s"`
	LoadCPUs float64         `json:"load_cpu_s"`
	CPU0Busy float64         `json:"cpu0_busy_s"`
	CPU1Busy float64         `json:"cpu1_busy_s"`
	Wrk      *wrkResult      `json:"wrk"`
	H2load   *wrkResult      `json:"h2load"` // the h2 scenarios: h2load's output in wrk's shape (cmd/h2loadjson)
	Idle     *idleResult     `json:"idle"`
	Openloop *openloopResult `json:"openloop"`
}

// wrkResult is a wrk or h2load measurement (see loadresult).
type wrkResult = loadresult.Result

type idleResult struct {
	Conns          int     `json:"conns"`
	Failed         int     `json:"failed"`
	ClosedByServer int     `json:"closed_by_server"`
	RSSBeforeKB    int64   `json:"rss_before_kb"`
	RSSAfterKB     int64   `json:"rss_after_kb"`
	BytesPerConn   float64 `json:"bytes_per_conn"`
	FirstError     string  `json:"first_error"`
}

type latSummary struct {
	Count int     `json:"count"`
	Share float64 `json:"share"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

type openloopResult struct {
	Offered       float64        `json:"offered_rps"`
	Due           int            `json:"due"`
	OK            latSummary     `json:"ok"`
	Rejected      latSummary     `json:"rejected_503"`
	OtherStatus   map[string]int `json:"other_status"`
	Errors        int            `json:"errors"`
	ClientDropped int            `json:"client_dropped"`
	ConnsDialed   int            `json:"conns_dialed"`
	OKRPS         float64        `json:"ok_rps"`
	FirstError    string         `json:"first_error"`
}

// scenario describes how a scenario is shown.
type scenario struct {
	Key, Title, What string
	Unit             string // of the headline value
	HigherBetter     bool
	MBps             bool // show the MB/s column
	H2load           bool // measured with h2load: its CPU, mean latency (no p99)
}

var scenarios = []scenario{
	{"file198", "198-byte file", "GET /small.html (198 B), 64 connections, keep-alive", "req/s", true, false, false},
	{"file64k", "64 KB file", "GET /medium.bin (65,536 B), 64 connections", "req/s", true, false, false},
	{"file10m", "10 MB file", "GET /large.bin (10,485,760 B), 8 connections", "req/s", true, true, false},
	{"plaintext", "plaintext handler", "GET /plaintext (\"Hello, World!\"), 64 connections", "req/s", true, false, false},
	{"pipeline16", "pipelined x16", "GET /plaintext, 16 requests per write, 64 connections", "req/s", true, false, false},
	{"conn1000", "1,000 connections", "GET /small.html, 1,000 concurrent keep-alive connections", "req/s", true, false, false},
	{"conn10k", "10,000 connections", "GET /small.html, 10,000 concurrent keep-alive connections", "req/s", true, false, false},
	{"connclose", "new connection per request", "GET /plaintext with Connection: close, 64 connections", "req/s", true, false, false},
	{"gzcache-identity", "20 KB HTML page, no Accept-Encoding", "GET /page.html (20,480 B of generated HTML) without Accept-Encoding, 64 connections: the identity answer that gzcache-gzip and gzcache-br are compared with. wharf runs with Compress and Precompressed, fasthttp with Compress, CompressBrotli and AcceptByteRange; wharf-plain and fasthttp-plain, when run, are the same programs without those options", "req/s", true, false, false},
	{"gzcache-gzip", "20 KB HTML page, cached gzip", "GET /page.html with Accept-Encoding: gzip, 64 connections: a compressed hit from the server's cache (the page has no sidecar; the first request compresses it). the page is 20,480 B, about 6.4 KB once gzipped", "req/s", true, false, false},
	{"gzcache-br", "20 KB HTML page, cached brotli", "GET /page.html with Accept-Encoding: br, 64 connections: as gzcache-gzip, brotli", "req/s", true, false, false},
	{"range10m", "1 MiB range of the 10 MB file", "GET /large.bin with Range: bytes=1048576-2097151 (a 206 of 1,048,576 B), 8 connections", "req/s", true, true, false},
	{"range10m-64k", "64 KB range of the 10 MB file", "GET /large.bin with Range: bytes=1048576-1114111 (a 206 of 65,536 B), 64 connections", "req/s", true, true, false},
	{"gzstatic", "precompressed sidecar (.gz)", "GET /static.html with Accept-Encoding: gzip, 64 connections: the 20 KB page with static.html.gz (gzip -9 -k, 6,412 B) beside it, served as it is: wharf Precompressed, nginx gzip_static on, fasthttp FS Compress with the suffix .gz", "req/s", true, false, false},
	{"tls198", "198-byte file over TLS", "GET /small.html (198 B) over TLS (HTTP/1.1: wrk offers no ALPN), 64 connections, keep-alive: the same self-signed ECDSA P-256 certificate for every server, crypto/tls's defaults for wharf (ServeTLS) and net/http (ServeTLS), nginx told Go's ciphers (see Method); fasthttp has no TLS here", "req/s", true, false, false},
	{"h2small", "198-byte file over HTTP/2", "GET /small.html (198 B) over HTTP/2 (TLS, ALPN h2) with h2load: 4 connections of 64 concurrent streams each, one thread on CPU 1; wharf with h2.Configure (x/net/http2, the streams on wharf's workers), net/http's own HTTP/2 (ServeTLS), nginx's http2; fasthttp has no HTTP/2. h2load prints no latency percentiles: the latency column is its mean", "req/s", true, false, true},
	{"idle10k", "RSS per idle keep-alive connection", "10,000 connections, one request each, then idle; (VmRSS after - before) / connections", "bytes/conn", false, false, false},
}

var serverOrder = []string{"wharf", "wharf-plain", "wharf-nethttp", "nethttp", "fasthttp", "fasthttp-plain", "nginx", "nethttp-limit8"}

var colors = map[string]string{
	"wharf": "#1f77b4", "nethttp": "#7f7f7f", "fasthttp": "#ff7f0e", "nginx": "#2ca02c", "nethttp-limit8": "#bcbd22",
	"wharf-plain": "#aec7e8", "fasthttp-plain": "#ffbb78", "wharf-nethttp": "#9467bd",
}

// stat is the per-server summary of one scenario.
type stat struct {
	Server     string             `json:"server"`
	Rounds     int                `json:"rounds"`
	Median     float64            `json:"median"`
	Min        float64            `json:"min"`
	Max        float64            `json:"max"`
	CPUPct     float64            `json:"server_cpu_pct,omitempty"`
	LoadPct    float64            `json:"load_generator_cpu_pct,omitempty"`
	OthersPct  float64            `json:"other_processes_cpu_pct"`
	PerCPUSec  float64            `json:"per_server_cpu_second,omitempty"`
	P99ms      float64            `json:"p99_ms,omitempty"`
	MeanMs     float64            `json:"mean_latency_ms,omitempty"` // h2load's scenarios, which have no p99
	MBps       float64            `json:"mb_per_s,omitempty"`
	Errors     int64              `json:"socket_errors"`
	Non2xx     int64              `json:"non_2xx"`
	Crashed    int                `json:"crashed_rounds"`
	Note       string             `json:"note,omitempty"`
	WharfRatio float64            `json:"wharf_over_server,omitempty"`
	Ratios     map[string]float64 `json:"ratios_to_peers,omitempty"`
	CPURatios  map[string]float64 `json:"per_cpu_ratios_to_peers,omitempty"`
	perRound   map[int]float64
	perRoundC  map[int]float64
}

func main() {
	rawPath := flag.String("raw", "", "raw.jsonl from bench/run")
	metaPath := flag.String("meta", "", "meta.json from bench/run")
	cmdsPath := flag.String("commands", "", "commands.txt from bench/run")
	headersPath := flag.String("headers", "", "response headers of each server (optional)")
	nginxConf := flag.String("nginx-conf", "", "the generated nginx.conf (optional)")
	poolBench := flag.String("pool-bench", "", "go test -bench output of ./poolcmp (optional)")
	poolBehavior := flag.String("pool-behavior", "", "Markdown table written by TestBehavior (optional)")
	wrapAllocs := flag.String("wrap-allocs", "", "go test -v -run TestAllocsPerRequest output of the main module's ./nethttp (optional)")
	notes := flag.String("notes", "", "Markdown appended as the analysis section (optional; default bench/NOTES.md if present next to -out-md's repo)")
	outJSON := flag.String("out-json", "", "write the results JSON here")
	outTxt := flag.String("out-txt", "", "write the text tables here")
	outMD := flag.String("out-md", "", "write docs/BENCHMARKS.md here")
	outSVG := flag.String("out-svg", "", "write the SVG chart here")
	flag.Parse()

	recs, err := readRaw(*rawPath)
	check(err)
	meta := map[string]any{}
	if b, err := os.ReadFile(*metaPath); err == nil {
		check(json.Unmarshal(b, &meta))
	}
	cmds := tidyCommands(readOpt(*cmdsPath))
	ngconf := workDir.ReplaceAllString(readOpt(*nginxConf), "$$WORK")
	headers := readOpt(*headersPath)
	behavior := readOpt(*poolBehavior)
	pool := parsePoolBench(readOpt(*poolBench))
	notesText := ""
	if *notes != "" {
		notesText = readOpt(*notes)
	} else if *outMD != "" {
		notesText = readOpt(strings.TrimSuffix(*outMD, "docs/BENCHMARKS.md") + "bench/NOTES.md")
	}

	for _, p := range []string{*outJSON, *outTxt, *outMD, *outSVG} {
		if p != "" {
			check(os.MkdirAll(filepath.Dir(p), 0o755))
		}
	}
	res := summarize(recs)
	ovl := summarizeOverload(recs)
	tables := renderTables(res, renderWrap(res, readOpt(*wrapAllocs)), ovl, pool, behavior, meta)
	targets := renderTargets(res, ovl)

	if *outJSON != "" {
		out := map[string]any{"meta": meta, "scenarios": res, "overload": ovl, "pool": pool, "raw": recs}
		b, err := json.MarshalIndent(out, "", "  ")
		check(err)
		check(os.WriteFile(*outJSON, append(b, '\n'), 0o644))
	}
	if *outTxt != "" {
		check(os.WriteFile(*outTxt, []byte(machineLine(meta)+"\n\n"+targets+"\n"+tables), 0o644))
	}
	if *outSVG != "" {
		check(os.WriteFile(*outSVG, []byte(renderSVG(res, ovl, meta)), 0o644))
	}
	if *outMD != "" {
		var md strings.Builder
		md.WriteString(docHead(meta))
		md.WriteString("## Targets (issues 4, 8 and 10)\n\n" + targets + "\n")
		md.WriteString("![benchmark chart](benchmarks.svg)\n\n")
		md.WriteString(tables)
		if notesText != "" {
			md.WriteString("## Analysis\n\n" + strings.TrimPrefix(strings.TrimSpace(notesText), "# Notes") + "\n\n")
		}
		md.WriteString(docMethod(meta))
		if cmds != "" {
			md.WriteString("## Exact commands of this run\n\n```\n" + cmds + "```\n\n")
		}
		if ngconf != "" {
			md.WriteString("## The generated nginx.conf\n\n```nginx\n" + ngconf + "```\n\n")
		}
		if headers != "" {
			md.WriteString("## Response heads\n\nWhat each server sends for the 198-byte file (a longer head is more bytes per response), and for the request of each scenario with a request header (bench/run's check before timing).\n\n```\n" + strings.ReplaceAll(headers, "\r", "") + "```\n")
		}
		check(os.WriteFile(*outMD, []byte(md.String()), 0o644))
	}
}

// workDir matches bench/run's temporary directory.
var workDir = regexp.MustCompile(`/tmp/wharf-bench\.[A-Za-z0-9]+`)

// tidyCommands drops repeated lines and writes the temporary directory
// as $WORK.
func tidyCommands(s string) string {
	seen := map[string]bool{}
	var b strings.Builder
	for _, line := range strings.Split(workDir.ReplaceAllString(s, "$$WORK"), "\n") {
		if line == "" || seen[line] {
			continue
		}
		seen[line] = true
		b.WriteString(line + "\n")
	}
	return b.String()
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func readOpt(p string) string {
	if p == "" {
		return ""
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	return string(b)
}

func readRaw(p string) ([]record, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var r record
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, fmt.Errorf("raw line %q: %w", line, err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ordered(m map[string]*stat) []*stat {
	var out []*stat
	for _, s := range serverOrder {
		if st, ok := m[s]; ok {
			out = append(out, st)
		}
	}
	return out
}

// summarize computes, per scenario and server, the median/min/max of
// the headline value over rounds and the paired ratios: for each round,
// wharf's value over the peer's, then the median of those.
func summarize(recs []record) map[string][]*stat {
	out := map[string][]*stat{}
	for _, sc := range scenarios {
		by := map[string]*stat{}
		vals := map[string][]float64{}
		cpu := map[string][]float64{}
		perCPU := map[string][]float64{}
		p99 := map[string][]float64{}
		mean := map[string][]float64{}
		mbps := map[string][]float64{}
		loadp := map[string][]float64{}
		others := map[string][]float64{}
		for _, r := range recs {
			if r.Scenario != sc.Key {
				continue
			}
			st := by[r.Server]
			if st == nil {
				st = &stat{Server: r.Server, perRound: map[int]float64{}, perRoundC: map[int]float64{}}
				by[r.Server] = st
			}
			if r.Crashed {
				st.Crashed++
				continue
			}
			var v float64
			w := r.Wrk
			if w == nil {
				w = r.H2load
			}
			switch {
			case w != nil:
				secs := float64(w.DurationUS) / 1e6
				if secs <= 0 {
					continue
				}
				v = float64(w.Requests) / secs
				st.Errors += w.ErrConnect + w.ErrRead + w.ErrWrite + w.ErrTimeout
				st.Non2xx += w.ErrStatus
				if r.Walls > 0 {
					cpu[r.Server] = append(cpu[r.Server], 100*r.CPUs/r.Walls)
					loadp[r.Server] = append(loadp[r.Server], 100*r.LoadCPUs/r.Walls)
					o := max(0, r.CPU0Busy-r.CPUs) + max(0, r.CPU1Busy-r.LoadCPUs)
					win := r.Window
					if win <= 0 {
						win = r.Walls
					}
					others[r.Server] = append(others[r.Server], 100*o/(2*win))
				}
				if r.CPUs > 0 {
					perCPU[r.Server] = append(perCPU[r.Server], float64(w.Requests)/r.CPUs)
					st.perRoundC[r.Round] = float64(w.Requests) / r.CPUs
				}
				p99[r.Server] = append(p99[r.Server], float64(w.P99US)/1000)
				mean[r.Server] = append(mean[r.Server], float64(w.MeanUS)/1000)
				mbps[r.Server] = append(mbps[r.Server], float64(w.Bytes)/secs/1e6)
			case r.Idle != nil:
				i := r.Idle
				if i.Conns == 0 {
					st.Note = "no connection held: " + i.FirstError
					continue
				}
				v = i.BytesPerConn
				st.Errors += int64(i.Failed)
				st.Non2xx += int64(i.ClosedByServer)
				if i.Failed > 0 && st.Note == "" {
					st.Note = fmt.Sprintf("%d connections failed (%s)", i.Failed, i.FirstError)
				}
				if i.ClosedByServer > 0 {
					st.Note = strings.TrimPrefix(st.Note+fmt.Sprintf("; %d closed by the server before the reading", i.ClosedByServer), "; ")
				}
			default:
				continue
			}
			vals[r.Server] = append(vals[r.Server], v)
			st.perRound[r.Round] = v
		}
		for s, st := range by {
			v := vals[s]
			st.Rounds = len(v)
			if len(v) > 0 {
				st.Median, st.Min, st.Max = median(v), slices.Min(v), slices.Max(v)
			}
			if len(cpu[s]) > 0 {
				st.CPUPct = median(cpu[s])
			}
			if len(loadp[s]) > 0 {
				st.LoadPct = median(loadp[s])
				st.OthersPct = slices.Max(others[s])
			}
			if len(perCPU[s]) > 0 {
				st.PerCPUSec = median(perCPU[s])
			}
			if len(p99[s]) > 0 {
				st.P99ms = median(p99[s])
				st.MeanMs = median(mean[s])
			}
			if len(mbps[s]) > 0 {
				st.MBps = median(mbps[s])
			}
		}
		// Paired ratios, round by round.
		paired := pairedRatio
		for a, sa := range by {
			sa.Ratios = map[string]float64{}
			sa.CPURatios = map[string]float64{}
			for b, sb := range by {
				if a == b {
					continue
				}
				if r := paired(sa.perRound, sb.perRound); r > 0 {
					sa.Ratios[b] = r
				}
				if r := paired(sa.perRoundC, sb.perRoundC); r > 0 {
					sa.CPURatios[b] = r
				}
			}
		}
		if w, ok := by["wharf"]; ok {
			for s, st := range by {
				if s != "wharf" {
					st.WharfRatio = w.Ratios[s]
				}
			}
		}
		if len(by) > 0 {
			out[sc.Key] = ordered(by)
		}
	}
	return out
}

// pairedRatio is the median over rounds of x's value over y's in the
// same round; 0 when no round has both.
func pairedRatio(x, y map[int]float64) float64 {
	var rs []float64
	for round, vx := range x {
		if vy, ok := y[round]; ok && vy > 0 {
			rs = append(rs, vx/vy)
		}
	}
	if len(rs) == 0 {
		return 0
	}
	return median(rs)
}

// ovlStat summarises one server at one offered rate.
type ovlStat struct {
	Server      string  `json:"server"`
	Rate        float64 `json:"offered_rps"`
	Mode        string  `json:"client"`
	Rounds      int     `json:"rounds"`
	OKRPS       float64 `json:"ok_rps"`
	OKP50       float64 `json:"ok_p50_ms"`
	OKP99       float64 `json:"ok_p99_ms"`
	OKP99Min    float64 `json:"ok_p99_min_ms"`
	OKP99Max    float64 `json:"ok_p99_max_ms"`
	RejShare    float64 `json:"rejected_share"`
	RejP50      float64 `json:"rejected_p50_ms"`
	RejP99      float64 `json:"rejected_p99_ms"`
	Other       int     `json:"other_status"`
	Errors      int     `json:"errors"`
	Dropped     int     `json:"client_dropped"`
	ConnsDialed float64 `json:"conns_dialed"`
	FirstError  string  `json:"first_error,omitempty"`
	Crashed     int     `json:"crashed_rounds"`
}

func summarizeOverload(recs []record) []*ovlStat {
	type key struct {
		s string
		r float64
		m string
	}
	acc := map[key][]*openloopResult{}
	crashed := map[key]int{}
	for _, r := range recs {
		if r.Scenario != "overload" {
			continue
		}
		mode := r.Mode
		if mode == "" {
			mode = "keepalive"
		}
		k := key{r.Server, r.Rate, mode}
		if r.Crashed {
			crashed[k]++
			continue
		}
		if r.Openloop != nil {
			acc[k] = append(acc[k], r.Openloop)
		}
	}
	var keys []key
	for k := range acc {
		keys = append(keys, k)
	}
	for k := range crashed {
		if _, ok := acc[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].m != keys[j].m {
			return keys[i].m > keys[j].m // keepalive first
		}
		if keys[i].r != keys[j].r {
			return keys[i].r < keys[j].r
		}
		return slices.Index(serverOrder, keys[i].s) < slices.Index(serverOrder, keys[j].s)
	})
	var out []*ovlStat
	for _, k := range keys {
		l := acc[k]
		st := &ovlStat{Server: k.s, Rate: k.r, Mode: k.m, Rounds: len(l), Crashed: crashed[k]}
		var okrps, p50, p99, rs, r50, r99, dialed []float64
		for _, o := range l {
			okrps = append(okrps, o.OKRPS)
			if o.OK.Count > 0 {
				p50 = append(p50, o.OK.P50)
				p99 = append(p99, o.OK.P99)
			}
			rs = append(rs, o.Rejected.Share)
			if o.Rejected.Count > 0 {
				r50 = append(r50, o.Rejected.P50)
				r99 = append(r99, o.Rejected.P99)
			}
			dialed = append(dialed, float64(o.ConnsDialed))
			for _, n := range o.OtherStatus {
				st.Other += n
			}
			st.Errors += o.Errors
			st.Dropped += o.ClientDropped
			if st.FirstError == "" {
				st.FirstError = o.FirstError
			}
		}
		nz := func(v []float64) float64 {
			if len(v) == 0 {
				return 0
			}
			return median(v)
		}
		st.OKRPS, st.OKP50, st.OKP99 = nz(okrps), nz(p50), nz(p99)
		if len(p99) > 0 {
			st.OKP99Min, st.OKP99Max = slices.Min(p99), slices.Max(p99)
		}
		st.RejShare, st.RejP50, st.RejP99 = nz(rs), nz(r50), nz(r99)
		st.ConnsDialed = nz(dialed)
		out = append(out, st)
	}
	return out
}

func fmtVal(v float64, unit string) string {
	if math.IsNaN(v) {
		return "-"
	}
	switch unit {
	case "bytes/conn":
		return fmt.Sprintf("%.0f B", v)
	}
	switch {
	case v >= 100:
		return commas(int64(math.Round(v)))
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func ratio(v float64) string {
	if v == 0 || math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.2fx", v)
}

// renderTables renders the results: a table per scenario, then wrap
// (renderWrap's), the overload table and the pool's.
func renderTables(res map[string][]*stat, wrap string, ovl []*ovlStat, pool []poolRow, behavior string, meta map[string]any) string {
	var b strings.Builder
	b.WriteString("## Results\n\n")
	b.WriteString("Medians over rounds; min and max show the spread. **wharf ÷ server** is the median over rounds of wharf's value divided by that server's value in the same round: for req/s above 1 means wharf is faster, for bytes per connection below 1 means wharf is lighter. *server CPU* is the CPU time the serving process used over the wall time of the measurement (near 100% = the server's core was the limit; well below = the load generator or the network path was). *wrk CPU* (*h2load CPU* for HTTP/2) is the same for the load generator (near 100% = it was the limit). *others' CPU* is the most, over rounds, that other processes used of the two benchmark CPUs' time (bench/run measures again, up to twice, when it exceeds 10%): above a few percent, that measurement shared the machine and is less trustworthy. *req per CPU-s* is requests per second of server CPU time, a measure that does not depend on who was the bottleneck.\n\n")
	for _, sc := range scenarios {
		sts := res[sc.Key]
		if len(sts) == 0 {
			continue
		}
		fmt.Fprintf(&b, "### %s\n\n%s. Unit: %s.\n\n", sc.Title, sc.What, sc.Unit)
		if sc.Key == "idle10k" {
			b.WriteString("| server | median | min | max | wharf ÷ server | rounds | failed conns | closed by server | note |\n|---|---:|---:|---:|---:|---:|---:|---:|---|\n")
			for _, st := range sts {
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %d | %d | %d | %s |\n", st.Server,
					fmtVal(st.Median, sc.Unit), fmtVal(st.Min, sc.Unit), fmtVal(st.Max, sc.Unit), ratio(st.WharfRatio), st.Rounds, st.Errors, st.Non2xx, crashNote(st))
			}
			b.WriteString("\n")
			continue
		}
		extra := ""
		if sc.MBps {
			extra = " MB/s |"
		}
		lat, load := "p99 latency", "wrk CPU"
		if sc.H2load {
			lat, load = "mean latency", "h2load CPU"
		}
		b.WriteString("| server | median | min | max | wharf ÷ server | " + lat + " | server CPU | " + load + " | others' CPU | req per CPU-s |" + extra + " socket errors | non-2xx | note |\n")
		b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + strings.Repeat("---:|", len(extra)/len(" MB/s |")) + "---:|---:|---|\n")
		for _, st := range sts {
			mb := ""
			if extra != "" {
				mb = " " + fmtVal(st.MBps, "") + " |"
			}
			latMs := st.P99ms
			if sc.H2load {
				latMs = st.MeanMs
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %.2f ms | %.0f%% | %.0f%% | %.0f%% | %s |%s %d | %d | %s |\n", st.Server,
				fmtVal(st.Median, sc.Unit), fmtVal(st.Min, sc.Unit), fmtVal(st.Max, sc.Unit), ratio(st.WharfRatio),
				latMs, st.CPUPct, st.LoadPct, st.OthersPct, fmtVal(st.PerCPUSec, ""), mb, st.Errors, st.Non2xx, crashNote(st))
		}
		b.WriteString("\n" + peerMatrix(sts) + "\n")
	}
	b.WriteString(wrap)
	if len(ovl) > 0 {
		b.WriteString("### Overload: a 10 ms handler at 3x capacity\n\n")
		q := "?"
		if o, ok := meta["overload"].(map[string]any); ok {
			q = str(o, "queue")
		}
		fmt.Fprintf(&b, "wharf with 8 workers and a queue of %s (capacity 8 / 10 ms = 800 req/s; under overload the queue is full and adds about queue/8 x 10 ms to every accepted request, see bench/run); ", q)
		b.WriteString("net/http as it is (a goroutine per connection, no bound); net/http with a semaphore of 8 around the handler (*nethttp-limit8*: a bounded pool with an unbounded queue, the classic thread pool). Open-loop load from `bench/cmd/openloop` at a constant rate, latency measured from each request's due time (so a stalled server cannot slow the load down). *keepalive* clients reuse idle connections and dial a new one when none is idle; *close* clients send `Connection: close` and dial for every request. A connection that ends is reset by the client rather than closed, so that neither side keeps thousands of TIME_WAIT entries whose ports the next connects would collide with (on one loopback address that adds 1 s SYN retransmissions, a test artifact). The client keeps at most 8,000 requests in flight; past that a due request is counted as *not sent*. fasthttp and nginx are skipped here: the question is what a bounded pool does with excess load, and net/http is the reference. nethttp-limit8 runs with keep-alive clients only.\n\n")
		b.WriteString("| offered | client | server | 200/s | 200 p50 | 200 p99 (min-max) | 503 share | 503 p50 | 503 p99 | other status | errors | conns dialed | note |\n|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
		for _, o := range ovl {
			note := ""
			if o.Crashed > 0 {
				note = fmt.Sprintf("CRASHED in %d round(s)", o.Crashed)
			}
			if o.Dropped > 0 {
				note += fmt.Sprintf(" %d not sent (client in-flight cap)", o.Dropped)
			}
			if o.FirstError != "" {
				note += " first error: " + o.FirstError
			}
			fmt.Fprintf(&b, "| %s/s | %s | %s | %s | %.1f ms | %.1f ms (%.1f-%.1f) | %.1f%% | %s | %s | %d | %d | %s | %s |\n",
				commas(int64(o.Rate)), o.Mode, o.Server, fmtVal(o.OKRPS, ""), o.OKP50, o.OKP99, o.OKP99Min, o.OKP99Max,
				100*o.RejShare, msOrDash(o.RejP50, o.RejShare), msOrDash(o.RejP99, o.RejShare), o.Other, o.Errors, commas(int64(o.ConnsDialed)), strings.TrimSpace(note))
		}
		b.WriteString("\n")
	}
	if len(pool) > 0 {
		b.WriteString(renderPool(pool))
	}
	if behavior != "" {
		b.WriteString("### Pool API and robustness, observed\n\nEach cell is what a probe in `bench/poolcmp/behavior_test.go` saw, run in a child process so that a panic or a hang is observed rather than fatal. The test fails if a library's behaviour changes from this table.\n\n" + behavior + "\n")
	}
	return b.String()
}

// allocLine matches what nethttp's TestAllocsPerRequest logs.
var allocLine = regexp.MustCompile(`(\S+): ([\d.]+) allocations per request in the adapter`)

// renderWrap is issue 10's view of a net/http handler through
// nethttp.Wrap (wharf-nethttp): its rate over the same handler on
// net/http's server and over wharf's native handler, per scenario, and
// the adapter's allocations per request as nethttp's test measured
// them in this run. Empty when wharf-nethttp was not run.
func renderWrap(res map[string][]*stat, allocs string) string {
	var b strings.Builder
	for _, key := range []string{"plaintext", "pipeline16"} {
		wn := find(res[key], "wharf-nethttp")
		if wn == nil {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("### net/http handlers on wharf (nethttp.Wrap)\n\n*wharf-nethttp* is the wharf server with /plaintext served by net/http's handler (`w.Header().Set(\"Content-Type\", \"text/plain\"); io.WriteString(w, \"Hello, World!\")`, bench/servers/nethttp's, word for word) through `nethttp.Wrap`; *nethttp* is that handler on net/http's own server; *wharf* the native handler. Paired by round; issue 10's target is >= 2x net/http for plaintext.\n\n")
			b.WriteString("| scenario | wharf-nethttp req/s | ÷ nethttp | ÷ wharf (the adapter's cost) | ÷ nethttp, req per CPU-s |\n|---|---:|---:|---:|---:|\n")
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", key, fmtVal(wn.Median, "req/s"), ratio(wn.Ratios["nethttp"]), ratio(wn.Ratios["wharf"]), ratio(wn.CPURatios["nethttp"]))
	}
	if b.Len() == 0 {
		return ""
	}
	b.WriteString("\n")
	ms := allocLine.FindAllStringSubmatch(allocs, -1)
	if len(ms) == 0 {
		b.WriteString("Allocations per request: not measured in this run (see the Cost section of nethttp's package doc).\n\n")
		return b.String()
	}
	b.WriteString("Allocations per request in the adapter, measured in this run by `go test -run TestAllocsPerRequest -v ./nethttp` (testing.AllocsPerRun; the engine adds its one, see the Cost section of nethttp's package doc):")
	for i, m := range ms {
		sep := ","
		if i == 0 {
			sep = ""
		}
		fmt.Fprintf(&b, "%s %s for %s's request", sep, m[2], m[1])
	}
	b.WriteString(".\n\n")
	return b.String()
}

func msOrDash(v, share float64) string {
	if share == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f ms", v)
}

func crashNote(st *stat) string {
	n := st.Note
	if st.Crashed > 0 {
		n = strings.TrimSpace(fmt.Sprintf("CRASHED in %d round(s). %s", st.Crashed, n))
	}
	return n
}

// peerMatrix shows every server's value over every other server's.
func peerMatrix(sts []*stat) string {
	if len(sts) < 3 {
		return ""
	}
	var b strings.Builder
	b.WriteString("<details><summary>every pair (row ÷ column, paired by round)</summary>\n\n| | ")
	for _, c := range sts {
		b.WriteString(c.Server + " | ")
	}
	b.WriteString("\n|---|" + strings.Repeat("---:|", len(sts)) + "\n")
	for _, r := range sts {
		b.WriteString("| " + r.Server + " | ")
		for _, c := range sts {
			if r == c {
				b.WriteString("1 | ")
				continue
			}
			b.WriteString(ratio(r.Ratios[c.Server]) + " | ")
		}
		b.WriteString("\n")
	}
	b.WriteString("\n</details>\n")
	return b.String()
}

func find(sts []*stat, server string) *stat {
	for _, s := range sts {
		if s.Server == server {
			return s
		}
	}
	return nil
}

func renderTargets(res map[string][]*stat, ovl []*ovlStat) string {
	var b strings.Builder
	b.WriteString("| scenario | target | measured (wharf ÷ peer, req/s) | met? | wharf ÷ peer, req per server CPU-s |\n|---|---|---|---|---|\n")
	// rowOf: subject's value over peer's in scen, paired by round.
	rowOf := func(subject, scen, peer string, min float64, label string) {
		sts := res[scen]
		w, p := find(sts, subject), find(sts, peer)
		if w == nil || p == nil || w.Ratios[peer] == 0 {
			fmt.Fprintf(&b, "| %s | %s | not measured | - | - |\n", label, fmt.Sprintf(">= %.2fx %s", min, peer))
			return
		}
		r := w.Ratios[peer]
		met := "yes"
		if r < min {
			met = fmt.Sprintf("**no** (%.0f%% short)", 100*(1-r/min))
		}
		fmt.Fprintf(&b, "| %s | >= %.2fx %s | %.2fx | %s | %s |\n", label, min, peer, r, met, ratio(w.CPURatios[peer]))
	}
	row := func(scen, peer string, min float64, label string) { rowOf("wharf", scen, peer, min, label) }
	row("file198", "fasthttp", 1.0, "198 B file, req/s")
	row("file198", "nginx", 1.3, "198 B file, req/s")
	row("plaintext", "fasthttp", 1.0, "plaintext, req/s")
	row("pipeline16", "fasthttp", 1.0, "pipelined x16, req/s")
	// Issue 11: many busy connections, throughput and tail.
	p99 := func(scen, peer, label string) {
		w, p := find(res[scen], "wharf"), find(res[scen], peer)
		if w == nil || p == nil || w.P99ms == 0 || p.P99ms == 0 {
			fmt.Fprintf(&b, "| %s | <= %s's | not measured | - | - |\n", label, peer)
			return
		}
		met := "yes"
		if w.P99ms > p.P99ms {
			met = fmt.Sprintf("**no** (%.0f%% over)", 100*(w.P99ms/p.P99ms-1))
		}
		fmt.Fprintf(&b, "| %s | <= %s's | %.1f ms vs %.1f ms | %s | - |\n", label, peer, w.P99ms, p.P99ms, met)
	}
	row("conn1000", "fasthttp", 1.0, "1,000 busy connections, req/s")
	p99("conn1000", "fasthttp", "1,000 busy connections, p99 latency (median of rounds)")
	row("conn10k", "fasthttp", 1.0, "10,000 busy connections, req/s")
	p99("conn10k", "fasthttp", "10,000 busy connections, p99 latency (median of rounds)")
	row("file64k", "nginx", 1.0, "64 KB file, req/s")
	row("file10m", "nginx", 0.95, "10 MB file, req/s")
	// Issue 8: a compressed hit against the identity hit of the same
	// page, both wharf's, paired by round.
	across := func(scen, base string, min float64, label string) {
		w, id := find(res[scen], "wharf"), find(res[base], "wharf")
		if w == nil || id == nil {
			fmt.Fprintf(&b, "| %s | >= %.2fx wharf's identity hit | not measured | - | - |\n", label, min)
			return
		}
		r, rc := pairedRatio(w.perRound, id.perRound), pairedRatio(w.perRoundC, id.perRoundC)
		if r == 0 {
			fmt.Fprintf(&b, "| %s | >= %.2fx wharf's identity hit | not measured | - | - |\n", label, min)
			return
		}
		met := "yes"
		if r < min {
			met = fmt.Sprintf("**no** (%.0f%% short)", 100*(1-r/min))
		}
		fmt.Fprintf(&b, "| %s | >= %.2fx wharf's identity hit | %.2fx (%s vs %s req/s) | %s | %s |\n", label, min, r, fmtVal(w.Median, "req/s"), fmtVal(id.Median, "req/s"), met, ratio(rc))
	}
	across("gzcache-gzip", "gzcache-identity", 0.9, "20 KB page, cached gzip hit, req/s")
	across("gzcache-br", "gzcache-identity", 0.9, "20 KB page, cached br hit, req/s")
	row("range10m", "nginx", 1.0, "1 MiB range of 10 MB file, req/s")
	row("range10m-64k", "nginx", 1.0, "64 KB range of 10 MB file, req/s")
	row("gzstatic", "nginx", 1.0, "precompressed .gz sidecar, req/s")
	row("gzstatic", "fasthttp", 1.0, "precompressed .gz sidecar, req/s")
	// Issue 10: a net/http handler through nethttp.Wrap on wharf
	// (wharf-nethttp) against the same handler on net/http's server;
	// TLS and HTTP/2 against net/http's (and nginx's).
	rowOf("wharf-nethttp", "plaintext", "nethttp", 2.0, "plaintext, net/http handler via nethttp.Wrap (wharf-nethttp ÷ nethttp), req/s")
	row("tls198", "nethttp", 1.0, "198 B file over TLS (HTTP/1.1), req/s")
	row("tls198", "nginx", 1.0, "198 B file over TLS (HTTP/1.1), req/s")
	row("h2small", "nethttp", 1.0, "198 B file over HTTP/2, 64 streams, req/s")
	if w := find(res["idle10k"], "wharf"); w != nil && w.Rounds > 0 {
		met := "yes"
		if w.Median > 1000 {
			met = fmt.Sprintf("**no** (%.1fx the target)", w.Median/1000)
		}
		fmt.Fprintf(&b, "| RSS per idle keep-alive connection | <= 1,000 B | %.0f B | %s | |\n", w.Median, met)
	} else {
		b.WriteString("| RSS per idle keep-alive connection | <= 1,000 B | not measured | - | |\n")
	}
	var base, hot *ovlStat
	var hotClose *ovlStat
	for _, o := range ovl {
		if o.Server == "wharf" && o.Rate < 800 && o.Mode == "keepalive" {
			base = o
		}
		if o.Server == "wharf" && o.Rate > 800 && o.Mode == "keepalive" {
			hot = o
		}
		if o.Server == "wharf" && o.Rate > 800 && o.Mode == "close" {
			hotClose = o
		}
	}
	if base != nil && hot != nil && base.OKP99 > 0 {
		r := hot.OKP99 / base.OKP99
		met := "yes"
		if r > 2 {
			met = "**no**"
		}
		fmt.Fprintf(&b, "| 3x overload (keep-alive clients), 10 ms handler: p99 of 200s | <= 2x unloaded p99 | %.1f ms vs %.1f ms unloaded = %.2fx | %s | |\n", hot.OKP99, base.OKP99, r, met)
		met = "yes"
		if hot.RejShare == 0 {
			met = "no 503s were sent"
		} else if hot.RejP99 >= 10 {
			met = "**no**"
		}
		fmt.Fprintf(&b, "| 3x overload: rejections | answered in < 10 ms | 503 p99 %.1f ms (%.0f%% rejected) | %s | |\n", hot.RejP99, 100*hot.RejShare, met)
		if hotClose != nil {
			r := hotClose.OKP99 / base.OKP99
			met := "yes"
			if r > 2 || hotClose.RejP99 >= 10 {
				met = "**no**"
			}
			fmt.Fprintf(&b, "| the same, a new connection per request | p99 <= 2x unloaded; 503 < 10 ms | 200 p99 %.1f ms = %.2fx; 503 p99 %.1f ms | %s | |\n", hotClose.OKP99, r, hotClose.RejP99, met)
		}
	} else {
		b.WriteString("| 3x overload | p99 <= 2x unloaded; 503 < 10 ms | not measured | - | |\n")
	}
	return b.String()
}

// ---------------------------------------------------------------- pool

type poolRow struct {
	Kind, Lib string
	NsOp      float64
	BOp       float64
	AllocsOp  float64
	Runs      int
}

var benchLine = regexp.MustCompile(`^BenchmarkPool/([^/]+)/(\S+?)(-\d+)?\s+\d+\s+([\d.]+) ns/op\s+([\d.]+) B/op\s+([\d.]+) allocs/op`)

func parsePoolBench(s string) []poolRow {
	type key struct{ k, l string }
	vals := map[key][][3]float64{}
	var order []key
	for _, line := range strings.Split(s, "\n") {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		k := key{m[1], m[2]}
		if _, ok := vals[k]; !ok {
			order = append(order, k)
		}
		ns, _ := strconv.ParseFloat(m[4], 64)
		bo, _ := strconv.ParseFloat(m[5], 64)
		al, _ := strconv.ParseFloat(m[6], 64)
		vals[k] = append(vals[k], [3]float64{ns, bo, al})
	}
	var out []poolRow
	for _, k := range order {
		var ns, bo, al []float64
		for _, v := range vals[k] {
			ns, bo, al = append(ns, v[0]), append(bo, v[1]), append(al, v[2])
		}
		out = append(out, poolRow{k.k, k.l, median(ns), median(bo), median(al), len(ns)})
	}
	return out
}

func renderPool(rows []poolRow) string {
	var b strings.Builder
	b.WriteString("### The pool on its own\n\n`bench/poolcmp/bench_test.go`: one op = one job submitted from one goroutine; the benchmark ends with the library's own wait (wharf/pool `Shutdown`, errgroup and conc `Wait`, a `sync.WaitGroup` for ants, which has no wait-for-tasks). *small*: a job is one atomic add, 16 workers; *blocking1ms*: a job sleeps 1 ms, 64 workers (ideal: 15.6 µs/op). wharf/pool has a queue of 4x workers; the others hand jobs straight to a goroutine. Not pinned, GOMAXPROCS = all CPUs. Median of the runs.\n\n")
	b.WriteString("| jobs | library | ns/op | B/op | allocs/op | ÷ wharf-Go ns/op |\n|---|---|---:|---:|---:|---:|\n")
	base := map[string]float64{}
	for _, r := range rows {
		if r.Lib == "wharf-Go" {
			base[r.Kind] = r.NsOp
		}
	}
	for _, r := range rows {
		rel := "-"
		if base[r.Kind] > 0 {
			rel = fmt.Sprintf("%.2fx", r.NsOp/base[r.Kind])
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %.0f | %.0f | %s |\n", r.Kind, r.Lib, fmtVal(r.NsOp, ""), r.BOp, r.AllocsOp, rel)
	}
	b.WriteString("\n")
	return b.String()
}

// ---------------------------------------------------------------- doc

func str(m map[string]any, k string) string {
	if v, ok := m[k]; ok {
		return fmt.Sprint(v)
	}
	return "?"
}

func machineLine(meta map[string]any) string {
	return fmt.Sprintf("Machine: %s CPUs (%s), Linux %s; %s; %s; %s. wharf at commit %s. %s round(s) x %s s per measurement (after %s s of warm-up), run %s.",
		str(meta, "nproc"), str(meta, "cpu"), str(meta, "kernel"), str(meta, "go"), str(meta, "nginx"), str(meta, "wrk"),
		str(meta, "wharf_commit"), str(meta, "rounds"), str(meta, "duration_s"), str(meta, "warmup_s"), str(meta, "date"))
}

func docHead(meta map[string]any) string {
	return "# Benchmarks\n\n" +
		"<!-- Generated by bench/run (bench/cmd/report). Do not edit by hand: edit bench/NOTES.md for the analysis section and rerun. -->\n\n" +
		"wharf against net/http, fasthttp and nginx, measured side by side in one run of `bench/run` (see [bench/README.md](../bench/README.md)). " +
		"Each server runs on CPU 0 with one core's worth of threads (GOMAXPROCS=1; nginx `worker_processes 1`); the load generator runs on CPU 1. " +
		"Servers are interleaved round by round. **Only the ratios mean anything**: absolute numbers on a shared virtual machine are noise, and with one core for the load generator wrk itself can be the limit for the fastest servers (see *server CPU*).\n\n" +
		machineLine(meta) + "\n\n"
}

func docMethod(meta map[string]any) string {
	return fmt.Sprintf(`## Method

- Servers (bench/servers): *wharf* is wharf.Server (Workers %s, default queue 4x workers, MaxConns raised to 20,000 for the idle scenario) with fileserver.NewDir; *nethttp* is net/http with http.FileServer; *fasthttp* is fasthttp v1.78.0 with fasthttp.FS (AcceptByteRange; Compress and CompressBrotli with the suffixes .gz/.br/.zst, so that it serves a NAME.gz sidecar and otherwise keeps its own compressed copies in a directory of their own); wharf runs with fileserver.Config.Compress = &compress.Config{} and Precompressed; *nginx* is Debian's nginx with a generated config (1 worker, access_log off, sendfile on, tcp_nopush, open_file_cache, keepalive_requests 100000000, `+"`location = /plaintext { return 200 \"Hello, World!\"; }`"+`, `+"`location = /static.html { gzip_static on; }`"+`). All serve the same directory and answer /plaintext with "Hello, World!" as text/plain; logs are off. Before timing, bench/run checks that every server returns the exact bytes of each file, and for each scenario with a request header the status (206 for a range), Content-Encoding, Content-Range and the bytes once decoded (and, for gzstatic, that the body is the sidecar as it is).
- Load: wrk (one thread, pinned to CPU 1) for 198 B, 64 KB, 10 MB, plaintext, pipelined (a Lua script that writes 16 requests at once), 1,000 connections and Connection: close; for the issue 8 scenarios the same with one request header (`+"`-H 'Accept-Encoding: gzip'`"+`, `+"`-H 'Range: bytes=...'`"+`), and only the servers that have the feature (net/http has no compression; nginx compresses only per request, with no cache, so it is left out of gzcache). A short warm-up per scenario and server precedes round 1; each round runs every scenario on every server, the server order rotating each round. Before each measurement bench/run waits (up to 20 s) for the two CPUs to be idle, and measures again (up to twice) when other processes used more than 10%% of them meanwhile. wrk's latency percentiles are per request: under closed-loop load a server that serves some connections and starves others shows a low p50 and a p99 of seconds.
- net/http handlers (issue 10): *wharf-nethttp* is the wharf server (same flags as wharf's, without compression) with /plaintext served by net/http's handler through nethttp.Wrap; it runs plaintext and pipeline16 only, against *nethttp*, the same handler on net/http's server. The adapter's allocations per request come from nethttp's TestAllocsPerRequest, run by bench/run.
- TLS and HTTP/2 (issue 10): one self-signed ECDSA P-256 certificate per run (bench/cmd/mkcert, tlsconfig.SelfSigned) for every server, on a second port. wharf: wharf.Server.ServeTLS with TLSConfig nil (crypto/tls's defaults, TLS 1.2 and up) and h2.Configure (x/net/http2, each stream's handler on wharf's workers); net/http: http.Server.ServeTLS (the same defaults, HTTP/2 built in); nginx: `+"`listen ... ssl http2`"+`, TLSv1.2 and TLSv1.3, TLS 1.3 suites in Go's order (`+"`ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256:...`"+`, server preference), Go's TLS 1.2 ECDSA suites, X25519 first, no kTLS (the generated config is below). Before timing, bench/run checks every file over TLS, that curl --http2 gets HTTP/2 and the file, that h2load negotiates h2 and gets 64 answers of 198 bytes, and that every server negotiates the same TLS version, cipher and key exchange with an OpenSSL client (%s). tls198 is wrk over https (HTTP/1.1: wrk offers no ALPN); h2small is h2load (one thread on CPU 1, 4 connections x %s concurrent streams, -D seconds), whose output bench/cmd/h2loadjson turns into wrk's result line (requests = answers with any status, non-2xx/3xx counted as such; h2load gives no latency percentiles, so its mean is shown). fasthttp has no TLS in this harness and is left out of both. Caddy is not part of the run.
- RSS per idle connection (bench/cmd/idleconns): a fresh server per round; VmRSS of the serving process (nginx: its worker) before, then %s connections each send one request and read the whole answer, then idle 2 s; VmRSS again; the client checks each connection is still open.
- Overload (bench/cmd/openloop): 1 s of warm-up, then the measured seconds; 100 req/s (unloaded) and 2,400 req/s (3x capacity) with keep-alive clients, 2,400 req/s with a new connection per request. See the overload table.
- Server CPU: utime+stime of the serving process from /proc/PID/stat before and after each measurement.
- Rerun: `+"`bench/run`"+` (about 17 minutes), `+"`bench/run --quick`"+` (1 round x 3 s), `+"`BENCH_ROUNDS=5 BENCH_DURATION=10 bench/run`"+` for a longer run, `+"`bench/run --profile plaintext`"+` for a CPU profile of wharf on one scenario.

`, str(meta, "wharf_workers"), str(meta, "tls"), str(meta, "h2_streams"), str(meta, "idle_conns"))
}

// ---------------------------------------------------------------- SVG

func renderSVG(res map[string][]*stat, ovl []*ovlStat, meta map[string]any) string {
	type panel struct {
		title, unit string
		bars        []bar
		log         bool // bar length on a log scale (values >= 1)
	}
	var panels []panel
	for _, sc := range scenarios {
		sts := res[sc.Key]
		if len(sts) == 0 {
			continue
		}
		p := panel{title: sc.Title, unit: sc.Unit}
		if !sc.HigherBetter {
			p.unit += ", lower is better"
		}
		for _, st := range sts {
			p.bars = append(p.bars, bar{st.Server, st.Median, st.Min, st.Max, st.Crashed > 0})
		}
		panels = append(panels, p)
	}
	hot := panel{title: "3x overload (keep-alive): p99 of 200s", unit: "ms, lower is better, log scale", log: true}
	for _, o := range ovl {
		if o.Rate > 800 && o.Mode == "keepalive" {
			hot.bars = append(hot.bars, bar{o.Server, o.OKP99, o.OKP99Min, o.OKP99Max, o.Crashed > 0})
		}
	}
	if len(hot.bars) > 0 {
		panels = append(panels, hot)
	}

	const cols, pw, ph, pad = 3, 330, 150, 16
	rows := (len(panels) + cols - 1) / cols
	w := cols*pw + (cols+1)*pad
	h := 70 + rows*(ph+pad) + 30
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="16" font-weight="bold">wharf vs net/http, fasthttp, nginx (server on 1 core; median, whiskers min-max)</text>`+"\n", pad)
	fmt.Fprintf(&b, `<text x="%d" y="42" fill="#555">%s</text>`+"\n", pad, esc(fmt.Sprintf("%s CPUs, %s; %s; %s; %s x %s s", str(meta, "nproc"), str(meta, "cpu"), str(meta, "go"), str(meta, "nginx"), str(meta, "rounds"), str(meta, "duration_s"))))
	lx := pad
	for _, s := range serverOrder {
		fmt.Fprintf(&b, `<rect x="%d" y="50" width="10" height="10" fill="%s"/><text x="%d" y="59">%s</text>`+"\n", lx, colors[s], lx+14, s)
		lx += 20 + 7*len(s) + 10
	}
	for i, p := range panels {
		x0 := pad + (i%cols)*(pw+pad)
		y0 := 70 + (i/cols)*(ph+pad)
		fmt.Fprintf(&b, `<g transform="translate(%d,%d)">`+"\n", x0, y0)
		fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fafafa" stroke="#ddd"/>`+"\n", pw, ph)
		fmt.Fprintf(&b, `<text x="8" y="16" font-weight="bold">%s</text><text x="8" y="30" fill="#666">%s</text>`+"\n", esc(p.title), esc(p.unit))
		maxv := 0.0
		for _, br := range p.bars {
			maxv = math.Max(maxv, math.Max(br.max, br.med))
		}
		if maxv <= 0 {
			maxv = 1
		}
		const bx, bh = 100, 18
		barW := float64(pw - bx - 70)
		scale := func(v float64) float64 { return v / maxv * barW }
		if p.log {
			scale = func(v float64) float64 {
				if v <= 1 || maxv <= 1 {
					return 1
				}
				return math.Log10(v) / math.Log10(maxv) * barW
			}
		}
		for j, br := range p.bars {
			y := 40 + j*(bh+6)
			fmt.Fprintf(&b, `<text x="8" y="%d">%s</text>`+"\n", y+13, esc(br.name))
			if br.crashed && br.med == 0 {
				fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#c00">crashed</text>`+"\n", bx, y+13)
				continue
			}
			wv := scale(br.med)
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", bx, y, wv, bh, colors[br.name])
			x1, x2 := float64(bx)+scale(br.min), float64(bx)+scale(br.max)
			cy := float64(y) + bh/2
			fmt.Fprintf(&b, `<path d="M%.1f %.1fH%.1fM%.1f %.1fv8M%.1f %.1fv8" stroke="black" stroke-width="1"/>`+"\n", x1, cy, x2, x1, cy-4, x2, cy-4)
			fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", float64(bx)+math.Max(wv, scale(br.max))+4, y+13, esc(short(br.med)))
		}
		b.WriteString("</g>\n")
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#555">Generated by bench/run. Only ratios within one run are meaningful.</text>`+"\n", pad, h-10)
	b.WriteString("</svg>\n")
	return b.String()
}

type bar struct {
	name          string
	med, min, max float64
	crashed       bool
}

func short(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	case v >= 10:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func esc(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	return r.Replace(s)
}
