package middleware

import (
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"
)

const saltSize = 32

// A credCache remembers credentials that passed a bcrypt check, for
// ttl, so that only the first request of a client pays for bcrypt. It
// holds at most size keys; past that, the key inserted first goes.
//
// Keys are SHA-256(salt || "user:password"): with a random salt of
// the process's own, a key read from memory is useless without the
// salt, and no two handlers share keys. Looking a key up in a map is
// not constant-time, but what it could leak is a salted hash of a
// guess, which tells an attacker nothing.
type credCache struct {
	salt  [saltSize]byte // immutable
	ttl   int64          // nanoseconds; immutable
	epoch time.Time      // immutable; now() counts from it (monotonic)

	mu   sync.RWMutex
	m    map[[sha256.Size]byte]int64 // key -> expiry, in now() units
	ring [][sha256.Size]byte         // keys in insertion order, a ring once full
	next int                         // the ring's oldest key, once full
	size int
}

func newCredCache(size int, ttl time.Duration) *credCache {
	c := &credCache{
		ttl:   int64(ttl),
		epoch: time.Now(),
		m:     make(map[[sha256.Size]byte]int64),
		size:  size,
	}
	rand.Read(c.salt[:]) // never fails (crypto/rand: panics instead)
	return c
}

// now is the time in nanoseconds since the cache was made, from the
// monotonic clock.
func (c *credCache) now() int64 { return int64(time.Since(c.epoch)) }

// hit reports whether key was put less than ttl before now.
func (c *credCache) hit(key [sha256.Size]byte, now int64) bool {
	c.mu.RLock()
	exp, ok := c.m[key]
	c.mu.RUnlock()
	return ok && now < exp
}

// put remembers key until now+ttl, evicting the oldest key when the
// cache is full.
func (c *credCache) put(key [sha256.Size]byte, now int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[key]; ok {
		c.m[key] = now + c.ttl // renewed in place: keeps its ring slot
		return
	}
	if len(c.ring) < c.size {
		c.ring = append(c.ring, key)
	} else {
		delete(c.m, c.ring[c.next])
		c.ring[c.next] = key
		c.next = (c.next + 1) % c.size
	}
	c.m[key] = now + c.ttl
}

// len returns the number of keys held.
func (c *credCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
