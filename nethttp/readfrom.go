package nethttp

import (
	"io"
	"net/http"
	"os"
	"syscall"
)

// ReadFrom implements io.ReaderFrom, so that io.Copy and io.CopyN into
// the ResponseWriter (http.ServeContent, http.FileServer) reach the
// engine's ReadFrom, which sends a file body with sendfile(2) when the
// answer has a Content-Length. As in net/http, the first 512 bytes go
// through Write when the Content-Type is still to be sniffed.
//
// io.CopyN hands over an *io.LimitedReader: when it limits an *os.File
// (or anything with its SyscallConn and Stat) to exactly the rest of
// the declared Content-Length, as http.ServeContent's does, the file is
// shown to the engine with that limit, so it can be sent with
// sendfile(2).
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	if err := w.begin(); err != nil {
		return 0, err
	}
	if w.status == http.StatusSwitchingProtocols {
		return 0, http.ErrBodyNotAllowed
	}
	var n0 int64
	if w.sniffing {
		var buf [sniffLen]byte
		for w.sniffing {
			n, err := src.Read(buf[:sniffLen-len(w.sniff)])
			if n > 0 {
				if _, werr := w.write(buf[:n], ""); werr != nil {
					return n0, werr
				}
				n0 += int64(n)
			}
			if err == io.EOF {
				return n0, nil
			}
			if err != nil {
				return n0, err
			}
		}
	}
	if !w.headSent {
		if err := w.sendHead(); err != nil {
			return n0, err
		}
	}
	rf, ok := w.ww.(io.ReaderFrom)
	if !ok {
		n, err := io.Copy(writerOnly{w}, src)
		return n0 + n, err
	}
	var lf *limitedFile
	if lr, ok := src.(*io.LimitedReader); ok && w.declared >= 0 && lr.N == w.declared-w.written {
		if f, ok := lr.R.(fileLike); ok {
			lf = &limitedFile{lr: lr, f: f}
			src = lf
		}
	}
	n, err := rf.ReadFrom(src)
	w.written += n
	w.accepted += n
	if lf != nil {
		// Bytes the engine sent from the file itself were not read
		// through the LimitedReader: account for them as io.CopyN would.
		lf.lr.N -= n - lf.read
	}
	return n0 + n, toHTTPError(err)
}

// writerOnly hides a writer's other methods (ReadFrom), so io.Copy does
// not call back into it.
type writerOnly struct{ io.Writer }

// fileLike is what the engine needs of a file to send it with
// sendfile(2) (wharf's ReadFrom): its descriptor and that it is a
// regular file.
type fileLike interface {
	SyscallConn() (syscall.RawConn, error)
	Stat() (os.FileInfo, error)
}

// A limitedFile is a LimitedReader over a file that still shows the
// file's descriptor, so the engine can send the limited bytes from the
// file's offset with sendfile(2).
type limitedFile struct {
	lr   *io.LimitedReader
	f    fileLike
	read int64 // bytes read through lr
}

func (l *limitedFile) Read(p []byte) (int, error) {
	n, err := l.lr.Read(p)
	l.read += int64(n)
	return n, err
}

func (l *limitedFile) SyscallConn() (syscall.RawConn, error) { return l.f.SyscallConn() }
func (l *limitedFile) Stat() (os.FileInfo, error)            { return l.f.Stat() }
