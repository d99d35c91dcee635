// Package errs defines the error kinds shared by vigie's domain packages.
//
// A domain error carries a Code that says what went wrong in terms a caller can act on; the
// HTTP status, CLI exit code or log level is decided only at the edge (web, cli), so domain
// packages never import net/http.
package errs

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an error for the edges.
type Code string

const (
	Invalid         Code = "invalid"           // the caller sent something wrong
	NotFound        Code = "not_found"         // the thing asked for does not exist
	Conflict        Code = "conflict"          // it exists already, or the state forbids it
	Unauthenticated Code = "unauthenticated"   // who is asking is unknown
	Forbidden       Code = "forbidden"         // known, but not allowed
	TooManyRequests Code = "too_many_requests" // throttled; see RetryAfter
	Unavailable     Code = "unavailable"       // a dependency is down; retry later
	Internal        Code = "internal"          // a bug or an unexpected failure
)

// Error is a domain error. Message is safe to show to the caller; Err, if set, is the
// underlying cause and is only logged.
type Error struct {
	Code       Code
	Message    string
	RetryAfter time.Duration // for TooManyRequests
	Err        error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// E returns a domain error with a formatted, caller-safe message.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns a domain error whose cause is err. The cause is not shown to callers.
func Wrap(code Code, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// CodeOf returns the code of the first domain error in err's chain, or Internal.
func CodeOf(err error) Code {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// MessageOf returns the caller-safe message of err: the domain message, or a generic text for
// anything else, so internal details never reach a client.
func MessageOf(err error) string {
	if e, ok := errors.AsType[*Error](err); ok && e.Code != Internal {
		return e.Message
	}
	return "internal error"
}
