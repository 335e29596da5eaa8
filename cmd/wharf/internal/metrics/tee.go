package metrics

import "github.com/wharfhttp/wharf"

// Tee returns an Observer that tells each of obs of every answer, in
// order (the access log, then the metrics). nil Observers are left
// out: Tee returns nil when none is left, so that a Server with
// neither an access log nor metrics pays nothing for observing, and the
// one Observer itself when only one is. Pass an untyped nil for an
// Observer that is off: a nil *accesslog.Log in an interface is not
// nil.
func Tee(obs ...wharf.Observer) wharf.Observer {
	var t tee
	for _, o := range obs {
		if o != nil {
			t = append(t, o)
		}
	}
	switch len(t) {
	case 0:
		return nil
	case 1:
		return t[0]
	}
	return t
}

// A tee is the Observer of Tee with more than one Observer.
type tee []wharf.Observer

func (t tee) Answered(a *wharf.Answer) {
	for _, o := range t {
		o.Answered(a)
	}
}
