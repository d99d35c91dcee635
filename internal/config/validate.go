package config

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"vigie/internal/suggest"
)

// Validator records semantic problems found by a section's Validate method. Keys are relative
// to the section ("listen", "tls.cert_file", "monitors[2].name"); the Validator turns them into
// full key paths and finds the position that was recorded while decoding, so validation errors
// point at the offending value just like decoding errors do. A key that was not written in the
// file (its value is a default) is reported at the nearest enclosing key that was.
type Validator struct {
	l    *loader
	path string
}

// Errorf records a problem with the value at key.
func (v *Validator) Errorf(key, format string, args ...any) {
	v.l.errorAtPath(joinPath(v.path, key), 0, fmt.Sprintf(format, args...))
}

// ErrorfAt records a problem at byte offset within the one-line string value at key, so an
// error in an expression points at the offending token.
func (v *Validator) ErrorfAt(key string, offset int, format string, args ...any) {
	v.l.errorAtPath(joinPath(v.path, key), offset, fmt.Sprintf(format, args...))
}

// DurationRange records a problem when d is outside [lo, hi] and reports whether it was inside.
func (v *Validator) DurationRange(key string, d, lo, hi Duration) bool {
	if d < lo || d > hi {
		v.Errorf(key, "must be between %s and %s, got %s", lo, hi, d)
		return false
	}
	return true
}

// OneOf records a problem, with a suggestion when one is close, when value is not one of
// allowed, and reports whether it was.
func (v *Validator) OneOf(key, value string, allowed ...string) bool {
	if slices.Contains(allowed, value) {
		return true
	}
	what := key[strings.LastIndexByte(key, '.')+1:]
	if strings.HasSuffix(key, "]") {
		what = "value" // a list item: its key names the list, not the item
	}
	if s := suggest.Closest(value, allowed); s != "" {
		v.Errorf(key, "unknown %s %s; did you mean %q?", what, quote(value), s)
	} else {
		v.Errorf(key, "unknown %s %s (use %s)", what, quote(value), orList(allowed))
	}
	return false
}

// Readable records a problem when the file at path (already resolved) cannot be opened; an
// empty path is left to the caller.
func (v *Validator) Readable(key, path string) {
	if path == "" {
		return
	}
	f, err := os.Open(path)
	if err != nil {
		v.Errorf(key, "%s", fileProblem(err))
		return
	}
	f.Close()
}

// UniqueNames records a problem for every item of the list at key whose name repeats an
// earlier one; names[i] is the name of item i. Empty names are left to a "required" check.
func (v *Validator) UniqueNames(list string, names []string) {
	first := make(map[string]int, len(names))
	for i, name := range names {
		if name == "" {
			continue
		}
		j, dup := first[name]
		if !dup {
			first[name] = i
			continue
		}
		where := fmt.Sprintf("%s[%d]", list, j)
		if f, ok := v.l.fields[joinPath(v.path, where+".name")]; ok {
			where = fmt.Sprintf("%s:%d", f.value.file, f.value.line)
		}
		v.Errorf(fmt.Sprintf("%s[%d].name", list, i), "duplicate name %q (first at %s)", name, where)
	}
}

func orList(items []string) string {
	if len(items) == 1 {
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// joinPath appends key to a key path; list indexes attach without a dot.
func joinPath(path, key string) string {
	switch {
	case key == "":
		return path
	case path == "":
		return key
	case key[0] == '[':
		return path + key
	}
	return path + "." + key
}

// parentPath is the inverse of joinPath.
func parentPath(path string) string {
	if i := strings.LastIndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return ""
}
