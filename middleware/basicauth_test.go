package middleware

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/wharfhttp/wharf"
)

func basic(userPass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(userPass))
}

func TestNewBasicAuthErrors(t *testing.T) {
	good := mustHash(t, "pw")
	for _, tc := range []struct {
		name   string
		realm  string
		creds  []string
		want   string // in the error
		secret string // must not be in the error
	}{
		{name: "no creds", creds: nil, want: "no credentials"},
		{name: "no colon", creds: []string{"bob"}, want: "credential 1: want USER:BCRYPT_HASH"},
		{name: "empty user", creds: []string{":" + good}, want: "credential 1: empty user name"},
		{name: "control in user", creds: []string{"b\x01b:" + good}, want: "control character"},
		{name: "plaintext", creds: []string{"alice:" + good, "bob:plaintext"}, want: `user "bob": the password must be a bcrypt hash`, secret: "plaintext"},
		{name: "hint", creds: []string{"bob:hunter2"}, want: "wharf --hash-password", secret: "hunter2"},
		{name: "truncated hash", creds: []string{"bob:" + good[:40]}, want: "bcrypt hash", secret: good[:40]},
		{name: "empty hash", creds: []string{"bob:"}, want: "bcrypt hash"},
		{name: "twice", creds: []string{"bob:" + good, "bob:" + good}, want: `user "bob" given twice`},
		{name: "realm", realm: "a\r\nb", creds: []string{"bob:" + good}, want: "realm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := NewBasicAuth(&okHandler{}, tc.realm, tc.creds)
			if err == nil || h != nil {
				t.Fatalf("NewBasicAuth = %v, %v; want an error", h, err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "middleware: basic auth: ") {
				t.Errorf("error %q, want it to hold %q", err, tc.want)
			}
			if tc.secret != "" && strings.Contains(err.Error(), tc.secret) {
				t.Errorf("error %q shows the secret", err)
			}
		})
	}
}

func TestBasicAuth(t *testing.T) {
	creds := []string{"alice:" + mustHash(t, "wonder:land"), "bob:" + mustHash(t, "builder"), "élodie:" + mustHash(t, "mot de passe")}
	for _, tc := range []struct {
		name string
		auth []string // Authorization fields
		ok   bool
	}{
		{"no Authorization", nil, false},
		{"alice", []string{basic("alice:wonder:land")}, true}, // the password holds ':'
		{"bob", []string{basic("bob:builder")}, true},
		{"UTF-8 user and password", []string{basic("élodie:mot de passe")}, true},
		{"scheme in any case, extra spaces", []string{"bAsIc   " + base64.StdEncoding.EncodeToString([]byte("bob:builder")) + " "}, true},
		{"no padding", []string{"Basic " + base64.RawStdEncoding.EncodeToString([]byte("bob:builder"))}, true},
		{"wrong password", []string{basic("bob:Builder")}, false},
		{"password prefix", []string{basic("bob:build")}, false},
		{"password longer", []string{basic("bob:builder2")}, false},
		{"unknown user", []string{basic("carol:builder")}, false},
		{"user's case", []string{basic("Bob:builder")}, false},
		{"another user's password", []string{basic("alice:builder")}, false},
		{"empty password", []string{basic("bob:")}, false},
		{"no colon", []string{basic("bob")}, false},
		{"empty credentials", []string{"Basic "}, false},
		{"scheme only", []string{"Basic"}, false},
		{"scheme glued", []string{"Basic" + base64.StdEncoding.EncodeToString([]byte("bob:builder"))}, false},
		{"other scheme", []string{"Bearer " + base64.StdEncoding.EncodeToString([]byte("bob:builder"))}, false},
		{"bad base64", []string{"Basic Ym9iOmJ1aWxkZXI*"}, false},
		{"URL base64", []string{"Basic " + base64.URLEncoding.EncodeToString([]byte("bob:bu~~~>?ilder"))}, false},
		{"too long", []string{basic("bob:" + strings.Repeat("x", 600))}, false},
		{"first field counts", []string{basic("bob:nope"), basic("bob:builder")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := &okHandler{}
			h, err := NewBasicAuth(next, `my "site"`, creds)
			if err != nil {
				t.Fatal(err)
			}
			var fields []string
			for _, a := range tc.auth {
				fields = append(fields, "Authorization", a)
			}
			for i := range 2 { // the second time from the cache, when ok
				r := request("GET", "/private?q=<script>", fields...)
				code, hdr, body := serve(h, r)
				if tc.ok {
					if code != 200 || body != "ok" || next.calls != i+1 {
						t.Fatalf("#%d: %d %q, next called %d times; want 200 from next", i, code, body, next.calls)
					}
					continue
				}
				if code != 401 || next.calls != 0 {
					t.Fatalf("#%d: %d, next called %d times; want 401", i, code, next.calls)
				}
				if got, want := hdr.Get("WWW-Authenticate"), `Basic realm="my \"site\"", charset="UTF-8"`; got != want {
					t.Errorf("WWW-Authenticate %q, want %q", got, want)
				}
				if body != unauthorizedBody || hdr.Get("Content-Length") != "17" || len(unauthorizedBody) != 17 {
					t.Errorf("body %q, Content-Length %q", body, hdr.Get("Content-Length"))
				}
				if hdr.Get("Content-Type") != "text/plain; charset=utf-8" || hdr.Get("Cache-Control") != "no-store" {
					t.Errorf("header %v", hdr)
				}
			}
			if c := h.(releaser).Handler.(*basicAuth).cache.len(); c != map[bool]int{true: 1}[tc.ok] {
				t.Errorf("%d credentials cached", c)
			}
		})
	}
}

