package wharf

import "context"

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
	for _, c := range s.parked.Drain(false) {
		c.closeParked() // idle: no request in flight
	}
	s.mu.Lock()
	s.wakeReaders()
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

// stopOnce releases what start took: the set of parked connections and the Date clock.
func (s *Server) stopOnce() {
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
	for _, c := range s.parked.Drain(true) {
		c.closeParked()
	}
	s.mu.Lock()
	s.hardClosed = true
	for c := range s.conns {
		if c.nc != nil { // else parked deep, or waking: it sees hardClosed
			c.nc.Close() // the owner sees the error and untracks
		}
	}
	s.mu.Unlock()
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
	s.closing.Store(true)
	for ln := range s.listeners {
		(*ln).Close()
	}
	if s.started && len(s.conns) == 0 {
		closeOnce(s.doneCh)
	}
}
