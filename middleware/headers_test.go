package middleware

import (
	"slices"
	"testing"

	"github.com/wharfhttp/wharf"
)

func TestHeaders(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fields []wharf.Field
		next   wharf.HandlerFunc
		want   wharf.Header // the fields sent, in order, besides the handler's own
	}{
		{
			name:   "none",
			fields: nil,
			next:   func(w wharf.ResponseWriter, r *wharf.Request) { w.WriteString("x") },
			want:   nil,
		},
		{
			name:   "added in order",
			fields: []wharf.Field{{Name: "Strict-Transport-Security", Value: "max-age=63072000"}, {Name: "X-Frame-Options", Value: "DENY"}},
			next:   func(w wharf.ResponseWriter, r *wharf.Request) { w.WriteString("x") },
			want:   wharf.Header{{Name: "Strict-Transport-Security", Value: "max-age=63072000"}, {Name: "X-Frame-Options", Value: "DENY"}},
		},
		{
			name:   "repeated name: both sent",
			fields: []wharf.Field{{Name: "Link", Value: "</a.css>; rel=preload"}, {Name: "Link", Value: "</b.js>; rel=preload"}},
			next:   func(w wharf.ResponseWriter, r *wharf.Request) { w.WriteString("x") },
			want:   wharf.Header{{Name: "Link", Value: "</a.css>; rel=preload"}, {Name: "Link", Value: "</b.js>; rel=preload"}},
		},
		{
			name:   "next overrides with Set",
			fields: []wharf.Field{{Name: "Cache-Control", Value: "no-cache"}, {Name: "X-A", Value: "1"}},
			next: func(w wharf.ResponseWriter, r *wharf.Request) {
				w.Header().Set("cache-control", "max-age=60")
				w.WriteString("x")
			},
			want: wharf.Header{{Name: "Cache-Control", Value: "max-age=60"}, {Name: "X-A", Value: "1"}},
		},
		{
			name:   "next deletes",
			fields: []wharf.Field{{Name: "X-A", Value: "1"}, {Name: "X-B", Value: "2"}},
			next: func(w wharf.ResponseWriter, r *wharf.Request) {
				w.Header().Del("X-A")
				w.WriteHeader(404)
			},
			want: wharf.Header{{Name: "X-B", Value: "2"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fields := slices.Clone(tc.fields)
			h := Headers(tc.next, fields)
			if len(fields) > 0 {
				fields[0].Value = "changed by the caller" // Headers keeps a copy
			}
			for range 2 { // the same on every request
				_, got, _ := serve(h, request("GET", "/"))
				if !slices.Equal(got, tc.want) {
					t.Errorf("header %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestHeadersReleaser(t *testing.T) {
	if !isReleaser(Headers(&okHandler{}, nil)) {
		t.Error("Headers(releaser) is not a RequestReleaser")
	}
	if isReleaser(Headers(plainHandler, nil)) {
		t.Error("Headers(plain handler) is a RequestReleaser")
	}
}
