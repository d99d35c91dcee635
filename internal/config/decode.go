package config

import (
	"encoding"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"vigie/internal/suggest"
)

// The optional methods a section type (a struct decoded from a mapping) may have. They are
// found by reflection, so a new section needs no registration.
type (
	// defaulter sets static defaults on a zero value, before decoding overwrites the keys
	// that are present.
	defaulter interface{ setDefaults() }
	// completer fills values that depend on other settings or on the main file's directory.
	completer interface{ complete(dir string) }
	// validatable checks what types cannot; nested sections are validated on their own.
	validatable interface{ Validate(v *Validator) }
)

const maxSecretFile = 1 << 20

// isScalarType reports whether t is written as one YAML scalar with its own syntax: Secret,
// netip.Prefix, or any type whose pointer implements encoding.TextUnmarshaler.
func isScalarType(t reflect.Type) bool {
	return t == reflect.TypeFor[Secret]() || t == reflect.TypeFor[netip.Prefix]() ||
		reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]())
}

func isSection(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && !isScalarType(t)
}

// field is a struct field that has a YAML key.
type field struct {
	name  string
	index int
	typ   reflect.Type
}

func fieldsOf(t reflect.Type) []field {
	var fields []field
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		fields = append(fields, field{name: name, index: i, typ: f.Type})
	}
	return fields
}

// lookupField finds the field for key; a Secret field "x" is also reachable as "x_file".
func lookupField(fields []field, key string) (f field, viaFile, ok bool) {
	for _, f := range fields {
		if f.name == key {
			return f, false, true
		}
	}
	if base, found := strings.CutSuffix(key, "_file"); found {
		for _, f := range fields {
			if f.name == base && f.typ == reflect.TypeFor[Secret]() {
				return f, true, true
			}
		}
	}
	return field{}, false, false
}

// walk calls fn on every section struct under v, children before parents so that a parent
// sees its children complete. Map values are copied out and written back because they are
// not addressable.
func walk(v reflect.Value, path string, fn func(v reflect.Value, path string)) {
	t := v.Type()
	switch {
	case isSection(t):
		for _, f := range fieldsOf(t) {
			walk(v.Field(f.index), joinPath(path, f.name), fn)
		}
		fn(v, path)
	case t.Kind() == reflect.Slice:
		for i := range v.Len() {
			walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i), fn)
		}
	case t.Kind() == reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			e := reflect.New(t.Elem()).Elem()
			e.Set(v.MapIndex(k))
			walk(e, joinPath(path, k.String()), fn)
			v.SetMapIndex(k, e)
		}
	}
}

func setDefaults(v reflect.Value, _ string) {
	if d, ok := v.Addr().Interface().(defaulter); ok {
		d.setDefaults()
	}
}

// decode stores node n into v, which must be addressable, reporting every problem found.
func (l *loader) decode(n *yaml.Node, v reflect.Value, path string) {
	if l.budget--; l.budget < 0 {
		if l.budget == -1 {
			l.errorAt(n, path, "too many values once aliases are expanded")
		}
		return
	}
	n = follow(n)
	t := v.Type()
	if isNull(n) && isSection(t) {
		return // an empty section keeps its defaults
	}
	switch {
	case t == reflect.TypeFor[Secret]():
		if s, ok := l.scalar(n, path, "a string", true); ok {
			v.Set(reflect.ValueOf(NewSecret(s)))
		}
		return
	case t == reflect.TypeFor[netip.Prefix]():
		if s, ok := l.scalar(n, path, kindName(t), false); ok {
			p, err := parsePrefix(s)
			if err != nil {
				l.errorAt(n, path, err.Error())
				return
			}
			v.Set(reflect.ValueOf(p))
		}
		return
	}
	if u, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		if s, ok := l.scalar(n, path, kindName(t), false); ok {
			if err := u.UnmarshalText([]byte(s)); err != nil {
				l.errorAt(n, path, err.Error())
			}
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		l.decodeStruct(n, v, path)
	case reflect.Slice:
		l.decodeSlice(n, v, path)
	case reflect.Map:
		l.decodeMap(n, v, path)
	case reflect.String:
		if s, ok := l.scalar(n, path, kindName(t), false); ok {
			v.SetString(s)
		}
	case reflect.Bool:
		s, ok := l.scalar(n, path, kindName(t), false)
		if !ok {
			return
		}
		switch s {
		case "true", "True", "TRUE":
			v.SetBool(true)
		case "false", "False", "FALSE":
			v.SetBool(false)
		default:
			l.errorAt(n, path, "expected a boolean, got "+quote(s))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if s, ok := l.scalar(n, path, kindName(t), false); ok {
			i, err := strconv.ParseInt(s, 10, t.Bits())
			if err != nil {
				l.numberError(n, path, kindName(t), s, err)
				return
			}
			v.SetInt(i)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if s, ok := l.scalar(n, path, kindName(t), false); ok {
			u, err := strconv.ParseUint(s, 10, t.Bits())
			if err != nil {
				l.numberError(n, path, kindName(t), s, err)
				return
			}
			v.SetUint(u)
		}
	case reflect.Float32, reflect.Float64:
		if s, ok := l.scalar(n, path, kindName(t), false); ok {
			f, err := strconv.ParseFloat(s, t.Bits())
			if err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
				err = strconv.ErrSyntax
			}
			if err != nil {
				l.numberError(n, path, kindName(t), s, err)
				return
			}
			v.SetFloat(f)
		}
	default:
		panic(fmt.Sprintf("config: field %s has type %s, which the decoder does not support", path, t))
	}
}

func (l *loader) numberError(n *yaml.Node, path, want, s string, err error) {
	if errors.Is(err, strconv.ErrRange) {
		l.errorAt(n, path, fmt.Sprintf("number %s is out of range", quote(s)))
		return
	}
	l.errorAt(n, path, fmt.Sprintf("expected %s, got %s", want, quote(s)))
}

// scalar returns the text of a scalar node with environment variables expanded. Expansion
// happens here, as each value is read, so that its errors carry the value's key path.
func (l *loader) scalar(n *yaml.Node, path, want string, sensitive bool) (string, bool) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		l.errorAt(n, path, fmt.Sprintf("expected %s, got %s", want, describe(n, sensitive)))
		return "", false
	}
	s, err := expand(n.Value, l.lookupEnv)
	if err != nil {
		l.errorAt(n, path, err.Error())
		return "", false
	}
	return s, true
}