// The 401 answer keeps fields that handlers outside set, and holds no
// request data.
func TestBasicAuthRefusal(t *testing.T) {
	h, err := NewBasicAuth(plainHandler, "wharf", []string{"bob:" + mustHash(t, "builder")})
	if err != nil {
		t.Fatal(err)
	}
	h = Headers(h, []wharf.Field{{Name: "X-Site", Value: "1"}})
	code, hdr, body := serve(h, request("GET", "/secret<b>", "Authorization", basic("mallory:<b>"), "X-Evil", "<b>"))
	if code != 401 || hdr.Get("X-Site") != "1" || hdr.Get("WWW-Authenticate") != `Basic realm="wharf", charset="UTF-8"` {
		t.Errorf("%d %v", code, hdr)
	}
	for _, f := range hdr {
		if strings.Contains(f.Value, "<b>") || strings.Contains(f.Value, "mallory") {
			t.Errorf("field %v holds request data", f)
		}
	}
	if strings.Contains(body, "<b>") {
		t.Errorf("body %q holds request data", body)
	}
}

func TestBasicAuthReleaser(t *testing.T) {
	creds := []string{"bob:" + mustHash(t, "builder")}
	h, _ := NewBasicAuth(&okHandler{}, "", creds)
	if !isReleaser(h) {
		t.Error("NewBasicAuth(releaser) is not a RequestReleaser")
	}
	h, _ = NewBasicAuth(plainHandler, "", creds)
	if isReleaser(h) {
		t.Error("NewBasicAuth(plain) is a RequestReleaser")
	}
}

// An unknown user costs a bcrypt check of the same cost as a known
// user with a wrong password.
func TestBasicAuthUnknownUserCost(t *testing.T) {
	const cost = 6 // a millisecond or two (more under -race)
	hash, err := bcrypt.GenerateFromPassword([]byte("builder"), cost)
	if err != nil {
		t.Fatal(err)
	}
	low := mustHash(t, "x") // a cheaper hash: the dummy takes the highest cost
	h, err := NewBasicAuth(&okHandler{}, "", []string{"amy:" + low, "bob:" + string(hash)})
	if err != nil {
		t.Fatal(err)
	}
	a := h.(releaser).Handler.(*basicAuth)
	if c, err := bcrypt.Cost(a.dummy); err != nil || c != cost {
		t.Fatalf("dummy hash cost %d (%v), want %d", c, err, cost)
	}
	fastest := func(cred string) time.Duration {
		best := time.Hour
		for range 3 {
			start := time.Now()
			if a.check([]byte(cred)) {
				t.Fatalf("%q passed", cred)
			}
			best = min(best, time.Since(start))
		}
		return best
	}
	wrong, unknown := fastest("bob:nope"), fastest("nobody:nope")
	t.Logf("wrong password %v, unknown user %v", wrong, unknown)
	if unknown < wrong/2 {
		t.Errorf("an unknown user takes %v, a wrong password %v: the unknown user is told apart", unknown, wrong)
	}
}

