package wharf

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/wharfhttp/wharf/internal/http1"
)

// A muxPattern is a parsed ServeMux pattern: "[METHOD ][HOST]/[PATH]".
// It is immutable once registered.
type muxPattern struct {
	str    string    // as registered
	method string    // "" matches every method; "GET" also matches HEAD
	host   string    // "" matches every host
	segs   []segment // the path, one element per segment (see segKind)
	names  []string  // the wildcards' names, in order; "" never appears
	loc    string    // "file:line" of the registering call
}

func (p *muxPattern) String() string { return p.str }

// last returns the pattern's final segment.
func (p *muxPattern) last() segment { return p.segs[len(p.segs)-1] }

// segKind says what a pattern segment matches.
type segKind uint8

const (
	// segLit matches one path segment equal to s, compared after
	// percent-decoding both.
	segLit segKind = iota
	// segWild ("{s}") matches one non-empty path segment.
	segWild
	// segMulti ("{s...}", or s == "" for a final "/") matches the
	// rest of the path after a "/", possibly empty; always last.
	segMulti
	// segEnd ("{$}") matches the end of a path that ends in "/";
	// always last.
	segEnd
)

type segment struct {
	kind segKind
	s    string // the decoded literal, or the wildcard's name
}

// parsePattern parses a pattern; its grammar is the one of net/http's
// ServeMux (see ServeMux).
func parsePattern(str string) (*muxPattern, error) {
	if str == "" {
		return nil, errors.New("empty pattern")
	}
	p := &muxPattern{str: str}
	rest := str
	if i := strings.IndexAny(str, " \t"); i >= 0 {
		p.method, rest = str[:i], strings.TrimLeft(str[i+1:], " \t")
		if !http1.ValidFieldName(p.method) { // a method is a token
			return nil, fmt.Errorf("invalid method %q", p.method)
		}
	}
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		return nil, errors.New("host/path missing /")
	}
	p.host, rest = rest[:slash], rest[slash:]
	if strings.IndexByte(p.host, '{') >= 0 {
		return nil, errors.New("host contains '{' (missing initial '/'?)")
	}
	// Request paths are cleaned before matching (CONNECT's excepted,
	// which the server refuses anyway), so with a method such a
	// pattern is surely a mistake. Without one it is accepted, as
	// net/http accepts it.
	if p.method != "" && p.method != "CONNECT" && cleanPath(rest) != rest {
		return nil, errors.New("non-CONNECT pattern with unclean path can never match")
	}
	for rest != "" {
		var seg string
		seg, rest = nextSegment(rest)
		if seg == "" && rest == "" {
			p.segs = append(p.segs, segment{kind: segMulti}) // a final "/"
			break
		}
		s, err := parseSegment(seg, rest == "")
		if err != nil {
			return nil, err
		}
		if s.kind == segWild || s.kind == segMulti {
			if slices.Contains(p.names, s.s) {
				return nil, fmt.Errorf("duplicate wildcard name %q", s.s)
			}
			p.names = append(p.names, s.s)
		}
		p.segs = append(p.segs, s)
	}
	return p, nil
}

// parseSegment parses one segment of a pattern's path; last reports
// whether it ends the path.
func parseSegment(seg string, last bool) (segment, error) {
	i := strings.IndexByte(seg, '{')
	if i < 0 {
		return segment{kind: segLit, s: unescapeValue(seg)}, nil
	}
	if i > 0 {
		return segment{}, errors.New("bad wildcard segment (must start with '{')")
	}
	if !strings.HasSuffix(seg, "}") {
		return segment{}, errors.New("bad wildcard segment (must end with '}')")
	}
	name := seg[1 : len(seg)-1]
	if name == "$" {
		if !last {
			return segment{}, errors.New("{$} not at end")
		}
		return segment{kind: segEnd}, nil
	}
	kind := segWild
	if n, ok := strings.CutSuffix(name, "..."); ok {
		if !last {
			return segment{}, errors.New("{...} wildcard not at end")
		}
		name, kind = n, segMulti
	}
	if name == "" {
		return segment{}, errors.New("empty wildcard")
	}
	if !isIdentifier(name) {
		return segment{}, fmt.Errorf("bad wildcard name %q", name)
	}
	return segment{kind: kind, s: name}, nil
}

// isIdentifier reports whether s is a Go identifier.
func isIdentifier(s string) bool {
	for i, c := range s {
		if !unicode.IsLetter(c) && c != '_' && (i == 0 || !unicode.IsDigit(c)) {
			return false
		}
	}
	return s != ""
}
