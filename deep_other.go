//go:build !linux

package wharf

import "errors"

// Connections are parked deep only on Linux (deep_linux.go); elsewhere
// c.nc is never nil and these are not called.

func (c *conn) canDeepen() bool { return false }

func (c *conn) deepen() error { return errors.New("wharf: deep parking not supported") }

func (c *conn) wake() error { return errors.New("wharf: deep parking not supported") }

func (c *conn) closeDeep() {}

func (c *conn) sendDeep(b []byte) {}
