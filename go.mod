module github.com/wharfhttp/wharf

go 1.26.0

require golang.org/x/sys v0.50.0

require (
	github.com/andybalholm/brotli v1.3.0
	github.com/klauspost/compress v1.20.4
	go.uber.org/goleak v1.3.0
	golang.org/x/crypto v0.59.0
)
