package fileserver

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// Cache defaults (see Config).
const (
	defaultCacheMaxFileSize = 64 << 10
	defaultCacheMaxBytes    = 64 << 20
	defaultCacheValidity    = time.Second
)

// entryOverhead is what an entry is charged beyond its content and
// key: the entry itself, its header strings and its map slot, so that
// many empty files cannot grow the cache without bound.
const entryOverhead = 256

// racyWindow: a file modified less than this long before it was read
// may still be being written within the same timestamp tick (some
// file systems keep 1 s or 2 s), and a later write would then leave
// its modification time and size unchanged. Such an entry is re-read,
// not only re-stat'ed, when its validity ends (git's "racy clean"
// problem, solved the same way).
const racyWindow = 2 * time.Second

// cacheShards spreads the map over independent locks, so that
// workers on many cores do not all take the same RWMutex for reads.
const cacheShards = 16

// A cache holds entries keyed by decoded request path ("/",
// "/docs/", "/a b.txt"). Keys are added only for paths that
// resolvePath accepted and whose file the uncached path opened and
// read, so a key never names what the uncached path would refuse. It
// is safe for concurrent use.
type cache struct {
	maxFile  int64 // largest file cached
	maxBytes int64 // bound on the sum of entry costs
	validity int64 // ns an entry is trusted before revalidation
	epoch    time.Time
	seed     maphash.Seed

	// total is the sum of the costs of the entries in the maps, plus
	// those being inserted (reserved before insertion, so it never
	// lets the maps exceed maxBytes).
	total atomic.Int64

	evictMu sync.Mutex // one evictor at a time
	hand    int        // next shard the eviction hand visits; guarded by evictMu

	shards [cacheShards]shard
}

type shard struct {
	mu sync.RWMutex
	m  map[string]*entry // guarded by mu
	_  [64]byte          // keep neighbouring shards' locks off one cache line
}

// newCache returns a cache for cfg, or nil when cfg disables it.
func newCache(cfg Config) *cache {
	maxFile, maxBytes, validity := cfg.CacheMaxFileSize, cfg.CacheMaxBytes, cfg.CacheValidity
	if maxFile == 0 {
		maxFile = defaultCacheMaxFileSize
	}
	if maxBytes == 0 {
		maxBytes = defaultCacheMaxBytes
	}
	switch {
	case validity == 0:
		validity = defaultCacheValidity
	case validity < 0:
		validity = 0
	}
	if maxFile < 0 || maxBytes < 0 {
		return nil
	}
	if maxFile > maxBytes-entryOverhead {
		maxFile = maxBytes - entryOverhead
	}
	if maxFile < 0 {
		return nil
	}
	c := &cache{
		maxFile:  maxFile,
		maxBytes: maxBytes,
		validity: int64(validity),
		epoch:    time.Now(),
		seed:     maphash.MakeSeed(),
	}
	for i := range c.shards {
		c.shards[i].m = make(map[string]*entry)
	}
	return c
}

// clock returns the cache's monotonic time in nanoseconds.
func (c *cache) clock() int64 { return int64(time.Since(c.epoch)) }

func (c *cache) shard(key string) *shard {
	return &c.shards[maphash.String(c.seed, key)%cacheShards]
}

// get returns the entry for key, or nil. It allocates nothing.
func (c *cache) get(key string) *entry {
	s := c.shard(key)
	s.mu.RLock()
	e := s.m[key]
	s.mu.RUnlock()
	if e != nil && !e.used.Load() {
		e.used.Store(true) // written only when clear: hits do not bounce the line
	}
	return e
}

// put publishes e under key, replacing any entry there, and evicts
// others if the cache would exceed maxBytes. If it cannot make room
// (every entry is being inserted at once), e is not cached.
func (c *cache) put(key string, e *entry) {
	e.cost = e.size() + int64(len(key)+len(e.name)) + entryOverhead
	if e.cost > c.maxBytes {
		return
	}
	e.used.Store(true)
	if c.total.Add(e.cost) > c.maxBytes {
		c.evict()
		if c.total.Load() > c.maxBytes {
			c.total.Add(-e.cost)
			return
		}
	}
	s := c.shard(key)
	s.mu.Lock()
	old := s.m[key]
	s.m[key] = e
	s.mu.Unlock()
	if old != nil {
		c.total.Add(-old.retire())
	}
}

// remove drops the entry for key if it is still e (a newer entry put
// by another request stays).
func (c *cache) remove(key string, e *entry) {
	s := c.shard(key)
	s.mu.Lock()
	if s.m[key] == e {
		delete(s.m, key)
		c.total.Add(-e.retire())
	}
	s.mu.Unlock()
}

// purge drops every entry.
func (c *cache) purge() {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for k, e := range s.m {
			delete(s.m, k)
			c.total.Add(-e.retire())
		}
		s.mu.Unlock()
	}
}

// evictScan is how many entries the hand looks at in a shard per
// visit.
const evictScan = 8

// evict drops entries until the cache is within maxBytes, with a
// CLOCK approximation of LRU: the hand visits the shards in turn and
// looks at a few entries from a random place in each (map iteration
// starts at random); an entry hit since the hand last saw it loses
// its mark and stays, one without a mark goes. After a whole turn
// that dropped nothing, marks are ignored; after two, it gives up
// (the excess is then reservations of inserts in flight, which put
// undoes).
func (c *cache) evict() {
	c.evictMu.Lock()
	defer c.evictMu.Unlock()
	idle := 0 // shard visits in a row that dropped nothing
	for c.total.Load() > c.maxBytes && idle < 2*cacheShards {
		s := &c.shards[c.hand]
		c.hand = (c.hand + 1) % cacheShards
		dropped := false
		seen := 0
		s.mu.Lock()
		for k, e := range s.m {
			if seen == evictScan || c.total.Load() <= c.maxBytes {
				break
			}
			seen++
			if e.used.Swap(false) && idle < cacheShards {
				continue // second chance
			}
			delete(s.m, k)
			c.total.Add(-e.retire())
			dropped = true
		}
		s.mu.Unlock()
		if dropped {
			idle = 0
		} else {
			idle++
		}
	}
}

// charge adds n bytes, a compressed form made for e after it was
// published, to the cache's total, unless e has left the cache; it
// reports whether it did. The cache may then exceed maxBytes until
// the next put evicts.
func (c *cache) charge(e *entry, n int64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.gone {
		return false
	}
	e.cost += n
	c.total.Add(n)
	return true
}
