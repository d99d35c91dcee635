package cond

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tErr         // a lexing error, reported only if the parser reaches it
	tIdent
	tLit // number, duration, percentage, string or boolean literal
	tLParen
	tRParen
	tNot
	tAnd
	tOr
	tCmp
	tJSON
	tLen
	tWordNot // not, and, or: reserved so that their use gets a hint
	tWordAnd
	tWordOr
)

type token struct {
	kind     tokKind
	pos, end int
	op       cmpOp
	val      Value
	err      *Error
}

type cmpOp uint8

const (
	opEq cmpOp = iota + 1
	opNe
	opLt
	opLe
	opGt
	opGe
	opContains
	opNotContains
	opMatches
	opNotMatches
)

var opNames = [...]string{
	opEq: "==", opNe: "!=", opLt: "<", opLe: "<=", opGt: ">", opGe: ">=",
	opContains: "contains", opNotContains: "!contains", opMatches: "matches", opNotMatches: "!matches",
}

func (o cmpOp) String() string { return opNames[o] }

// negative operators hold when an operand is missing, so that == and != stay opposites.
func (o cmpOp) negative() bool { return o == opNe || o == opNotContains || o == opNotMatches }

func (o cmpOp) ordered() bool { return o >= opLt && o <= opGe }

var keywords = map[string]tokKind{
	"true": tLit, "false": tLit, "json": tJSON, "len": tLen,
	"contains": tCmp, "matches": tCmp,
	"not": tWordNot, "and": tWordAnd, "or": tWordOr,
}

func lex(src string) []token {
	var toks []token
	i := 0
	for {
		for i < len(src) && isSpace(src[i]) {
			i++
		}
		if i >= len(src) {
			return append(toks, token{kind: tEOF, pos: len(src), end: len(src)})
		}
		t, err := lexOne(src, i)
		if err != nil {
			return append(toks, token{kind: tErr, pos: err.Pos, end: err.Pos, err: err})
		}
		toks = append(toks, t)
		i = t.end
	}
}

func lexOne(src string, i int) (token, *Error) {
	c := src[i]
	at := func(k tokKind, n int) (token, *Error) { return token{kind: k, pos: i, end: i + n}, nil }
	cmp := func(op cmpOp, n int) (token, *Error) { return token{kind: tCmp, op: op, pos: i, end: i + n}, nil }
	next := byte(0)
	if i+1 < len(src) {
		next = src[i+1]
	}
	switch {
	case c == '(':
		return at(tLParen, 1)
	case c == ')':
		return at(tRParen, 1)
	case c == '"':
		return lexString(src, i)
	case c == '&':
		if next == '&' {
			return at(tAnd, 2)
		}
		return token{}, errAt(i, `"&" is not an operator: use &&`)
	case c == '|':
		if next == '|' {
			return at(tOr, 2)
		}
		return token{}, errAt(i, `"|" is not an operator: use ||`)
	case c == '=':
		if next == '=' {
			return cmp(opEq, 2)
		}
		return token{}, errAt(i, `"=" is not an operator: use == to compare`)
	case c == '!':
		if next == '=' {
			return cmp(opNe, 2)
		}
		for _, w := range [...]struct {
			word string
			op   cmpOp
		}{{"contains", opNotContains}, {"matches", opNotMatches}} {
			if end := i + 1 + len(w.word); strings.HasPrefix(src[i+1:], w.word) && (end == len(src) || !isIdentChar(src[end])) {
				return cmp(w.op, 1+len(w.word))
			}
		}
		return at(tNot, 1)
	case c == '<' && next == '=':
		return cmp(opLe, 2)
	case c == '<':
		return cmp(opLt, 1)
	case c == '>' && next == '=':
		return cmp(opGe, 2)
	case c == '>':
		return cmp(opGt, 1)
	case isDigit(c) || c == '-' && isDigit(next):
		return lexNumber(src, i)
	case isIdentStart(c):
		return lexIdent(src, i)
	}
	r, _ := utf8.DecodeRuneInString(src[i:])
	if r == utf8.RuneError {
		return token{}, errAt(i, "unexpected byte 0x%02x", c)
	}
	return token{}, errAt(i, "unexpected character %q", string(r))
}

func lexString(src string, start int) (token, *Error) {
	var b strings.Builder
	escaped := false
	from := start + 1
	for i := start + 1; i < len(src); i++ {
		switch src[i] {
		case '"':
			s := src[start+1 : i]
			if escaped {
				b.WriteString(src[from:i])
				s = b.String()
			}
			return token{kind: tLit, pos: start, end: i + 1, val: String(s)}, nil
		case '\\':
			if i+1 >= len(src) {
				return token{}, errAt(start, "unterminated string")
			}
			if e := src[i+1]; e != '"' && e != '\\' {
				r, _ := utf8.DecodeRuneInString(src[i+1:])
				if unicode.IsPrint(r) {
					return token{}, errAt(i, `invalid escape \%c in string: only \" and \\ are allowed`, r)
				}
				return token{}, errAt(i, `invalid escape in string: only \" and \\ are allowed`)
			}
			escaped = true
			b.WriteString(src[from:i])
			b.WriteByte(src[i+1])
			i++
			from = i + 1
		}
	}
	return token{}, errAt(start, "unterminated string")
}

