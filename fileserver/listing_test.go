package fileserver

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/compress"
	"github.com/wharfhttp/wharf/wharftest"
)

// xssName is a file name that is an HTML injection if a listing
// copies it into its page unescaped.
const xssName = "<img src=x onerror=alert(1)>.txt"

func listingFS() fstest.MapFS {
	file := func(n int, mtime time.Time) *fstest.MapFile {
		return &fstest.MapFile{Data: bytes.Repeat([]byte("x"), n), ModTime: mtime}
	}
	return fstest.MapFS{
		"b.txt":              file(1500, t0.Add(3*time.Hour)),
		"a2.txt":             file(20, t0.Add(2*time.Hour)),
		"a10.txt":            file(3, t0.Add(4*time.Hour)),
		"a:b.txt":            file(7, t0),
		"100%.txt":           file(100, t0.Add(time.Hour)),
		"sp ace.txt":         file(1, t0),
		xssName:              file(5, t0),
		"Zdir/x":             file(1, t0),
		"dir/y":              file(1, t0),
		"dir/sub/z.txt":      file(1, t0),
		".hidden":            file(1, t0),
		".hiddendir/z":       file(1, t0),
		"fifo":               {Mode: fs.ModeNamedPipe},
		"back\\slash.txt":    file(1, t0),
		"ctl\x01.txt":        file(1, t0),
		"empty":              {Mode: fs.ModeDir | 0o755, ModTime: t0},
		"notime.txt":         {Data: []byte("nt")},
		"deep/a/b/c/d.txt":   file(1, t0),
		"deep/a/b/c/e.txt":   file(2, t0),
		"deep/a/b/index.txt": file(1, t0),
	}
}

// listingNames is the listing of listingFS's root in name order.
var listingNames = []string{
	"deep/", "dir/", "empty/", "Zdir/",
	"100%.txt", xssName, "a2.txt", "a10.txt", "a:b.txt", "b.txt", "notime.txt", "sp ace.txt",
}

// lsServe calls serveListing for the directory target names, as
// ServeHTTP would once it has found no index.html, with the header
// fields kv (name, value, ...).
func lsServe(t *testing.T, h *Handler, method, target string, kv ...string) *wharftest.Recorder {
	t.Helper()
	r := wharftest.NewRequest(method, target)
	for i := 0; i+1 < len(kv); i += 2 {
		r.Header.Add(kv[i], kv[i+1])
	}
	tg, status := resolvePath(r.Path, h.allowDot)
	if status != 0 || !tg.dir {
		t.Fatalf("resolvePath(%q) = %+v, %d; want a directory", r.Path, tg, status)
	}
	rec := wharftest.NewRecorder()
	h.serveListing(rec, r, tg)
	return rec
}

// lsHTML serves target's listing page and checks the headers every
// listing page carries.
func lsHTML(t *testing.T, h *Handler, target string) string {
	t.Helper()
	code, hdr, body := lsServe(t, h, "GET", target).Result()
	if code != 200 {
		t.Fatalf("GET %s: %d %.200q", target, code, body)
	}
	for name, v := range map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Content-Length":          strconv.Itoa(len(body)),
		"X-Content-Type-Options":  "nosniff",
		"Cache-Control":           "no-cache",
		"Vary":                    "Accept",
		"Content-Security-Policy": listingCSP,
	} {
		if got := hdr.Get(name); got != v {
			t.Errorf("GET %s: %s: %q; want %q", target, name, got, v)
		}
	}
	return string(body)
}

// A listedRow is an entry as a listing page shows it.
type listedRow struct{ href, name, size, time string }

var rowRE = regexp.MustCompile(`<tr data-d="[01]" data-n="\d+" data-s="-?\d+" data-t="-?\d+"><td class="name"><a href="([^"]*)">` +
	`<svg[^>]*><use href="#i-[a-z]+"/></svg><span class="n">(.*?)(?:<span class="slash">/</span>)?</span></a></td>` +
	`<td class="size[^"]*"[^>]*>(.*?)</td><td class="time">(.*?)</td></tr>`)

