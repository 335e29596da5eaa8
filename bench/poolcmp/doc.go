// Package poolcmp compares wharf/pool with three goroutine-pool
// libraries: golang.org/x/sync/errgroup (SetLimit),
// github.com/panjf2000/ants/v2 and github.com/sourcegraph/conc/pool.
//
// It has only tests:
//
//	go test -run '^$' -bench . -benchmem ./poolcmp   # throughput, B/op, allocs/op
//	go test -run TestBehavior -v ./poolcmp            # API and robustness, observed
//
// TestBehavior runs every probe in a child process (a panic or a hang
// must not take the test down), checks what it observed against the
// table the docs print, and with -table=FILE writes that table as
// Markdown.
package poolcmp
