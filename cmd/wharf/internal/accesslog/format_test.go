package accesslog

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wharfhttp/wharf"
)

// start is the start of the answers below; they end 1.234567 ms later.
var start = time.Date(2024, time.March, 5, 14, 7, 9, 500_000_000, time.UTC)

// plain is a handler's answer to a plain GET.
func plain() *wharf.Answer {
	return &wharf.Answer{
		Request: &wharf.Request{Method: "GET", Target: "/index.html", Path: "/index.html",
			Host: "example.com", ProtoMinor: 1, RemoteAddr: "192.0.2.7:51234"},
		RemoteAddr: "192.0.2.7:51234",
		Status:     200, Bytes: 180, BodyBytes: 13,
		Start: start, Duration: 1234567 * time.Nanosecond,
		Queued: 12 * time.Microsecond, Handler: 150 * time.Microsecond,
	}
}

// browser is an answer to a request with a query, a user agent, a
// referer and Basic credentials ("alice:secret"), over HTTP/1.0, cut
// short by the client.
func browser() *wharf.Answer {
	a := plain()
	a.Request.Method = "POST"
	a.Request.Target = "/search?q=a+b&lang=en"
	a.Request.RawQuery = "q=a+b&lang=en"
	a.Request.ProtoMinor = 0
	a.Request.Header = wharf.Header{
		{Name: "Host", Value: "example.com"},
		{Name: "user-agent", Value: "Mozilla/5.0 (X11; Linux x86_64)"},
		{Name: "Referer", Value: "https://example.com/start"},
		{Name: "Authorization", Value: "Basic YWxpY2U6c2VjcmV0"},
	}
	a.Status, a.Bytes, a.BodyBytes = 206, 4096, 3900
	a.Err = errors.New("client went away")
	return a
}

// timeout is the server's 408 to a head that did not arrive in time,
// to an IPv6 client.
func timeout() *wharf.Answer {
	return &wharf.Answer{RemoteAddr: "[2001:db8::1]:4000", Status: 408, Bytes: 98, BodyBytes: 0,
		Start: start, Duration: 10*time.Second + 1234567, Reason: "head-timeout"}
}

// overload is the server's 503 at overload.
func overload() *wharf.Answer {
	return &wharf.Answer{RemoteAddr: "198.51.100.2:9", Status: 503, Bytes: 120, BodyBytes: 41,
		Start: start, Duration: 1234567, Reason: "overload"}
}

// hostile is a request whose every peer-chosen value tries to forge a
// line or a field.
func hostile() *wharf.Answer {
	a := plain()
	a.Request.Method = "G\"ET"
	a.Request.Target = "/a\"b\\c\x1b[31m\n127.0.0.1 - - [x] \"GET / HTTP/1.1\" 200 0 \u00e9\u2028\xff"
	a.Request.Header = wharf.Header{
		{Name: "User-Agent", Value: "ua\r\nfake \"line\""},
		{Name: "Referer", Value: "\t\x7f"},
		{Name: "Authorization", Value: "Basic " + "ImV2aWwiCnVzZXI6cA=="}, // "\"evil\"\nuser:p"
	}
	return a
}

