// Command mkpage writes the HTML page of the compression scenarios: a
// document of exactly -size bytes (20,480 by default) that looks like a
// real page (head, navigation, articles, lists, tables, footer) with
// text, links and numbers drawn from a seeded generator, so that it
// compresses as HTML does (about 3-5x with gzip), not as one repeated
// byte would. The same -seed and -size always give the same bytes.
//
//	mkpage -o page.html [-size 20480] [-seed 8]
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
)

var words = strings.Fields(`the of and to in is that for it as with was on be by this are at from
or an have not which but all were when we there can more one has their if will out so up what
about into them some would other time could these two may then do first any now such like our
over even most made after also did many before must through back years where much your way well
down should because each just those people how too little state good very make world still own
see men work long get here between both life being under never day same another know while last
might us great old year off come since against go came right used take three server request file
cache header body stream socket worker queue buffer kernel latency throughput connection client
response status encoding compress range bytes page module config handler route proxy static
content length type date modified match weak strong entity version release build deploy test
bench profile memory thread process signal timer clock event poll ready write read close open
harbour wharf vessel cargo crane dock pier berth tide anchor hull deck mast sail rope knot`)

var tags = []string{"news", "docs", "blog", "guide", "api", "release", "community", "support", "about", "download"}

type gen struct {
	r *rand.Rand
	b strings.Builder
}

// word draws from a skewed distribution: common words far more often
// than rare ones, as in text.
func (g *gen) word() string {
	i := int(float64(len(words)) * g.r.Float64() * g.r.Float64())
	return words[i]
}

func (g *gen) sentence() string {
	n := 6 + g.r.IntN(14)
	ws := make([]string, n)
	for i := range ws {
		ws[i] = g.word()
	}
	s := strings.Join(ws, " ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

func (g *gen) slug() string {
	return g.word() + "-" + g.word() + "-" + fmt.Sprint(g.r.IntN(1000))
}

func (g *gen) para() string {
	var p strings.Builder
	p.WriteString("      <p>")
	for i, n := 0, 2+g.r.IntN(4); i < n; i++ {
		if i > 0 {
			p.WriteByte(' ')
		}
		s := g.sentence()
		if g.r.IntN(3) == 0 {
			w := g.word()
			s = strings.Replace(s, " "+w+" ", fmt.Sprintf(` <a href="/%s/%s.html">%s</a> `, tags[g.r.IntN(len(tags))], g.slug(), w), 1)
		}
		if g.r.IntN(4) == 0 {
			w := g.word()
			s = strings.Replace(s, " "+w+" ", " <em>"+w+"</em> ", 1)
		}
		p.WriteString(s)
	}
	p.WriteString("</p>\n")
	return p.String()
}

func (g *gen) list() string {
	var l strings.Builder
	l.WriteString("      <ul class=\"items\">\n")
	for i, n := 0, 3+g.r.IntN(5); i < n; i++ {
		fmt.Fprintf(&l, "        <li><a href=\"/%s/%s\">%s %s</a> <span class=\"count\">%d</span></li>\n",
			tags[g.r.IntN(len(tags))], g.slug(), g.word(), g.word(), g.r.IntN(5000))
	}
	l.WriteString("      </ul>\n")
	return l.String()
}

func (g *gen) table() string {
	var t strings.Builder
	t.WriteString("      <table class=\"data\">\n        <thead><tr><th>name</th><th>requests</th><th>p99 (ms)</th><th>ratio</th></tr></thead>\n        <tbody>\n")
	for i, n := 0, 3+g.r.IntN(5); i < n; i++ {
		fmt.Fprintf(&t, "          <tr><td>%s</td><td>%d</td><td>%.2f</td><td>%.2fx</td></tr>\n",
			g.word(), 1000+g.r.IntN(90000), 0.5+10*g.r.Float64(), 0.5+g.r.Float64())
	}
	t.WriteString("        </tbody>\n      </table>\n")
	return t.String()
}

func (g *gen) article(id int) string {
	var a strings.Builder
	fmt.Fprintf(&a, "    <article id=\"post-%d\" class=\"post %s\">\n", id, tags[g.r.IntN(len(tags))])
	fmt.Fprintf(&a, "      <h2><a href=\"/posts/%s.html\">%s</a></h2>\n", g.slug(), strings.TrimSuffix(g.sentence(), "."))
	fmt.Fprintf(&a, "      <p class=\"meta\">Posted on <time datetime=\"2026-%02d-%02dT%02d:%02d:00Z\">2026-%02d-%02d</time> by <a href=\"/authors/%s\">%s</a></p>\n",
		1+g.r.IntN(12), 1+g.r.IntN(28), g.r.IntN(24), g.r.IntN(60), 1+g.r.IntN(12), 1+g.r.IntN(28), g.word(), g.word())
	for i, n := 0, 1+g.r.IntN(3); i < n; i++ {
		a.WriteString(g.para())
	}
	switch g.r.IntN(3) {
	case 0:
		a.WriteString(g.list())
	case 1:
		a.WriteString(g.table())
	}
	a.WriteString("    </article>\n")
	return a.String()
}

func main() {
	out := flag.String("o", "", "output file (required)")
	size := flag.Int("size", 20480, "exact size of the page in bytes")
	seed := flag.Uint64("seed", 8, "seed of the generator")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "mkpage: -o is required")
		os.Exit(2)
	}
	g := &gen{r: rand.New(rand.NewPCG(*seed, 0x7768617266))}
	head := `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>wharf benchmark page</title>
  <link rel="stylesheet" href="/static/site.css">
  <style>
    body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 60rem; line-height: 1.5; }
    nav a { margin-right: 1rem; } .meta { color: #666; font-size: 0.9rem; }
    table.data { border-collapse: collapse; } table.data td, table.data th { padding: 0.2rem 0.6rem; border: 1px solid #ddd; }
  </style>
</head>
<body>
  <header>
    <nav>
`
	g.b.WriteString(head)
	for _, t := range tags {
		fmt.Fprintf(&g.b, "      <a href=\"/%s/\">%s</a>\n", t, strings.ToUpper(t[:1])+t[1:])
	}
	g.b.WriteString("    </nav>\n  </header>\n  <main>\n")
	tail := "  </main>\n  <footer><p>&copy; 2026 wharf. <a href=\"/about/\">About</a> <a href=\"/privacy/\">Privacy</a></p></footer>\n</body>\n</html>\n"
	const pad = "  <!--  -->\n" // the smallest filler comment
	for id := 1; ; id++ {
		a := g.article(id)
		if g.b.Len()+len(a)+len(tail)+len(pad) > *size {
			break
		}
		g.b.WriteString(a)
	}
	if n := *size - g.b.Len() - len(tail); n >= len(pad) {
		// A comment of words, cut to fit: filler that compresses like
		// the rest of the page, unlike a run of one byte.
		var c strings.Builder
		for c.Len() < n-len(pad) {
			c.WriteString(g.word() + " ")
		}
		g.b.WriteString("  <!-- " + c.String()[:n-len(pad)] + " -->\n")
	} else {
		g.b.WriteString(strings.Repeat(" ", n))
	}
	g.b.WriteString(tail)
	if g.b.Len() != *size {
		fmt.Fprintf(os.Stderr, "mkpage: made %d bytes, not %d (size too small?)\n", g.b.Len(), *size)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, []byte(g.b.String()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "mkpage:", err)
		os.Exit(1)
	}
}
