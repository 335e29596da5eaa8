package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// writePIDFile writes the process's pid (and a newline) to path. The
// file is written beside path and renamed over it, so that a reader
// (systemd's PIDFile=, a script's kill $(cat ...)) sees the previous
// pid or this one, never a partial line. The error is one line naming
// the flag and the cause.
func writePIDFile(path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("wharf: --pid-file %s: %w", path, pathCause(err))
	}
	tmp := f.Name()
	_, err = f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644) // CreateTemp makes it 0600; the pid is no secret
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("wharf: --pid-file %s: %w", path, pathCause(err))
	}
	return nil
}

// removePIDFile removes path if it still holds the process's pid.
// After a restart it holds the new process's pid, and stays. A file
// already gone is no error.
func removePIDFile(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("wharf: --pid-file %s: %w", path, pathCause(err))
	}
	if string(bytes.TrimSpace(b)) != strconv.Itoa(os.Getpid()) {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("wharf: --pid-file %s: %w", path, pathCause(err))
	}
	return nil
}

// pathCause drops an *fs.PathError's operation and path (the caller's
// message names the path the user gave, not a temporary file's).
func pathCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
