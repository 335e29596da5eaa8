package http1

// parseRequestLine parses "method SP request-target SP HTTP-version CRLF"
// (RFC 9112 3) starting at b[p] and returns the index just past its CRLF.
// Exactly one SP separates the parts: RFC 9112 3 allows a recipient to
// split on whitespace more leniently, but doing so is what lets a front end
// and a back end disagree about where the target ends.
func parseRequestLine(b []byte, p, maxLine int, h *Head) (int, error) {
	start := p
	// Only maxLine bytes of content and its CR may lie in w: running off
	// the end of w with more data behind it proves the line too long
	// (414) without waiting for its end.
	w := b
	if len(w) > start+maxLine+1 {
		w = w[:start+maxLine+1]
	}
	short := func() error {
		if len(w)-start > maxLine {
			return errRequestLineLong
		}
		return ErrNeedMore
	}

	// method = token (RFC 9110 9.1)
	q := p
	for q < len(w) && charClass[w[q]]&cToken != 0 {
		q++
	}
	if q == len(w) {
		return 0, short()
	}
	if w[q] != ' ' || q == p {
		return 0, errMethod
	}
	h.Method = w[p:q]

	// request-target: visible ASCII only (RFC 9112 3.2; no CTL, SP or
	// octet >= 0x80, which llhttp's strict mode also refuses).
	p = q + 1
	q = p
	for q+8 <= len(w) && targetFast8(load8(w, q)) {
		q += 8
	}
	for q < len(w) && charClass[w[q]]&cTarget != 0 {
		q++
	}
	if q == len(w) {
		return 0, short()
	}
	if q == p {
		return 0, errRequestLine // empty target or a second SP
	}
	target := w[p:q]
	switch w[q] {
	case ' ':
	case '\r':
		// "GET /" CRLF: an HTTP/0.9 simple-request (RFC 1945 4.1, RFC
		// 9112 2.3). Not supported: 505 once the line is complete.
		if q+1 == len(b) {
			return 0, ErrNeedMore
		}
		if b[q+1] != '\n' {
			return 0, errBareCR
		}
		return 0, errVersionUnsupport
	case '\n':
		return 0, errBareLF
	default:
		return 0, errTargetChar
	}

	// HTTP-version, then CRLF.
	p = q + 1
	q = p
	for q < len(w) && charClass[w[q]]&cTarget != 0 {
		q++
	}
	if q == len(w) {
		return 0, short()
	}
	switch w[q] {
	case '\r':
	case '\n':
		return 0, errBareLF
	default:
		return 0, errVersion // trailing SP, a fourth part, a CTL...
	}
	if q+1 == len(b) {
		return 0, ErrNeedMore
	}
	if b[q+1] != '\n' {
		return 0, errBareCR
	}
	minor, err := parseVersion(w[p:q])
	if err != nil {
		return 0, err
	}
	h.Minor = minor
	if err := parseTarget(h.Method, target, h); err != nil {
		return 0, err
	}
	return q + 2, nil
}

// parseVersion parses HTTP-version = HTTP-name "/" DIGIT "." DIGIT with
// HTTP-name = %s"HTTP" (case-sensitive, RFC 9112 2.3). HTTP/1.0 and
// HTTP/1.1 are accepted. Another well-formed version (HTTP/1.2, HTTP/2.0,
// HTTP/0.9, "HTTP/2"), and a request line that names another protocol
// (RTSP/1.0, ICE/1.0), get 505 (RFC 9110 15.6.6); anything else is
// malformed (400).
func parseVersion(v []byte) (int, error) {
	if len(v) >= 6 && string(v[:5]) == "HTTP/" {
		d := v[5]
		if len(v) == 8 && isDigit(d) && v[6] == '.' && isDigit(v[7]) {
			if d == '1' && v[7] == '1' {
				return 1, nil
			}
			if d == '1' && v[7] == '0' {
				return 0, nil
			}
			return 0, errVersionUnsupport
		}
		if len(v) == 6 && '2' <= d && d <= '9' {
			return 0, errVersionUnsupport // "HTTP/2", "HTTP/3"
		}
		return 0, errVersion
	}
	if isOtherProtocol(v) {
		return 0, errVersionUnsupport
	}
	return 0, errVersion
}