// lsRows returns the rows of a listing page, with the href and name
// HTML-unescaped, and checks that nothing else in the page looks like
// a row.
func lsRows(t *testing.T, page string) []listedRow {
	t.Helper()
	var rows []listedRow
	for _, m := range rowRE.FindAllStringSubmatch(page, -1) {
		name := html.UnescapeString(m[2])
		if strings.HasSuffix(m[1], "/") {
			name += "/"
		}
		rows = append(rows, listedRow{html.UnescapeString(m[1]), name, m[3], m[4]})
	}
	if n := strings.Count(page, "<tr data-d="); n != len(rows) {
		t.Fatalf("%d rows, %d parsed:\n%s", n, len(rows), page)
	}
	return rows
}

func lsNames(rows []listedRow) []string {
	var names []string
	for _, r := range rows {
		names = append(names, r.name)
	}
	return names
}

func TestListingHTML(t *testing.T) {
	h := New(listingFS(), Config{})
	page := lsHTML(t, h, "/")
	rows := lsRows(t, page)
	if got := lsNames(rows); !slices.Equal(got, listingNames) {
		t.Errorf("names:\n%q\nwant\n%q", got, listingNames)
	}
	want := map[string]listedRow{
		"dir/":     {href: "./dir/", size: `<span class="none" aria-label="folder">—</span>`},
		"b.txt":    {href: "./b.txt", size: "1.5 KiB", time: `<time datetime="2024-05-06T10:08:09Z">2024-05-06<span class="hm"> 10:08</span></time>`},
		"100%.txt": {href: "./100%25.txt", size: "100 B"},
		"a:b.txt":  {href: "./a:b.txt"},
		xssName:    {href: "./%3Cimg%20src=x%20onerror=alert%281%29%3E.txt"},
		"notime.txt": {href: "./notime.txt", size: "2 B",
			time: `<span class="none">—</span>`},
	}
	for _, r := range rows {
		w, ok := want[r.name]
		if !ok {
			continue
		}
		if r.href != w.href || w.size != "" && r.size != w.size || w.time != "" && r.time != w.time {
			t.Errorf("row %q: %+v; want %+v", r.name, r, w)
		}
	}
	for _, s := range []string{
		"<title>Index of /</title>",
		`<p class="summary">4 folders · 8 files · 1.6 KiB</p>`,
		`title="1,500 bytes"`,
		`<th class="name" data-key="name" aria-sort="ascending"><a href="?sort=name&amp;order=desc">`,
		`<th class="size" data-key="size"><a href="?sort=size&amp;order=desc">`,
	} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	for _, s := range []string{"Parent folder", "only 10,000"} {
		if strings.Contains(page, s) {
			t.Errorf("root page has %q", s)
		}
	}
}

// The XSS name is text in the page, never markup, and its link leads
// to the file.
func TestListingEscapesNames(t *testing.T) {
	h := New(listingFS(), Config{})
	page := lsHTML(t, h, "/")
	if strings.Contains(page, "<img") || strings.Contains(strings.ToLower(page), "onerror=alert(1)>") {
		t.Fatalf("page holds the name unescaped:\n%s", page)
	}
	if !strings.Contains(page, `<span class="n">&lt;img src=x onerror=alert(1)&gt;.txt</span>`) {
		t.Errorf("page lacks the escaped name:\n%s", page)
	}
	if !strings.Contains(page, "<title>Index of /</title>") {
		t.Error("title")
	}
	base, _ := url.Parse("http://example.com/")
	for _, r := range lsRows(t, page) {
		u, err := base.Parse(r.href)
		if err != nil || u.Host != "example.com" || u.RawQuery != "" || u.Fragment != "" {
			t.Errorf("%q: href %q resolves to %v, %v", r.name, r.href, u, err)
			continue
		}
		// The link, followed, names the file: ServeHTTP serves it
		// (files) or redirects nowhere else (directories: no index).
		rec := serveReq(h, wharftest.NewRequest("GET", u.EscapedPath()))
		code, _, body := rec.Result()
		if strings.HasSuffix(r.name, "/") {
			if code != 404 { // no index.html, no Browse wiring here
				t.Errorf("%q: GET %s: %d", r.name, u.EscapedPath(), code)
			}
			continue
		}
		if want := listingFS()[r.name].Data; code != 200 || !bytes.Equal(body, want) {
			t.Errorf("%q: GET %s: %d %q", r.name, u.EscapedPath(), code, body)
		}
	}
}

