package wharf

import (
	"iter"
	"net/url"
	"strings"
)

// Query parsing, with the rules of net/url's ParseQuery: pairs are
// separated by "&"; a pair without "=" has the value ""; keys and
// values are decoded as by url.QueryUnescape ("+" is a space, "%XX" a
// byte); a pair holding a ";" or a malformed escape is skipped (the
// rest of the query is still read), as url.URL.Query skips it.

// QueryValue returns the first value of the query parameter name in
// r.RawQuery, decoded, or "" if there is none: what
// r.Query().Get(name) returns, without parsing the whole query. It
// allocates only when the value it returns holds an escape or a "+".
func (r *Request) QueryValue(name string) string {
	for k, v := range queryPairs(r.RawQuery) {
		if queryKeyIs(k, name) {
			if v, ok := queryUnescape(v); ok {
				return v
			}
		}
	}
	return ""
}

// Query parses r.RawQuery into a url.Values, as net/url's URL.Query
// does: malformed pairs are skipped. It allocates the map; use
// QueryValue or QueryPairs to look up a parameter without that.
func (r *Request) Query() url.Values {
	v, _ := url.ParseQuery(r.RawQuery)
	return v
}

// QueryPairs returns an iterator over the well-formed parameters of
// r.RawQuery, in order, each key and value decoded. A repeated key is
// yielded once per occurrence.
//
//	for k, v := range r.QueryPairs() {
//		...
//	}
func (r *Request) QueryPairs() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for k, v := range queryPairs(r.RawQuery) {
			dk, ok1 := queryUnescape(k)
			dv, ok2 := queryUnescape(v)
			if ok1 && ok2 && !yield(dk, dv) {
				return
			}
		}
	}
}

// queryPairs yields the raw key and value of each pair of q that has
// no ";" (url.ParseQuery refuses those) and a non-empty text; escapes
// are checked by the caller.
func queryPairs(q string) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for q != "" {
			var pair string
			pair, q, _ = strings.Cut(q, "&")
			if pair == "" || strings.IndexByte(pair, ';') >= 0 {
				continue
			}
			k, v, _ := strings.Cut(pair, "=")
			if !yield(k, v) {
				return
			}
		}
	}
}

// queryKeyIs reports whether the raw key k decodes to name, and is
// well formed, without allocating.
func queryKeyIs(k, name string) bool {
	j := 0
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch c {
		case '+':
			c = ' '
		case '%':
			if i+2 >= len(k) || !isHexDigit(k[i+1]) || !isHexDigit(k[i+2]) {
				return false
			}
			c = unhex(k[i+1])<<4 | unhex(k[i+2])
			i += 2
		}
		if j >= len(name) || name[j] != c {
			return false
		}
		j++
	}
	return j == len(name)
}

// queryUnescape decodes a raw query key or value, and reports whether
// it is well formed. It allocates only when s holds an escape or "+".
func queryUnescape(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, true
	}
	u, err := url.QueryUnescape(s)
	return u, err == nil
}
