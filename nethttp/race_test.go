//go:build race

package nethttp

// raceEnabled: the race detector makes sync.Pool drop items at random,
// so allocation counts that rely on pools are not checked under it.
const raceEnabled = true
