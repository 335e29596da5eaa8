//go:build !unix

package fileserver

import "io/fs"

// fileID reports no file identity where syscall.Stat_t is not
// available: the cache then detects changes by modification time,
// size and mode only.
func fileID(fs.FileInfo) (dev, ino uint64) { return 0, 0 }