func (l *loader) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		l.errorAt(n, path, "expected a mapping, got "+describe(n, false))
		return
	}
	fields := fieldsOf(v.Type())
	seen := make(map[string]*yaml.Node)  // keys as written
	setBy := make(map[string]*yaml.Node) // per field, so "dsn" and "dsn_file" clash
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		name, ok := l.key(k, path)
		if !ok {
			continue
		}
		keyPath := joinPath(path, name)
		if first, dup := seen[name]; dup {
			l.errorAt(k, keyPath, l.duplicateKey(name, first, k))
			continue
		}
		seen[name] = k
		f, viaFile, ok := lookupField(fields, name)
		if !ok {
			l.unknownKey(k, keyPath, name, fields)
			continue
		}
		if _, both := setBy[f.name]; both {
			l.errorAt(k, keyPath, fmt.Sprintf("%s and %s_file are both set; use only one", f.name, f.name))
			continue
		}
		setBy[f.name] = k
		fieldPath := joinPath(path, f.name)
		target := follow(val)
		l.fields[fieldPath] = fieldPos{
			display:    keyPath,
			key:        l.pos(k),
			value:      l.pos(val),
			collection: target.Kind == yaml.MappingNode || target.Kind == yaml.SequenceNode,
			quoted:     isQuoted(target),
		}
		switch {
		case isNull(target):
			// Written but empty: keep the default, as if absent.
		case viaFile:
			l.decodeSecretFile(target, v.Field(f.index), keyPath)
		default:
			l.decode(val, v.Field(f.index), fieldPath)
		}
	}
}

// key returns the text of a mapping key. Keys are not expanded: a key is part of the schema,
// not a value.
func (l *loader) key(k *yaml.Node, path string) (string, bool) {
	k = follow(k)
	if k.Kind != yaml.ScalarNode {
		l.errorAt(k, path, "expected a string as key, got "+describe(k, false))
		return "", false
	}
	return k.Value, true
}

func (l *loader) unknownKey(k *yaml.Node, path, name string, fields []field) {
	if k.ShortTag() == "!!merge" {
		l.errorAt(k, path, `YAML merge keys ("<<") are not supported`)
		return
	}
	var known []string
	for _, f := range fields {
		known = append(known, f.name)
		if f.typ == reflect.TypeFor[Secret]() {
			known = append(known, f.name+"_file")
		}
	}
	msg := fmt.Sprintf("unknown key %s", quote(name))
	if s := suggest.Closest(name, known); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	l.errorAt(k, path, msg)
}

// decodeSecretFile reads a Secret from the file named by n, relative to the file n is in, so
// that an included file can sit next to its secrets.
func (l *loader) decodeSecretFile(n *yaml.Node, v reflect.Value, path string) {
	name, ok := l.scalar(n, path, "a file path", false)
	if !ok {
		return
	}
	if name == "" {
		l.errorAt(n, path, "must not be empty")
		return
	}
	data, err := readSmallFile(resolvePath(filepath.Dir(l.pos(n).file), name), maxSecretFile)
	if err != nil {
		l.errorAt(n, path, fileProblem(err))
		return
	}
	s, ok := strings.CutSuffix(string(data), "\n")
	if ok {
		s = strings.TrimSuffix(s, "\r")
	}
	v.Set(reflect.ValueOf(NewSecret(s)))
}

