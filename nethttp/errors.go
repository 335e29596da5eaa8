package nethttp

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/wharfhttp/wharf"
)

// errNotSupported returns an error that wraps http.ErrNotSupported,
// saying what wharf cannot do and why, as http.ResponseController
// expects of a method the ResponseWriter has but cannot carry out.
func errNotSupported(what string) error {
	return fmt.Errorf("nethttp: %s: %w", what, http.ErrNotSupported)
}

var (
	errReadDeadline  = errNotSupported("wharf has no per-request read deadline (Server.ReadTimeout bounds the body)")
	errWriteDeadline = errNotSupported("wharf has no per-request write deadline (Server.WriteTimeout bounds each write)")
	errNoHijack      = errNotSupported("the ResponseWriter cannot be hijacked")
)

// toHTTPError maps an error of a wharf.ResponseWriter to the net/http
// error a net/http handler tests for (http.ErrBodyNotAllowed,
// http.ErrContentLength, http.ErrHijacked); others pass unchanged.
func toHTTPError(err error) error {
	switch err {
	case nil:
		return nil
	case wharf.ErrBodyNotAllowed:
		return http.ErrBodyNotAllowed
	case wharf.ErrContentLength:
		return http.ErrContentLength
	case wharf.ErrHijacked:
		return http.ErrHijacked
	}
	return err
}

// toWharfError is toHTTPError the other way round, for a wharf handler
// served by net/http (ToHTTP).
func toWharfError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, http.ErrBodyNotAllowed):
		return wharf.ErrBodyNotAllowed
	case errors.Is(err, http.ErrContentLength):
		return wharf.ErrContentLength
	case errors.Is(err, http.ErrHijacked):
		return wharf.ErrHijacked
	}
	return err
}
