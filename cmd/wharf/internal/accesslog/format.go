package accesslog

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wharfhttp/wharf"
)

// A Format is the layout of a line. Its zero value is Combined, nginx's
// default.
//
// Common and Combined are nginx's formats, field for field:
//
//	common:   $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
//	combined: $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
//
// $remote_addr is the client's IP without its port; $remote_user the
// user name of a Basic Authorization, or "-"; $time_local the time the
// answer was done, in the Log's Location ("02/Jan/2006:15:04:05
// -0700"); $request the request line ("GET /a?q=1 HTTP/1.1"), or "-"
// for an answer the server sent before a request was read (a 408 for a
// head that did not arrive, a 400 for one that did not parse, a 503 at
// overload); $body_bytes_sent the bytes of the answer after its head.
// A value that is not set is written "-"; the peer's bytes are escaped
// as nginx escapes them ('"', '\\', bytes below 0x20 and from 0x7F up
// as \xHH), so a line never holds a raw newline or an unescaped quote.
//
// Both formats then carry wharf's extension, fields nginx has no
// variable for, appended after the standard ones (as nginx's own
// extended formats append rt=$request_time and the like), always all
// present and always in this order:
//
//	rt=0.000231 qt=0.000012 ht=0.000150 reason=- err="-"
//
// rt is the answer's duration, from the first byte of the request to
// the last byte sent (nginx's $request_time, here with microseconds);
// qt the time the request waited for a worker (queue wait); ht the time
// the handler ran; all three in seconds. reason says why the server
// answered itself (overload, max-conns, max-conns-per-ip, head-timeout,
// bad-request, body-too-large, head-too-large...), "-" for a handler's
// answer. err says why the answer was cut short (the client left, a
// write timed out, the handler panicked), "-" when it went out whole.
//
// JSON is one object per line with these keys, always all present and
// in this order (strings are "" when not set; numbers are numbers):
//
//	time        string  when the answer was done, RFC 3339 with milliseconds
//	remote      string  the client's address, "ip:port"
//	user        string  the user name of a Basic Authorization
//	method      string  the request method
//	target      string  the request-target as sent: path and query
//	proto       string  the protocol, as Request.Proto says ("HTTP/1.1")
//	host        string  the host the request is for
//	status      number  the status code sent (0: none, e.g. hijacked)
//	bytes       number  bytes sent, head and body (nginx's $bytes_sent)
//	body_bytes  number  bytes sent after the head ($body_bytes_sent)
//	duration_ms number  first byte of the request to last byte sent
//	queue_ms    number  time waiting for a worker
//	handler_ms  number  time the handler ran
//	referer     string  the Referer field
//	user_agent  string  the User-Agent field
//	reason      string  why the server answered itself, as reason= above
//	error       string  why the answer was cut short, as err= above
//
// Durations in JSON are milliseconds with microsecond resolution
// (0.231).
type Format int

const (
	Combined Format = iota // nginx's combined format, then the extension
	Common                 // the Common Log Format, then the extension
	JSON                   // one JSON object per line
)

// ParseFormat returns the Format named s: "common", "combined" or
// "json".
func ParseFormat(s string) (Format, error) {
	switch s {
	case "combined":
		return Combined, nil
	case "common":
		return Common, nil
	case "json":
		return JSON, nil
	}
	return 0, fmt.Errorf("accesslog: unknown format %q (want common, combined or json)", s)
}

