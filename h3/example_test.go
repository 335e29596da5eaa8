package h3_test

import (
	"context"
	"crypto/tls"
	"log"
	"net"
	"time"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/h2"
	"github.com/wharfhttp/wharf/h3"
)

// A server that speaks HTTP/1.1, HTTP/2 and HTTP/3 on one port: TCP
// for the first two, UDP for HTTP/3, which its TCP answers advertise
// with Alt-Svc. Shutdown stops all three gracefully.
func Example() {
	cert, err := tls.LoadX509KeyPair("cert.pem", "key.pem")
	if err != nil {
		log.Fatal(err)
	}
	srv := &wharf.Server{
		Handler: wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) {
			w.WriteString("hello\n")
		}),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:8443")
	if err != nil {
		log.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	// Before h2.Configure, so that HTTP/2 answers carry Alt-Svc too.
	h3srv, err := h3.New(srv, pc, nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := h2.Configure(srv, nil); err != nil {
		log.Fatal(err)
	}
	tcpDone, h3Done := make(chan error, 1), make(chan error, 1)
	go func() { tcpDone <- srv.ServeTLS(ln, "", "") }()
	go func() { h3Done <- h3srv.Serve() }()

	// ... until it is time to stop:
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		srv.Close() // closes HTTP/3 too
	}
	<-tcpDone
	<-h3Done // every HTTP/3 answer has been sent
}
