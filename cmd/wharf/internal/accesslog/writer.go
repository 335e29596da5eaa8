package accesslog

import (
	"fmt"
	"io"
	"os"
	"time"
)

// The writer goroutine (run) owns the output: it alone writes the
// lines and opens and closes the file. Answered only appends to the
// pending lines; Reopen and Close send it requests.

// An op is a request to the writer.
type op int

const (
	opReopen op = iota
	opClose
)

// A request asks the writer for op; the writer answers on reply
// (buffered) once it is done.
type request struct {
	op    op
	reply chan error
}

// output is where the lines go; owned by the writer goroutine once New
// has returned.
type output struct {
	path  string    // the file's path; "" when w is the Config's Writer
	w     io.Writer // the open file, or the Config's Writer
	file  *os.File  // w when it is a file this Log opened; else nil
	spare []byte    // the buffer given to Answered at the next take
	err   error     // the first write or close error, for Close
}

// open sets o to append to path, or to write to w when path is "".
func (o *output) open(path string, w io.Writer) error {
	o.path = path
	if path == "" {
		if w == nil {
			w = os.Stderr
		}
		o.w = w
		return nil
	}
	f, err := openFile(path)
	if err != nil {
		return err
	}
	o.w, o.file = f, f
	return nil
}

// openFile opens path for appending, creating it with mode 0644.
func openFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("accesslog: %w", err)
	}
	return f, nil
}

// batchSize is how many bytes of lines make the writer write them
// without waiting for the rest of its flush delay.
const batchSize = 64 << 10

// run is the writer goroutine: woken by the first line of a batch, it
// takes every line waiting and writes them in one write, then waits
// l.delay so that the next lines gather (a busy server then costs one
// write per delay, and wakes the writer once per delay, not once per
// line), or less if batchSize bytes of lines gather first. An idle Log
// waits without a timer. It returns after a Close request.
func (l *Log) run() {
	defer close(l.done)
	timer := time.NewTimer(l.delay)
	timer.Stop()
	for {
		select {
		case <-l.kick:
			l.flush()
		case r := <-l.ctl:
			if l.serve(r) {
				return
			}
			continue
		}
		timer.Reset(l.delay)
		select {
		case <-timer.C:
		case <-l.full:
			timer.Stop()
		case r := <-l.ctl:
			timer.Stop()
			if l.serve(r) {
				return
			}
		}
	}
}

// serve carries out r after writing the lines waiting, and reports
// whether the writer must return.
func (l *Log) serve(r request) (stop bool) {
	l.flush()
	o := &l.out
	switch r.op {
	case opReopen:
		if o.path == "" {
			r.reply <- nil
			return false
		}
		f, err := openFile(o.path)
		if err != nil {
			r.reply <- err
			return false
		}
		if err := o.file.Close(); err != nil && o.err == nil {
			o.err = err
		}
		o.w, o.file = f, f
		r.reply <- nil
		return false
	default: // opClose
		if o.file != nil {
			if err := o.file.Close(); err != nil && o.err == nil {
				o.err = err
			}
		}
		r.reply <- o.err
		return true
	}
}

// maxKept is the largest buffer kept for the next batch; a larger one
// (from a burst, the pending lines at their bound) is left to the
// garbage collector.
const maxKept = 1 << 20

// flush takes the lines waiting and writes them out. Lines lost in a
// failed write are counted as dropped; the next batch is tried again.
func (l *Log) flush() {
	o := &l.out
	b, n := l.take(o.spare)
	if len(b) > 0 {
		if _, err := o.w.Write(b); err != nil {
			l.dropped.Add(uint64(n))
			if o.err == nil {
				o.err = fmt.Errorf("accesslog: %w", err)
			}
		}
	}
	if cap(b) > maxKept {
		b = nil
	}
	o.spare = b[:0]
}
