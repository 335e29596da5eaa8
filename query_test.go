package wharf_test

import (
	"net/url"
	"reflect"
	"slices"
	"testing"

	"github.com/wharfhttp/wharf"
)

var queryTests = []string{
	"",
	"a=1",
	"a=1&b=2&a=3",
	"a",
	"a=",
	"=1",
	"&&a=1&&",
	"a=1;b=2&c=3",
	"a=%zz&a=2",
	"%zz=1&a=2",
	"a+b=c+d",
	"a%20b=c%20d",
	"a%2Bb=1",
	"q=%E2%82%AC&x=%41%42",
	"a=1=2",
	"a=%",
	"%61=x&a=y",
	"a=1&A=2",
	"key=v&key=w&key=",
}

// TestQuery checks QueryValue, QueryPairs and Query against
// url.ParseQuery.
func TestQuery(t *testing.T) {
	for _, q := range queryTests {
		want, _ := url.ParseQuery(q)
		r := &wharf.Request{RawQuery: q}
		if got := r.Query(); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: Query() = %v, want %v", q, got, want)
		}
		pairs := url.Values{}
		for k, v := range r.QueryPairs() {
			pairs[k] = append(pairs[k], v)
		}
		if !reflect.DeepEqual(pairs, want) {
			t.Errorf("%q: QueryPairs gave %v, want %v", q, pairs, want)
		}
		for _, name := range []string{"a", "b", "c", "a b", "a+b", "q", "x", "A", "", "key", "missing"} {
			if got, w := r.QueryValue(name), want.Get(name); got != w {
				t.Errorf("%q: QueryValue(%q) = %q, want %q", q, name, got, w)
			}
		}
	}
}

func FuzzQuery(f *testing.F) {
	for _, q := range queryTests {
		f.Add(q, "a")
	}
	f.Fuzz(func(t *testing.T, q, name string) {
		want, _ := url.ParseQuery(q)
		r := &wharf.Request{RawQuery: q}
		if got, w := r.QueryValue(name), want.Get(name); got != w {
			t.Errorf("%q: QueryValue(%q) = %q, want %q", q, name, got, w)
		}
		n := 0
		for k, v := range r.QueryPairs() {
			if !slices.Contains(want[k], v) {
				t.Errorf("%q: QueryPairs yields %q=%q, which ParseQuery does not", q, k, v)
			}
			n++
		}
		total := 0
		for _, vs := range want {
			total += len(vs)
		}
		if n != total {
			t.Errorf("%q: QueryPairs yields %d pairs, ParseQuery %d", q, n, total)
		}
	})
}

func TestQueryValueAllocs(t *testing.T) {
	r := &wharf.Request{RawQuery: "page=2&sort=name&q=wharf+server&x=%41"}
	var sink string
	for name, want := range map[string]float64{"page": 0, "sort": 0, "missing": 0, "q": 1, "x": 1} {
		if n := testing.AllocsPerRun(100, func() { sink = r.QueryValue(name) }); n != want {
			t.Errorf("QueryValue(%q): %v allocations, want %v", name, n, want)
		}
	}
	_ = sink
}
