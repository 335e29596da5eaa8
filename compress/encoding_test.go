package compress

import "testing"

func TestEncodingNames(t *testing.T) {
	for _, tc := range []struct {
		e         Encoding
		name, ext string
	}{
		{Identity, "identity", ""},
		{Gzip, "gzip", ".gz"},
		{Zstd, "zstd", ".zst"},
		{Brotli, "br", ".br"},
		{Brotli + 1, "", ""},
	} {
		if got := tc.e.String(); got != tc.name {
			t.Errorf("Encoding(%d).String() = %q, want %q", tc.e, got, tc.name)
		}
		if got := tc.e.Ext(); got != tc.ext {
			t.Errorf("Encoding(%d).Ext() = %q, want %q", tc.e, got, tc.ext)
		}
	}
}

func TestSet(t *testing.T) {
	s := SetOf(Gzip, Brotli, Encoding(200))
	for _, tc := range []struct {
		e    Encoding
		want bool
	}{{Identity, false}, {Gzip, true}, {Zstd, false}, {Brotli, true}, {Encoding(7), false}, {Encoding(200), false}} {
		if got := s.Has(tc.e); got != tc.want {
			t.Errorf("SetOf(Gzip, Brotli).Has(%v) = %v, want %v", tc.e, got, tc.want)
		}
	}
	if SetOf(Gzip, Zstd, Brotli) != All {
		t.Errorf("SetOf(Gzip, Zstd, Brotli) = %b, want All = %b", SetOf(Gzip, Zstd, Brotli), All)
	}
	if All.Has(Identity) {
		t.Error("All has Identity")
	}
}