func TestFormats(t *testing.T) {
	tests := []struct {
		name   string
		a      *wharf.Answer
		format Format
		want   string
	}{
		{"plain common", plain(), Common,
			`192.0.2.7 - - [05/Mar/2024:14:07:09 +0000] "GET /index.html HTTP/1.1" 200 13 rt=0.001234 qt=0.000012 ht=0.000150 reason=- err="-"`},
		{"plain combined", plain(), Combined,
			`192.0.2.7 - - [05/Mar/2024:14:07:09 +0000] "GET /index.html HTTP/1.1" 200 13 "-" "-" rt=0.001234 qt=0.000012 ht=0.000150 reason=- err="-"`},
		{"plain json", plain(), JSON,
			`{"time":"2024-03-05T14:07:09.501Z","remote":"192.0.2.7:51234","user":"","method":"GET","target":"/index.html","proto":"HTTP/1.1","host":"example.com","status":200,"bytes":180,"body_bytes":13,"duration_ms":1.234,"queue_ms":0.012,"handler_ms":0.150,"referer":"","user_agent":"","reason":"","error":""}`},

		{"browser common", browser(), Common,
			`192.0.2.7 - alice [05/Mar/2024:14:07:09 +0000] "POST /search?q=a+b&lang=en HTTP/1.0" 206 3900 rt=0.001234 qt=0.000012 ht=0.000150 reason=- err="client went away"`},
		{"browser combined", browser(), Combined,
			`192.0.2.7 - alice [05/Mar/2024:14:07:09 +0000] "POST /search?q=a+b&lang=en HTTP/1.0" 206 3900 "https://example.com/start" "Mozilla/5.0 (X11; Linux x86_64)" rt=0.001234 qt=0.000012 ht=0.000150 reason=- err="client went away"`},
		{"browser json", browser(), JSON,
			`{"time":"2024-03-05T14:07:09.501Z","remote":"192.0.2.7:51234","user":"alice","method":"POST","target":"/search?q=a+b&lang=en","proto":"HTTP/1.0","host":"example.com","status":206,"bytes":4096,"body_bytes":3900,"duration_ms":1.234,"queue_ms":0.012,"handler_ms":0.150,"referer":"https://example.com/start","user_agent":"Mozilla/5.0 (X11; Linux x86_64)","reason":"","error":"client went away"}`},

		{"408 common", timeout(), Common,
			`2001:db8::1 - - [05/Mar/2024:14:07:19 +0000] "-" 408 0 rt=10.001234 qt=0.000000 ht=0.000000 reason=head-timeout err="-"`},
		{"408 combined", timeout(), Combined,
			`2001:db8::1 - - [05/Mar/2024:14:07:19 +0000] "-" 408 0 "-" "-" rt=10.001234 qt=0.000000 ht=0.000000 reason=head-timeout err="-"`},
		{"408 json", timeout(), JSON,
			`{"time":"2024-03-05T14:07:19.501Z","remote":"[2001:db8::1]:4000","user":"","method":"","target":"","proto":"","host":"","status":408,"bytes":98,"body_bytes":0,"duration_ms":10001.234,"queue_ms":0.000,"handler_ms":0.000,"referer":"","user_agent":"","reason":"head-timeout","error":""}`},

		{"503 combined", overload(), Combined,
			`198.51.100.2 - - [05/Mar/2024:14:07:09 +0000] "-" 503 41 "-" "-" rt=0.001234 qt=0.000000 ht=0.000000 reason=overload err="-"`},
		{"503 json", overload(), JSON,
			`{"time":"2024-03-05T14:07:09.501Z","remote":"198.51.100.2:9","user":"","method":"","target":"","proto":"","host":"","status":503,"bytes":120,"body_bytes":41,"duration_ms":1.234,"queue_ms":0.000,"handler_ms":0.000,"referer":"","user_agent":"","reason":"overload","error":""}`},

		{"hostile combined", hostile(), Combined,
			`192.0.2.7 - \x22evil\x22\x0Auser [05/Mar/2024:14:07:09 +0000] "G\x22ET /a\x22b\x5Cc\x1B[31m\x0A127.0.0.1 - - [x] \x22GET / HTTP/1.1\x22 200 0 \xC3\xA9\xE2\x80\xA8\xFF HTTP/1.1" 200 13 "\x09\x7F" "ua\x0D\x0Afake \x22line\x22" rt=0.001234 qt=0.000012 ht=0.000150 reason=- err="-"`},
		{"hostile json", hostile(), JSON,
			`{"time":"2024-03-05T14:07:09.501Z","remote":"192.0.2.7:51234","user":"\"evil\"\nuser","method":"G\"ET","target":"/a\"b\\c\u001B[31m\n127.0.0.1 - - [x] \"GET / HTTP/1.1\" 200 0 ` + "\u00e9" + `\u2028\ufffd","proto":"HTTP/1.1","host":"example.com","status":200,"bytes":180,"body_bytes":13,"duration_ms":1.234,"queue_ms":0.012,"handler_ms":0.150,"referer":"\t\u007F","user_agent":"ua\r\nfake \"line\"","reason":"","error":""}`},
	}
	for _, tt := range tests {
		got := string(tt.format.AppendLine(nil, tt.a, time.UTC))
		if got != tt.want+"\n" {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
		if strings.Count(got, "\n") != 1 {
			t.Errorf("%s: %d newlines in the line", tt.name, strings.Count(got, "\n"))
		}
		if tt.format == JSON {
			checkJSON(t, tt.name, got, tt.a)
		}
	}
}

// jsonKeys are the JSON format's keys, in order.
var jsonKeys = []string{"time", "remote", "user", "method", "target", "proto", "host", "status",
	"bytes", "body_bytes", "duration_ms", "queue_ms", "handler_ms", "referer", "user_agent", "reason", "error"}

// checkJSON checks that line parses with encoding/json, has every key
// in order, and gives back a's values.
func checkJSON(t *testing.T, name, line string, a *wharf.Answer) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		t.Fatalf("%s: %v %v", name, tok, err)
	}
	var keys []string
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s: key %v: %v", name, k, err)
		}
	}
	if strings.Join(keys, ",") != strings.Join(jsonKeys, ",") {
		t.Errorf("%s: keys %v", name, keys)
	}
	var m struct {
		Time      time.Time
		Remote    string
		Method    string
		Target    string
		Status    int
		Bytes     int64
		BodyBytes int64   `json:"body_bytes"`
		Duration  float64 `json:"duration_ms"`
		UserAgent string  `json:"user_agent"`
		Reason    string
	}
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var method, target, ua string
	if r := a.Request; r != nil {
		method, target, ua = r.Method, strings.ToValidUTF8(r.Target, "\ufffd"), r.Header.Get("User-Agent")
	}
	if !m.Time.Equal(a.Start.Add(a.Duration).Truncate(time.Millisecond)) || m.Remote != a.RemoteAddr ||
		m.Method != method || m.Target != target || m.UserAgent != ua || m.Status != a.Status ||
		m.Bytes != a.Bytes || m.BodyBytes != a.BodyBytes || m.Reason != a.Reason ||
		m.Duration != float64(a.Duration.Microseconds())/1000 {
		t.Errorf("%s: parsed back %+v", name, m)
	}
}

