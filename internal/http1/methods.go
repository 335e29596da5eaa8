package http1

// KnownMethod reports whether m is a method in the IANA HTTP Method
// Registry (RFC 9110 18.2 and the RFCs it lists: WebDAV, DeltaV, CalDAV,
// PATCH, QUERY, ...). It is case-sensitive, as methods are (RFC 9110 9.1).
//
// ParseHead accepts any token as a method, because the set of methods is
// extensible. A server that has no handler for extension methods should
// answer the others with 501 (RFC 9110 9.1: "An origin server that
// receives a request method that is unrecognized or not implemented SHOULD
// respond with the 501 (Not Implemented) status code"); this is the check
// for that. It does not allocate.
func KnownMethod(m []byte) bool {
	switch string(m) {
	case "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", // RFC 9110 9.3
		"PATCH",                                      // RFC 5789
		"QUERY",                                      // draft-ietf-httpbis-safe-method-w-body
		"PRI",                                        // RFC 9113 3.4 (only ever seen in the HTTP/2 preface)
		"ACL", "BASELINE-CONTROL", "BIND", "CHECKIN", // RFC 3744, 3253, 5842
		"CHECKOUT", "COPY", "LABEL", "LOCK", "MERGE", "MKACTIVITY", "MKCALENDAR",
		"MKCOL", "MKREDIRECTREF", "MKWORKSPACE", "MOVE", "ORDERPATCH", "PROPFIND",
		"PROPPATCH", "REBIND", "REPORT", "SEARCH", "UNBIND", "UNCHECKOUT",
		"UNLOCK", "UPDATE", "UPDATEREDIRECTREF", "VERSION-CONTROL",
		"LINK", "UNLINK": // RFC 2068 19.6.1
		return true
	}
	return false
}
