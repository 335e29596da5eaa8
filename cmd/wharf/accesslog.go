package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"

	"github.com/wharfhttp/wharf/cmd/wharf/internal/accesslog"
)

// validateAccessLog checks --access-log-format; its default follows
// --log-format (json logs get json access lines, text logs nginx's
// combined format).
func (o *options) validateAccessLog() error {
	name := o.accessLogFormat
	if name == "" {
		name = "combined"
		if o.logFormat == "json" {
			name = "json"
		}
	}
	f, err := accesslog.ParseFormat(name)
	if err != nil {
		return usagef("wharf: --access-log-format %q: want common, combined or json", o.accessLogFormat)
	}
	o.accessFormat = f
	return nil
}

// openAccessLog opens the access log the options ask for (nil without
// --access-log), writing to stderr or --access-log-file, and reopening
// the file on SIGUSR1. close drains and closes it: call it after the
// server is shut down.
func openAccessLog(opts *options, stderr io.Writer, log *slog.Logger) (alog *accesslog.Log, close func(), err error) {
	if !opts.accessLog {
		if opts.accessLogFormat != "" || opts.accessLogFile != "" {
			log.Warn("--access-log-format and --access-log-file have no effect without --access-log")
		}
		return nil, func() {}, nil
	}
	alog, err = accesslog.New(accesslog.Config{Format: opts.accessFormat, Path: opts.accessLogFile, Writer: stderr})
	if err != nil {
		return nil, nil, fmt.Errorf("wharf: --access-log-file: %s", strings.TrimPrefix(err.Error(), "accesslog: "))
	}
	stop := watchReopen(alog, log)
	return alog, func() {
		stop()
		if err := alog.Close(); err != nil {
			log.Warn("access log", "err", err)
		}
	}, nil
}

// watchReopen reopens the access log on each of reopenSignals (SIGUSR1,
// for logrotate) until the returned stop is called; stop waits for the
// watcher.
func watchReopen(alog *accesslog.Log, log *slog.Logger) (stop func()) {
	if len(reopenSignals) == 0 {
		return func() {} // signal.Notify with no signals would relay all of them
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, reopenSignals...)
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ch:
				if err := alog.Reopen(); err != nil {
					log.Error("access log not reopened; still writing to the old file", "err", err)
				} else {
					log.Info("access log reopened")
				}
			case <-quit:
				return
			}
		}
	}()
	return func() { signal.Stop(ch); close(quit); <-done }
}