// Times are in the Log's location, with its offset.
func TestFormatLocation(t *testing.T) {
	loc := time.FixedZone("X", -(7*3600 + 30*60))
	got := string(Common.AppendLine(nil, plain(), loc))
	if !strings.Contains(got, "[05/Mar/2024:06:37:09 -0730]") {
		t.Errorf("common: %s", got)
	}
	got = string(JSON.AppendLine(nil, plain(), loc))
	if !strings.HasPrefix(got, `{"time":"2024-03-05T06:37:09.501-07:30"`) {
		t.Errorf("json: %s", got)
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range []Format{Common, Combined, JSON} {
		if g, err := ParseFormat(f.String()); err != nil || g != f {
			t.Errorf("ParseFormat(%q) = %v, %v", f.String(), g, err)
		}
	}
	if _, err := ParseFormat("apache"); err == nil {
		t.Error("ParseFormat(apache): no error")
	}
}

func TestRemoteUser(t *testing.T) {
	for _, tt := range []struct{ auth, want string }{
		{"", "-"},
		{"Basic YWxpY2U6c2VjcmV0", "alice"},
		{"basic   YWxpY2U6", "alice"},                 // scheme in any case; empty password
		{"Basic OnNlY3JldA==", "-"},                   // empty user
		{"Basic YWxpY2U=", "-"},                       // no ':'
		{"Basic YWxp!2U6c2VjcmV0", "-"},               // not base64
		{"Basic YWxpY2U6c2VjcmV0=", "-"},              // bad length
		{"Bearer YWxpY2U6c2VjcmV0", "-"},              // another scheme
		{"Basic w6lsw6huZTpw", `\xC3\xA9l\xC3\xA8ne`}, // "éléne:p", escaped as nginx does
	} {
		a := plain()
		if tt.auth != "" {
			a.Request.Header = wharf.Header{{Name: "Authorization", Value: tt.auth}}
		}
		got := string(Common.AppendLine(nil, a, time.UTC))
		user := strings.Fields(got)[2]
		if user != tt.want {
			t.Errorf("Authorization %q: user %q, want %q", tt.auth, user, tt.want)
		}
	}
	// A user name longer than maxUser is cut there, not dropped.
	long := strings.Repeat("u", 300)
	var enc bytes.Buffer
	for i := 0; i+3 <= len(long); i += 3 {
		enc.WriteString("dXV1") // "uuu"
	}
	a := plain()
	a.Request.Header = wharf.Header{{Name: "Authorization", Value: "Basic " + enc.String() + "OnA="}} // ":p"
	if user := strings.Fields(string(Common.AppendLine(nil, a, time.UTC)))[2]; user != long[:maxUser] {
		t.Errorf("long user: %d bytes", len(user))
	}
}
