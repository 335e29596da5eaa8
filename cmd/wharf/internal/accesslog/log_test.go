package accesslog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharfhttp/wharf"
	"go.uber.org/goleak"
)

// syncBuffer is a Writer the test reads while the Log writes to it.
type syncBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls cond until it holds, failing the test after 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// numbered returns an answer whose target is /n.
func numbered(n int) *wharf.Answer {
	a := plain()
	a.Request.Target = fmt.Sprintf("/%d", n)
	return a
}

// targets returns the targets of the JSON lines of s, in order.
func targets(t *testing.T, s string) []string {
	t.Helper()
	var got []string
	for ln := range strings.Lines(s) {
		var m struct{ Target string }
		if err := json.Unmarshal([]byte(ln), &m); err != nil {
			t.Fatalf("line %q: %v", ln, err)
		}
		got = append(got, m.Target)
	}
	return got
}

// wantTargets returns /from ... /to-1.
func wantTargets(from, to int) []string {
	var w []string
	for i := from; i < to; i++ {
		w = append(w, fmt.Sprintf("/%d", i))
	}
	return w
}

func TestLogWritesEveryLineInOrder(t *testing.T) {
	defer goleak.VerifyNone(t)
	var out syncBuffer
	l, err := New(Config{Format: JSON, Writer: &out, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	const n = 1000
	for i := range n {
		l.Answered(numbered(i))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(targets(t, out.String()), " "); got != strings.Join(wantTargets(0, n), " ") {
		t.Errorf("lines: %.200s...", got)
	}
	if d := l.Dropped(); d != 0 {
		t.Errorf("dropped %d", d)
	}
	if out.writes >= n/2 {
		t.Errorf("%d writes for %d lines: not batched", out.writes, n)
	}
	// After Close: dropped, counted, and Close says it is closed.
	l.Answered(plain())
	if l.Dropped() != 1 || l.Close() != ErrClosed || l.Reopen() != ErrClosed {
		t.Errorf("after Close: dropped %d", l.Dropped())
	}
}

// Close writes out the lines still waiting.
func TestCloseFlushes(t *testing.T) {
	defer goleak.VerifyNone(t)
	var out syncBuffer
	// The writer writes the first line at once, then waits an hour
	// before the next write: only Close can write the others.
	l, err := New(Config{Format: JSON, Writer: &out, FlushDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	l.Answered(numbered(0))
	waitFor(t, "the first line", func() bool { return out.String() != "" })
	l.Answered(numbered(1))
	l.Answered(numbered(2))
	if got := len(targets(t, out.String())); got != 1 {
		t.Fatalf("%d lines written before Close, want 1", got)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(targets(t, out.String()), " "); got != "/0 /1 /2" {
		t.Errorf("after Close: %s", got)
	}
}

// blockedWriter blocks every Write until release is closed, and says
// when the first Write has begun.
type blockedWriter struct {
	entered chan struct{} // closed when Write is first called
	release chan struct{}
	once    sync.Once
	out     syncBuffer
}

func (w *blockedWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.entered) })
	<-w.release
	return w.out.Write(p)
}

// A writer stuck on a slow disk never blocks Answered: once the queue
// is full, lines are dropped and counted.
func TestDropsWhenTheQueueIsFull(t *testing.T) {
	defer goleak.VerifyNone(t)
	w := &blockedWriter{entered: make(chan struct{}), release: make(chan struct{})}
	const queue = 4
	l, err := New(Config{Format: JSON, Writer: w, Queue: queue})
	if err != nil {
		t.Fatal(err)
	}
	l.Answered(numbered(0))
	<-w.entered // the writer holds line 0 and is stuck writing it
	const more = 10
	for i := 1; i <= more; i++ {
		l.Answered(numbered(i)) // must return at once: the test would hang otherwise
	}
	if d := l.Dropped(); d != more-queue {
		t.Errorf("dropped %d, want %d", d, more-queue)
	}
	close(w.release)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(targets(t, w.out.String()), " "); got != strings.Join(wantTargets(0, queue+1), " ") {
		t.Errorf("written: %s", got)
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write(p []byte) (int, error) { return 0, io.ErrShortWrite }

// Lines lost in a failed write are counted; Close reports the error.
func TestFailedWriteCounted(t *testing.T) {
	defer goleak.VerifyNone(t)
	l, err := New(Config{Writer: failingWriter{}})
	if err != nil {
		t.Fatal(err)
	}
	l.Answered(plain())
	l.Answered(plain())
	if err := l.Close(); err == nil || !strings.Contains(err.Error(), "short write") {
		t.Errorf("Close: %v", err)
	}
	if d := l.Dropped(); d != 2 {
		t.Errorf("dropped %d, want 2", d)
	}
}

// The file is appended to, never truncated, and created 0644.
func TestFileAppends(t *testing.T) {
	defer goleak.VerifyNone(t)
	path := filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(path, []byte("before\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := New(Config{Format: Common, Path: path, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	l.Answered(plain())
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if want := "before\n" + string(Common.AppendLine(nil, plain(), time.UTC)); string(b) != want {
		t.Errorf("file:\n%s\nwant\n%s", b, want)
	}

	fresh := filepath.Join(t.TempDir(), "new.log")
	l, err = New(Config{Path: fresh})
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm() != 0o644&^umask() {
		t.Errorf("new file: %v %v", fi, err)
	}
}

// umask returns the process's umask, for the mode of a created file.
func umask() os.FileMode {
	dir, _ := os.MkdirTemp("", "umask")
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "f")
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o777)
	if err != nil {
		return 0
	}
	f.Close()
	fi, _ := os.Stat(p)
	return 0o777 &^ fi.Mode().Perm()
}

// A path that cannot be opened for appending is an error from New, in
// one line.
func TestUnwritablePath(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := t.TempDir()
	for _, path := range []string{
		filepath.Join(dir, "missing", "access.log"), // no such folder
		dir, // a directory
	} {
		l, err := New(Config{Path: path})
		if err == nil {
			l.Close()
			t.Errorf("%s: no error", path)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "accesslog: open "+path+": ") {
			t.Errorf("%s: error %q", path, msg)
		}
	}
}

// logrotate's way: the file is renamed, then Reopen; the lines before
// are in the renamed file, those after in a new file at the path, and
// none is lost.
func TestReopen(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	l, err := New(Config{Format: JSON, Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := range 50 {
		l.Answered(numbered(i))
	}
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	for i := 50; i < 100; i++ {
		l.Answered(numbered(i)) // before Reopen: into the renamed file
	}
	if err := l.Reopen(); err != nil {
		t.Fatal(err)
	}
	for i := 100; i < 150; i++ {
		l.Answered(numbered(i))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(path + ".1")
	cur, _ := os.ReadFile(path)
	if got := strings.Join(targets(t, string(old)), " "); got != strings.Join(wantTargets(0, 100), " ") {
		t.Errorf("rotated file: %.100s...", got)
	}
	if got := strings.Join(targets(t, string(cur)), " "); got != strings.Join(wantTargets(100, 150), " ") {
		t.Errorf("new file: %.100s...", got)
	}

	// A Reopen that fails keeps the old file.
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	l, err = New(Config{Format: JSON, Path: filepath.Join(dir, "sub", "a.log")})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "sub"), filepath.Join(dir, "moved")); err != nil {
		t.Fatal(err)
	}
	if err := l.Reopen(); err == nil {
		t.Error("Reopen into a missing folder: no error")
	}
	l.Answered(numbered(7))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "moved", "a.log")); strings.Join(targets(t, string(b)), " ") != "/7" {
		t.Errorf("after a failed Reopen: %q", b)
	}

	// Reopen without a file does nothing.
	l, _ = New(Config{Writer: io.Discard})
	if err := l.Reopen(); err != nil {
		t.Error(err)
	}
	l.Close()
}

// waiting returns how many lines wait for the writer.
func (l *Log) waiting() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lines
}

// Answered allocates nothing in the steady state, in any format: once
// the buffers have grown to hold the lines that wait at a time.
func TestAnsweredAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop lines")
	}
	for _, f := range []Format{Common, Combined, JSON} {
		l, err := New(Config{Format: f, Writer: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []*wharf.Answer{browser(), overload()} {
			a.Err = nil
			for range 3000 {
				l.Answered(a)
			}
			waitFor(t, "the lines to be written", func() bool { return l.waiting() == 0 })
			if n := testing.AllocsPerRun(1000, func() { l.Answered(a) }); n != 0 {
				t.Errorf("%v: %v allocations per Answered", f, n)
			}
		}
		l.Close()
	}
}

func BenchmarkAnswered(b *testing.B) {
	for _, f := range []Format{Common, Combined, JSON} {
		b.Run(f.String(), func(b *testing.B) {
			l, err := New(Config{Format: f, Writer: io.Discard})
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			a := browser()
			a.Err = nil
			b.ReportAllocs()
			for b.Loop() {
				l.Answered(a)
			}
			// A loop that does nothing else outruns the writer: lines
			// past the bound are dropped, which costs less than a line
			// kept.
			b.ReportMetric(float64(l.Dropped())/float64(b.N), "dropped/op")
		})
	}
}

func BenchmarkAppendLine(b *testing.B) {
	for _, f := range []Format{Common, Combined, JSON} {
		b.Run(f.String(), func(b *testing.B) {
			a := browser()
			a.Err = nil
			buf := make([]byte, 0, 1024)
			b.ReportAllocs()
			for b.Loop() {
				buf = f.AppendLine(buf[:0], a, time.Local)
			}
		})
	}
}

// BenchmarkAnsweredWritten is Answered with every line written (to
// io.Discard): the writer is made to write the lines every 1024 of
// them (Reopen writes what waits), and on one P (GOMAXPROCS 1, as the
// bench/obscost server runs) ns/op counts the writer's work per line
// too, not only Answered's.
func BenchmarkAnsweredWritten(b *testing.B) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for _, f := range []Format{Common, Combined, JSON} {
		b.Run(f.String(), func(b *testing.B) {
			l, err := New(Config{Format: f, Writer: io.Discard, FlushDelay: time.Hour})
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			a := browser()
			a.Err = nil
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				l.Answered(a)
				if i++; i%1024 == 0 {
					l.Reopen()
				}
			}
			if d := l.Dropped(); d != 0 {
				b.Fatalf("%d lines dropped", d)
			}
		})
	}
}
