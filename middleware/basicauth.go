package middleware

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/internal/http1"
)

// NewBasicAuth returns a handler that passes to next only the requests
// that carry the credentials of one of the users in creds, with HTTP
// Basic authentication (RFC 7617), and answers every other request
// 401.
//
// Each element of creds is "USER:BCRYPT_HASH": a user name that is
// not empty and holds no control character (the first ':' ends it),
// and the bcrypt hash of that user's password ("$2a$", "$2b$" or
// "$2y$", as `wharf --hash-password` or `htpasswd -nB` print it). A
// plain-text password, an unknown or malformed hash, an empty user, a
// user given twice, or no credentials at all is an error; the error
// names the user, never the password or hash. realm is the protection
// space named in the challenge; it may not hold CR, LF or NUL.
//
// A request without an "Authorization: Basic" field, or whose user
// and password (compared as bytes: UTF-8, as the challenge's
// charset="UTF-8" asks, with no normalization) do not match, is
// answered 401 with `WWW-Authenticate: Basic realm="REALM",
// charset="UTF-8"`, "Cache-Control: no-store" and a small fixed plain
// text body that holds nothing of the request. Authenticated requests
// reach next unchanged (Authorization included).
//
// A password check costs one bcrypt comparison (about 50-100 ms at
// cost 10-12), and the same for a user that does not exist as for a
// wrong password: an unknown user's password is checked against a
// dummy hash of the highest cost among the configured hashes, and the
// user name is compared with every configured one in constant time.
// Since browsers send the credentials with every request, the
// credentials that passed are remembered, for five minutes, in a
// bounded cache (1024 entries, the oldest evicted first), keyed by the
// SHA-256 of the exact "user:password" bytes and a random per-handler
// salt; a request whose credentials are in the cache costs one SHA-256
// and no allocation. The cache holds no password, and a changed
// configuration means a new handler, with an empty cache.
//
// Failed checks are not cached or rate-limited: each costs a worker a
// bcrypt comparison, so a client guessing passwords uses a worker's
// time per guess.
//
// Put NewBasicAuth inside NewCORS, so that CORS preflights, which
// never carry credentials, are answered before authentication (see
// the package documentation).
func NewBasicAuth(next wharf.Handler, realm string, creds []string) (wharf.Handler, error) {
	if !http1.ValidFieldValue(realm) {
		return nil, errors.New("middleware: basic auth: realm holds a control character")
	}
	if len(creds) == 0 {
		return nil, errors.New("middleware: basic auth: no credentials")
	}
	a := &basicAuth{
		next:      next,
		challenge: `Basic realm="` + quoteEscape(realm) + `", charset="UTF-8"`,
		cache:     newCredCache(credCacheSize, credCacheTTL),
	}
	maxCost := 0
	seen := make(map[string]bool, len(creds))
	for i, c := range creds {
		name, hash, ok := strings.Cut(c, ":")
		switch {
		case !ok:
			return nil, fmt.Errorf("middleware: basic auth: credential %d: want USER:BCRYPT_HASH", i+1)
		case name == "":
			return nil, fmt.Errorf("middleware: basic auth: credential %d: empty user name", i+1)
		case hasControl(name):
			return nil, fmt.Errorf("middleware: basic auth: credential %d: user name holds a control character", i+1)
		case seen[name]:
			return nil, fmt.Errorf("middleware: basic auth: user %q given twice", name)
		}
		seen[name] = true
		cost, err := bcrypt.Cost([]byte(hash))
		if err != nil {
			return nil, fmt.Errorf("middleware: basic auth: user %q: the password must be a bcrypt hash, not the password itself (make one with `wharf --hash-password`)", name)
		}
		maxCost = max(maxCost, cost)
		a.users = append(a.users, authUser{nameSum: sha256.Sum256([]byte(name)), hash: []byte(hash)})
	}
	// The dummy's password is random: no request can match it.
	var pw [18]byte
	rand.Read(pw[:])
	dummy, err := bcrypt.GenerateFromPassword(pw[:], maxCost)
	if err != nil {
		return nil, fmt.Errorf("middleware: basic auth: %v", err)
	}
	a.dummy = dummy
	return promise(a, next), nil
}

