package wharf

import "testing"

func TestHeader(t *testing.T) {
	var h Header
	h.Add("Accept", "a")
	h.Add("X-Other", "x")
	h.Add("accept", "b")
	if got := h.Get("ACCEPT"); got != "a" {
		t.Errorf("Get = %q", got)
	}
	var vs []string
	for i := h.Next("Accept", 0); i >= 0; i = h.Next("Accept", i+1) {
		vs = append(vs, h[i].Value)
	}
	if len(vs) != 2 || vs[0] != "a" || vs[1] != "b" {
		t.Errorf("Next walk = %q", vs)
	}
	if allocs := testing.AllocsPerRun(100, func() {
		for i := h.Next("accept", 0); i >= 0; i = h.Next("accept", i+1) {
		}
	}); allocs != 0 {
		t.Errorf("Next allocates %.0f", allocs)
	}
	h.Set("accept", "c")
	if got := h.Values("Accept"); len(got) != 1 || got[0] != "c" || len(h) != 2 {
		t.Errorf("after Set: %v", h)
	}
	h.Del("x-other")
	if h.Has("X-Other") || len(h) != 1 {
		t.Errorf("after Del: %v", h)
	}
}
