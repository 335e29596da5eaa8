package wharf

import (
	"bytes"
	"net"
	"time"
)

// h2cPreface is how HTTP/2's connection preface starts (RFC 9113 3.4):
// to wharf's HTTP/1.1 parser, a request line of version 2.0 (505).
const h2cPreface = "PRI * HTTP/2.0\r\n"

// isH2CPreface reports whether the connection opened with HTTP/2's
// preface and the server serves cleartext HTTP/2.
func (c *conn) isH2CPreface() bool {
	return c.srv.UnencryptedHTTP2 != nil && c.tlsState() == nil && !c.answered &&
		bytes.HasPrefix(c.rbuf[c.r0:c.r1], []byte(h2cPreface))
}

// serveH2C hands the connection, with the bytes read so far, to
// Server.UnencryptedHTTP2 on a goroutine of its own, so that it holds
// no worker; the connection stays tracked (MaxConns, Shutdown, Close)
// until that returns.
func (c *conn) serveH2C() {
	s := c.srv
	read := bytes.Clone(c.rbuf[c.r0:c.r1])
	c.r0, c.r1 = 0, 0
	c.release()
	nc := c.nc
	c.forgetParking()
	nc.SetDeadline(time.Time{})
	c.rdl, c.wdl = 0, 0
	s.protoWG.Add(1)
	go func() {
		defer s.protoWG.Done()
		s.UnencryptedHTTP2(s, &replayConn{Conn: nc, read: read})
		nc.Close()
		s.untrack(c)
	}()
}

// A replayConn reads the bytes the server had read before it handed
// the connection over, then the connection.
type replayConn struct {
	net.Conn
	read []byte // not yet replayed
}

func (r *replayConn) Read(p []byte) (int, error) {
	if len(r.read) > 0 {
		n := copy(p, r.read)
		r.read = r.read[n:]
		return n, nil
	}
	return r.Conn.Read(p)
}
