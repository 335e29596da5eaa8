package main

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"1", 1},
		{"16384", 16384},
		{"0", 0}, // parses; the flags' range check refuses it
		{"007", 7},
		{"512B", 512},
		{"512 B", 512},
		{"64KiB", 64 << 10},
		{"1MiB", 1 << 20},
		{"1 MiB", 1 << 20},
		{"1  MiB", 1 << 20},
		{"1\tMiB", 1 << 20},
		{" 10MiB ", 10 << 20},
		{"1GiB", 1 << 30},
		{"2TiB", 2 << 40},
		{"10kB", 10_000},
		{"10MB", 10_000_000},
		{"3GB", 3_000_000_000},
		{"1TB", 1_000_000_000_000},
		{"8388607TiB", 8388607 << 40},
		{"9223372036854775807", math.MaxInt64},
	} {
		got, err := parseSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseSizeErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // in the error
	}{
		{"", "not a size"},
		{"   ", "not a size"},
		{"MiB", "not a size"},
		{"-1", "not a size"},
		{"+1", "not a size"},
		{"0x10", `unknown unit "x10"`},
		{"1e6", `unknown unit "e6"`},
		{"1.5MiB", "whole number"},
		{"1,024", "whole number"},
		{"1_000", "whole number"},
		// Ambiguous or wrongly cased units are refused, not guessed.
		{"512k", `unknown unit "k"`},
		{"512K", `unknown unit "K"`},
		{"64KB", `unknown unit "KB"`},
		{"1M", `unknown unit "M"`},
		{"1mb", `unknown unit "mb"`},
		{"1MIB", `unknown unit "MIB"`},
		{"1mib", `unknown unit "mib"`},
		{"1 Mi", `unknown unit "Mi"`},
		{"1 bytes", `unknown unit "bytes"`},
		{"1MiB/s", `unknown unit "MiB/s"`},
		{"1 MiB 2", `unknown unit "MiB 2"`},
		{"8388608TiB", "too large"},
		{"9223372036854775808", "too large"},
		{"99999999999999999999999", "too large"},
	} {
		got, err := parseSize(tc.in)
		if err == nil {
			t.Errorf("parseSize(%q) = %d, want an error with %q", tc.in, got, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseSize(%q): error %q lacks %q", tc.in, err, tc.want)
		}
		if strings.Contains(tc.want, "unknown unit") && !strings.Contains(err.Error(), sizeUnitHelp) {
			t.Errorf("parseSize(%q): error %q does not list the units", tc.in, err)
		}
	}
}

// formatSize writes what --help prints, and parseSize reads it back.
func TestFormatSize(t *testing.T) {
	for _, tc := range []struct {
		in   int64
		want string
	}{
		{0, "0"},
		{1, "1"},
		{1000, "1kB"},
		{1023, "1023"},
		{1024, "1KiB"},
		{16 << 10, "16KiB"},
		{10 << 20, "10MiB"},
		{1536, "1536"}, // 1.5 KiB: no unit divides it
		{3 << 30, "3GiB"},
		{5 << 40, "5TiB"},
		{10_000_000, "10MB"},
		{1_000_001, "1000001"},
		{math.MaxInt64, "9223372036854775807"},
	} {
		got := formatSize(tc.in)
		if got != tc.want {
			t.Errorf("formatSize(%d) = %q, want %q", tc.in, got, tc.want)
		}
		if back, err := parseSize(got); err != nil || back != tc.in {
			t.Errorf("parseSize(formatSize(%d) = %q) = %d, %v", tc.in, got, back, err)
		}
	}
}

