package fileserver

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"strings"
	"time"
)

// The listing page is one self-contained HTML document: its style and
// script are inline, and no other resource is loaded (the icons are
// inline SVG symbols, the favicon an empty data: URL), so it works
// offline, leaks no request to a third party, and can be locked down
// with a strict Content-Security-Policy. The style and script are
// constants inserted whole (as template.CSS and template.JS, which
// html/template copies verbatim), so their sha256 hashes, computed
// once here, are what the browser hashes: they are the only style and
// script the policy allows. Every name is inserted by html/template,
// which escapes it for its context (text, or an href already
// percent-encoded by escapePath).

// listingCSP is the Content-Security-Policy of listing pages.
var listingCSP = "default-src 'none'; style-src " + cspHash(listingCSS) +
	"; script-src " + cspHash(listingJS) +
	"; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// cspHash returns the CSP source expression ('sha256-...') that
// allows an inline element whose content is s (CSP 3, hash-source).
func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// listingPage is the data of listingTemplate.
type listingPage struct {
	Path      string // the decoded path the client asked for, for the title (see shownPath)
	Crumbs    []listCrumb
	Parent    bool // link to "../" (every directory but the root)
	Cols      []listColumn
	Rows      []listRow
	Summary   string // "2 folders · 3 files · 1.2 MiB"
	Truncated bool
	Limit     string // listLimit, formatted
	CSS       template.CSS
	JS        template.JS
}

// A listCrumb is one link of the breadcrumb trail. Hrefs are relative
// ("../../", "./"), so the page works wherever the handler is mounted.
type listCrumb struct {
	Name    string
	Href    string
	Root    bool // shown as the home icon
	Current bool // the listed directory itself
}

// A listColumn is a sortable column head: its link asks the server for
// the order that clicking it means, so sorting works without script.
type listColumn struct {
	Key      string // name, size or time
	Label    string
	Note     string // "(UTC)": shown where there is room
	Href     string // "?sort=KEY&order=ORDER"
	AriaSort string // "ascending", "descending" or "" (not sorted by it)
}

// A listRow is one entry as the page shows it.
type listRow struct {
	Name     string
	Href     string
	Dir      bool
	Icon     string // symbol id suffix: dir, file, img, code, arc, media
	Rank     int    // data-n: position in name order
	SortSize int64  // data-s
	SortTime int64  // data-t
	Size     string // "1.2 KiB"; "" for a directory
	Bytes    string // "1,234", for the size's tooltip
	ISO      string // <time datetime>; "" when the time is unknown
	Date     string // "2026-11-30"
	HM       string // "17:05"
}

// writeListingHTML renders the page listing es (sorted by key, desc)
// for the directory at the decoded path p (below the handler's root)
// into buf; title is the path the page is titled with (shownPath).
// Every link of the page is relative, so the page works wherever the
// handler is mounted.
func writeListingHTML(buf *bytes.Buffer, title, p string, es []listEntry, key string, desc, truncated bool) error {
	page := listingPage{
		Path:      title,
		Crumbs:    listCrumbs(p),
		Parent:    p != "/",
		Cols:      listColumns(key, desc),
		Rows:      make([]listRow, len(es)),
		Truncated: truncated,
		Limit:     groupDigits(listLimit),
		CSS:       template.CSS(listingCSS),
		JS:        template.JS(listingJS),
	}
	var dirs, files int
	var total int64
	for i := range es {
		e := &es[i]
		row := listRow{
			Name: e.name, Href: e.href(), Dir: e.dir, Icon: listIcon(e),
			Rank: e.rank, SortSize: e.sortSize(), SortTime: e.sortTime(),
		}
		if e.dir {
			dirs++
		} else {
			files++
			total += e.size
			row.Size, row.Bytes = humanSize(e.size), groupDigits(e.size)
		}
		if !e.mtime.IsZero() {
			m := e.mtime.UTC()
			row.ISO = m.Format(time.RFC3339)
			row.Date, row.HM = m.Format("2006-01-02"), m.Format("15:04")
		}
		page.Rows[i] = row
	}
	page.Summary = listSummary(dirs, files, total)
	return listingTemplate.Execute(buf, &page)
}