// readSmallFile reads at most limit bytes, so that a mistaken path such as /dev/zero fails
// instead of hanging.
func readSmallFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	if int64(len(data)) > limit {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("larger than %d bytes", limit)}
	}
	return data, nil
}

func (l *loader) decodeSlice(n *yaml.Node, v reflect.Value, path string) {
	t := v.Type()
	if n.Kind != yaml.SequenceNode {
		l.errorAt(n, path, "expected a list, got "+describe(n, sensitive(t)))
		return
	}
	if len(n.Content) == 0 {
		v.SetZero() // "[]" and an absent key read the same, so Print's output loads back equal
		return
	}
	s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
	for i, item := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		target := follow(item)
		l.fields[p] = fieldPos{display: p, key: l.pos(item), value: l.pos(item),
			collection: target.Kind == yaml.MappingNode || target.Kind == yaml.SequenceNode, quoted: isQuoted(target)}
		walk(s.Index(i), p, setDefaults)
		l.decode(item, s.Index(i), p)
	}
	v.Set(s)
}

func (l *loader) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	t := v.Type()
	if t.Key().Kind() != reflect.String {
		panic(fmt.Sprintf("config: field %s has type %s; map keys must be strings", path, t))
	}
	if n.Kind != yaml.MappingNode {
		l.errorAt(n, path, "expected a mapping, got "+describe(n, sensitive(t)))
		return
	}
	m := reflect.MakeMapWithSize(t, len(n.Content)/2)
	seen := make(map[string]*yaml.Node)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		name, ok := l.key(k, path)
		if !ok {
			continue
		}
		p := joinPath(path, name)
		if first, dup := seen[name]; dup {
			l.errorAt(k, p, l.duplicateKey(name, first, k))
			continue
		}
		seen[name] = k
		target := follow(val)
		l.fields[p] = fieldPos{display: p, key: l.pos(k), value: l.pos(val),
			collection: target.Kind == yaml.MappingNode || target.Kind == yaml.SequenceNode}
		e := reflect.New(t.Elem()).Elem()
		walk(e, p, setDefaults)
		l.decode(val, e, p)
		m.SetMapIndex(reflect.ValueOf(name).Convert(t.Key()), e)
	}
	if m.Len() == 0 {
		v.SetZero()
		return
	}
	v.Set(m)
}

// kindName says what a value of type t looks like, for "expected ..." messages.
func kindName(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[Duration]():
		return "a duration"
	case reflect.TypeFor[URL]():
		return "a URL"
	case reflect.TypeFor[netip.Prefix]():
		return "an IP address or CIDR prefix"
	}
	if isScalarType(t) {
		return "a string"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "a mapping"
	case reflect.Slice:
		return "a list"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a string"
}

// describe says what node n is for "got ..." messages. A scalar meant for a secret is not
// quoted, since it probably is the secret.
func describe(n *yaml.Node, sensitive bool) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case isNull(n):
		return "an empty value"
	case sensitive:
		return "a single value"
	}
	return quote(n.Value)
}

// sensitive reports whether values of type t hold secrets.
func sensitive(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.Pointer:
		return sensitive(t.Elem())
	}
	return t == reflect.TypeFor[Secret]()
}

// expand replaces ${NAME} and ${NAME:-default} (default also used when NAME is empty) and
// turns $$ into $. Any other $ is kept, so a password like "pa$word" needs no escaping.
// Messages never quote s, which may be a secret.
func expand(s string, lookupEnv func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 || i == len(s)-1 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			s = s[i+2:]
		case '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", errors.New(`unterminated "${": missing "}" (write "$$" for a literal "$")`)
			}
			name, def, hasDefault := strings.Cut(s[i+2:i+2+end], ":-")
			if !validEnvName(name) {
				return "", errors.New(`malformed "${...}": use ${NAME} or ${NAME:-default}, where NAME has letters, digits and "_" (write "$$" for a literal "$")`)
			}
			val, set := lookupEnv(name)
			switch {
			case hasDefault && val == "":
				val = def
			case !set:
				return "", fmt.Errorf("environment variable %q is not set", name)
			}
			b.WriteString(val)
			s = s[i+2+end+1:]
		default:
			b.WriteByte('$')
			s = s[i+1:]
		}
	}
}

func validEnvName(name string) bool {
	if name == "" || (name[0] >= '0' && name[0] <= '9') {
		return false
	}
	for _, c := range name {
		if c != '_' && (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

func isQuoted(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0
}
