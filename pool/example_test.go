package pool_test

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"

	"github.com/wharfhttp/wharf/pool"
)

func ExampleNew() {
	p, err := pool.New(4, 16)
	if err != nil {
		panic(err)
	}
	squares := make([]int, 10)
	for i := range squares {
		// Each job writes only its own element, so no locking is needed.
		if err := p.Go(context.Background(), func() { squares[i] = i * i }); err != nil {
			panic(err)
		}
	}
	// Shutdown waits for every accepted job; afterwards the results are
	// safe to read.
	if err := p.Shutdown(context.Background()); err != nil {
		panic(err)
	}
	fmt.Println(squares)

	_, err = pool.New(0, 16)
	fmt.Println(err)
	// Output:
	// [0 1 4 9 16 25 36 49 64 81]
	// pool: workers must be at least 1, got 0
}

func ExamplePool_TryGo() {
	p, _ := pool.New(1, 1) // one worker, one queue slot
	started, release := make(chan struct{}), make(chan struct{})

	handle := func(name string) {
		err := p.TryGo(func() {
			if name == "req1" {
				close(started)
				<-release // a slow request keeps the worker busy
			}
		})
		switch {
		case errors.Is(err, pool.ErrFull):
			fmt.Println(name, "-> 503 Service Unavailable (overloaded)")
		case errors.Is(err, pool.ErrClosed):
			fmt.Println(name, "-> 503 Service Unavailable (shutting down)")
		case err != nil:
			fmt.Println(name, "->", err)
		default:
			fmt.Println(name, "-> accepted")
		}
	}

	handle("req1")
	<-started      // req1 occupies the only worker
	handle("req2") // takes the queue slot
	handle("req3") // no worker, no slot: shed at once
	close(release)
	_ = p.Shutdown(context.Background())
	handle("req4")
	// Output:
	// req1 -> accepted
	// req2 -> accepted
	// req3 -> 503 Service Unavailable (overloaded)
	// req4 -> 503 Service Unavailable (shutting down)
}

// The pool is not tied to HTTP: here it checksums blobs in parallel. Results
// are collected by index, so the output order is deterministic whatever order
// the jobs run in.
func Example_checksums() {
	blobs := [][]byte{
		[]byte("hello, world"),
		[]byte("wharf"),
		[]byte(strings.Repeat("a", 1<<16)),
		nil,
	}
	p, err := pool.New(3, 0)
	if err != nil {
		panic(err)
	}
	sums := make([]uint32, len(blobs))
	for i, b := range blobs {
		if err := p.Go(context.Background(), func() { sums[i] = crc32.ChecksumIEEE(b) }); err != nil {
			panic(err)
		}
	}
	if err := p.Shutdown(context.Background()); err != nil {
		panic(err)
	}
	for i, s := range sums {
		fmt.Printf("blob %d (%d bytes): %08x\n", i, len(blobs[i]), s)
	}
	// Output:
	// blob 0 (12 bytes): ffab723a
	// blob 1 (5 bytes): 838f6a20
	// blob 2 (65536 bytes): c32091ff
	// blob 3 (0 bytes): 00000000
}
