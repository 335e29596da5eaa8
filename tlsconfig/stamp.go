package tlsconfig

import "os"

// A pairStamp identifies the versions of the certificate and key files
// that a load read: a renewal changes it, a handshake does not. It is
// taken before the files are read, so a file changed during a load has
// a stamp the next check sees as new.
type pairStamp struct {
	cert, key os.FileInfo // nil when the file could not be stat'ed
}

// statPair stamps the two files. An error (a file missing, say in the
// middle of a rename) is returned with the stamp: it fails the same way
// as a load would.
func statPair(certFile, keyFile string) (pairStamp, error) {
	var s pairStamp
	var err error
	if s.cert, err = os.Stat(certFile); err != nil {
		return s, fileError("certificate", certFile, err)
	}
	if s.key, err = os.Stat(keyFile); err != nil {
		return s, fileError("key", keyFile, err)
	}
	return s, nil
}

// same reports whether s and t stamp the same versions of both files.
func (s pairStamp) same(t pairStamp) bool {
	return sameVersion(s.cert, t.cert) && sameVersion(s.key, t.key)
}

// sameVersion reports whether a and b are the same file (device and
// inode: a renewal by rename or by a symlink swap, as certbot and
// Kubernetes secrets do it, makes a new one) with the same size and
// modification time (a renewal written in place). Two failed stats are
// the same version: the file is still missing.
func sameVersion(a, b os.FileInfo) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}
