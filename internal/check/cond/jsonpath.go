package cond

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

type pathSeg struct {
	key   string
	index int // -1 for a key
}

type jsonPath struct {
	raw  string
	segs []pathSeg
}

// parsePath reads the JSONPath subset $, .key, ["key"] or ['key'], [N]. On error it returns the
// byte offset in raw of the fault and a message.
func parsePath(raw string) (jsonPath, int, string) {
	p := jsonPath{raw: raw}
	if !strings.HasPrefix(raw, "$") {
		return p, 0, `a json path starts with "$", like "$.status"`
	}
	for i := 1; i < len(raw); {
		switch raw[i] {
		case '.':
			if i+1 < len(raw) && raw[i+1] == '.' {
				return p, i, "recursive descent (..) is not supported in json paths"
			}
			j := i + 1
			for j < len(raw) && raw[j] != '.' && raw[j] != '[' && raw[j] != ']' {
				j++
			}
			key := raw[i+1 : j]
			switch key {
			case "":
				return p, i, `expected a key after "." in json path`
			case "*":
				return p, i + 1, "wildcards are not supported in json paths"
			}
			p.segs = append(p.segs, pathSeg{key: key, index: -1})
			i = j
		case '[':
			seg, next, at, msg := parseBracket(raw, i+1)
			if msg != "" {
				return p, at, msg
			}
			p.segs = append(p.segs, seg)
			i = next
		default:
			r, _ := utf8.DecodeRuneInString(raw[i:])
			return p, i, fmt.Sprintf(`expected "." or "[" in json path, found %q`, string(r))
		}
	}
	return p, 0, ""
}

// parseBracket reads what follows a "[" at j: a quoted key or an index, then "]".
func parseBracket(raw string, j int) (seg pathSeg, next, at int, msg string) {
	if j < len(raw) && (raw[j] == '"' || raw[j] == '\'') {
		q := raw[j]
		var b strings.Builder
		k := j + 1
		for ; k < len(raw) && raw[k] != q; k++ {
			if raw[k] == '\\' && k+1 < len(raw) {
				k++
			}
			b.WriteByte(raw[k])
		}
		if k >= len(raw) {
			return seg, 0, j, "unterminated key in json path"
		}
		if k+1 >= len(raw) || raw[k+1] != ']' {
			return seg, 0, k + 1, `expected "]" in json path`
		}
		return pathSeg{key: b.String(), index: -1}, k + 2, 0, ""
	}
	k := j
	for k < len(raw) && isDigit(raw[k]) {
		k++
	}
	switch {
	case k == j && k < len(raw) && raw[k] == '*':
		return seg, 0, j, "wildcards are not supported in json paths"
	case k == j:
		return seg, 0, j, `expected an index or a quoted key after "[" in json path`
	case k >= len(raw) || raw[k] != ']':
		return seg, 0, k, `expected "]" in json path`
	}
	n, err := strconv.Atoi(raw[j:k])
	if err != nil {
		return seg, 0, j, "index out of range in json path"
	}
	return pathSeg{index: n}, k + 1, 0, ""
}

// lookup finds the value at segs in data, which must be valid JSON (json.Valid): the scan then
// needs no error handling, and it skips what the path does not enter without decoding it.
// A missing value comes back as the zero Value; shape names a value that is not one the
// language has (an object, an array of arrays).
func lookup(data []byte, segs []pathSeg) (v Value, shape string) {
	i := skipSpace(data, 0)
	for _, s := range segs {
		if s.index < 0 {
			if data[i] != '{' {
				return Value{}, ""
			}
			i = skipSpace(data, i+1)
			found := false
			for data[i] == '"' {
				end := skipString(data, i)
				found = keyIs(data[i:end], s.key)
				i = skipSpace(data, skipSpace(data, end)+1) // past the colon
				if found {
					break
				}
				if i = skipSpace(data, skipValue(data, i)); data[i] == ',' {
					i = skipSpace(data, i+1)
				}
			}
			if !found {
				return Value{}, ""
			}
			continue
		}
		if data[i] != '[' {
			return Value{}, ""
		}
		if i = skipSpace(data, i+1); data[i] == ']' {
			return Value{}, ""
		}
		for range s.index {
			if i = skipSpace(data, skipValue(data, i)); data[i] != ',' {
				return Value{}, ""
			}
			i = skipSpace(data, i+1)
		}
	}
	return valueAt(data, i)
}

