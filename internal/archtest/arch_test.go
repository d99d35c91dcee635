package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// edgeImports lists, for imports that belong at the edges, which packages may use them.
// Domain packages decide; adapters (web, store) talk HTTP and SQL.
var edgeImports = map[string][]string{
	// check is an adapter too: its HTTP probe is an HTTP client.
	"net/http":     {"internal/web", "internal/app", "internal/cli", "internal/check", "internal/notify", "cmd/vigie"},
	"database/sql": {"internal/store", "internal/store/sqlite", "internal/store/postgres", "internal/store/storetest", "cmd/vigie"},
}

type pkg struct {
	dir     string
	doc     bool
	imports map[string][]string // import path -> files (non-test)
}

func loadPackages(t *testing.T) []pkg {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repo root not found at %s", root)
	}
	byDir := map[string]*pkg{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		p := byDir[rel]
		if p == nil {
			p = &pkg{dir: rel, imports: map[string][]string{}}
			byDir[rel] = p
		}
		if f.Doc != nil && strings.HasPrefix(f.Doc.Text(), "Package "+f.Name.Name+" ") ||
			f.Doc != nil && f.Name.Name == "main" && strings.HasPrefix(f.Doc.Text(), "Command ") {
			p.doc = true
		}
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			p.imports[ip] = append(p.imports[ip], filepath.Base(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []pkg
	for _, p := range byDir {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].dir < out[j].dir })
	if len(out) < 10 {
		t.Fatalf("found only %d packages; the walk is broken", len(out))
	}
	return out
}

func TestDomainPackagesStayFreeOfHTTPAndSQL(t *testing.T) {
	for _, p := range loadPackages(t) {
		for imp, allowed := range edgeImports {
			files, ok := p.imports[imp]
			if !ok {
				continue
			}
			// Benchmarks drive everything from outside, like tests.
			permitted := p.dir == "bench" || strings.HasPrefix(p.dir, "bench/")
			for _, a := range allowed {
				permitted = permitted || a == p.dir || strings.HasPrefix(p.dir, a+"/") // adapters' sub-packages too
			}
			if !permitted {
				t.Errorf("%s imports %s (in %s); only %v may — keep the domain free of transport and storage",
					p.dir, imp, strings.Join(files, ", "), allowed)
			}
		}
	}
}

func TestEveryPackageHasADocComment(t *testing.T) {
	for _, p := range loadPackages(t) {
		if !p.doc {
			t.Errorf("%s has no package doc comment (\"// Package x ...\" in one of its files)", p.dir)
		}
	}
}
