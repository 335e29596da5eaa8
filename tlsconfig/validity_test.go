package tlsconfig

import (
	"crypto/x509"
	"testing"
	"time"
)

func TestValidityErrorMessages(t *testing.T) {
	now := time.Date(2026, 11, 30, 19, 0, 0, 0, time.UTC)
	tests := []struct {
		notBefore, notAfter time.Time
		want                string
	}{
		{now.Add(-30 * 24 * time.Hour), now.Add(-3*24*time.Hour - time.Hour),
			"tlsconfig: certificate c.pem expired at 2026-11-27T18:00:00Z (3 days ago)"},
		{now.Add(-30 * 24 * time.Hour), now.Add(-3*time.Hour - 20*time.Second),
			"tlsconfig: certificate c.pem expired at 2026-11-30T15:59:40Z (3h0m ago)"},
		{now.Add(-30 * 24 * time.Hour), now.Add(-42 * time.Second),
			"tlsconfig: certificate c.pem expired at 2026-11-30T18:59:18Z (42s ago)"},
		{now.Add(5 * time.Minute), now.Add(24 * time.Hour),
			"tlsconfig: certificate c.pem is not valid until 2026-11-30T19:05:00Z (5m from now)"},
	}
	for _, tt := range tests {
		err := checkValidity("c.pem", &x509.Certificate{NotBefore: tt.notBefore, NotAfter: tt.notAfter}, now)
		if errText(err) != tt.want {
			t.Errorf("got  %s\nwant %s", errText(err), tt.want)
		}
	}
	// The bounds are inclusive.
	for _, at := range []time.Time{now.Add(-time.Hour), now, now.Add(time.Hour)} {
		leaf := &x509.Certificate{NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}
		if err := checkValidity("c.pem", leaf, at); err != nil {
			t.Errorf("at %v: %v, want nil", at, err)
		}
	}
}
