package accesslog

import (
	"fmt"
	"io"
	"os"
	"time"
)

// The writer goroutine (run) owns the output: it alone writes the
// lines, flushes them and opens and closes the file. Answered only
// sends to the queue; Reopen and Close send it requests.

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

// batchSize is how many bytes the writer gathers before a write.
const batchSize = 64 << 10

// output is where the lines go; owned by the writer goroutine once New
// has returned.
type output struct {
	path  string    // the file's path; "" when w is the Config's Writer
	w     io.Writer // the open file, or the Config's Writer
	file  *os.File  // w when it is a file this Log opened; else nil
	batch []byte    // lines not yet written
	lines uint64    // how many lines batch holds
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

// run is the writer goroutine: it waits for a line, writes every line
// queued with it in one batch, then waits l.delay so that the next
// lines gather (a busy server then costs one write per delay, and
// wakes the writer once per delay, not once per line). An idle Log
// waits without a timer. It returns after a Close request.
func (l *Log) run() {
	defer close(l.done)
	timer := time.NewTimer(l.delay)
	timer.Stop()
	for {
		select {
		case ln := <-l.queue:
			l.add(ln)
			l.drain()
		case r := <-l.ctl:
			if l.serve(r) {
				return
			}
			continue
		}
		timer.Reset(l.delay)
		select {
		case <-timer.C:
		case r := <-l.ctl:
			timer.Stop()
			if l.serve(r) {
				return
			}
		}
	}
}

// serve carries out r after writing the lines queued so far, and
// reports whether the writer must return.
func (l *Log) serve(r request) (stop bool) {
	l.drain()
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

// add appends ln to the batch, writing the batch out first if it is
// full, and returns ln's buffer to the pool.
func (l *Log) add(ln *line) {
	o := &l.out
	if len(o.batch)+len(ln.b) > batchSize && len(o.batch) > 0 {
		l.flush()
	}
	o.batch = append(o.batch, ln.b...)
	o.lines++
	putLine(ln)
}

// drain adds every line queued now, then writes the batch out.
func (l *Log) drain() {
	for {
		select {
		case ln := <-l.queue:
			l.add(ln)
		default:
			l.flush()
			return
		}
	}
}

// flush writes the batch out. Lines lost in a failed write are counted
// as dropped; the next batch is tried again.
func (l *Log) flush() {
	o := &l.out
	if len(o.batch) == 0 {
		return
	}
	if _, err := o.w.Write(o.batch); err != nil {
		l.dropped.Add(o.lines)
		if o.err == nil {
			o.err = fmt.Errorf("accesslog: %w", err)
		}
	}
	o.batch = o.batch[:0]
	o.lines = 0
}
