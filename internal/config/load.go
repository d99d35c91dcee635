package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// position is where a node starts; nodes do not know their file, so the loader keeps a map.
type position struct {
	file      string
	line, col int
}

// fieldPos is what the decoder remembers about a key it decoded, for validation errors.
type fieldPos struct {
	display    string // the key path as written, e.g. "storage.dsn_file" for the dsn field
	key, value position
	collection bool // the value is a mapping or list: errors point at the key instead
	quoted     bool // the value is a quoted scalar: its text starts one column later
}

// loader holds the state of one Load call.
type loader struct {
	main      string
	lookupEnv func(string) (string, bool)
	files     map[*yaml.Node]string
	order     map[string]int // file -> rank, to sort errors main file first
	fields    map[string]fieldPos
	failed    []string // key paths whose decoding failed; their sections are not validated
	budget    int      // nodes the decoder may still visit; bounds alias expansion
	errs      Errors
}

// load decodes the file at path into root, a pointer to a struct. It is separate from Load so
// that tests can exercise the generic machinery with their own schema.
func load(path string, lookupEnv func(string) (string, bool), root any) error {
	if lookupEnv == nil {
		lookupEnv = func(string) (string, bool) { return "", false }
	}
	l := &loader{
		main:      path,
		lookupEnv: lookupEnv,
		files:     make(map[*yaml.Node]string),
		order:     make(map[string]int),
		fields:    make(map[string]fieldPos),
	}
	v := reflect.ValueOf(root).Elem()
	walk(v, "", setDefaults)
	if tree := l.readTree(path); tree != nil {
		// Ten visits per parsed node leaves room for honest anchors while stopping a
		// "billion laughs" document.
		l.budget = 10*len(l.files) + 10000
		l.decode(tree, v, "")
	}
	// Relative paths become absolute so that they do not change meaning if the process
	// changes directory, and so that Print's output loads the same from anywhere.
	dir := filepath.Dir(path)
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	walk(v, "", func(s reflect.Value, _ string) {
		if c, ok := s.Addr().Interface().(completer); ok {
			c.complete(dir)
		}
	})
	walk(v, "", l.validate)
	if len(l.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(l.errs, func(a, b Error) int {
		return cmp.Or(
			cmp.Compare(l.order[a.File], l.order[b.File]),
			strings.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column),
		)
	})
	return l.errs
}

// readTree parses the main file and merges its includes into it.
func (l *loader) readTree(path string) *yaml.Node {
	data, err := os.ReadFile(path)
	if err != nil {
		msg := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = pe.Err.Error() // the file name is already in front of the message
		}
		l.errs = append(l.errs, Error{File: path, Msg: msg, err: err})
		return nil
	}
	root := l.parse(path, data)
	if root == nil {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		l.errorAt(root, "", fmt.Sprintf("expected a mapping, got %s", describe(root, false)))
		return nil
	}
	// A file named twice is read once, at its first place: this lets "include: [base.yaml, .]"
	// order one file first, and keeps "include: ." from reading the main file again.
	read := map[string]bool{absPath(path): true}
	for _, inc := range l.takeIncludes(root, path, true) {
		if read[absPath(inc.file)] {
			continue
		}
		read[absPath(inc.file)] = true
		if sub := l.readInclude(inc); sub != nil {
			merge(root, sub)
		}
	}
	return root
}

func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return filepath.Clean(p)
}

// parse returns the root node of the single document in data, or nil when the file is empty
// or broken (the problem is recorded).
func (l *loader) parse(file string, data []byte) *yaml.Node {
	if _, ok := l.order[file]; !ok {
		l.order[file] = len(l.order)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if !errors.Is(err, io.EOF) {
			l.errs = append(l.errs, syntaxError(file, err))
		}
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			l.errs = append(l.errs, syntaxError(file, err))
		} else {
			l.errs = append(l.errs, Error{File: file, Line: extra.Line, Column: extra.Column,
				Msg: "only one YAML document is allowed per file"})
		}
		return nil
	}
	if len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	l.register(root, file)
	if isNull(root) {
		return nil
	}
	return root
}

func (l *loader) register(n *yaml.Node, file string) {
	l.files[n] = file
	for _, c := range n.Content {
		l.register(c, file)
	}
}

// syntaxError turns yaml's "yaml: line 3: did not find expected key" into a positioned Error;
// yaml gives no column.
func syntaxError(file string, err error) Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if line, err := strconv.Atoi(num); err == nil {
				return Error{File: file, Line: line, Column: 1, Msg: text}
			}
		}
	}
	return Error{File: file, Msg: msg}
}

// include is one file to merge, with the include item it came from for errors.
type include struct {
	file string
	item *yaml.Node
	path string
}

// takeIncludes removes the top-level include keys from root and returns the files they name.
// Included files may not include further: one level keeps merge order and cycles trivial.
func (l *loader) takeIncludes(root *yaml.Node, file string, allowed bool) []include {
	var incs []include
	var first *yaml.Node
	kept := make([]*yaml.Node, 0, len(root.Content))
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Value != "include" {
			kept = append(kept, k, v)
			continue
		}
		switch {
		case !allowed:
			l.errorAt(k, "include", "is only allowed in the main file, not in an included file")
		case first != nil:
			l.errorAt(k, "include", l.duplicateKey("include", first, k))
		default:
			first = k
			incs = append(incs, l.includeItems(v, filepath.Dir(file))...)
		}
	}
	root.Content = kept
	return incs
}

