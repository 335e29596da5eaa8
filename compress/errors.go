package compress

import "errors"

// errClosed is returned by a Writer used after Close (as far as that
// can be told: the Writer may already serve another stream).
var errClosed = errors.New("compress: Writer used after Close")
