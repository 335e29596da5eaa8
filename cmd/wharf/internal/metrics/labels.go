package metrics

// The label values of wharf_http_requests_total are bounded: a client
// that sends a thousand made-up methods adds one series, OTHER, not a
// thousand.

// methods are the method label's values, by index.
var methods = [numMethods]string{"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "OTHER", "NONE"}

const (
	methodOther = 9  // a method not in methods
	methodNone  = 10 // the server's answer before any request was read
	numMethods  = 11
)

// methodIndex returns the index in methods of the label of method m.
// Methods are case-sensitive (RFC 9110 9.1): "get" is OTHER.
func methodIndex(m string) int {
	switch m {
	case "GET":
		return 0
	case "HEAD":
		return 1
	case "POST":
		return 2
	case "PUT":
		return 3
	case "DELETE":
		return 4
	case "CONNECT":
		return 5
	case "OPTIONS":
		return 6
	case "TRACE":
		return 7
	case "PATCH":
		return 8
	}
	return methodOther
}

// numCodes bounds the status codes counted: a handler may send any
// three-digit code (100 to 999).
const numCodes = 1000

// codeIndex returns the index of status's counter: status itself, or 0
// ("000") for none or one out of range.
func codeIndex(status int) int {
	if status < 0 || status >= numCodes {
		return 0
	}
	return status
}

// codeLabel returns the three digits of code index i.
func codeLabel(i int) string {
	return string([]byte{byte('0' + i/100), byte('0' + i/10%10), byte('0' + i%10)})
}