const (
	credCacheSize = 1024
	credCacheTTL  = 5 * time.Minute

	// maxCredentials bounds the decoded "user:password" of a request;
	// longer ones are refused without a bcrypt check (bcrypt reads at
	// most 72 bytes of a password anyway).
	maxCredentials = 512
)

type basicAuth struct {
	next      wharf.Handler
	challenge string // the WWW-Authenticate value
	users     []authUser
	dummy     []byte // bcrypt hash of a random password, checked for unknown users
	cache     *credCache
}

type authUser struct {
	nameSum [sha256.Size]byte // SHA-256 of the name: compared in constant time, whatever the length
	hash    []byte
}

const unauthorizedBody = "401 Unauthorized\n"

func (a *basicAuth) ServeHTTP(w wharf.ResponseWriter, r *wharf.Request) {
	if a.authorized(r.Header.Get("Authorization")) {
		a.next.ServeHTTP(w, r)
		return
	}
	h := w.Header()
	h.Set("WWW-Authenticate", a.challenge)
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", "17")
	w.WriteHeader(401)
	w.WriteString(unauthorizedBody)
}

// authorized reports whether the Authorization value v carries the
// credentials of a configured user.
func (a *basicAuth) authorized(v string) bool {
	const scheme = "basic"
	if len(v) <= len(scheme) || !strings.EqualFold(v[:len(scheme)], scheme) || v[len(scheme)] != ' ' {
		return false
	}
	token := strings.Trim(v[len(scheme):], " \t")

	// buf is the cache's salt followed by the decoded "user:password":
	// the key is the SHA-256 of both. It stays on the stack, and is
	// cleared before returning.
	var buf [saltSize + maxCredentials]byte
	defer clear(buf[:])
	copy(buf[:], a.cache.salt[:])
	n, ok := decodeBase64(buf[saltSize:], token)
	if !ok {
		return false
	}
	key := sha256.Sum256(buf[:saltSize+n])
	now := a.cache.now()
	if a.cache.hit(key, now) {
		return true
	}
	if a.check(buf[saltSize : saltSize+n]) {
		a.cache.put(key, now)
		return true
	}
	return false
}

// check verifies "user:password" with bcrypt. It costs one bcrypt
// comparison whether or not the user exists.
func (a *basicAuth) check(cred []byte) bool {
	name, pass, ok := bytes.Cut(cred, []byte(":"))
	if !ok {
		return false
	}
	sum := sha256.Sum256(name)
	hash, found := a.dummy, 0
	for i := range a.users {
		eq := subtle.ConstantTimeCompare(a.users[i].nameSum[:], sum[:])
		if eq == 1 {
			hash = a.users[i].hash
		}
		found |= eq
	}
	// A copy: bcrypt's arguments escape, and cred is on the caller's
	// stack, which must stay there for the cached path to allocate
	// nothing.
	pw := bytes.Clone(pass)
	err := bcrypt.CompareHashAndPassword(hash, pw)
	clear(pw)
	return err == nil && found == 1
}

// quoteEscape escapes '"' and '\' for a quoted-string (RFC 9110 5.6.4).
func quoteEscape(s string) string {
	if !strings.ContainsAny(s, `"\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// hasControl reports whether s holds a control character (RFC 7617
// forbids them in a user-id).
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// decodeBase64 decodes s, standard base64 with or without padding
// (RFC 4648 4; clients differ), into dst, and reports the length. It
// is encoding/base64 over a string, without the []byte copy of s that
// would allocate.
func decodeBase64(dst []byte, s string) (int, bool) {
	if len(s) > 0 && len(s)%4 == 0 && s[len(s)-1] == '=' {
		s = s[:len(s)-1]
		if s[len(s)-1] == '=' {
			s = s[:len(s)-1]
		}
	}
	if len(s)%4 == 1 || len(s)*6/8 > len(dst) {
		return 0, false
	}
	var acc uint32
	bits, n := 0, 0
	for i := 0; i < len(s); i++ {
		v := base64Values[s[i]]
		if v == 0xff {
			return 0, false
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			dst[n] = byte(acc >> bits)
			n++
		}
	}
	if acc&(1<<bits-1) != 0 {
		return 0, false // non-zero padding bits: not canonical (encoding/base64.Strict)
	}
	return n, true
}

var base64Values = func() (t [256]byte) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range t {
		t[i] = 0xff
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()