// The page loads nothing from elsewhere, and its only style and script
// are the inline ones whose hashes the policy allows.
func TestListingCSP(t *testing.T) {
	page := lsHTML(t, New(listingFS(), Config{}), "/dir/")
	hash := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	for _, el := range []struct{ tag, directive string }{{"style", "style-src"}, {"script", "script-src"}} {
		re := regexp.MustCompile(`(?s)<` + el.tag + `\b[^>]*>(.*?)</` + el.tag + `>`)
		m := re.FindAllStringSubmatch(page, -1)
		if len(m) != 1 {
			t.Fatalf("%d <%s> elements; want 1", len(m), el.tag)
		}
		if want := el.directive + " " + hash(m[0][1]) + ";"; !strings.Contains(listingCSP, want) {
			t.Errorf("CSP %q lacks %q", listingCSP, want)
		}
	}
	for _, bad := range []string{"http:", "https:", "//", " style=", "javascript:", "@import", "url("} {
		if i := strings.Index(page, bad); i >= 0 {
			t.Errorf("page holds %q: %q", bad, page[max(0, i-40):min(len(page), i+40)])
		}
	}
	if m := regexp.MustCompile(`(?i)\son[a-z]+=`).FindString(page); m != "" {
		t.Errorf("page has an inline event handler %q", m)
	}
	if !strings.HasPrefix(listingCSP, "default-src 'none'; ") {
		t.Errorf("CSP %q", listingCSP)
	}
}