func lexIdent(src string, start int) (token, *Error) {
	i := start
	for i < len(src) && (isIdentChar(src[i]) || src[i] == '.') {
		i++
	}
	word := src[start:i]
	if k, ok := keywords[word]; ok {
		t := token{kind: k, pos: start, end: i}
		switch word {
		case "true", "false":
			t.val = Bool(word == "true")
		case "contains":
			t.op = opContains
		case "matches":
			t.op = opMatches
		}
		return t, nil
	}
	for part := range strings.SplitSeq(word, ".") {
		if part == "" {
			return token{}, errAt(start, "invalid field name %q", word)
		}
	}
	return token{kind: tIdent, pos: start, end: i}, nil
}

// lexNumber reads a number, duration or percentage: the whole run of letters, digits, dots and
// percent signs is taken, so that "5x" is one bad literal rather than "5" followed by "x".
func lexNumber(src string, start int) (token, *Error) {
	i := start
	if src[i] == '-' {
		i++
	}
	for i < len(src) {
		if c := src[i]; isIdentChar(c) || c == '.' || c == '%' {
			i++
		} else if strings.HasPrefix(src[i:], "µ") || strings.HasPrefix(src[i:], "μ") {
			i += 2
		} else {
			break
		}
	}
	text := src[start:i]
	v, msg := parseLiteral(text)
	if msg != "" {
		return token{}, &Error{Pos: start, Msg: msg}
	}
	return token{kind: tLit, pos: start, end: i, val: v}, nil
}

func parseLiteral(text string) (Value, string) {
	body, sign := text, 1.0
	if strings.HasPrefix(body, "-") {
		body, sign = body[1:], -1
	}
	if num, ok := strings.CutSuffix(body, "%"); ok {
		if !isPlainNumber(num) {
			return Value{}, fmt.Sprintf("invalid percentage %q", text)
		}
		f, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return Value{}, fmt.Sprintf("number out of range: %s", text)
		}
		return Percent(sign * f), ""
	}
	if isPlainNumber(body) {
		f, err := strconv.ParseFloat(body, 64)
		if err != nil {
			return Value{}, fmt.Sprintf("number out of range: %s", text)
		}
		return Number(sign * f), ""
	}
	if strings.ContainsAny(body, "%_") || !strings.ContainsFunc(body, unicode.IsLetter) {
		return Value{}, fmt.Sprintf("invalid number %q", text)
	}
	d, msg := parseDuration(body, text)
	if msg != "" {
		return Value{}, msg
	}
	return Duration(time.Duration(sign) * d), ""
}

func isPlainNumber(s string) bool {
	whole, frac, dot := strings.Cut(s, ".")
	return whole != "" && allDigits(whole) && (!dot || frac != "" && allDigits(frac))
}

func allDigits(s string) bool {
	for i := range len(s) {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

var units = map[string]uint64{
	"ns": uint64(time.Nanosecond), "us": uint64(time.Microsecond), "µs": uint64(time.Microsecond),
	"μs": uint64(time.Microsecond), "ms": uint64(time.Millisecond), "s": uint64(time.Second),
	"m": uint64(time.Minute), "h": uint64(time.Hour), "d": uint64(24 * time.Hour),
}

// maxDuration keeps durations exactly representable as a float64 that converts back to an
// int64 without overflow: Value stores them as float64 nanoseconds.
const maxDuration = 1 << 62

// parseDuration follows time.ParseDuration, with days, and without the float rounding a naive
// value*unit would bring ("0.1s" is exactly 100ms).
func parseDuration(s, text string) (time.Duration, string) {
	var total uint64
	for s != "" {
		i := 0
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		intPart := s[:i]
		var fracPart string
		if i < len(s) && s[i] == '.' {
			j := i + 1
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			fracPart, i = s[i+1:j], j
			if fracPart == "" {
				return 0, fmt.Sprintf("invalid duration %q", text)
			}
		}
		if intPart == "" {
			return 0, fmt.Sprintf("invalid duration %q", text)
		}
		j := i
		for j < len(s) && !isDigit(s[j]) && s[j] != '.' {
			j++
		}
		unitName := s[i:j]
		if unitName == "" {
			return 0, fmt.Sprintf("missing unit in duration %q: use ns, us, ms, s, m, h or d", text)
		}
		unit, ok := units[unitName]
		if !ok {
			return 0, fmt.Sprintf("unknown unit %q in duration %q: use ns, us, ms, s, m, h or d", unitName, text)
		}
		n, err := strconv.ParseUint(intPart, 10, 64)
		if err != nil || n > maxDuration/unit {
			return 0, "duration out of range: " + text
		}
		v := n * unit
		if fracPart != "" {
			// Digits past 19 cannot change the result by a nanosecond's worth for any unit.
			f, _ := strconv.ParseUint(fracPart[:min(len(fracPart), 18)], 10, 64)
			scale := math.Pow10(min(len(fracPart), 18))
			v += uint64(float64(f) * (float64(unit) / scale))
		}
		total += v
		if v > maxDuration || total > maxDuration {
			return 0, "duration out of range: " + text
		}
		s = s[j:]
	}
	return time.Duration(total), ""
}

func isSpace(c byte) bool      { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool      { return '0' <= c && c <= '9' }
func isIdentStart(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }
func isIdentChar(c byte) bool  { return isIdentStart(c) || isDigit(c) }
