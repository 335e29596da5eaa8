package compress

import (
	"bufio"
	"errors"
	"net"

	"github.com/wharfhttp/wharf"
)

// errNoHijack is Hijack's answer once compression has begun, or when
// the server's writer cannot hijack.
var errNoHijack = errors.New("compress: cannot hijack a compressed answer")

var _ wharf.Hijacker = (*responseWriter)(nil)

// Hijack hands the connection over (wharf.Hijacker) as long as nothing
// was compressed: before the head (a handler that writes its own), or
// after a head that went out as it was (a 101 Switching Protocols,
// which is never compressed). WebSocket handshakes carry
// Accept-Encoding, so the middleware must not stand in their way.
func (cw *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := cw.rw.(wharf.Hijacker)
	if !ok || cw.state != stateNew && cw.state != statePass {
		return nil, nil, errNoHijack
	}
	// Later writes go to the server's writer, which refuses them.
	cw.state = statePass
	return hj.Hijack()
}
