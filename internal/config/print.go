package config

import (
	"encoding"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Print writes the effective configuration (defaults applied, includes merged, relative paths
// resolved) as YAML. Secrets print as <secret>. Every "$" is written as "$$", so the output
// is itself a valid configuration that loads to the same values (secrets aside).
func (c *Config) Print(w io.Writer) error {
	return printYAML(w, reflect.ValueOf(c).Elem())
}

func printYAML(w io.Writer, v reflect.Value) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(encode(v)); err != nil {
		return fmt.Errorf("print config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("print config: %w", err)
	}
	return nil
}

// encode is the mirror of loader.decode: it walks the same kinds by the same yaml tags.
func encode(v reflect.Value) *yaml.Node {
	t := v.Type()
	switch {
	case t == reflect.TypeFor[Secret]():
		return str(v.Interface().(Secret).String())
	case t.Implements(reflect.TypeFor[encoding.TextMarshaler]()):
		text, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			panic(fmt.Sprintf("config: %s.MarshalText: %v", t, err)) // the types here never fail
		}
		return str(escapeDollar(string(text)))
	}
	switch t.Kind() {
	case reflect.Struct:
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, f := range fieldsOf(t) {
			m.Content = append(m.Content, str(f.name), encode(v.Field(f.index)))
		}
		return m
	case reflect.Slice:
		s := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for i := range v.Len() {
			s.Content = append(s.Content, encode(v.Index(i)))
		}
		if len(s.Content) == 0 {
			s.Style = yaml.FlowStyle
		}
		return s
	case reflect.Map:
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			m.Content = append(m.Content, str(k.String()), encode(v.MapIndex(k)))
		}
		if len(m.Content) == 0 {
			m.Style = yaml.FlowStyle
		}
		return m
	case reflect.String:
		return str(escapeDollar(v.String()))
	case reflect.Bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatBool(v.Bool())}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatInt(v.Int(), 10)}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatUint(v.Uint(), 10)}
	case reflect.Float32, reflect.Float64:
		return &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatFloat(v.Float(), 'g', -1, t.Bits())}
	}
	panic(fmt.Sprintf("config: cannot print type %s", t))
}

// str makes a string node; the encoder quotes it when it would otherwise read as another type.
// Other scalars are left untagged so that they print plain.
func str(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

func escapeDollar(s string) string { return strings.ReplaceAll(s, "$", "$$") }