// isOtherProtocol reports whether v looks like the version of a protocol
// that borrows HTTP's syntax: 1*UPALPHA "/" 1*DIGIT "." 1*DIGIT.
func isOtherProtocol(v []byte) bool {
	i := 0
	for i < len(v) && 'A' <= v[i] && v[i] <= 'Z' {
		i++
	}
	if i == 0 || i == len(v) || v[i] != '/' {
		return false
	}
	i++
	j := i
	for i < len(v) && isDigit(v[i]) {
		i++
	}
	if i == j || i == len(v) || v[i] != '.' {
		return false
	}
	i++
	j = i
	for i < len(v) && isDigit(v[i]) {
		i++
	}
	return i > j && i == len(v)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// parseTarget classifies the request-target (RFC 9112 3.2) and fills in
// h.Target, h.Form, h.Path, h.Query and, for absolute-form and
// authority-form, h.Host.
func parseTarget(method, t []byte, h *Head) error {
	h.Target = t
	isConnect := string(method) == "CONNECT"
	switch {
	case isConnect:
		// RFC 9112 3.2.3: authority-form = uri-host ":" port, used only
		// (and always) for CONNECT (RFC 9110 9.3.6).
		// The port must name a TCP port, like an absolute-form port.
		switch checkHostPort(t, true) {
		case hostSyntax:
			return errAuthorityForm
		case hostPortRange:
			return errTargetPort
		}
		h.Form = AuthorityForm
		h.Host = t
		return nil
	case t[0] == '/':
		// RFC 9112 3.2.1: origin-form = absolute-path [ "?" query ]
		h.Form = OriginForm
		return splitPathQuery(t, h)
	case len(t) == 1 && t[0] == '*':
		// RFC 9112 3.2.4: asterisk-form is only used for a server-wide
		// OPTIONS request.
		if string(method) != "OPTIONS" {
			return errAsterisk
		}
		h.Form = AsteriskForm
		return nil
	}
	// RFC 9112 3.2.2: absolute-form = absolute-URI. Only the http and https
	// schemes (case-insensitive, RFC 3986 3.1) make sense for a server.
	var rest []byte
	switch {
	case len(t) > 7 && equalFold(t[:7], "http://"):
		rest = t[7:]
	case len(t) > 8 && equalFold(t[:8], "https://"):
		rest = t[8:]
	default:
		return errTarget
	}
	slash := t[len(t)-len(rest)-1 : len(t)-len(rest) : len(t)-len(rest)] // the second "/" of "//"
	end := 0
	for end < len(rest) && rest[end] != '/' && rest[end] != '?' && rest[end] != '#' {
		end++
	}
	authority := rest[:end]
	for _, c := range authority {
		if c == '@' {
			// RFC 9110 4.2.4: a sender MUST NOT generate userinfo in an
			// http(s) target URI, and a recipient SHOULD treat it as an
			// error (it serves to obscure the authority).
			return errUserinfo
		}
	}
	hp := checkHostPort(authority, false)
	if hp == hostSyntax {
		return errTarget
	}
	if len(authority) == 0 || authority[0] == ':' {
		// RFC 9110 4.2.1: an http URI with an empty host MUST be
		// rejected as invalid.
		return errEmptyHost
	}
	if hp == hostPortRange {
		return errTargetPort
	}
	h.Form = AbsoluteForm
	h.Host = authority
	if err := splitPathQuery(rest[end:], h); err != nil {
		return err
	}
	if len(h.Path) == 0 {
		// RFC 9110 4.2.3: an empty path is equivalent to "/".
		h.Path = slash
	}
	return nil
}

// splitPathQuery splits path-abempty [ "?" query ] into h.Path and h.Query
// and checks that each "%" starts a pct-encoded octet (RFC 3986 2.1), so
// that no two decoders can disagree about the path.
//
// A "#" is refused (errFragment): origin-form is absolute-path [ "?" query ]
// (RFC 9112 3.2.1) and absolute-form is absolute-URI (RFC 9112 3.2.2, RFC
// 3986 4.3), neither of which has a fragment, and "#" is not a pchar or a
// query character (RFC 3986 3.3, 3.4). Dropping the fragment and serving
// the path, as this package once did, serves a request-target that is not
// the one sent, where a proxy that forwards it as sent (net/http keeps "#"
// in the path) names another resource.
func splitPathQuery(t []byte, h *Head) error {
	query := -1
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case '%':
			if i+2 >= len(t) || charClass[t[i+1]]&cHex == 0 || charClass[t[i+2]]&cHex == 0 {
				return errTarget
			}
		case '#':
			return errFragment
		case '?':
			if query < 0 {
				query = i
			}
		}
	}
	if query >= 0 {
		h.Path, h.Query = t[:query], t[query+1:]
		return nil
	}
	h.Path = t
	return nil
}

// hostPortResult is checkHostPort's verdict.
type hostPortResult uint8

const (
	hostOK        hostPortResult = iota
	hostSyntax                   // not uri-host [ ":" port ]
	hostPortRange                // valid syntax, but the port is not a TCP port (0 or > 65535)
)

// validHostPort reports whether v is uri-host [ ":" port ] with a port, if
// one is given, in 1-65535 (see checkHostPort).
func validHostPort(v []byte, needPort bool) bool { return checkHostPort(v, needPort) == hostOK }

