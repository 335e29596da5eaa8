package fileserver

import (
	"strings"

	"github.com/wharfhttp/wharf"
)

// notFoundAnswer answers a GET or HEAD that names no file we serve:
// with Config.SPA, /index.html for a client that accepts HTML;
// otherwise 404 with the page of Config.NotFoundFile, while it exists,
// or Config.NotFoundPage.
func (h *Handler) notFoundAnswer(w wharf.ResponseWriter, r *wharf.Request) {
	if h.spa && (r.Method == "GET" || r.Method == "HEAD") && acceptsHTML(r.Header) && h.serveSPAIndex(w, r) {
		return
	}
	page, plen := h.notFound, h.notLen
	if e := h.notFoundEntry(); e != nil && e.id != nil {
		page, plen = e.id.content, e.id.clen
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Length", plen)
	w.WriteHeader(404)
	if r.Method != "HEAD" {
		w.Write(page)
	}
}

// notFoundEntry returns the entry of Config.NotFoundFile, read like
// any file (cached, revalidated), or nil when there is none or it
// cannot be read.
func (h *Handler) notFoundEntry() *entry {
	key := h.notFoundFile
	if key == "" || h.closed.Load() {
		return nil
	}
	if c := h.cache; c != nil {
		if e := c.get(key); e != nil {
			if e = h.fresh(key, e); e != nil {
				return e
			}
		}
	}
	t, status := resolvePath(key, true)
	if status != 0 || t.dir {
		return nil
	}
	f, fi, err := h.openRegular(t.name, nil)
	if err != nil {
		return nil
	}
	defer f.Close()
	if fi.Size() > maxNotFoundFile {
		return nil
	}
	// With its sidecars: the entry is also the one a request for the
	// page itself is served from.
	sides, _ := h.sidecars(t.name, fi)
	e, err := h.readEntry(t.name, f, fi, sides)
	if err != nil {
		return nil
	}
	if c := h.cache; c != nil && e.cacheable && fits(c, fi, sides) {
		c.put(key, e)
	}
	return e
}

// maxNotFoundFile bounds the 404 page read from the tree.
const maxNotFoundFile = 1 << 20

// serveSPAIndex answers with the root's index.html, as for "/", and
// reports whether there was one to answer with.
func (h *Handler) serveSPAIndex(w wharf.ResponseWriter, r *wharf.Request) bool {
	if h.serveCached(w, r, "/") {
		return true
	}
	f, fi, err := h.openRegular("index.html", nil)
	if err != nil {
		return false
	}
	defer f.Close()
	sides, _ := h.sidecars("index.html", fi)
	h.serveResource(w, r, "/", "index.html", f, fi, sides)
	return true
}

// acceptsHTML reports whether the request's Accept fields name
// text/html (or application/xhtml+xml) with a q-value above 0: what
// browsers send when they navigate. "*/*" alone does not count, so a
// script's or image's missing URL is still a 404.
func acceptsHTML(h wharf.Header) bool {
	for i := h.Next("Accept", 0); i >= 0; i = h.Next("Accept", i+1) {
		for v := h[i].Value; v != ""; {
			var item string
			item, v, _ = strings.Cut(v, ",")
			mt, params, _ := strings.Cut(item, ";")
			mt = strings.TrimSpace(mt)
			if !strings.EqualFold(mt, "text/html") && !strings.EqualFold(mt, "application/xhtml+xml") {
				continue
			}
			if !zeroQ(params) {
				return true
			}
		}
	}
	return false
}

// zeroQ reports whether media-range parameters say q=0.
func zeroQ(params string) bool {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			v = strings.TrimSpace(v)
			return v == "0" || strings.HasPrefix(v, "0.") && strings.Trim(v[2:], "0") == ""
		}
	}
	return false
}