func TestCredCache(t *testing.T) {
	c := newCredCache(3, time.Minute)
	k := func(i byte) (key [32]byte) { key[0] = i; return key }
	ttl := int64(time.Minute)
	for i := range byte(3) {
		c.put(k(i), 0)
	}
	for i := range byte(3) {
		if !c.hit(k(i), 1) {
			t.Errorf("key %d missing", i)
		}
	}
	if c.hit(k(0), ttl) {
		t.Error("key 0 hit at its expiry")
	}
	c.put(k(0), ttl) // renewed in place
	c.put(k(3), 0)   // evicts the oldest: key 0
	if c.hit(k(0), ttl+1) || !c.hit(k(3), 1) || !c.hit(k(1), 1) || c.len() != 3 {
		t.Errorf("after eviction: 0:%v 1:%v 3:%v len %d", c.hit(k(0), ttl+1), c.hit(k(1), 1), c.hit(k(3), 1), c.len())
	}
	for i := range byte(10) {
		c.put(k(10+i), 0)
	}
	if c.len() != 3 || !c.hit(k(19), 0) || c.hit(k(16), 0) {
		t.Errorf("len %d after many puts", c.len())
	}

	// Two handlers never share keys: the salts differ.
	if d := newCredCache(1, time.Minute); d.salt == c.salt {
		t.Error("two caches with the same salt")
	}
}

// The cache bounds the entries of a handler, whatever the number of
// users and passwords seen.
func TestBasicAuthCacheBounded(t *testing.T) {
	h, err := NewBasicAuth(&okHandler{}, "", []string{"bob:" + mustHash(t, "builder")})
	if err != nil {
		t.Fatal(err)
	}
	a := h.(releaser).Handler.(*basicAuth)
	for i := range credCacheSize + 10 {
		var key [32]byte
		key[0], key[1] = byte(i), byte(i>>8)
		a.cache.put(key, a.cache.now())
	}
	if n := a.cache.len(); n != credCacheSize {
		t.Errorf("%d entries, want %d", n, credCacheSize)
	}
}

func TestDecodeBase64(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var dst [64]byte
	for n := range 48 {
		for range 20 {
			src := make([]byte, n)
			for i := range src {
				src[i] = byte(rng.UintN(256))
			}
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
				s := enc.EncodeToString(src)
				m, ok := decodeBase64(dst[:], s)
				if !ok || !bytes.Equal(dst[:m], src) {
					t.Fatalf("decode %q = %q, %v; want %q", s, dst[:m], ok, src)
				}
			}
		}
	}
	for _, bad := range []string{"A", "AB=", "A===", "====", "AB=C", "ABC*", "AB\n", "QR==", "QUJ="} {
		if _, ok := decodeBase64(dst[:], bad); ok {
			want, err := base64.StdEncoding.Strict().DecodeString(bad)
			t.Errorf("decode %q: ok; encoding/base64 says %q, %v", bad, want, err)
		}
	}
	if _, ok := decodeBase64(dst[:4], "QUJDREVG"); ok {
		t.Error("decoded past the end of dst")
	}
}

func FuzzDecodeBase64(f *testing.F) {
	for _, s := range []string{"", "Ym9iOmJ1aWxkZXI=", "Ym9iOmJ1aWxkZXI", "QR==", "A", "AB=C"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var dst [1024]byte
		n, ok := decodeBase64(dst[:], s)
		if !ok {
			return
		}
		// Whatever decodes must be the strict decoding of s, padded or not.
		want, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil {
			want, err = base64.RawStdEncoding.Strict().DecodeString(s)
		}
		if err != nil || !bytes.Equal(dst[:n], want) {
			t.Fatalf("decode %q = %q; encoding/base64: %q, %v", s, dst[:n], want, err)
		}
	})
}
