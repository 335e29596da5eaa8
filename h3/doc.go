// Package h3 serves HTTP/3 for a wharf.Server with quic-go's
// implementation (github.com/quic-go/quic-go/http3), beside the
// server's TLS listener: HTTP/1.1 and HTTP/2 on TCP, HTTP/3 on UDP,
// usually on the same port.
//
// New prepares it: it takes the server's TLS configuration (with
// NextProtos "h3"), its handler, limits and pool, advertises HTTP/3 on
// the server's TCP answers with an Alt-Svc field (AltSvc), and
// registers HTTP/3's graceful shutdown on the server's. Serve serves
// it until the server shuts down:
//
//	srv := &wharf.Server{Handler: h, TLSConfig: cfg}
//	ln, _ := net.Listen("tcp", "127.0.0.1:8443")
//	pc, _ := net.ListenPacket("udp", ln.Addr().String())
//	h3srv, err := h3.New(srv, pc, nil) // before h2.Configure
//	...
//	h2.Configure(srv, nil)
//	go srv.ServeTLS(ln, "", "")
//	go h3srv.Serve()
//
// Browsers find HTTP/3 through the Alt-Svc field of the server's
// HTTP/1.1 and HTTP/2 answers: New installs it (Alt-Svc:
// h3=":PORT"; ma=86400, the socket's port) by wrapping the server's
// Handler, so call it after the Handler is set and before
// h2.Configure, which takes the Handler as it is. Config.AltSvcPort
// advertises another port (a forwarded one), or none when negative.
// 0-RTT is off unless Config.QUIC allows it (early data can be
// replayed).
//
// Each HTTP/3 request runs on one of the server's workers
// (wharf.Server.Go), as HTTP/2 streams do (package wharf/h2): every
// protocol counts against one bounded pool, and a request that finds
// the pool and its queue full is answered 503 with Retry-After.
//
// Shutdown: wharf.Server.Shutdown makes HTTP/3 stop accepting, send
// GOAWAY and let its requests in flight finish; Serve returns
// wharf.ErrServerClosed once they have. wharf.Server.Close closes
// HTTP/3 too (wharf.Server.RegisterOnClose).
//
// quic-go's records go to the server's Logger, with one exception:
// QUIC wants larger UDP socket buffers than Linux gives by default, and
// when quic-go cannot raise them it says so once through the standard
// log package (see https://github.com/quic-go/quic-go/wiki/UDP-Buffer-Sizes;
// QUIC_GO_DISABLE_RECEIVE_BUFFER_WARNING=true silences it).
package h3
