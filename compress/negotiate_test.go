package compress

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wharfhttp/wharf"
)

// aeHeader returns a request header with one Accept-Encoding field line
// per element of values.
func aeHeader(values ...string) wharf.Header {
	h := wharf.Header{{Name: "Host", Value: "example.com"}}
	for _, v := range values {
		h = append(h, wharf.Field{Name: "Accept-Encoding", Value: v})
	}
	return h
}

var negotiateTests = []struct {
	name    string
	fields  []string // nil: no Accept-Encoding field
	offered Set
	want    Encoding
	ok      bool
}{
	{"no field", nil, All, Identity, true},
	{"empty value", []string{""}, All, Identity, true},
	{"only commas and spaces", []string{" , ,\t"}, All, Identity, true},
	{"browser", []string{"gzip, deflate, br, zstd"}, All, Brotli, true},
	{"browser gzip only offered", []string{"gzip, deflate, br, zstd"}, SetOf(Gzip), Gzip, true},
	{"browser zstd and gzip offered", []string{"gzip, deflate, br, zstd"}, SetOf(Gzip, Zstd), Zstd, true},
	{"nothing offered", []string{"gzip, br"}, 0, Identity, true},
	{"identity bit alone", []string{"gzip"}, SetOf(Identity), Identity, true},
	{"gzip", []string{"gzip"}, All, Gzip, true},
	{"x-gzip", []string{"x-gzip"}, All, Gzip, true},
	{"uppercase", []string{"GZIP, BR"}, All, Brotli, true},
	{"mixed case x-gzip", []string{"X-Gzip"}, All, Gzip, true},
	{"unknown coding", []string{"deflate, compress"}, All, Identity, true},
	{"q wins over tie order", []string{"br;q=0.5, gzip"}, All, Gzip, true},
	{"q three decimals", []string{"br;q=0.501, gzip;q=0.5"}, All, Brotli, true},
	{"tie br zstd gzip", []string{"gzip;q=0.8, zstd;q=0.8, br;q=0.8"}, All, Brotli, true},
	{"tie zstd gzip", []string{"gzip, zstd"}, All, Zstd, true},
	{"q=1.000", []string{"gzip;q=1.000, br;q=0.999"}, All, Gzip, true},
	{"q=0 refuses", []string{"gzip;q=0, br;q=0"}, All, Identity, true},
	{"q=0.000 refuses", []string{"br;q=0.000, gzip;q=0.001"}, All, Gzip, true},
	{"OWS around semicolon", []string{"br ; q=0.1 , gzip\t;\tq=0.2"}, All, Gzip, true},
	{"uppercase Q", []string{"br;Q=0.1, gzip;Q=0.2"}, All, Gzip, true},
	{"star", []string{"*"}, All, Brotli, true},
	{"star offered gzip", []string{"*"}, SetOf(Gzip), Gzip, true},
	{"star low, gzip listed", []string{"*;q=0.1, gzip"}, All, Gzip, true},
	{"star q=0, gzip", []string{"*;q=0, gzip"}, All, Gzip, true},
	{"star q=0 alone", []string{"*;q=0"}, All, Identity, false},
	{"star q=0, identity", []string{"*;q=0, identity"}, All, Identity, true},
	{"star q=0, identity q=0.5", []string{"*;q=0, identity;q=0.5"}, All, Identity, true},
	{"identity q=0 alone", []string{"identity;q=0"}, All, Identity, false},
	{"identity q=0, gzip", []string{"identity;q=0, gzip"}, All, Gzip, true},
	{"identity q=0, gzip not offered", []string{"identity;q=0, gzip"}, SetOf(Brotli), Identity, false},
	{"identity q=0, star", []string{"identity;q=0, *"}, SetOf(Zstd), Zstd, true},
	{"identity preferred", []string{"identity, gzip;q=0.5"}, All, Identity, true},
	{"identity tie loses", []string{"identity;q=0.5, gzip;q=0.5"}, All, Gzip, true},
	{"unlisted identity is the fallback", []string{"gzip;q=0.001"}, All, Gzip, true},
	{"star above listed", []string{"*;q=0.9, gzip;q=0.5"}, SetOf(Gzip), Identity, true},
	{"star above listed, br unlisted", []string{"*;q=0.9, gzip;q=0.5"}, All, Brotli, true},
	{"duplicate takes lower", []string{"gzip, gzip;q=0"}, SetOf(Gzip), Identity, true},
	{"duplicate takes lower 2", []string{"br;q=0.2, br, gzip;q=0.5"}, All, Gzip, true},
	{"two fields", []string{"gzip", "br"}, All, Brotli, true},
	{"two fields, refusal in second", []string{"br, gzip", "br;q=0"}, All, Gzip, true},
	{"empty field and a list", []string{"", "gzip"}, All, Gzip, true},
	{"malformed q > 1", []string{"br;q=2, gzip"}, All, Gzip, true},
	{"malformed q 1.5", []string{"br;q=1.5, gzip;q=0.1"}, All, Gzip, true},
	{"malformed q four decimals", []string{"br;q=0.5000, gzip;q=0.1"}, All, Gzip, true},
	{"malformed q letters", []string{"br;q=abc, gzip;q=0.1"}, All, Gzip, true},
	{"malformed q empty", []string{"br;q=, gzip;q=0.1"}, All, Gzip, true},
	{"malformed q .5", []string{"br;q=.5, gzip;q=0.1"}, All, Gzip, true},
	{"malformed q negative", []string{"br;q=-1, gzip;q=0.1"}, All, Gzip, true},
	{"malformed other param", []string{"br;level=1, gzip;q=0.1"}, All, Gzip, true},
	{"malformed two weights", []string{"br;q=1;q=0.5, gzip;q=0.1"}, All, Gzip, true},
	{"malformed trailing semicolon", []string{"br;, gzip;q=0.1"}, All, Gzip, true},
	{"malformed space in q", []string{"br;q =1, gzip;q=0.1"}, All, Gzip, true},
	{"malformed refusal ignored", []string{"br;q=0.x, br"}, All, Brotli, true},
	{"malformed coding", []string{"g zip, br/1, \"br\", gzip"}, All, Gzip, true},
	{"all malformed: as empty", []string{"br;q=7"}, All, Identity, true},
	{"non-ASCII", []string{"gzíp, br"}, All, Brotli, true},
	{"CR in value", []string{"br\r, gzip"}, All, Gzip, true},
}

