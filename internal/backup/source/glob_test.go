package source

import (
	"path"
	"strings"
	"testing"
)

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, rel string
		dir          bool
		want         bool
	}{
		{"*.log", "a.log", false, true},
		{"*.log", "x/y/a.log", false, true}, // no slash: any depth
		{"*.log", "a.log/b", false, false},
		{"*.log", "alog", false, false},
		{"cache", "cache", true, true},
		{"cache", "a/b/cache", true, true},
		{"cache/", "a/cache", true, true},
		{"cache/", "a/cache", false, false}, // directories only
		{"cache/", "cache/x", false, false},
		{"/cache", "cache", true, true},
		{"/cache", "a/cache", true, false}, // anchored
		{"www/img", "www/img", true, true},
		{"www/img", "x/www/img", true, false},
		{"www/*", "www/a", false, true},
		{"www/*", "www/a/b", false, false}, // * stays in its segment
		{"www/**", "www", true, true},      // ** is zero or more segments
		{"www/**", "www/a/b/c", false, true},
		{"**/x", "x", false, true},
		{"**/x", "a/b/x", false, true},
		{"a/**/b", "a/b", false, true},
		{"a/**/b", "a/1/2/3/b", false, true},
		{"a/**/b", "a/1/2/3/c", false, false},
		{"a/**/**/b", "a/b", false, true},
		{"**", "anything/at/all", false, true},
		{"?.txt", "a.txt", false, true},
		{"?.txt", "ab.txt", false, false},
		{"[ab].txt", "b.txt", false, true},
		{"[^ab].txt", "b.txt", false, false},
		{"[^ab].txt", "c.txt", false, true},
		{`\*.txt`, "*.txt", false, true},
		{`\*.txt`, "a.txt", false, false},
		{"*", ".hidden", false, true},
		{"with space", "d/with space", false, true},
		{"bad\xff*", "d/bad\xffname", false, true},
		{"*/**/*.go", "a.go", false, false},
		{"*/**/*.go", "x/a.go", false, true},
		{"*/**/*.go", "x/y/z/a.go", false, true},
	}
	for _, tt := range tests {
		g, err := compileGlob(tt.pattern)
		if err != nil {
			t.Errorf("compile %q: %v", tt.pattern, err)
			continue
		}
		if got := g.match(tt.rel, tt.dir); got != tt.want {
			t.Errorf("%q matches %q (dir %v) = %v, want %v", tt.pattern, tt.rel, tt.dir, got, tt.want)
		}
	}
}

func TestGlobErrors(t *testing.T) {
	for _, p := range []string{"", "/", "//", "a//b", "a/./b", "../a", "a/..", "[", "a/[b", `a\`} {
		if _, err := compileGlob(p); err == nil {
			t.Errorf("compile %q: no error", p)
		}
	}
}

// naiveMatch is the definition of glob matching, exponential in the number of "**".
func naiveMatch(segs, parts []string) bool {
	if len(segs) == 0 {
		return len(parts) == 0
	}
	if segs[0] == "**" {
		for i := 0; i <= len(parts); i++ {
			if naiveMatch(segs[1:], parts[i:]) {
				return true
			}
		}
		return false
	}
	if len(parts) == 0 {
		return false
	}
	ok, _ := path.Match(segs[0], parts[0])
	return ok && naiveMatch(segs[1:], parts[1:])
}

func FuzzGlob(f *testing.F) {
	for _, s := range [][2]string{
		{"*.log", "a/b.log"}, {"a/**/b", "a/x/y/b"}, {"/www/img/**", "www/img"}, {"cache/", "x/cache"},
		{"[a-c]?/**/*.go", "b1/x/y.go"}, {`\**`, "*x"}, {"**/**/x", "x"}, {"a/*/c", "a/b/c"}, {"bad\xff", "bad\xff"},
	} {
		f.Add(s[0], s[1], false)
		f.Add(s[0], s[1], true)
	}
	f.Fuzz(func(t *testing.T, pattern, rel string, dir bool) {
		g, err := compileGlob(pattern)
		if err != nil {
			return
		}
		got := g.match(rel, dir) // must not panic, whatever rel is
		parts := strings.Split(rel, "/")
		if len(g.segs) > 8 || len(parts) > 12 {
			return // the reference is exponential
		}
		if want := (!g.dirOnly || dir) && naiveMatch(g.segs, parts); got != want {
			t.Fatalf("%q matches %q (dir %v) = %v, reference says %v", pattern, rel, dir, got, want)
		}
		// Without ** or classes (which path.Match lets match "/"), an anchored pattern
		// agrees with path.Match on the whole path.
		p := strings.TrimRight(pattern, "/")
		if strings.Contains(p, "/") && !strings.Contains(p, "**") && !strings.ContainsAny(p, `[\`) && (!g.dirOnly || dir) {
			if want, _ := path.Match(strings.TrimPrefix(p, "/"), rel); got != want {
				t.Fatalf("%q matches %q = %v, path.Match says %v", pattern, rel, got, want)
			}
		}
	})
}
