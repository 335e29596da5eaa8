//go:build !linux

package main

import "os"

// noEcho is implemented on Linux only; elsewhere a password typed on
// a terminal is echoed.
func noEcho(f *os.File) (restore func(), ok bool) { return nil, false }
