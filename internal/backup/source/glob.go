package source

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// glob is one include or exclude pattern, matched against a path relative to a root
// ("www/cache/x.tmp"):
//
//   - segments are separated by "/"; within a segment *, ? and [class] work as in path.Match
//     and never match a "/";
//   - a segment "**" matches zero or more whole segments;
//   - a pattern with no "/" (other than a trailing one) matches an entry's name at any depth:
//     "*.log" is "**/*.log";
//   - a pattern with a "/" is anchored at the root; a leading "/" only says so;
//   - a trailing "/" makes the pattern match directories only.
type glob struct {
	segs    []string // "**" or a path.Match pattern
	dirOnly bool
}

func compileGlob(pattern string) (glob, error) {
	p := pattern
	var g glob
	if strings.HasSuffix(p, "/") {
		g.dirOnly = true
		p = strings.TrimRight(p, "/")
	}
	anchored := strings.Contains(p, "/")
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return glob{}, fmt.Errorf("pattern %q matches nothing", pattern)
	}
	if !anchored {
		g.segs = append(g.segs, "**")
	}
	for _, s := range strings.Split(p, "/") {
		switch s {
		case "":
			return glob{}, fmt.Errorf("pattern %q has an empty segment", pattern)
		case ".", "..":
			return glob{}, fmt.Errorf("pattern %q has a %q segment; patterns match clean relative paths", pattern, s)
		case "**":
			if len(g.segs) > 0 && g.segs[len(g.segs)-1] == "**" {
				continue
			}
		default:
			if _, err := path.Match(s, ""); err != nil {
				return glob{}, fmt.Errorf("pattern %q: %w", pattern, err)
			}
		}
		g.segs = append(g.segs, s)
	}
	return g, nil
}

// match reports whether rel, a clean slash-separated relative path, matches.
func (g glob) match(rel string, isDir bool) bool {
	if g.dirOnly && !isDir {
		return false
	}
	parts := strings.Split(rel, "/")
	// next[j] says whether g.segs[i+1:] matches parts[j:], computed from the last segment
	// back: linear in segments times parts, whatever the number of "**".
	next := make([]bool, len(parts)+1)
	cur := make([]bool, len(parts)+1)
	next[len(parts)] = true
	for i := len(g.segs) - 1; i >= 0; i-- {
		s := g.segs[i]
		for j := len(parts); j >= 0; j-- {
			if s == "**" {
				cur[j] = next[j] || j < len(parts) && cur[j+1]
				continue
			}
			cur[j] = false
			if j < len(parts) && next[j+1] {
				ok, _ := path.Match(s, parts[j]) // validated by compileGlob
				cur[j] = ok
			}
		}
		next, cur = cur, next
	}
	return next[0]
}

// globs is a list of patterns; it matches when one of them does.
type globs []glob

func compileGlobs(patterns []string) (globs, error) {
	var gs globs
	var errs []error
	for _, p := range patterns {
		g, err := compileGlob(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		gs = append(gs, g)
	}
	return gs, errors.Join(errs...)
}

func (gs globs) match(rel string, isDir bool) bool {
	for _, g := range gs {
		if g.match(rel, isDir) {
			return true
		}
	}
	return false
}
