package nethttp

import "strings"

// nextWildcard returns the name of the first wildcard of a ServeMux
// pattern at or after byte i ("id" for "{id}", "rest" for "{rest...}";
// "{$}" is not one) and the index just past it, or "" and -1. net/http
// and wharf share the pattern grammar, so the names of one mux's
// pattern are what the other's PathValue is asked for.
func nextWildcard(pattern string, i int) (name string, next int) {
	for i < len(pattern) {
		open := strings.IndexByte(pattern[i:], '{')
		if open < 0 {
			return "", -1
		}
		open += i
		end := strings.IndexByte(pattern[open:], '}')
		if end < 0 {
			return "", -1
		}
		end += open
		name = strings.TrimSuffix(pattern[open+1:end], "...")
		if name != "$" && name != "" {
			return name, end + 1
		}
		i = end + 1
	}
	return "", -1
}

// A pathValuer is a request whose path values can be read and set:
// *http.Request and *wharf.Request.
type pathValuer interface {
	PathValue(name string) string
	SetPathValue(name, value string)
}

// copyPathValues sets on dst the path values src has for the
// wildcards of pattern, the pattern that routed src.
func copyPathValues(dst, src pathValuer, pattern string) {
	for name, i := nextWildcard(pattern, 0); i >= 0; name, i = nextWildcard(pattern, i) {
		dst.SetPathValue(name, src.PathValue(name))
	}
}
