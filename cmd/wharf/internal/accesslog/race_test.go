//go:build race

package accesslog

// raceEnabled: the race detector makes sync.Pool drop items at random,
// so allocation counts that rely on the line pool are not checked
// under it.
const raceEnabled = true
