package wharf

import (
	"context"
	"time"

	"github.com/wharfhttp/wharf/internal/park"
)

// newConnGrace is how long Shutdown lets a connection that has not sent
// a request yet send its first one: it was accepted just before the
// listeners closed (during a restart's hand-over, say), and its request
// is on its way. net/http waits 5 s for such connections (Go issue
// 22682); a client that sends nothing holds up Shutdown this long.
const newConnGrace = 2 * time.Second

// closeIdle closes the connections that hold no request, at Shutdown:
// parked ones and those parked on readers, except (without andNew)
// the ones that never sent a request; TLS handshakes in progress are
// closed.
func (s *Server) closeIdle(andNew bool) {
	keep := func(c *conn, m park.Mode) bool { return m == park.Write || !andNew && !c.answered }
	for _, c := range s.parked.Drain(keep) {
		c.closeParked()
	}
	s.mu.Lock()
	s.wakeReaders(andNew)
	s.mu.Unlock()
}

// Shutdown stops the server gracefully: it closes the listeners, closes
// idle connections, lets every request in flight finish (answered with
// "Connection: close"), then waits for the pool's workers to exit. If
// ctx ends first it returns ctx.Err(), and the caller may call Close.
// Serve returns ErrServerClosed at once.
func (s *Server) Shutdown(ctx context.Context) error {
	s.beginClose()
	if !s.isStarted() {
		return nil
	}
	s.mu.Lock()
	for _, f := range s.onShutdown {
		go f()
	}
	s.onShutdown = nil
	s.mu.Unlock()
	s.closeIdle(false)
	s.mu.Lock()
	if !s.newConnsTimed {
		// Connections accepted just before the listeners closed get
		// newConnGrace to send their first request (a restart's
		// hand-over sends them here), then go too.
		s.newConnsTimed = true
		s.parkWG.Add(1)
		s.newConns = time.AfterFunc(newConnGrace, func() {
			defer s.parkWG.Done()
			s.closeIdle(true)
		})
	}
	s.mu.Unlock()
	select {
	case <-s.doneCh:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := s.pool.Shutdown(ctx); err != nil {
		return err
	}
	s.serveWG.Wait()
	s.lingerWG.Wait()
	s.stopOnce()
	return nil
}

// RegisterOnShutdown registers f to be called, on a goroutine of its
// own, when Shutdown begins: for protocols served beside HTTP/1.1 to
// shut their connections down gracefully (HTTP/2's GOAWAY), as
// net/http's RegisterOnShutdown. Shutdown waits for those connections,
// not for f.
func (s *Server) RegisterOnShutdown(f func()) {
	s.mu.Lock()
	s.onShutdown = append(s.onShutdown, f)
	s.mu.Unlock()
}

// RegisterOnClose registers f to be called by Close, after it closed
// the server's connections and before it waits for the workers: for
// protocols served on sockets of their own (HTTP/3 over UDP, package
// wharf/h3) to close theirs. Close waits for f.
func (s *Server) RegisterOnClose(f func()) {
	s.mu.Lock()
	s.onClose = append(s.onClose, f)
	s.mu.Unlock()
}

// stopOnce releases what start took: the set of parked connections and the Date clock.
func (s *Server) stopOnce() {
	s.mu.Lock()
	t := s.newConns
	s.newConns = nil
	s.mu.Unlock()
	if t != nil && t.Stop() {
		s.parkWG.Done() // it will not run
	}
	s.parked.Stop()
	s.parkWG.Wait()
	s.protoWG.Wait()
	s.cancel()
	if !s.stopped.Swap(true) {
		stopDateClock()
	}
}

// Close stops the server at once: it closes the listeners and every
// connection, in flight or not, cancels the request context, and waits
// for the workers to return (handlers that ignore both a closed
// connection and the context can still delay it).
func (s *Server) Close() error {
	s.beginClose()
	if !s.isStarted() {
		return nil
	}
	s.cancel()
	for _, c := range s.parked.Drain(nil) {
		c.closeParked()
	}
	s.mu.Lock()
	s.hardClosed = true
	for c := range s.conns.all() {
		if c.nc != nil { // else parked deep, or waking: it sees hardClosed
			c.nc.Close() // the owner sees the error and untracks
		}
	}
	onClose := s.onClose
	s.onClose = nil
	s.mu.Unlock()
	for _, f := range onClose {
		f()
	}
	s.pool.Shutdown(context.Background())
	s.serveWG.Wait()
	s.lingerWG.Wait()
	s.stopOnce()
	return nil
}

func (s *Server) isStarted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started
}

// beginClose marks the server closing and closes its listeners.
func (s *Server) beginClose() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closing.Load() {
		s.closingAt.Store(int64(monoNow()))
	}
	s.closing.Store(true)
	for ln := range s.listeners {
		(*ln).Close()
	}
	if s.started && s.conns.len() == 0 {
		closeOnce(s.doneCh)
	}
}
