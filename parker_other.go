//go:build !linux

package wharf

func newPoller(p *parker) poller { return newWaiter(p) }