// checkHostPort checks that v is uri-host [ ":" port ] (RFC 9110 7.2, RFC
// 3986 3.2.2 and 3.2.3), or uri-host ":" port with a non-empty port if
// needPort (RFC 9112 3.2.3, RFC 9110 9.3.6). uri-host is an IP-literal in
// brackets or a reg-name (which includes IPv4 addresses): unreserved /
// pct-encoded / sub-delims. An empty reg-name is valid syntax (RFC 9112
// 3.2 allows an empty Host); callers that need a host check for it.
//
// RFC 3986's port = *DIGIT has no bound, but the port of an http(s) URI is
// a TCP port (RFC 9110 4.2.1, 4.2.2): 16 bits (RFC 9293 3.1), and 0 is
// reserved and cannot be connected to (RFC 6335 6). A port of 0 or above
// 65535, however many leading zeros it has, is hostPortRange; leading
// zeros are otherwise allowed ("080" is 80). An empty port ("host:") is
// valid where a port may be omitted and means the scheme's default (RFC
// 3986 3.2.3, RFC 9110 4.2.1).
func checkHostPort(v []byte, needPort bool) hostPortResult {
	i := 0
	if len(v) > 0 && v[0] == '[' {
		j := 1
		for j < len(v) && v[j] != ']' {
			j++
		}
		if j == len(v) || !validIPLiteral(v[1:j]) {
			return hostSyntax
		}
		i = j + 1
	} else {
		for i < len(v) && charClass[v[i]]&cHost != 0 {
			if v[i] == '%' {
				if i+2 >= len(v) || charClass[v[i+1]]&cHex == 0 || charClass[v[i+2]]&cHex == 0 {
					return hostSyntax
				}
				i += 2
			}
			i++
		}
	}
	if i == len(v) {
		if needPort {
			return hostSyntax
		}
		return hostOK
	}
	if v[i] != ':' {
		return hostSyntax
	}
	i++
	if i == len(v) {
		if needPort {
			return hostSyntax
		}
		return hostOK
	}
	port := 0
	for ; i < len(v); i++ {
		if !isDigit(v[i]) {
			return hostSyntax
		}
		if port <= 65535 { // saturate: no overflow however long the port
			port = port*10 + int(v[i]-'0')
		}
	}
	if port == 0 || port > 65535 {
		return hostPortRange
	}
	return hostOK
}

// validIPLiteral checks the inside of "[...]" (RFC 3986 3.2.2):
// IPv6address, or IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims
// / ":" ). Zone identifiers (RFC 6874) are not accepted: RFC 9110 does not
// allow them in http URIs.
func validIPLiteral(s []byte) bool {
	if len(s) > 0 && (s[0] == 'v' || s[0] == 'V') {
		i := 1
		for i < len(s) && charClass[s[i]]&cHex != 0 {
			i++
		}
		if i == 1 || i == len(s) || s[i] != '.' || i+1 == len(s) {
			return false
		}
		for _, c := range s[i+1:] {
			if c == '%' || (charClass[c]&cHost == 0 && c != ':') {
				return false
			}
		}
		return true
	}
	return validIPv6(s)
}

// validIPv6 checks RFC 3986's IPv6address: eight h16 pieces (1-4 hex
// digits) separated by ":", at most one "::" standing for one or more zero
// pieces, and optionally an IPv4address as the last two pieces.
func validIPv6(s []byte) bool {
	pieces := 0
	ellipsis := false
	i := 0
	if len(s) >= 2 && s[0] == ':' && s[1] == ':' {
		ellipsis = true
		i = 2
	} else if len(s) > 0 && s[0] == ':' {
		return false
	}
	for i < len(s) {
		j := i
		for j < len(s) && j-i < 5 && charClass[s[j]]&cHex != 0 {
			j++
		}
		if j < len(s) && s[j] == '.' {
			if !validIPv4(s[i:]) {
				return false
			}
			pieces += 2
			break
		}
		if j == i || j-i > 4 {
			return false
		}
		pieces++
		i = j
		if i == len(s) {
			break
		}
		if s[i] != ':' {
			return false
		}
		i++
		if i == len(s) {
			return false // a single trailing ":"
		}
		if s[i] == ':' {
			if ellipsis {
				return false
			}
			ellipsis = true
			i++
		}
	}
	if ellipsis {
		return pieces <= 7
	}
	return pieces == 8
}

// validIPv4 checks RFC 3986's IPv4address: four dec-octets (0-255, no
// leading zeros) separated by ".".
func validIPv4(s []byte) bool {
	for part := 0; part < 4; part++ {
		if part > 0 {
			if len(s) == 0 || s[0] != '.' {
				return false
			}
			s = s[1:]
		}
		n, v := 0, 0
		for n < len(s) && n < 4 && isDigit(s[n]) {
			v = v*10 + int(s[n]-'0')
			n++
		}
		if n == 0 || n > 3 || v > 255 || (n > 1 && s[0] == '0') {
			return false
		}
		s = s[n:]
	}
	return len(s) == 0
}
