package backup

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path"
	"strings"
	"time"

	"vigie/internal/errs"
)

// idTime is the layout of a snapshot id's time part: UTC, to the second, sortable.
const idTime = "20060102T150405Z"

// Object name suffixes. The data's suffix names its encryption, so that
// `age -d` or `gpg -d` is the obvious tool for it.
const (
	dataSuffix     = ".tar.zst"
	manifestSuffix = ".manifest"
	sigSuffix      = ".manifest.sig"
)

// newID returns a snapshot id for a run started at t.
func newID(t time.Time) string {
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return t.UTC().Format(idTime) + "-" + hex.EncodeToString(b[:])
}

// IDTime is the time an id says its snapshot was started.
func IDTime(id string) (time.Time, error) {
	stamp, suffix, ok := strings.Cut(id, "-")
	if !ok || len(suffix) != 6 || strings.Trim(suffix, "0123456789abcdef") != "" {
		return time.Time{}, errs.E(errs.Invalid, "snapshot id %q: want like 20261123T020000Z-3f9a1c", id)
	}
	t, err := time.Parse(idTime, stamp)
	if err != nil {
		return time.Time{}, errs.E(errs.Invalid, "snapshot id %q: want like 20261123T020000Z-3f9a1c", id)
	}
	return t, nil
}

// Location is where one job's snapshots for one instance live on a target.
type Location struct {
	Job, Instance string
}

func (l Location) prefix() string { return l.Job + "/" + l.Instance + "/" }

// dataName, sigName and manifestName are the three objects of a snapshot; ext is
// ".age" or ".gpg".
func (l Location) dataName(id, ext string) string     { return l.prefix() + id + dataSuffix + ext }
func (l Location) sigName(id string) string           { return l.prefix() + id + sigSuffix }
func (l Location) manifestName(id, ext string) string { return l.prefix() + id + manifestSuffix + ext }

// parseName splits an object name under the location's prefix into its snapshot id and what
// the object is: "data", "manifest" or "sig"; ok is false for anything else.
func (l Location) parseName(name string) (id, kind, ext string, ok bool) {
	rest, found := strings.CutPrefix(name, l.prefix())
	if !found || strings.Contains(rest, "/") {
		return "", "", "", false
	}
	id, tail, found := strings.Cut(rest, ".")
	if !found {
		return "", "", "", false
	}
	if _, err := IDTime(id); err != nil {
		return "", "", "", false
	}
	tail = "." + tail
	switch {
	case tail == sigSuffix:
		return id, "sig", "", true
	case tail == manifestSuffix+".age" || tail == manifestSuffix+".gpg":
		return id, "manifest", path.Ext(tail), true
	case tail == dataSuffix+".age" || tail == dataSuffix+".gpg":
		return id, "data", path.Ext(tail), true
	}
	return "", "", "", false
}

// ValidName reports whether a job or instance name is usable as one folder name on every
// target: up to 100 letters, digits, '.', '_' and '-', starting with a letter or digit.
func ValidName(s string) bool {
	ok := s != "" && len(s) <= 100
	for i, c := range []byte(s) {
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		ok = ok && (alnum || i > 0 && (c == '.' || c == '_' || c == '-'))
	}
	return ok
}

func checkNamePart(what, s string) error {
	if !ValidName(s) {
		return fmt.Errorf("%s %q: use letters, digits, '.', '_' and '-', starting with a letter or digit", what, s)
	}
	return nil
}
