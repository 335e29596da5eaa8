package conformance

import "fmt"

// A Class is what a server did with a case, judged against its verdict.
type Class string

const (
	// Accepted: the server served the request(s): every answer the
	// verdict looks at has a status other than a rejection (so 2xx, 3xx,
	// 404 and 405 are all "accepted": the request reached the handler;
	// so is an HTTP/0.9 answer, status 0).
	Accepted Class = "accepted"
	// Rejected: the server answered a rejection status (Rejection), or
	// closed the connection without answering the request that decides
	// the verdict.
	Rejected Class = "rejected"
	// Waiting: no answer to the deciding request within the timeout and
	// the connection still open (the server waits for more bytes).
	Waiting Class = "waiting"
	// Failed: the server answered another 5xx, or sent bytes that are
	// not a well-formed answer.
	Failed Class = "failed"
)

// Rejection is the set of statuses that mean "this request was refused
// for its syntax, framing or size": 400, 411, 413, 414, 417, 431, 501
// and 505. 408 is not in it: it only comes from a timeout longer than
// the replay's.
var Rejection = map[int]bool{400: true, 411: true, 413: true, 414: true, 417: true, 431: true, 501: true, 505: true}

func failedStatus(st int) bool { return st >= 500 && !Rejection[st] }

// Classify judges a result against the case. With S the final
// statuses, in order, and g = c.Good:
//
//   - valid (and upgrade, finish): the first g answers (at least one)
//     decide. Rejected if one of them is a Rejection status, or if the
//     server closed before answering them all; Accepted if all g came
//     with other statuses; Waiting otherwise.
//   - invalid, lenient-only: answer g (0-based: the one after the g
//     good requests) decides. Rejected if one of the first g+1 answers
//     is a Rejection status, or if the server closed the connection
//     after at most g answers (the offending bytes were never served);
//     Accepted if answer g exists and none of the first g+1 is a
//     Rejection status (the offending request was served); Waiting if
//     the server neither answered it nor closed.
//   - incomplete: the same rule as valid with g = 1: a server that waits
//     for the rest is "waiting", which is the expected outcome.
//
// In every case, another 5xx among the deciding answers, or a malformed
// answer before the verdict is reached, is Failed. The detail names the
// status or event that decided.
func Classify(c Case, r Result) (Class, string) {
	n := needed(c) // answers that decide
	for i, st := range r.Statuses {
		if i >= n {
			break
		}
		switch {
		case Rejection[st]:
			return Rejected, fmt.Sprint(st)
		case failedStatus(st):
			return Failed, fmt.Sprint(st)
		}
	}
	if len(r.Statuses) >= n {
		return Accepted, fmt.Sprint(r.Statuses[n-1])
	}
	if r.Err != "" {
		return Failed, r.Err
	}
	if r.Closed {
		if r.Reset {
			return Rejected, fmt.Sprintf("reset after %d answer(s)", len(r.Statuses))
		}
		return Rejected, fmt.Sprintf("closed after %d answer(s)", len(r.Statuses))
	}
	return Waiting, fmt.Sprintf("no answer %d, open", len(r.Statuses)+1)
}
