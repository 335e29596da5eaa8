package wharf

// StripPrefix returns a handler that serves a request whose path
// starts with prefix by calling h with the rest of the path, and
// answers 404 ("404 page not found", as ServeMux) to any other. It is
// how a handler that serves "/" is mounted below a path:
//
//	mux.Handle("/static/", wharf.StripPrefix("/static", files))
//
// prefix is compared with the path segment by segment as ServeMux
// compares, in decoded form: "/my files" matches the path
// "/my%20files/a", while an escaped slash (%2F) in the path matches no
// "/" of the prefix. A prefix matches whole segments only: the rest
// must be empty or start with "/" ("/static" matches "/static" and
// "/static/a", not "/staticfoo"), and a final "/" of the prefix is
// kept as the first byte of the rest. So the inner handler's Path
// always starts with "/", as a server-made Path does: "/static/a"
// becomes "/a" with the prefix "/static/" or "/static", and "/static"
// becomes "/". (net/http's StripPrefix would pass "a", "" or "foo"; a
// handler written for net/http adds the "/" back itself.)
//
// h gets a shallow copy of the request (one allocation) whose Path is
// the rest, still escaped as sent; Target (the request-target exactly
// as sent) and RawQuery are unchanged, and so is the caller's Request.
// Path values and Pattern are copied with it. An empty prefix returns
// h itself.
//
// When h is a RequestReleaser, so is the returned handler.
func StripPrefix(prefix string, h Handler) Handler {
	if prefix == "" {
		return h
	}
	s := &stripPrefix{prefix: prefix, h: h}
	if _, ok := h.(RequestReleaser); ok {
		return releasingStrip{s}
	}
	return s
}

type stripPrefix struct {
	prefix string
	h      Handler
}

func (s *stripPrefix) ServeHTTP(w ResponseWriter, r *Request) {
	rest, ok := cutPathPrefix(r.Path, s.prefix)
	if !ok {
		plainError(w, 404, "404 page not found")
		return
	}
	r2 := *r
	r2.Path = rest
	s.h.ServeHTTP(w, &r2)
}

// releasingStrip is a StripPrefix around a RequestReleaser: it keeps
// nothing of the request after it returns (the copy it makes is its
// own), so it keeps the promise when its handler does.
type releasingStrip struct{ *stripPrefix }

func (releasingStrip) ReleasesRequest() {}

// cutPathPrefix returns the raw path p without the decoded prefix
// (see StripPrefix) and whether p starts with it.
func cutPathPrefix(p, prefix string) (string, bool) {
	i := 0 // in p
	for j := 0; j < len(prefix); j++ {
		if i >= len(p) {
			return "", false
		}
		c := p[i]
		if c == '%' && i+2 < len(p) && isHexDigit(p[i+1]) && isHexDigit(p[i+2]) {
			c = unhex(p[i+1])<<4 | unhex(p[i+2])
			if c == '/' {
				return "", false // an escaped "/" is not a separator
			}
			i += 3
		} else {
			i++
		}
		if c != prefix[j] {
			return "", false
		}
	}
	rest := p[i:]
	switch {
	case rest == "" && prefix[len(prefix)-1] == '/':
		return p[i-1:], true // the prefix's final "/"
	case rest == "":
		return "/", true
	case rest[0] == '/':
		return rest, true
	case prefix[len(prefix)-1] == '/':
		return p[i-1:], true
	}
	return "", false
}