func TestNegotiate(t *testing.T) {
	for _, tc := range negotiateTests {
		t.Run(tc.name, func(t *testing.T) {
			var h wharf.Header
			if tc.fields != nil {
				h = aeHeader(tc.fields...)
			}
			e, ok := Negotiate(h, tc.offered)
			if e != tc.want || ok != tc.ok {
				t.Errorf("Negotiate(%q, %b) = %v, %v; want %v, %v", tc.fields, tc.offered, e, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestNegotiateAllocs(t *testing.T) {
	h := aeHeader("gzip;q=0.8, deflate, BR;q=0.9, zstd;q=0.85, identity;q=0.1", "*;q=0")
	if allocs := testing.AllocsPerRun(1000, func() {
		if e, _ := Negotiate(h, All); e != Brotli {
			t.Fatalf("got %v", e)
		}
	}); allocs != 0 {
		t.Errorf("Negotiate: %.1f allocations, want 0", allocs)
	}
}

func BenchmarkNegotiate(b *testing.B) {
	for _, bc := range []struct{ name, value string }{
		{"browser", "gzip, deflate, br, zstd"},
		{"weights", "gzip;q=1.0, identity; q=0.5, *;q=0"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := aeHeader(bc.value)
			b.ReportAllocs()
			for b.Loop() {
				Negotiate(h, All)
			}
		})
	}
}

// FuzzNegotiate checks Negotiate against refNegotiate, a reference
// written from the grammar with regular expressions, and checks the
// properties every answer must have. A "\n" in value separates field
// lines.
func FuzzNegotiate(f *testing.F) {
	for _, tc := range negotiateTests {
		f.Add(strings.Join(tc.fields, "\n"), uint8(tc.offered))
	}
	f.Fuzz(func(t *testing.T, value string, offered uint8) {
		fields := strings.Split(value, "\n")
		h := aeHeader(fields...)
		set := Set(offered)
		e, ok := Negotiate(h, set)

		if e != Identity && !set.Has(e) {
			t.Fatalf("Negotiate(%q, %b) = %v, not offered", value, set, e)
		}
		if !ok && e != Identity {
			t.Fatalf("Negotiate(%q, %b) = %v, false; want Identity with false", value, set, e)
		}
		weights := refWeights(fields)
		// A coding is acceptable only if listed with q > 0, or unlisted
		// and matched by a "*" with q > 0.
		if q := weights[e.String()]; ok && e != Identity && (q == 0 || q == -1 && weights["*"] <= 0) {
			t.Fatalf("Negotiate(%q, %b) = %v, a refused coding", value, set, e)
		}
		if ok && e == Identity && (weights["identity"] == 0 || weights["identity"] == -1 && weights["*"] == 0) {
			t.Fatalf("Negotiate(%q, %b) = identity, refused", value, set)
		}
		if we, wok := refNegotiate(fields, set); we != e || wok != ok {
			t.Fatalf("Negotiate(%q, %b) = %v, %v; reference says %v, %v", value, set, e, ok, we, wok)
		}
	})
}

var (
	tokenRE  = regexp.MustCompile("^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$")
	weightRE = regexp.MustCompile(`^[qQ]=(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$`)
)

// refWeights returns the weight (in thousandths) of each coding the
// fields list, by its lower-case name, "x-gzip" as "gzip"; a missing
// name reads as -1. A coding listed twice gets the lower weight.
func refWeights(fields []string) map[string]int {
	w := map[string]int{}
	for _, f := range fields {
		for _, m := range strings.Split(f, ",") {
			m = strings.Trim(m, " \t")
			if m == "" {
				continue
			}
			parts := strings.SplitN(m, ";", 2)
			coding := strings.ToLower(strings.Trim(parts[0], " \t"))
			if !tokenRE.MatchString(coding) {
				continue
			}
			q := 1000
			if len(parts) == 2 {
				p := strings.Trim(parts[1], " \t")
				if !weightRE.MatchString(p) {
					continue
				}
				v, _ := strconv.ParseFloat(p[2:], 64)
				q = int(v*1000 + 0.5)
			}
			if coding == "x-gzip" {
				coding = "gzip"
			}
			w["listed"]++
			if old, seen := w[coding]; !seen || q < old {
				w[coding] = q
			}
		}
	}
	for _, c := range []string{"gzip", "zstd", "br", "identity", "*"} {
		if _, seen := w[c]; !seen {
			w[c] = -1
		}
	}
	return w
}

// refNegotiate is Negotiate written from RFC 9110 12.5.3 as plainly as
// possible.
func refNegotiate(fields []string, offered Set) (Encoding, bool) {
	w := refWeights(fields)
	if w["listed"] == 0 {
		return Identity, true
	}
	weight := func(name string) int {
		if q := w[name]; q >= 0 {
			return q
		}
		if name == "identity" && w["*"] < 0 {
			return 1 // acceptable, least wanted
		}
		return max(w["*"], 0)
	}
	best, bestQ := Identity, 0
	for _, e := range []Encoding{Brotli, Zstd, Gzip} {
		if q := weight(e.String()); offered.Has(e) && q > bestQ {
			best, bestQ = e, q
		}
	}
	if q := weight("identity"); q > bestQ {
		return Identity, true
	}
	return best, bestQ > 0
}