// String returns the name of f, as ParseFormat takes it.
func (f Format) String() string {
	switch f {
	case Combined:
		return "combined"
	case Common:
		return "common"
	case JSON:
		return "json"
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// AppendLine appends the line of a in format f, newline included, with
// times in loc, and returns the extended slice. It allocates nothing
// when b has room (but for the text of a.Err, which an error may build
// when asked, and once a second, for the time's text).
func (f Format) AppendLine(b []byte, a *wharf.Answer, loc *time.Location) []byte {
	done := a.Start.Add(a.Duration)
	st := stampOf(done, loc)
	var hf headerFields
	hf.read(a.Request)
	if f == JSON {
		return appendJSON(b, a, done, st, &hf)
	}
	r := a.Request
	b = appendText(b, remoteIP(a.RemoteAddr))
	b = append(b, " - "...)
	b = appendUser(b, hf.auth, false)
	b = append(b, " ["...)
	b = append(b, st.clf...)
	b = append(b, "] \""...)
	if r == nil {
		b = append(b, '-')
	} else {
		b = appendText(b, r.Method)
		b = append(b, ' ')
		b = appendText(b, r.Target)
		b = append(b, ' ')
		b = append(b, r.Proto()...)
	}
	b = append(b, "\" "...)
	b = appendStatus(b, a.Status)
	b = append(b, ' ')
	b = strconv.AppendInt(b, a.BodyBytes, 10)
	if f == Combined {
		b = append(b, " \""...)
		b = appendText(b, hf.referer)
		b = append(b, "\" \""...)
		b = appendText(b, hf.userAgent)
		b = append(b, '"')
	}
	b = append(b, " rt="...)
	b = appendSeconds(b, a.Duration)
	b = append(b, " qt="...)
	b = appendSeconds(b, a.Queued)
	b = append(b, " ht="...)
	b = appendSeconds(b, a.Handler)
	b = append(b, " reason="...)
	b = appendText(b, a.Reason)
	b = append(b, " err=\""...)
	if a.Err != nil {
		b = appendText(b, a.Err.Error())
	} else {
		b = append(b, '-')
	}
	return append(b, "\"\n"...)
}

// appendJSON appends a's line in the JSON format (see Format); done is
// when the answer was done, st its second's text.
func appendJSON(b []byte, a *wharf.Answer, done time.Time, st *stamp, hf *headerFields) []byte {
	r := a.Request
	var method, target, proto, host string
	if r != nil {
		method, target, proto, host = r.Method, r.Target, r.Proto(), r.Host
	}
	b = append(b, `{"time":"`...)
	b = append(b, st.iso...)
	b = append(b, '.')
	b = appendDigits(b, done.Nanosecond()/1e6, 3)
	b = append(b, st.isoZone...)
	b = append(b, `","remote":`...)
	b = appendJSONString(b, a.RemoteAddr)
	b = append(b, `,"user":`...)
	b = appendUser(b, hf.auth, true)
	b = append(b, `,"method":`...)
	b = appendJSONString(b, method)
	b = append(b, `,"target":`...)
	b = appendJSONString(b, target)
	b = append(b, `,"proto":`...)
	b = appendJSONString(b, proto)
	b = append(b, `,"host":`...)
	b = appendJSONString(b, host)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(a.Status), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, a.Bytes, 10)
	b = append(b, `,"body_bytes":`...)
	b = strconv.AppendInt(b, a.BodyBytes, 10)
	b = append(b, `,"duration_ms":`...)
	b = appendMillis(b, a.Duration)
	b = append(b, `,"queue_ms":`...)
	b = appendMillis(b, a.Queued)
	b = append(b, `,"handler_ms":`...)
	b = appendMillis(b, a.Handler)
	b = append(b, `,"referer":`...)
	b = appendJSONString(b, hf.referer)
	b = append(b, `,"user_agent":`...)
	b = appendJSONString(b, hf.userAgent)
	b = append(b, `,"reason":`...)
	b = appendJSONString(b, a.Reason)
	b = append(b, `,"error":`...)
	if a.Err != nil {
		b = appendJSONString(b, a.Err.Error())
	} else {
		b = append(b, `""`...)
	}
	return append(b, "}\n"...)
}

// headerFields are the request header fields a line holds, found in
// one pass over the header (three Header.Get calls would make three).
type headerFields struct {
	referer, userAgent, auth string
}

// read sets hf from r's header (nothing without r): the first field of
// each name, as Header.Get.
func (hf *headerFields) read(r *wharf.Request) {
	if r == nil {
		return
	}
	var seenRef, seenUA, seenAuth bool
	for i := range r.Header {
		f := &r.Header[i]
		// The names' lengths differ: one comparison per field, most
		// often none.
		switch len(f.Name) {
		case len("Referer"):
			if !seenRef && strings.EqualFold(f.Name, "Referer") {
				hf.referer, seenRef = f.Value, true
			}
		case len("User-Agent"):
			if !seenUA && strings.EqualFold(f.Name, "User-Agent") {
				hf.userAgent, seenUA = f.Value, true
			}
		case len("Authorization"):
			if !seenAuth && strings.EqualFold(f.Name, "Authorization") {
				hf.auth, seenAuth = f.Value, true
			}
		}
	}
}

// remoteIP returns the IP of addr ("ip:port" or "[ip6]:port") without
// the port and brackets, as nginx's $remote_addr; addr itself if it has
// no port.
func remoteIP(addr string) string {
	if strings.HasPrefix(addr, "[") {
		if i := strings.IndexByte(addr, ']'); i > 0 {
			return addr[1:i]
		}
		return addr
	}
	if i := strings.LastIndexByte(addr, ':'); i >= 0 && strings.IndexByte(addr[:i], ':') < 0 {
		return addr[:i]
	}
	return addr
}

// appendStatus appends the three digits of status ("000" for none).
func appendStatus(b []byte, status int) []byte {
	if status < 0 || status > 999 {
		status = 0
	}
	return append(b, byte('0'+status/100), byte('0'+status/10%10), byte('0'+status%10))
}

// appendSeconds appends d in seconds with six decimals ("0.000231").
func appendSeconds(b []byte, d time.Duration) []byte {
	return appendFixed(b, max(d, 0).Microseconds(), 6)
}

// appendMillis appends d in milliseconds with three decimals ("0.231").
func appendMillis(b []byte, d time.Duration) []byte {
	return appendFixed(b, max(d, 0).Microseconds(), 3)
}

// appendFixed appends n/10^decimals with that many decimals; n >= 0.
// The digits are made right to left in one pass.
func appendFixed(b []byte, n int64, decimals int) []byte {
	var d [24]byte
	i := len(d)
	for range decimals {
		i--
		d[i] = byte('0' + n%10)
		n /= 10
	}
	i--
	d[i] = '.'
	for {
		i--
		d[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(b, d[i:]...)
}

// appendDigits appends n with exactly width digits, zero-padded.
func appendDigits(b []byte, n, width int) []byte {
	var d [20]byte
	i := len(d)
	for range width {
		i--
		d[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, d[i:]...)
}

// A stamp is the text of one second in one Location, in both formats'
// layouts: made once a second (stampOf), copied into each line.
type stamp struct {
	sec     int64          // Unix seconds
	loc     *time.Location // the Location it is in
	clf     []byte         // "02/Jan/2006:15:04:05 -0700"
	iso     []byte         // "2006-01-02T15:04:05" (the milliseconds go after it)
	isoZone []byte         // "-07:00", or "Z" for UTC
}

// lastStamp is the stamp of the latest second formatted. A line of
// another second (or Location) makes a stamp of its own, kept if it is
// the latest: answers finish a little out of order, and a line of the
// second before does not replace the stamp of the current one.
var lastStamp atomic.Pointer[stamp]

// stampOf returns the stamp of t's second in loc. A zone's offset
// changes on a whole second, so one stamp serves the whole second.
func stampOf(t time.Time, loc *time.Location) *stamp {
	sec := t.Unix()
	if st := lastStamp.Load(); st != nil && st.sec == sec && st.loc == loc {
		return st
	}
	lt := time.Unix(sec, 0).In(loc)
	st := &stamp{sec: sec, loc: loc}
	st.clf = appendCLFTime(make([]byte, 0, len("02/Jan/2006:15:04:05 -0700")), lt)
	st.iso = appendISOSecond(make([]byte, 0, len("2006-01-02T15:04:05")), lt)
	st.isoZone = appendZone(nil, lt, true)
	if old := lastStamp.Load(); old == nil || old.sec <= sec || old.loc != loc {
		lastStamp.Store(st)
	}
	return st
}

// appendCLFTime appends t as the Common Log Format writes it:
// "02/Jan/2006:15:04:05 -0700".
func appendCLFTime(b []byte, t time.Time) []byte {
	year, month, day := t.Date()
	b = appendDigits(b, day, 2)
	b = append(b, '/')
	b = append(b, month.String()[:3]...)
	b = append(b, '/')
	b = appendDigits(b, year, 4)
	b = append(b, ':')
	b = appendClock(b, t)
	b = append(b, ' ')
	return appendZone(b, t, false)
}

// appendISOSecond appends t's second as RFC 3339 without the
// fraction and zone: "2006-01-02T15:04:05".
func appendISOSecond(b []byte, t time.Time) []byte {
	year, month, day := t.Date()
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	return appendClock(b, t)
}

// appendClock appends t's time of day: "15:04:05".
func appendClock(b []byte, t time.Time) []byte {
	hour, minute, sec := t.Clock()
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	return appendDigits(b, sec, 2)
}

// appendZone appends t's offset from UTC: "-0700", or with iso
// "-07:00" and "Z" for UTC.
func appendZone(b []byte, t time.Time, iso bool) []byte {
	_, off := t.Zone()
	if iso && off == 0 {
		return append(b, 'Z')
	}
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	b = append(b, sign)
	b = appendDigits(b, off/3600, 2)
	if iso {
		b = append(b, ':')
	}
	return appendDigits(b, off/60%60, 2)
}