// listCrumbs returns the breadcrumbs of the directory at the decoded
// path p ("/", "/a/b/"): the root, then one per segment. The root is
// the handler's: under wharf.StripPrefix("/static/", h) it is
// "/static/", and a crumb never links above it.
func listCrumbs(p string) []listCrumb {
	var segs []string
	if s := strings.Trim(p, "/"); s != "" {
		segs = strings.Split(s, "/")
	}
	up := func(n int) string {
		if n == 0 {
			return "./"
		}
		return strings.Repeat("../", n)
	}
	crumbs := []listCrumb{{Name: "Root", Href: up(len(segs)), Root: true, Current: len(segs) == 0}}
	for i, s := range segs {
		crumbs = append(crumbs, listCrumb{Name: s, Href: up(len(segs) - 1 - i), Current: i == len(segs)-1})
	}
	return crumbs
}

// listColumns returns the column heads for the order key, desc.
// Clicking the sorted column reverses it; clicking another sorts by it
// in its natural first order: names A to Z, the largest and the newest
// first. The page's script follows the same rule.
func listColumns(key string, desc bool) []listColumn {
	cols := []listColumn{
		{Key: "name", Label: "Name"},
		{Key: "size", Label: "Size"},
		{Key: "time", Label: "Modified", Note: "(UTC)"},
	}
	for i := range cols {
		c := &cols[i]
		order := "desc"
		if c.Key == "name" {
			order = "asc"
		}
		if c.Key == key {
			c.AriaSort, order = "ascending", "desc"
			if desc {
				c.AriaSort, order = "descending", "asc"
			}
		}
		c.Href = "?sort=" + c.Key + "&order=" + order
	}
	return cols
}

// listIcon returns the icon for e, from its media type.
func listIcon(e *listEntry) string {
	if e.dir {
		return "dir"
	}
	ct := contentType(e.name)
	switch {
	case strings.HasPrefix(ct, "image/"):
		return "img"
	case strings.HasPrefix(ct, "audio/"), strings.HasPrefix(ct, "video/"):
		return "media"
	case strings.HasPrefix(ct, "text/"), strings.Contains(ct, "json"),
		strings.Contains(ct, "javascript"), strings.Contains(ct, "xml"),
		strings.HasPrefix(ct, "application/wasm"):
		return "code"
	case strings.Contains(ct, "zip"), strings.Contains(ct, "tar"),
		strings.Contains(ct, "compressed"), strings.Contains(ct, "zstd"),
		strings.Contains(ct, "x-xz"), strings.Contains(ct, "x-bzip"):
		return "arc"
	}
	return "file"
}

// listSummary says what a listing holds: "2 folders · 1 file · 3 B".
func listSummary(dirs, files int, total int64) string {
	if dirs == 0 && files == 0 {
		return "Empty folder"
	}
	plural := func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return groupDigits(int64(n)) + " " + many
	}
	var parts []string
	if dirs > 0 {
		parts = append(parts, plural(dirs, "folder", "folders"))
	}
	if files > 0 {
		parts = append(parts, plural(files, "file", "files"), humanSize(total))
	}
	return strings.Join(parts, " · ")
}

var listingTemplate = template.Must(template.New("listing").Parse(listingHTML))

const listingHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex">
<title>Index of {{.Path}}</title>
<link rel="icon" href="data:,">
<style>{{.CSS}}</style>
</head>
<body>
<svg class="sprite" aria-hidden="true" focusable="false">
<symbol id="i-home" viewBox="0 0 24 24"><path d="M3.5 10.5 12 3.5l8.5 7"/><path d="M5.5 9v10.5h5v-6h3v6h5V9"/></symbol>
<symbol id="i-dir" viewBox="0 0 24 24"><path d="M2.75 6.25c0-1.1.9-2 2-2h4.4c.53 0 1.04.21 1.41.59l1.3 1.3c.19.19.44.29.71.29h6.68c1.1 0 2 .9 2 2v9.32c0 1.1-.9 2-2 2H4.75c-1.1 0-2-.9-2-2z"/></symbol>
<symbol id="i-file" viewBox="0 0 24 24"><path d="M14 2.75H7A2.25 2.25 0 0 0 4.75 5v14A2.25 2.25 0 0 0 7 21.25h10A2.25 2.25 0 0 0 19.25 19V8z"/><path d="M14 2.75V8h5.25"/></symbol>
<symbol id="i-code" viewBox="0 0 24 24"><path d="M14 2.75H7A2.25 2.25 0 0 0 4.75 5v14A2.25 2.25 0 0 0 7 21.25h10A2.25 2.25 0 0 0 19.25 19V8z"/><path d="M14 2.75V8h5.25"/><path d="m10 12.25-2.25 2.25L10 16.75m4-4.5 2.25 2.25L14 16.75"/></symbol>
<symbol id="i-img" viewBox="0 0 24 24"><rect x="3" y="4" width="18" height="16" rx="2.5"/><circle cx="8.75" cy="9.5" r="1.75"/><path d="m3.5 17.5 5-5 4 4 2.5-2.5 5.5 5"/></symbol>
<symbol id="i-arc" viewBox="0 0 24 24"><path d="M14 2.75H7A2.25 2.25 0 0 0 4.75 5v14A2.25 2.25 0 0 0 7 21.25h10A2.25 2.25 0 0 0 19.25 19V8z"/><path d="M14 2.75V8h5.25"/><path d="M10 3v1.5m0 2v1.5m0 2v1.5"/><rect x="8.5" y="12.5" width="3" height="4" rx="1"/></symbol>
<symbol id="i-media" viewBox="0 0 24 24"><path d="M14 2.75H7A2.25 2.25 0 0 0 4.75 5v14A2.25 2.25 0 0 0 7 21.25h10A2.25 2.25 0 0 0 19.25 19V8z"/><path d="M14 2.75V8h5.25"/><path d="M10 11.5v5.5l4.5-2.75z"/></symbol>
<symbol id="i-up" viewBox="0 0 24 24"><path d="M9.5 4.5 5 9l4.5 4.5"/><path d="M5 9h9.5a4.5 4.5 0 0 1 4.5 4.5V20"/></symbol>
</svg>
<main>
<header>
<p class="label">Index of</p>
<nav aria-label="Breadcrumb"><ol class="crumbs">
{{- range .Crumbs}}<li><a href="{{.Href}}"{{if .Current}} aria-current="page"{{end}}>
{{- if .Root}}<svg class="home" aria-hidden="true"><use href="#i-home"/></svg><span class="sr">{{.Name}}</span>{{else}}{{.Name}}{{end}}</a></li>{{end -}}
</ol></nav>
<p class="summary">{{.Summary}}</p>
</header>
<div class="card">
<table id="listing">
<thead><tr>
{{- range .Cols}}<th class="{{.Key}}" data-key="{{.Key}}"{{with .AriaSort}} aria-sort="{{.}}"{{end}}><a href="{{.Href}}">{{.Label}}{{with .Note}}<span class="utc">{{.}}</span>{{end}}<span class="arrow" aria-hidden="true"></span></a></th>{{end -}}
</tr></thead>
{{- if .Parent}}
<tbody class="up"><tr><td class="name"><a href="../"><svg class="icon up" aria-hidden="true"><use href="#i-up"/></svg><span class="n">Parent folder</span></a></td><td class="size"></td><td class="time"></td></tr></tbody>
{{- end}}
<tbody id="entries">
{{- range .Rows}}
<tr data-d="{{if .Dir}}1{{else}}0{{end}}" data-n="{{.Rank}}" data-s="{{.SortSize}}" data-t="{{.SortTime}}"><td class="name"><a href="{{.Href}}"><svg class="icon {{.Icon}}" aria-hidden="true"><use href="#i-{{.Icon}}"/></svg><span class="n">{{.Name}}{{if .Dir}}<span class="slash">/</span>{{end}}</span></a></td>
{{- if .Dir}}<td class="size d"><span class="none" aria-label="folder">—</span></td>{{else}}<td class="size" title="{{.Bytes}} bytes">{{.Size}}</td>{{end}}
{{- if .ISO}}<td class="time"><time datetime="{{.ISO}}">{{.Date}}<span class="hm"> {{.HM}}</span></time></td>{{else}}<td class="time"><span class="none">—</span></td>{{end}}</tr>
{{- end}}
</tbody>
</table>
{{- if not .Rows}}
<p class="empty">This folder is empty.</p>
{{- end}}
</div>
{{- if .Truncated}}
<p class="note">This folder holds more entries than can be listed: only {{.Limit}} are shown.</p>
{{- end}}
<footer>Served by wharf</footer>
</main>
<script>{{.JS}}</script>
</body>
</html>
`

// listingCSS is the page's style: light by default, dark under
// prefers-color-scheme, one column of cards that fits a phone.
const listingCSS = `
:root{--bg:#f6f7f9;--card:#fff;--fg:#1b1f24;--muted:#5f6b7a;--line:#e6e9ee;--head:#fafbfc;--hover:#f3f6fb;--accent:#2563eb;--dir:#3b82f6;--file:#8391a2;--img:#a855f7;--code:#059669;--arc:#d97706;--media:#e11d48;--shadow:0 1px 2px rgba(15,23,42,.05),0 4px 16px rgba(15,23,42,.05)}
@media (prefers-color-scheme:dark){:root{--bg:#0d1014;--card:#151a21;--fg:#e6eaf0;--muted:#8e99a8;--line:#242b35;--head:#181e26;--hover:#1b222c;--accent:#7aa7ff;--dir:#60a5fa;--file:#8794a6;--img:#c084fc;--code:#34d399;--arc:#fbbf24;--media:#fb7185;--shadow:none}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Helvetica Neue",Arial,sans-serif}
main{max-width:980px;margin:0 auto;padding:40px 24px 48px}
a{color:inherit;text-decoration:none}
a:focus-visible{outline:2px solid var(--accent);outline-offset:2px;border-radius:4px}
.sprite{position:absolute;width:0;height:0;overflow:hidden}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
header{margin:0 4px 20px}
.label{margin:0 0 4px;color:var(--muted);font-size:12px;font-weight:600;letter-spacing:.09em;text-transform:uppercase}
.crumbs{display:flex;flex-wrap:wrap;align-items:center;margin:0;padding:0;list-style:none;font-size:26px;font-weight:650;line-height:1.25;letter-spacing:-.01em;overflow-wrap:anywhere}
.crumbs li{display:flex;align-items:center;min-width:0}
.crumbs li+li::before{content:"/";margin:0 .35em;color:var(--muted);font-weight:300}
.crumbs a{color:var(--muted);transition:color .15s}
.crumbs a:hover{color:var(--accent)}
.crumbs a[aria-current]{color:var(--fg)}
.home{display:block;width:26px;height:26px;fill:none;stroke:currentColor;stroke-width:1.8;stroke-linecap:round;stroke-linejoin:round}
.summary{margin:8px 0 0;color:var(--muted);font-size:14px}
.card{background:var(--card);border:1px solid var(--line);border-radius:14px;box-shadow:var(--shadow);overflow:hidden}
table{width:100%;border-collapse:collapse;table-layout:fixed}
th,td{padding:11px 18px;text-align:left;vertical-align:middle}
th{background:var(--head);border-bottom:1px solid var(--line);color:var(--muted);font-size:12px;font-weight:600;letter-spacing:.06em;text-transform:uppercase;white-space:nowrap}
th a{display:inline-flex;align-items:center;gap:6px}
th a:hover,th[aria-sort]{color:var(--fg)}
.arrow::after{content:"";display:inline-block;width:0;height:0;border:4px solid transparent;opacity:0}
th[aria-sort=ascending] .arrow::after{border-bottom:5px solid currentColor;border-top-width:0;opacity:1}
th[aria-sort=descending] .arrow::after{border-top:5px solid currentColor;border-bottom-width:0;opacity:1}
th.size,td.size{width:7.5rem;text-align:right}
th.size a{flex-direction:row-reverse}
th.time,td.time{width:11rem}
td{border-top:1px solid var(--line)}
tbody:first-of-type tr:first-child td{border-top:0}
tbody tr{transition:background .12s}
tbody tr:hover{background:var(--hover)}
td.name a{display:flex;align-items:center;gap:12px;margin:-11px -18px;padding:11px 18px;min-width:0}
td.name a:hover .n{color:var(--accent)}
.n{min-width:0;overflow-wrap:anywhere;font-weight:500}
.slash{color:var(--muted);font-weight:400}
.icon{flex:none;width:22px;height:22px;fill:none;stroke:currentColor;stroke-width:1.6;stroke-linecap:round;stroke-linejoin:round;color:var(--file)}
.icon.dir{fill:var(--dir);stroke:none;color:var(--dir)}
.icon.img{color:var(--img)}
.icon.code{color:var(--code)}
.icon.arc{color:var(--arc)}
.icon.media{color:var(--media)}
.icon.up{color:var(--muted)}
.up .n{color:var(--muted);font-weight:400}
td.size,td.time{color:var(--muted);font-size:14px;font-variant-numeric:tabular-nums;white-space:nowrap}
.none{opacity:.6}
.empty{margin:0;padding:36px 18px;border-top:1px solid var(--line);color:var(--muted);text-align:center}
.note{margin:16px 4px 0;color:var(--muted);font-size:14px}
footer{margin:28px 4px 0;color:var(--muted);font-size:12px;opacity:.8}
@media (max-width:640px){
main{padding:22px 10px 32px}
header{margin:0 6px 14px}
.crumbs{font-size:21px}
.home{width:22px;height:22px}
table,thead,tbody{display:block}
tr{display:flex;flex-wrap:wrap;align-items:baseline}
th,td{padding:10px 12px}
th{font-size:11px;letter-spacing:.04em}
th.name{flex:1}
th.size,th.time{width:auto}
.utc{display:none}
td{border-top:0}
tbody tr{border-top:1px solid var(--line)}
tbody:first-of-type tr:first-child{border-top:0}
td.name{flex:1 0 100%;padding-bottom:1px}
td.name a{gap:10px;margin:-10px -12px -1px;padding:10px 12px 1px}
.up td.name,.up td.name a{padding-bottom:10px}
.up td.name a{margin-bottom:-10px}
.icon{width:20px;height:20px}
td.size,td.time{width:auto;padding:0 0 10px;font-size:13px;text-align:left}
td.size{padding-left:42px}
td.size::after{content:"\00b7";margin:0 .5em}
td.d{display:none}
td.d+td.time{padding-left:42px}
td:empty{display:none}
}
`

// listingJS sorts the rows in place when a column head is clicked,
// by the same keys and rules as the server (sortListing), and puts
// the order in the address bar (the link's href, read before sortBy
// points the link the other way); without it, the heads are plain
// links to the server-sorted page.
const listingJS = `
(function () {
  "use strict";
  var table = document.getElementById("listing");
  var body = document.getElementById("entries");
  if (!table || !body || !window.URLSearchParams || !history.replaceState) return;
  var attr = {name: "n", size: "s", time: "t"};
  var first = {name: "asc", size: "desc", time: "desc"};
  function sortBy(key, order) {
    var a = attr[key];
    if (!a) return false;
    var sign = order === "desc" ? -1 : 1;
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (x, y) {
      var d = y.dataset.d - x.dataset.d;
      if (d) return d;
      var c = x.dataset[a] - y.dataset[a];
      return c ? sign * c : x.dataset.n - y.dataset.n;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      var k = th.getAttribute("data-key"), next = first[k];
      if (k === key) {
        th.setAttribute("aria-sort", order === "desc" ? "descending" : "ascending");
        next = order === "desc" ? "asc" : "desc";
      } else {
        th.removeAttribute("aria-sort");
      }
      th.querySelector("a").setAttribute("href", "?sort=" + k + "&order=" + next);
    });
    return true;
  }
  table.tHead.addEventListener("click", function (e) {
    var link = e.target.closest("a");
    if (!link || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    var href = link.href;
    var q = new URLSearchParams(link.search);
    if (sortBy(q.get("sort"), q.get("order"))) {
      e.preventDefault();
      history.replaceState(null, "", href);
    }
  });
})();
`
