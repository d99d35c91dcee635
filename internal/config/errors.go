package config

import (
	"errors"
	"io/fs"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is one problem in a configuration file, at the position of the offending key or value.
type Error struct {
	File   string
	Line   int // 0 when the problem has no position, such as an unreadable main file
	Column int
	Path   string // key path like "server.tls.cert_file" or "server.trusted_proxies[2]"
	Msg    string
	err    error // the cause, kept for errors.Is (e.g. fs.ErrNotExist for a missing main file)
}

// Error returns "<file>:<line>:<col>: <path>: <msg>", leaving out the path when there is none
// and the line and column when there is no position.
func (e Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Column))
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying cause, if any.
func (e Error) Unwrap() error { return e.err }

// Errors is every problem found while loading a configuration.
type Errors []Error

// Error returns one Error per line.
func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, err := range e {
		lines[i] = err.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.Is and errors.As look at each Error.
func (e Errors) Unwrap() []error {
	errs := make([]error, len(e))
	for i, err := range e {
		errs[i] = err
	}
	return errs
}

// fileProblem words a file error without Go's "open" verb, which means nothing to a user.
func fileProblem(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return "cannot read " + pe.Path + ": " + pe.Err.Error()
	}
	return err.Error()
}

// quote quotes a value for a message, shortened so that a pasted blob does not flood the screen.
func quote(s string) string {
	const maxRunes = 60
	if utf8.RuneCountInString(s) > maxRunes {
		s = string([]rune(s)[:maxRunes]) + "…"
	}
	return strconv.Quote(s)
}
