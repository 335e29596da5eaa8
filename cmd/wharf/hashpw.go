package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/crypto/bcrypt"
)

// hashCost is the bcrypt cost of --hash-password: 12, above
// bcrypt.DefaultCost (10), since a hash given on a command line can be
// read by other users of the machine and attacked offline. A check
// takes about 0.2 s; the --basic-auth middleware pays it once per
// client every few minutes, not once per request.
const hashCost = 12

// maxPasswordLine bounds what --hash-password reads.
const maxPasswordLine = 4096

// hashPassword reads the password from stdin (readPassword) and
// prints its bcrypt hash to stdout.
func hashPassword(stdin io.Reader, stdout, stderr io.Writer) error {
	restore := func() {}
	if f, ok := stdin.(*os.File); ok {
		// On a terminal, prompt and do not echo the password.
		if undo, ok := noEcho(f); ok {
			fmt.Fprint(stderr, "Password: ")
			restore = func() { undo(); fmt.Fprintln(stderr) }
		}
	}
	pw, err := readPassword(stdin)
	restore()
	if err != nil {
		return err
	}
	defer clear(pw)
	hash, err := bcrypt.GenerateFromPassword(pw, hashCost)
	if err != nil {
		return fmt.Errorf("wharf: --hash-password: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "%s\n", hash)
	return err
}

// readPassword reads the first line of r, without its line end ("\n"
// or "\r\n"), and ignores the rest. An empty password, or one longer
// than bcrypt's 72 bytes, is a usage error.
func readPassword(r io.Reader) ([]byte, error) {
	line, err := bufio.NewReaderSize(io.LimitReader(r, maxPasswordLine), maxPasswordLine).ReadBytes('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("wharf: --hash-password: reading standard input: %w", err)
	}
	pw := bytes.TrimSuffix(line, []byte("\n"))
	pw = bytes.TrimSuffix(pw, []byte("\r"))
	switch {
	case len(pw) == 0:
		return nil, usagef("wharf: --hash-password: empty password (give it as one line on standard input)")
	case len(pw) > 72:
		clear(line)
		return nil, usagef("wharf: --hash-password: the password is %d bytes long; bcrypt uses at most 72", len(pw))
	}
	return pw, nil
}