func (l *loader) includeItems(v *yaml.Node, dir string) []include {
	v = follow(v)
	var items []*yaml.Node
	switch {
	case isNull(v):
		return nil
	case v.Kind == yaml.ScalarNode:
		items = []*yaml.Node{v}
	case v.Kind == yaml.SequenceNode:
		items = v.Content
	default:
		l.errorAt(v, "include", "expected a path or a list of paths, got "+describe(v, false))
		return nil
	}
	var incs []include
	for i, item := range items {
		path := "include"
		if v.Kind == yaml.SequenceNode {
			path = fmt.Sprintf("include[%d]", i)
		}
		name, ok := l.scalar(follow(item), path, "a path", false)
		if !ok {
			continue
		}
		if name == "" {
			l.errorAt(item, path, "must not be empty")
			continue
		}
		full := resolvePath(dir, name)
		info, err := os.Stat(full)
		switch {
		case err != nil:
			l.errorAt(item, path, fileProblem(err))
		case info.Mode().IsRegular():
			incs = append(incs, include{file: full, item: item, path: path})
		case info.IsDir():
			files, err := configFiles(full)
			if err != nil {
				l.errorAt(item, path, fileProblem(err))
			}
			for _, f := range files {
				incs = append(incs, include{file: f, item: item, path: path})
			}
		default:
			l.errorAt(item, path, "cannot read "+full+": not a regular file or directory")
		}
	}
	return incs
}

// configFiles lists the *.yaml and *.yml files of dir by name. Symbolic links are followed
// because Kubernetes mounts ConfigMap files as links.
func configFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if ext != ".yaml" && ext != ".yml" {
			continue
		}
		full := filepath.Join(dir, e.Name())
		if info, err := os.Stat(full); err == nil && info.Mode().IsRegular() {
			files = append(files, full)
		}
	}
	return files, nil
}

func (l *loader) readInclude(inc include) *yaml.Node {
	data, err := os.ReadFile(inc.file)
	if err != nil {
		l.errorAt(inc.item, inc.path, fileProblem(err))
		return nil
	}
	root := l.parse(inc.file, data)
	if root == nil {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		l.errorAt(root, "", "expected a mapping, got "+describe(root, false))
		return nil
	}
	l.takeIncludes(root, inc.file, false)
	return root
}

// merge adds the keys of src to dst. Sections (mappings) present in both are merged and lists
// are concatenated; an empty value gives way to the other. Any other key present in both is
// appended again, so that the decoder reports it as a duplicate naming both places.
func merge(dst, src *yaml.Node) {
	for i := 0; i+1 < len(src.Content); i += 2 {
		k, v := src.Content[i], src.Content[i+1]
		if j := findKey(dst, k); j >= 0 {
			old := dst.Content[j+1]
			switch {
			case isNull(v):
				continue
			case isNull(old):
				dst.Content[j+1] = v
				continue
			case old.Kind == yaml.MappingNode && v.Kind == yaml.MappingNode:
				merge(old, v)
				continue
			case old.Kind == yaml.SequenceNode && v.Kind == yaml.SequenceNode:
				old.Content = append(old.Content, v.Content...)
				continue
			}
		}
		dst.Content = append(dst.Content, k, v)
	}
}

func findKey(m, key *yaml.Node) int {
	if key.Kind != yaml.ScalarNode {
		return -1
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key.Value {
			return i
		}
	}
	return -1
}

func (l *loader) pos(n *yaml.Node) position {
	file, ok := l.files[n]
	if !ok {
		file = l.main
	}
	return position{file: file, line: n.Line, col: n.Column}
}

// errorAt records a decoding problem at node n.
func (l *loader) errorAt(n *yaml.Node, path, msg string) {
	p := l.pos(n)
	l.errs = append(l.errs, Error{File: p.file, Line: p.line, Column: p.col, Path: path, Msg: msg})
	l.failed = append(l.failed, path)
}

// errorAtPath records a validation problem at the position recorded for path, or at the
// nearest enclosing key written in the file when path itself holds a default. offset moves
// the column within a one-line scalar value (to point into an expression).
func (l *loader) errorAtPath(path string, offset int, msg string) {
	e := Error{File: l.main, Path: path, Msg: msg}
	if f, ok := l.fields[path]; ok {
		p := f.value
		if f.collection {
			p = f.key
		} else if offset > 0 {
			p.col += offset
			if f.quoted {
				p.col++
			}
		}
		e.File, e.Line, e.Column, e.Path = p.file, p.line, p.col, f.display
	} else {
		for p := parentPath(path); p != ""; p = parentPath(p) {
			if f, ok := l.fields[p]; ok {
				e.File, e.Line, e.Column = f.key.file, f.key.line, f.key.col
				break
			}
		}
	}
	l.errs = append(l.errs, e)
}

func (l *loader) duplicateKey(name string, first, second *yaml.Node) string {
	a, b := l.pos(first), l.pos(second)
	if a.file == b.file {
		return fmt.Sprintf("duplicate key %q (first at line %d)", name, a.line)
	}
	return fmt.Sprintf("duplicate key %q (first at %s:%d)", name, a.file, a.line)
}

// failedUnder reports whether decoding failed at path or below it.
func (l *loader) failedUnder(path string) bool {
	for _, f := range l.failed {
		if path == "" || f == path || strings.HasPrefix(f, path+".") || strings.HasPrefix(f, path+"[") {
			return true
		}
	}
	return false
}

func (l *loader) validate(v reflect.Value, path string) {
	s, ok := v.Addr().Interface().(validatable)
	if !ok || l.failedUnder(path) {
		return
	}
	s.Validate(&Validator{l: l, path: path})
}

func follow(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}
