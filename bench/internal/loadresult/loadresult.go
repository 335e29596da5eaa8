// Package loadresult is the result line bench/run records for one
// measurement by a load generator: wrk's (lua/report.lua writes it
// after "WRKJSON ") or h2load's (cmd/h2loadjson makes it from h2load's
// output), read by cmd/report. One type for the writer in Go and the
// reader keeps the two from drifting apart.
package loadresult

// Result is one measurement. wrk fills the fields up to MaxUS; h2load
// has no latency percentiles (P50US and P99US are 0: unknown) but a
// mean, and says what the connection negotiated.
type Result struct {
	Requests   int64  `json:"requests"`    // answers received, whatever their status
	DurationUS int64  `json:"duration_us"` // the measured time
	Bytes      int64  `json:"bytes"`       // every byte received
	DataBytes  int64  `json:"data_bytes,omitempty"`
	ErrConnect int64  `json:"err_connect"`
	ErrRead    int64  `json:"err_read"`
	ErrWrite   int64  `json:"err_write"`
	ErrStatus  int64  `json:"err_status"` // answers that are not 2xx or 3xx
	ErrTimeout int64  `json:"err_timeout"`
	P50US      int64  `json:"lat_p50_us"`
	P99US      int64  `json:"lat_p99_us"`
	MaxUS      int64  `json:"lat_max_us"`
	MeanUS     int64  `json:"lat_mean_us,omitempty"`
	Protocol   string `json:"protocol,omitempty"` // ALPN: h2, http/1.1
	TLS        string `json:"tls,omitempty"`      // TLSv1.3
	Cipher     string `json:"cipher,omitempty"`
	TempKey    string `json:"temp_key,omitempty"` // the key exchange: "X25519 253 bits"
}
