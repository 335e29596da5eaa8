//go:build unix

package fileserver

import (
	"io/fs"
	"syscall"
)

// fileID returns the device and inode numbers of the file fi
// describes, or zeros when the file system does not report them (an
// fs.FS other than the OS's). A file replaced by a rename (how most
// deployments update a site) gets a new inode even when its size and
// modification time are kept.
func fileID(fi fs.FileInfo) (dev, ino uint64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st != nil {
		return uint64(st.Dev), uint64(st.Ino)
	}
	return 0, 0
}