func valueAt(data []byte, i int) (Value, string) {
	switch data[i] {
	case '{':
		return Value{}, "an object"
	case '[':
		items := []string{}
		for i = skipSpace(data, i+1); data[i] != ']'; {
			if data[i] == '{' || data[i] == '[' {
				return Value{}, "an array of objects or arrays"
			}
			end := skipValue(data, i)
			items = append(items, scalarString(data[i:end]))
			if i = skipSpace(data, end); data[i] == ',' {
				i = skipSpace(data, i+1)
			}
		}
		return Value{kind: KindList, list: items}, ""
	case 'n':
		return Value{}, ""
	case 't':
		return Bool(true), ""
	case 'f':
		return Bool(false), ""
	case '"':
		return String(decodeString(data[i:skipString(data, i)])), ""
	}
	return Number(parseNumber(data[i:skipValue(data, i)])), ""
}

func scalarString(tok []byte) string {
	switch tok[0] {
	case '"':
		return decodeString(tok)
	case 't', 'f', 'n':
		return string(tok)
	}
	return formatNumber(parseNumber(tok))
}

// parseNumber ignores the error: the token is valid JSON, and a number too large for a
// float64 is ±Inf, which still compares as expected.
func parseNumber(tok []byte) float64 {
	f, _ := strconv.ParseFloat(string(tok), 64)
	return f
}

func decodeString(quoted []byte) string {
	inner := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner)
	}
	var s string
	_ = json.Unmarshal(quoted, &s) // valid JSON: cannot fail
	return s
}

func keyIs(quoted []byte, key string) bool {
	inner := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner) == key
	}
	return decodeString(quoted) == key
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the offset just past the string that starts at data[i].
func skipString(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(data)
}

// skipValue returns the offset just past the value that starts at data[i].
func skipValue(data []byte, i int) int {
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				j = skipString(data, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return len(data)
	}
	j := i
	for j < len(data) && !strings.ContainsRune(", \t\n\r}]", rune(data[j])) {
		j++
	}
	return j
}

// maxNesting is encoding/json's limit, so that validJSON agrees with json.Valid.
const maxNesting = 10000

// validJSON is json.Valid, several times faster: it runs on every evaluation of a json()
// condition, over bodies of up to a megabyte.
func validJSON(data []byte) bool {
	i, ok := validValue(data, skipSpace(data, 0), 0)
	return ok && skipSpace(data, i) == len(data)
}

func validValue(d []byte, i, depth int) (int, bool) {
	if i >= len(d) {
		return i, false
	}
	switch d[i] {
	case '{', '[':
		return validContainer(d, i, depth+1)
	case '"':
		return validString(d, i)
	case 't':
		return validWord(d, i, "true")
	case 'f':
		return validWord(d, i, "false")
	case 'n':
		return validWord(d, i, "null")
	}
	return validNumber(d, i)
}

func validContainer(d []byte, i, depth int) (int, bool) {
	if depth > maxNesting {
		return i, false
	}
	isObject := d[i] == '{'
	closer := byte(']')
	if isObject {
		closer = '}'
	}
	if i = skipSpace(d, i+1); i < len(d) && d[i] == closer {
		return i + 1, true
	}
	for {
		var ok bool
		if isObject {
			if i >= len(d) || d[i] != '"' {
				return i, false
			}
			if i, ok = validString(d, i); !ok {
				return i, false
			}
			if i = skipSpace(d, i); i >= len(d) || d[i] != ':' {
				return i, false
			}
			i = skipSpace(d, i+1)
		}
		if i, ok = validValue(d, i, depth); !ok {
			return i, false
		}
		if i = skipSpace(d, i); i >= len(d) {
			return i, false
		}
		switch d[i] {
		case ',':
			i = skipSpace(d, i+1)
		case closer:
			return i + 1, true
		default:
			return i, false
		}
	}
}

func validString(d []byte, i int) (int, bool) {
	for i++; i < len(d); i++ {
		switch c := d[i]; {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return i, false
		case c == '\\':
			if i++; i >= len(d) {
				return i, false
			}
			switch d[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(d) || !isHex(d[i+1]) || !isHex(d[i+2]) || !isHex(d[i+3]) || !isHex(d[i+4]) {
					return i, false
				}
				i += 4
			default:
				return i, false
			}
		}
	}
	return i, false
}

func validWord(d []byte, i int, word string) (int, bool) {
	if len(d)-i < len(word) || string(d[i:i+len(word)]) != word {
		return i, false
	}
	return i + len(word), true
}

// validNumber follows the JSON grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(d []byte, i int) (int, bool) {
	if d[i] == '-' {
		i++
	}
	digits := func() bool {
		start := i
		for i < len(d) && isDigit(d[i]) {
			i++
		}
		return i > start
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case !digits():
		return i, false
	}
	if i < len(d) && d[i] == '.' {
		if i++; !digits() {
			return i, false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		if i++; i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if !digits() {
			return i, false
		}
	}
	return i, true
}

func isHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
