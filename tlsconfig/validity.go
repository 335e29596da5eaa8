package tlsconfig

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"
)

// A ValidityError reports a certificate used outside its validity
// period: expired, or not valid yet. It is a warning, not a failure:
// a [Reloader] keeps serving such a certificate (clients decide whether
// to accept it), reports the ValidityError through its logger, and the
// command warns and serves.
type ValidityError struct {
	File      string    // the certificate file
	NotBefore time.Time // the certificate's validity period
	NotAfter  time.Time
	Now       time.Time // when it was checked
}

// Expired reports whether the certificate expired (rather than being not
// valid yet).
func (e *ValidityError) Expired() bool { return e.Now.After(e.NotAfter) }

// Error returns a line such as "tlsconfig: certificate cert.pem expired
// at 2026-11-27T19:00:00Z (3 days ago)".
func (e *ValidityError) Error() string {
	if e.Expired() {
		return fmt.Sprintf("tlsconfig: certificate %s expired at %s (%s ago)",
			e.File, e.NotAfter.UTC().Format(time.RFC3339), roughly(e.Now.Sub(e.NotAfter)))
	}
	return fmt.Sprintf("tlsconfig: certificate %s is not valid until %s (%s from now)",
		e.File, e.NotBefore.UTC().Format(time.RFC3339), roughly(e.NotBefore.Sub(e.Now)))
}

// checkValidity returns a *ValidityError when now is outside leaf's
// validity period, and nil otherwise. The bounds are inclusive, as in
// x509.Certificate.Verify.
func checkValidity(file string, leaf *x509.Certificate, now time.Time) error {
	if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		return &ValidityError{File: file, NotBefore: leaf.NotBefore, NotAfter: leaf.NotAfter, Now: now}
	}
	return nil
}

// roughly formats d for a person: whole days past two days, else
// minutes, else seconds.
func roughly(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	case d >= time.Minute:
		return strings.TrimSuffix(d.Round(time.Minute).String(), "0s") // "3h0m", "5m"
	}
	return d.Round(time.Second).String()
}
