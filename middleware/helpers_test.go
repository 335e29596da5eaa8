package middleware

import (
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/wharfhttp/wharf"
	"github.com/wharfhttp/wharf/wharftest"
)

// A discardWriter is a ResponseWriter that keeps the status, the head
// and a count of body bytes, and can be reset without allocating: the
// allocation tests use it where a wharftest.Recorder would allocate
// (it copies the header when the head is written).
type discardWriter struct {
	header wharf.Header
	sent   wharf.Header // the header when the head was written
	code   int
	n      int
}

func newDiscardWriter() *discardWriter {
	return &discardWriter{header: make(wharf.Header, 0, 16), sent: make(wharf.Header, 0, 16)}
}

func (w *discardWriter) reset() {
	w.header, w.sent, w.code, w.n = w.header[:0], w.sent[:0], 0, 0
}

func (w *discardWriter) Header() *wharf.Header { return &w.header }
func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
		w.sent = append(w.sent, w.header...)
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(200)
	w.n += len(p)
	return len(p), nil
}
func (w *discardWriter) WriteString(s string) (int, error) {
	w.WriteHeader(200)
	w.n += len(s)
	return len(s), nil
}
func (w *discardWriter) Flush() error { w.WriteHeader(200); return nil }

// okHandler answers 200 "ok" and counts its calls; it is a
// wharf.RequestReleaser.
type okHandler struct{ calls int }

func (h *okHandler) ServeHTTP(w wharf.ResponseWriter, r *wharf.Request) {
	h.calls++
	w.Header().Set("Content-Type", "text/plain")
	w.WriteString("ok")
}
func (h *okHandler) ReleasesRequest() {}

// plainHandler is a handler that makes no RequestReleaser promise.
var plainHandler = wharf.HandlerFunc(func(w wharf.ResponseWriter, r *wharf.Request) { w.WriteString("plain") })

// request builds a request with extra header fields, given as name,
// value pairs.
func request(method, target string, fields ...string) *wharf.Request {
	r := wharftest.NewRequest(method, target)
	for i := 0; i+1 < len(fields); i += 2 {
		r.Header = append(r.Header, wharf.Field{Name: fields[i], Value: fields[i+1]})
	}
	return r
}

// serve runs h on r with a wharftest.Recorder and returns the result.
func serve(h wharf.Handler, r *wharf.Request) (int, wharf.Header, string) {
	rec := wharftest.NewRecorder()
	h.ServeHTTP(rec, r)
	code, hdr, body := rec.Result()
	return code, hdr, string(body)
}

// mustHash returns a bcrypt hash of password at the lowest cost, so
// that tests run fast.
func mustHash(t testing.TB, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func isReleaser(h wharf.Handler) bool {
	_, ok := h.(wharf.RequestReleaser)
	return ok
}
