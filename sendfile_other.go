//go:build !linux

package wharf

import (
	"errors"
	"os"
)

func (c *conn) canSendLater() bool { return false }

func newFileSend(f *os.File, n int64) (*fileSend, error) {
	return nil, errors.New("not supported")
}

func (fs *fileSend) close() {}

func (c *conn) sendChunk(fs *fileSend) (int64, error) {
	return 0, errors.New("not supported")
}