func TestListingBreadcrumbs(t *testing.T) {
	h := New(listingFS(), Config{})
	page := lsHTML(t, h, "/deep/a/b/")
	for _, s := range []string{
		"<title>Index of /deep/a/b/</title>",
		`<li><a href="../../../"><svg class="home" aria-hidden="true"><use href="#i-home"/></svg><span class="sr">Root</span></a></li>` +
			`<li><a href="../../">deep</a></li><li><a href="../">a</a></li><li><a href="./" aria-current="page">b</a></li></ol>`,
		`<a href="../"><svg class="icon up"`,
	} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	if got, want := lsNames(lsRows(t, page)), []string{"c/", "index.txt"}; !slices.Equal(got, want) {
		t.Errorf("names %q; want %q", got, want)
	}
	root := lsHTML(t, h, "/")
	if !strings.Contains(root, `<li><a href="./" aria-current="page"><svg class="home"`) {
		t.Errorf("root crumb missing")
	}
	// A name with a percent-escape in the path: crumbs show it decoded.
	h2 := New(fstest.MapFS{"a b/<i>/f": {Data: []byte("f")}}, Config{})
	page = lsHTML(t, h2, "/a%20b/%3Ci%3E/")
	for _, s := range []string{
		"<title>Index of /a b/&lt;i&gt;/</title>",
		`<li><a href="../">a b</a></li><li><a href="./" aria-current="page">&lt;i&gt;</a></li>`,
	} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

func TestListingEmpty(t *testing.T) {
	page := lsHTML(t, New(listingFS(), Config{}), "/empty/")
	if len(lsRows(t, page)) != 0 || !strings.Contains(page, "This folder is empty.") ||
		!strings.Contains(page, `<p class="summary">Empty folder</p>`) {
		t.Errorf("empty listing:\n%s", page)
	}
}

func TestListingDotfiles(t *testing.T) {
	h := New(listingFS(), Config{AllowDotfiles: true})
	names := lsNames(lsRows(t, lsHTML(t, h, "/")))
	for _, n := range []string{".hidden", ".hiddendir/"} {
		if !slices.Contains(names, n) {
			t.Errorf("AllowDotfiles: %q not listed: %q", n, names)
		}
	}
	if len(names) != len(listingNames)+2 {
		t.Errorf("AllowDotfiles: %q", names)
	}
}

func TestListingSort(t *testing.T) {
	h := New(listingFS(), Config{})
	dirs := []string{"deep/", "dir/", "empty/", "Zdir/"}
	rdirs := []string{"Zdir/", "empty/", "dir/", "deep/"}
	for _, tc := range []struct {
		query string
		want  []string
		aria  string // the column sorted, and how
	}{
		{"", listingNames, `data-key="name" aria-sort="ascending"`},
		{"sort=name&order=desc", append(slices.Clone(rdirs),
			"sp ace.txt", "notime.txt", "b.txt", "a:b.txt", "a10.txt", "a2.txt", xssName, "100%.txt"),
			`data-key="name" aria-sort="descending"`},
		{"sort=size&order=desc", append(slices.Clone(dirs),
			"b.txt", "100%.txt", "a2.txt", "a:b.txt", xssName, "a10.txt", "notime.txt", "sp ace.txt"),
			`data-key="size" aria-sort="descending"`},
		{"sort=size", append(slices.Clone(dirs),
			"sp ace.txt", "notime.txt", "a10.txt", xssName, "a:b.txt", "a2.txt", "100%.txt", "b.txt"),
			`data-key="size" aria-sort="ascending"`},
		// notime.txt (and the synthesized deep, dir and Zdir) have no time:
		// they sort as the oldest.
		{"sort=time&order=asc", append([]string{"deep/", "dir/", "Zdir/", "empty/"},
			"notime.txt", xssName, "a:b.txt", "sp ace.txt", "100%.txt", "a2.txt", "b.txt", "a10.txt"),
			`data-key="time" aria-sort="ascending"`},
		{"order=desc&sort=time&x=1", append([]string{"empty/", "deep/", "dir/", "Zdir/"},
			"a10.txt", "b.txt", "a2.txt", "100%.txt", xssName, "a:b.txt", "sp ace.txt", "notime.txt"),
			`data-key="time" aria-sort="descending"`},
		// Unknown or malformed values are ignored.
		{"sort=evil&order=sideways", listingNames, `data-key="name" aria-sort="ascending"`},
		{"sort=<script>&order=%zz", listingNames, `data-key="name" aria-sort="ascending"`},
		{"sort=SIZE", listingNames, `data-key="name" aria-sort="ascending"`},
	} {
		page := lsHTML(t, h, "/?"+tc.query)
		if got := lsNames(lsRows(t, page)); !slices.Equal(got, tc.want) {
			t.Errorf("?%s:\n%q\nwant\n%q", tc.query, got, tc.want)
		}
		if !strings.Contains(page, tc.aria) || strings.Count(page, `aria-sort="`) != 1 {
			t.Errorf("?%s: page lacks %s", tc.query, tc.aria)
		}
		if strings.Contains(page, "evil") || strings.Contains(page, "&lt;script") {
			t.Errorf("?%s: the query is in the page", tc.query)
		}
	}
}

func TestListingJSON(t *testing.T) {
	h := New(listingFS(), Config{})
	code, hdr, body := lsServe(t, h, "GET", "/?sort=size&order=desc", "Accept", "application/json").Result()
	if code != 200 || hdr.Get("Content-Type") != "application/json" ||
		hdr.Get("Content-Length") != strconv.Itoa(len(body)) || hdr.Get("Vary") != "Accept" ||
		hdr.Get("Cache-Control") != "no-cache" || hdr.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("%d %q %q", code, hdr, body)
	}
	var got []struct {
		Name    string  `json:"name"`
		Size    int64   `json:"size"`
		ModTime *string `json:"mod_time"`
		IsDir   bool    `json:"is_dir"`
		URL     string  `json:"url"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	var names []string
	for _, e := range got {
		names = append(names, e.Name)
		if e.IsDir {
			names[len(names)-1] += "/"
		}
	}
	want := []string{"deep/", "dir/", "empty/", "Zdir/",
		"b.txt", "100%.txt", "a2.txt", "a:b.txt", xssName, "a10.txt", "notime.txt", "sp ace.txt"}
	if !slices.Equal(names, want) {
		t.Errorf("names %q; want %q", names, want)
	}
	fsys := listingFS()
	for _, e := range got {
		f := fsys[e.Name]
		wantURL := "./" + escapePath(e.Name)
		if e.IsDir {
			wantURL += "/"
			if e.Size != 0 {
				t.Errorf("%q: size %d", e.Name, e.Size)
			}
		} else if e.Size != int64(len(f.Data)) {
			t.Errorf("%q: size %d; want %d", e.Name, e.Size, len(f.Data))
		}
		if e.URL != wantURL {
			t.Errorf("%q: url %q; want %q", e.Name, e.URL, wantURL)
		}
		switch {
		case e.Name == "notime.txt" || e.Name == "deep" || e.Name == "dir" || e.Name == "Zdir":
			// MapFS gives synthesized directories no time.
			if e.ModTime != nil {
				t.Errorf("%q: mod_time %q; want none", e.Name, *e.ModTime)
			}
		case e.ModTime == nil:
			t.Errorf("%q: no mod_time", e.Name)
		default:
			mt, err := time.Parse(time.RFC3339, *e.ModTime)
			if err != nil || !mt.Equal(f.ModTime.Truncate(time.Second)) || !strings.HasSuffix(*e.ModTime, "Z") {
				t.Errorf("%q: mod_time %q (%v); want %v", e.Name, *e.ModTime, err, f.ModTime)
			}
		}
	}
	if !bytes.Contains(body, []byte(`"\u003cimg src=x onerror=alert(1)\u003e.txt"`)) {
		t.Errorf("JSON does not escape <: %s", body)
	}
}

func TestPrefersJSON(t *testing.T) {
	const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
	for _, tc := range []struct {
		accept []string
		want   bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"*/*"}, false},
		{[]string{browser}, false},
		{[]string{"application/json"}, true},
		{[]string{"Application/JSON; charset=utf-8"}, true},
		{[]string{"application/*"}, true},
		{[]string{"application/json, text/plain"}, true},
		{[]string{"application/json, */*;q=0.5"}, true},
		{[]string{"application/json, */*"}, true},              // more specific
		{[]string{"application/json, text/html"}, false},       // a tie: HTML
		{[]string{"application/json;q=0.9, text/html"}, false}, // HTML preferred
		{[]string{"text/html;q=0.5, application/json"}, true},
		{[]string{"text/html;q=0.5", "application/json"}, true}, // two fields
		{[]string{"application/json;q=0"}, false},
		{[]string{"application/json;q=0, */*"}, false},
		{[]string{"*/*, application/json;q=0"}, false}, // the most specific range decides
		{[]string{"application/json;q=2"}, false},      // invalid q: range ignored
		{[]string{"application/json;q=0.1234"}, false},
		{[]string{"application/json;q=1.000"}, true},
		{[]string{"application/json; q=0.001"}, true},
		{[]string{"application/json;q=x"}, false},
		{[]string{"application/jsonx"}, false},
		{[]string{"json"}, false},
	} {
		var h wharf.Header
		for _, v := range tc.accept {
			h.Add("Accept", v)
		}
		if got := prefersJSON(h); got != tc.want {
			t.Errorf("Accept %q: JSON %v; want %v", tc.accept, got, tc.want)
		}
	}
}

func TestListingHEAD(t *testing.T) {
	h := New(listingFS(), Config{})
	for _, accept := range []string{"text/html", "application/json"} {
		getCode, getHdr, getBody := lsServe(t, h, "GET", "/dir/", "Accept", accept).Result()
		code, hdr, body := lsServe(t, h, "HEAD", "/dir/", "Accept", accept).Result()
		if code != 200 || getCode != 200 || len(body) != 0 || len(getBody) == 0 ||
			fmt.Sprint(hdr) != fmt.Sprint(getHdr) {
			t.Errorf("Accept %s: HEAD %d %q %q; GET %d %q", accept, code, hdr, body, getCode, getHdr)
		}
	}
}

// A directory too large to list whole is cut at listLimit entries,
// and the page says so; hidden entries do not count. (The page is
// rendered once: 10,000 rows take a second under the race detector.)
func TestListingLimit(t *testing.T) {
	fsys := fstest.MapFS{}
	for i := range listLimit {
		fsys[fmt.Sprintf("f%05d", i)] = &fstest.MapFile{Data: []byte("x"), ModTime: t0}
		if i < 10 {
			fsys[fmt.Sprintf(".h%d", i)] = &fstest.MapFile{}
		}
	}
	h := New(fsys, Config{})
	es, cut, err := h.readListing(".")
	if len(es) != listLimit || cut || err != nil {
		t.Errorf("%d entries: readListing: %d entries, cut %v, %v", listLimit, len(es), cut, err)
	}
	fsys["zzz"] = &fstest.MapFile{Data: []byte("x")}
	es, cut, err = h.readListing(".")
	if len(es) != listLimit || !cut || err != nil {
		t.Errorf("%d entries: readListing: %d entries, cut %v, %v", listLimit+1, len(es), cut, err)
	}
	page := lsHTML(t, h, "/")
	// Rows are counted, not parsed: the regexp would take seconds.
	if n := strings.Count(page, "<tr data-d="); n != listLimit || !strings.Contains(page, "only 10,000 are shown") {
		t.Errorf("%d entries: %d rows; page cut: %v", listLimit+1, n, strings.Contains(page, "only 10,000"))
	}
	_, _, body := lsServe(t, h, "GET", "/", "Accept", "application/json").Result()
	var got []map[string]any
	if err := json.Unmarshal(body, &got); err != nil || len(got) != listLimit {
		t.Errorf("JSON: %d entries, %v", len(got), err)
	}
}

// A directory served through an os.Root lists what a request could
// reach: symlinks inside the root are followed, those that dangle or
// leave the root are left out, and so are FIFOs.
func TestListingNewDir(t *testing.T) {
	dir := t.TempDir()
	site := filepath.Join(dir, "site")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(site, "sub"), 0o755))
	must(os.MkdirAll(filepath.Join(dir, "outside"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("secret"), 0o644))
	must(os.WriteFile(filepath.Join(site, "hello.txt"), []byte("hello"), 0o644))
	must(os.WriteFile(filepath.Join(site, xssName), []byte("xss"), 0o644))
	must(os.WriteFile(filepath.Join(site, ".env"), []byte("SECRET=1"), 0o644))
	mtime := time.Date(2026, 11, 30, 17, 5, 42, 0, time.UTC)
	must(os.Chtimes(filepath.Join(site, "hello.txt"), mtime, mtime))
	for name, target := range map[string]string{
		"link-in":     "hello.txt",
		"dirlink-in":  "sub",
		"link-out":    "../secret.txt",
		"link-abs":    filepath.Join(dir, "secret.txt"),
		"dirlink-out": "../outside",
		"dangling":    "nowhere",
		"loop":        "loop",
	} {
		if err := os.Symlink(target, filepath.Join(site, name)); err != nil {
			t.Skipf("symlinks not supported: %v", err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(site, "fifo"), 0o644); err != nil {
		t.Logf("no FIFO: %v", err)
	}
	h, err := NewDir(site, Config{})
	must(err)
	defer h.Close()

	page := lsHTML(t, h, "/")
	rows := lsRows(t, page)
	want := []string{"dirlink-in/", "sub/", xssName, "hello.txt", "link-in"}
	if got := lsNames(rows); !slices.Equal(got, want) {
		t.Errorf("names %q; want %q", got, want)
	}
	for _, r := range rows {
		if r.name == "hello.txt" &&
			r.time != `<time datetime="2026-11-30T17:05:42Z">2026-11-30<span class="hm"> 17:05</span></time>` {
			t.Errorf("hello.txt time %q", r.time)
		}
	}
	if strings.Contains(page, "<img") || strings.Contains(page, "secret") {
		t.Errorf("page:\n%s", page)
	}

	// Close: the directory can no longer be read: 500.
	h.Close()
	code, _, body := lsServe(t, h, "GET", "/").Result()
	if code != 500 || string(body) != internalErrorBody {
		t.Errorf("after Close: %d %q", code, body)
	}
}

// What the listing says about sizes and names.
func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 B", 1: "1 B", 1023: "1023 B", 1024: "1.0 KiB", 1234: "1.2 KiB",
		99 << 10: "99.0 KiB", 100 << 10: "100 KiB", 1<<20 - 1: "1.0 MiB",
		3565158: "3.4 MiB", 5 << 30: "5.0 GiB", 1 << 62: "4.0 EiB",
	} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q; want %q", n, got, want)
		}
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q; want %q", n, got, want)
		}
	}
}

func TestCompareNames(t *testing.T) {
	sorted := []string{"", "01", "1", "2", "10", "A", "a", "a01", "a1", "a2", "a10", "a10b", "ab", "B", "b", "é", "ü"}
	for i, a := range sorted {
		for j, b := range sorted {
			if got, want := compareNames(a, b), cmp.Compare(i, j); got != want {
				t.Errorf("compareNames(%q, %q) = %d; want %d", a, b, got, want)
			}
		}
	}
}

// Through ServeHTTP: with Config.Browse, a directory without an
// index.html is listed; without it, it is a 404 as before.
func TestListingServeHTTP(t *testing.T) {
	fsys := listingFS()
	fsys["withindex/index.html"] = &fstest.MapFile{Data: []byte("<h1>index</h1>"), ModTime: t0}
	h := New(fsys, Config{Browse: true})
	for _, tc := range []struct {
		method, target, accept string
		code                   int
		ctype, has             string
	}{
		{"GET", "/", "", 200, "text/html; charset=utf-8", `<span class="n">withindex<span class="slash">/</span></span>`},
		{"GET", "/dir/", "", 200, "text/html; charset=utf-8", "<title>Index of /dir/</title>"},
		{"GET", "/dir/?sort=time&order=desc", "", 200, "text/html; charset=utf-8", `data-key="time" aria-sort="descending"`},
		{"GET", "/deep/a/b/", "application/json", 200, "application/json", `"url":"./c/"`},
		{"HEAD", "/dir/", "", 200, "text/html; charset=utf-8", ""},
		{"GET", "/withindex/", "", 200, "text/html; charset=utf-8", "<h1>index</h1>"},
		{"GET", "/dir", "", 301, "", ""},
		{"GET", "/.hiddendir/", "", 404, "text/html; charset=utf-8", "404 Not Found"},
		{"GET", "/nowhere/", "", 404, "text/html; charset=utf-8", "404 Not Found"},
		{"GET", "/b.txt/", "", 404, "text/html; charset=utf-8", "404 Not Found"},
		{"POST", "/dir/", "", 405, "text/plain; charset=utf-8", ""},
	} {
		r := wharftest.NewRequest(tc.method, tc.target)
		if tc.accept != "" {
			r.Header.Add("Accept", tc.accept)
		}
		code, hdr, body := serveReq(h, r).Result()
		if code != tc.code || hdr.Get("Content-Type") != tc.ctype || !strings.Contains(string(body), tc.has) {
			t.Errorf("%s %s: %d %q %.300q; want %d %q with %q",
				tc.method, tc.target, code, hdr.Get("Content-Type"), body, tc.code, tc.ctype, tc.has)
		}
		if tc.method == "HEAD" && (len(body) != 0 || hdr.Get("Content-Length") == "0") {
			t.Errorf("HEAD %s: %q, Content-Length %q", tc.target, body, hdr.Get("Content-Length"))
		}
	}
	code, _, _ := serveReq(New(fsys, Config{}), wharftest.NewRequest("GET", "/dir/")).Result()
	if code != 404 {
		t.Errorf("without Browse: GET /dir/: %d; want 404", code)
	}
}

// TestListingCompressed: with Compress, a listing is compressed for
// clients that accept it, and says it varies on both fields.
func TestListingCompressed(t *testing.T) {
	fsys := fstest.MapFS{}
	for i := range 50 {
		fsys[fmt.Sprintf("dir/file-%03d.txt", i)] = &fstest.MapFile{Data: []byte("x"), ModTime: t0}
	}
	h := New(fsys, Config{Browse: true, Compress: &compress.Config{}})
	code, got, body := serve(h, request{"GET", "/dir/", hdr("Accept-Encoding", "gzip")}).Result()
	if code != 200 || got.Get("Content-Encoding") != "gzip" || got.Values("Vary")[1] != "Accept-Encoding" {
		t.Fatalf("%d %v", code, got)
	}
	if page := decode(t, "gzip", body); !strings.Contains(page, "file-049.txt") {
		t.Errorf("decoded listing lacks the last file")
	}
	if _, got, _ := serve(h, request{"GET", "/dir/", nil}).Result(); got.Has("Content-Encoding") {
		t.Errorf("compressed without Accept-Encoding")
	}
}

// TestListingUnderPrefix serves a listing behind wharf.StripPrefix:
// the title shows the path the client asked for, and the links stay
// relative, so they resolve below the prefix.
func TestListingUnderPrefix(t *testing.T) {
	h := New(listingFS(), Config{Browse: true})
	var page string
	strip := wharf.StripPrefix("/static/", wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
		rec := wharftest.NewRecorder()
		h.ServeHTTP(rec, r)
		_, _, body := rec.Result()
		page = string(body)
	}))
	for target, title := range map[string]string{
		"/static/deep/a/b/":                   "/static/deep/a/b/",
		"/static/deep/a/b/?sort=size":         "/static/deep/a/b/",
		"http://example.com/static/deep/a/b/": "/static/deep/a/b/",
		"/st%61tic/deep/a/b/":                 "/static/deep/a/b/",
	} {
		strip.ServeHTTP(wharftest.NewRecorder(), wharftest.NewRequest("GET", target))
		for _, s := range []string{
			"<title>Index of " + title + "</title>",
			`<li><a href="../../../"><svg class="home"`,
			`<a href="../"><svg class="icon up"`,
		} {
			if !strings.Contains(page, s) {
				t.Errorf("GET %s: page lacks %q", target, s)
			}
		}
	}
	// A Target that does not end in the path (a router rewrote it):
	// the title falls back to the handler's own path.
	r := wharftest.NewRequest("GET", "/elsewhere/")
	r.Path = "/deep/a/b/"
	code, _, body := lsServeReq(h, r)
	if code != 200 || !strings.Contains(string(body), "<title>Index of /deep/a/b/</title>") {
		t.Errorf("rewritten Path: %d, title not /deep/a/b/", code)
	}
}

func lsServeReq(h *Handler, r *wharf.Request) (int, wharf.Header, []byte) {
	rec := wharftest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Result()
}