// Every spelling reaches the options, from the command line and from
// the environment, and --help prints the defaults in a form the flags
// accept.
func TestSizeFlags(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"1048576", 1 << 20},
		{"512B", 512},
		{"1MiB", 1 << 20},
		{"1 MiB", 1 << 20},
		{"64KiB", 64 << 10},
		{"1GiB", 1 << 30},
		{"10kB", 10_000},
		{"10MB", 10_000_000},
		{"2GB", 2_000_000_000},
	} {
		o, err := parseFlags([]string{"--max-body-bytes", tc.in, "--max-header-bytes=" + tc.in}, new(bytes.Buffer))
		if err != nil {
			t.Errorf("--max-body-bytes %q: %v", tc.in, err)
			continue
		}
		if o.maxBodyBytes != tc.want || int64(o.maxHeaderBytes) != tc.want {
			t.Errorf("flags %q: max body %d, max header %d; want %d", tc.in, o.maxBodyBytes, o.maxHeaderBytes, tc.want)
		}
		t.Run("env "+tc.in, func(t *testing.T) {
			t.Setenv("WHARF_MAX_BODY_BYTES", tc.in)
			t.Setenv("WHARF_MAX_HEADER_BYTES", tc.in)
			o, err := parseFlags(nil, new(bytes.Buffer))
			if err != nil {
				t.Fatalf("WHARF_MAX_BODY_BYTES=%q: %v", tc.in, err)
			}
			if o.maxBodyBytes != tc.want || int64(o.maxHeaderBytes) != tc.want {
				t.Errorf("env %q: max body %d, max header %d; want %d", tc.in, o.maxBodyBytes, o.maxHeaderBytes, tc.want)
			}
		})
	}

	o, err := parseFlags(nil, new(bytes.Buffer))
	if err != nil {
		t.Fatal(err)
	}
	if o.maxBodyBytes != 10<<20 || o.maxHeaderBytes != 16<<10 {
		t.Errorf("defaults: max body %d, max header %d", o.maxBodyBytes, o.maxHeaderBytes)
	}

	var help bytes.Buffer
	if _, err := parseFlags([]string{"--help"}, &help); err == nil {
		t.Fatal("--help: no ErrHelp")
	}
	for _, want := range []string{"--max-body-bytes size", "(default 10MiB)", "--max-header-bytes size", "(default 16KiB)", "1024-based", "1000-based"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("--help lacks %q", want)
		}
	}
	// What --help prints as a default is accepted as a value.
	for _, def := range []string{"10MiB", "16KiB"} {
		if _, err := parseFlags([]string{"--max-body-bytes", def, "--max-header-bytes", def}, new(bytes.Buffer)); err != nil {
			t.Errorf("default %q as a value: %v", def, err)
		}
	}
}

// A bad size, on the command line or in the environment, is one line
// naming the flag (or variable) and the value: a usage error, exit
// status 2.
func TestSizeFlagErrors(t *testing.T) {
	var cases []badInput
	for _, flag := range []string{"max-body-bytes", "max-header-bytes"} {
		env := envName(flag)
		for _, bad := range []struct{ in, why string }{
			{"512k", `unknown unit "k"`},
			{"64KB", `unknown unit "KB"`},
			{"1mb", `unknown unit "mb"`},
			{"1.5MiB", "whole number"},
			{"-1", "not a size"},
			{"lots", "not a size"},
			{"", "not a size"},
			{"9999999TiB", "too large"},
		} {
			cases = append(cases, badInput{name: flag + " " + bad.in, args: []string{"--" + flag, bad.in}, want: []string{"-" + flag, fmt.Sprintf("%q", bad.in), bad.why}, usage: true})
			if bad.in != "" { // an empty variable counts as unset
				cases = append(cases, badInput{name: env + " " + bad.in, env: map[string]string{env: bad.in}, want: []string{env, fmt.Sprintf("%q", bad.in), bad.why}, usage: true})
			}
		}
		cases = append(cases,
			badInput{name: flag + " 0", args: []string{"--" + flag, "0"}, want: []string{"--" + flag + " must be at least 1 byte (got 0)"}, usage: true},
			badInput{name: flag + " 0B", args: []string{"--" + flag + "=0B"}, want: []string{"--" + flag + " must be at least 1 byte"}, usage: true},
			badInput{name: env + " 0KiB", env: map[string]string{env: "0KiB"}, want: []string{"--" + flag + " must be at least 1 byte"}, usage: true},
		)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tc.check(t) })
	}
}

// The limit set with a unit is the one the server enforces: with
// --max-body-bytes "1 KiB", a 1024-byte body reaches the handler (the
// demo answers a POST 405) and a 1025-byte one is refused with 413.
func TestSizeFlagServes(t *testing.T) {
	r := startRun(t, "--addr", "127.0.0.1:0", "--max-body-bytes", "1 KiB")
	post := func(n int) string {
		return fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", n, strings.Repeat("a", n))
	}
	if got := rawRequest(t, r.addr, post(1024)); !strings.HasPrefix(got, "HTTP/1.1 405 ") {
		t.Errorf("1024-byte body: %q, want 405 from the handler", firstLine(got))
	}
	if got := rawRequest(t, r.addr, post(1025)); !strings.HasPrefix(got, "HTTP/1.1 413 ") {
		t.Errorf("1025-byte body: %q, want 413", firstLine(got))
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	r.checkGoroutines()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\r\n")
	return line
}
