// Package accesslog is the wharf command's access log: a wharf.Observer
// that writes one line per answer, once the answer is done, in nginx's
// common or combined format or as JSON (see Format), to standard error
// or to a file that logrotate may rotate (Reopen).
//
// Writing never blocks the server's workers: Answered formats the line
// on its own stack and appends it to a bounded buffer under a short
// lock (a copy, never a write); one goroutine takes the buffer as a
// whole, swapping in an empty one, and writes it out in one write(2).
// When the buffer is full (the disk is slower than the traffic) the
// line is dropped and counted (Dropped), for the metrics to show.
package accesslog

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wharfhttp/wharf"
)

// Defaults of Config.
const (
	DefaultQueue      = 8192                  // lines
	DefaultFlushDelay = 10 * time.Millisecond // between two writes
)

// Config configures a Log. Its zero value logs the combined format to
// standard error, in local time.
type Config struct {
	// Format is the lines' layout (the zero value is Combined).
	Format Format

	// Path, when set, is the file the log is appended to: created
	// (mode 0644) if missing, never truncated, and opened again by
	// Reopen. When "", the log goes to Writer.
	Path string

	// Writer receives the log when Path is "": os.Stderr if nil. The
	// Log never closes it. Each write is one or more whole lines.
	Writer io.Writer

	// Location is the time zone of the lines' times: time.Local if
	// nil.
	Location *time.Location

	// Queue is how many lines may wait to be written; past it (or
	// past maxPending bytes of them), lines are dropped (Dropped).
	// DefaultQueue if <= 0.
	Queue int

	// FlushDelay is how long the writer waits after a write before the
	// next, so that a busy server's lines go out in one write(2) per
	// FlushDelay rather than one per line; a line is written at most
	// about FlushDelay after its answer (plus the time the write
	// before it takes). DefaultFlushDelay if <= 0.
	FlushDelay time.Duration
}

// A Log is a wharf.Observer that writes an access log (see the package
// doc). Its methods are safe for concurrent use. Set it as a Server's
// Observer; after the server has shut down, Close it.
type Log struct {
	format   Format         // immutable
	loc      *time.Location // immutable; never nil
	delay    time.Duration  // immutable
	maxLines int            // immutable: Config.Queue
	kick     chan struct{}  // (capacity 1) lines wait: wakes the writer once per batch
	full     chan struct{}  // (capacity 1) batchSize bytes wait: the writer writes them now
	ctl      chan request   // Reopen's and Close's requests to the writer
	done     chan struct{}  // closed when the writer has returned

	mu      sync.Mutex
	pending []byte // lines not yet taken by the writer; guarded by mu
	lines   int    // how many lines pending holds; guarded by mu
	closed  bool   // set by Close: lines are dropped from then on; guarded by mu

	dropped atomic.Uint64 // lines dropped: buffer full, closed, or failed write

	// out is the writer goroutine's (writer.go).
	out output
}

// lineSize is the room Answered formats a line in on its stack; a
// longer line (a long target or user agent) is formatted on the heap.
const lineSize = 512

// maxPending bounds the bytes waiting to be written, whatever the
// number of lines: 8192 lines of 1 KiB.
const maxPending = 8 << 20

// ErrClosed is Reopen's error after Close.
var ErrClosed = errors.New("accesslog: closed")

// New returns a Log writing as cfg says, with its writer goroutine
// running (Close stops it). If cfg.Path cannot be opened for appending,
// New returns the error (one line: "accesslog: open PATH: permission
// denied") and no Log.
func New(cfg Config) (*Log, error) {
	l := &Log{
		format:   cfg.Format,
		loc:      cfg.Location,
		delay:    cfg.FlushDelay,
		maxLines: cfg.Queue,
		kick:     make(chan struct{}, 1),
		full:     make(chan struct{}, 1),
		ctl:      make(chan request),
		done:     make(chan struct{}),
	}
	if l.loc == nil {
		l.loc = time.Local
	}
	if l.delay <= 0 {
		l.delay = DefaultFlushDelay
	}
	if l.maxLines <= 0 {
		l.maxLines = DefaultQueue
	}
	if err := l.out.open(cfg.Path, cfg.Writer); err != nil {
		return nil, err
	}
	go l.run()
	return l, nil
}

// Answered formats a's line and adds it to the lines the writer will
// write; it never waits for the writer (only, for a copy's time, for
// another Answered). If the buffer is full, or the Log is closed, the
// line is dropped and counted (Dropped). It allocates nothing (but for
// a line longer than lineSize, for the text of a.Err, for the rare
// answer cut short whose error builds its text when asked, and once a
// second for the time's text).
func (l *Log) Answered(a *wharf.Answer) {
	var buf [lineSize]byte
	b := l.format.AppendLine(buf[:0], a, l.loc)
	l.mu.Lock()
	if l.closed || l.lines >= l.maxLines || len(l.pending)+len(b) > maxPending {
		l.mu.Unlock()
		l.dropped.Add(1)
		return
	}
	first := l.lines == 0
	full := len(l.pending) < batchSize && len(l.pending)+len(b) >= batchSize
	l.pending = append(l.pending, b...)
	l.lines++
	l.mu.Unlock()
	if first {
		// The writer takes every line that waits when it wakes: one
		// wake-up per batch.
		select {
		case l.kick <- struct{}{}:
		default:
		}
	}
	if full {
		// A batch is ready: written now rather than after the flush
		// delay, so that the buffers stay small (in the CPU's cache).
		select {
		case l.full <- struct{}{}:
		default:
		}
	}
}

// take returns the lines waiting and their number, leaving spare (its
// length set to 0) in their place.
func (l *Log) take(spare []byte) ([]byte, int) {
	l.mu.Lock()
	b, n := l.pending, l.lines
	l.pending, l.lines = spare[:0], 0
	l.mu.Unlock()
	return b, n
}

// Dropped returns how many lines were lost: dropped because the queue
// was full or the Log closed, or lost in a write that failed. It is the
// source of the metric wharf_access_log_dropped_total.
func (l *Log) Dropped() uint64 { return l.dropped.Load() }

// Reopen writes out the lines queued so far, then closes the log file
// and opens Config.Path again (created if it was moved away): what
// logrotate's postrotate step asks for (the command calls it on
// SIGUSR1). No line is lost: each goes to the old file or the new one.
// If the file cannot be opened, the log keeps writing to the old one
// and Reopen returns the error. Without a Path, Reopen does nothing.
func (l *Log) Reopen() error {
	return l.call(opReopen)
}

// Close writes out every queued line, stops the writer, and closes the
// log file (never Config.Writer). Lines told after Close are dropped.
// It returns the first error of a write or close, if any. Call it after
// the server has shut down, so that every answer is logged. Later calls
// return ErrClosed.
func (l *Log) Close() error {
	l.mu.Lock()
	was := l.closed
	l.closed = true
	l.mu.Unlock()
	if was {
		return ErrClosed
	}
	err := l.call(opClose)
	<-l.done
	return err
}

// call sends op to the writer and returns its answer.
func (l *Log) call(op op) error {
	r := request{op: op, reply: make(chan error, 1)}
	select {
	case l.ctl <- r:
		return <-r.reply
	case <-l.done:
		return ErrClosed
	}
}
