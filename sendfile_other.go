//go:build !linux

package wharf

import (
	"errors"
)

func (c *conn) canSendLater() bool { return false }

func (c *conn) setCork(on bool) bool { return false }

func newFileSend(f regularFile, n int64) (*fileSend, error) {
	return nil, errors.New("not supported")
}

func (fs *fileSend) close() {}

func (c *conn) sendChunk(fs *fileSend) (int64, error) {
	return 0, errors.New("not supported")
}
