package cond

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"

	"vigie/internal/suggest"
)

// Error is a condition that does not compile, or, from Eval, a json() value of a type the
// condition cannot use. Pos is the byte offset in the source of the token at fault.
type Error struct {
	Pos int
	Msg string
}

func (e *Error) Error() string { return e.Msg }

func errAt(pos int, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// Expr is a compiled condition. It is immutable, so one Expr may be evaluated by many
// goroutines at once.
type Expr struct {
	root   *node
	text   string
	fields []string
}

// String returns the condition in normalised form: one space around binary operators,
// literals in canonical form ("1h30m", "14d"), the parentheses the source had.
func (e *Expr) String() string { return e.text }

// Fields returns the names of the fields the condition reads, sorted, without duplicates.
func (e *Expr) Fields() []string { return slices.Clone(e.fields) }

type nodeKind uint8

const (
	nOr nodeKind = iota + 1
	nAnd
	nNot
	nCmp
	nField
	nLit
	nJSON
	nLen
)

type node struct {
	kind  nodeKind
	op    cmpOp
	paren bool
	typ   Kind // the static kind; 0 for json(), whose kind is known only at evaluation
	pos   int  // operator, function name or operand, for errors found at evaluation
	l, r  *node
	name  string // field
	val   Value  // literal
	path  jsonPath
	re    *regexp.Regexp
}

func (n *node) isBool() bool { return n.typ == KindBool || n.typ == 0 }

func (n *node) String() string {
	var b strings.Builder
	n.write(&b)
	return b.String()
}

func (n *node) write(b *strings.Builder) {
	if n.paren {
		b.WriteByte('(')
	}
	switch n.kind {
	case nOr, nAnd, nCmp:
		n.l.write(b)
		b.WriteByte(' ')
		switch n.kind {
		case nOr:
			b.WriteString("||")
		case nAnd:
			b.WriteString("&&")
		default:
			b.WriteString(n.op.String())
		}
		b.WriteByte(' ')
		n.r.write(b)
	case nNot:
		b.WriteByte('!')
		n.l.write(b)
	case nField:
		b.WriteString(n.name)
	case nLit:
		b.WriteString(literal(n.val))
	case nJSON:
		b.WriteString("json(")
		b.WriteString(quote(n.path.raw))
		b.WriteByte(')')
	case nLen:
		b.WriteString("len(")
		n.l.write(b)
		b.WriteByte(')')
	}
	if n.paren {
		b.WriteByte(')')
	}
}

// maxDepth bounds nesting so that a hostile or broken condition cannot exhaust the stack.
const maxDepth = 100

// Compile parses src and checks it against the fields of schema, so that a typo or a
// comparison that can never hold is reported when the configuration loads. Errors are *Error.
func Compile(src string, schema Schema) (*Expr, error) {
	p := &parser{src: src, toks: lex(src), schema: schema}
	if p.peek().kind == tEOF {
		return nil, errAt(0, "empty condition")
	}
	root, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if !root.isBool() {
		return nil, p.wantOperator(root)
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.leftover(t, false)
	}
	e := &Expr{root: root, text: root.String()}
	walk(root, func(n *node) {
		if n.kind == nField && !slices.Contains(e.fields, n.name) {
			e.fields = append(e.fields, n.name)
		}
	})
	slices.Sort(e.fields)
	return e, nil
}

func walk(n *node, f func(*node)) {
	if n == nil {
		return
	}
	f(n)
	walk(n.l, f)
	walk(n.r, f)
}

type parser struct {
	src    string
	toks   []token
	i      int
	schema Schema
	depth  int
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF && t.kind != tErr {
		p.i++
	}
	return t
}

func (p *parser) text(t token) string { return p.src[t.pos:t.end] }

func (p *parser) enter(pos int) *Error {
	if p.depth++; p.depth > maxDepth {
		return errAt(pos, "condition is nested too deeply")
	}
	return nil
}

// fail reports msg at t, unless t is a lexing error, which is then the real problem.
func (p *parser) fail(t token, format string, args ...any) *Error {
	if t.kind == tErr {
		return t.err
	}
	return errAt(t.pos, format, args...)
}

func (p *parser) parseOr() (*node, *Error) {
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tOr {
		if !l.isBool() {
			return nil, p.wantOperator(l)
		}
		op := p.next()
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		if !r.isBool() {
			return nil, p.wantOperator(r)
		}
		l = &node{kind: nOr, l: l, r: r, typ: KindBool, pos: op.pos}
	}
	return l, nil
}

func (p *parser) parseAnd() (*node, *Error) {
	l, err := p.parseCmp()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tAnd {
		if !l.isBool() {
			return nil, p.wantOperator(l)
		}
		op := p.next()
		r, err := p.parseCmp()
		if err != nil {
			return nil, err
		}
		if !r.isBool() {
			return nil, p.wantOperator(r)
		}
		l = &node{kind: nAnd, l: l, r: r, typ: KindBool, pos: op.pos}
	}
	return l, nil
}

func (p *parser) parseCmp() (*node, *Error) {
	l, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if err := p.notContains(t); err != nil {
		return nil, err
	}
	if t.kind != tCmp {
		return l, nil
	}
	p.next()
	r, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	n := &node{kind: nCmp, op: t.op, l: l, r: r, typ: KindBool, pos: t.pos}
	if err := p.check(n); err != nil {
		return nil, err
	}
	return n, nil
}

func (p *parser) notContains(t token) *Error {
	if t.kind == tWordNot && p.toks[p.i+1].kind == tCmp {
		if w := p.text(p.toks[p.i+1]); w == "contains" || w == "matches" {
			return errAt(t.pos, "use !%s instead of \"not %s\"", w, w)
		}
	}
	return nil
}

func (p *parser) parseUnary() (*node, *Error) {
	t := p.peek()
	switch t.kind {
	case tNot:
		p.next()
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		p.depth--
		if !x.isBool() {
			return nil, p.notOnValue(t, x)
		}
		return &node{kind: nNot, l: x, typ: KindBool, pos: t.pos}, nil
	case tWordNot:
		return nil, errAt(t.pos, `use ! instead of "not"`)
	}
	return p.parsePrimary()
}

// notOnValue explains "!status == 503": ! binds tighter than ==, so suggest the parentheses.
func (p *parser) notOnValue(not token, x *node) *Error {
	msg := fmt.Sprintf("! applies to a boolean, and %s is %s", short(x), article(x.typ))
	if op := p.peek(); op.kind == tCmp {
		p.next()
		if r, err := p.parseUnary(); err == nil {
			msg += fmt.Sprintf("; write !(%s %s %s)", short(x), op.op, short(r))
		}
	}
	return &Error{Pos: not.pos, Msg: msg}
}

func (p *parser) parsePrimary() (*node, *Error) {
	t := p.next()
	switch t.kind {
	case tLParen:
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		x, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if err := p.closeParen(t, x); err != nil {
			return nil, err
		}
		p.depth--
		x.paren = true
		return x, nil
	case tLit:
		return &node{kind: nLit, val: t.val, typ: t.val.kind, pos: t.pos}, nil
	case tIdent:
		return p.field(t)
	case tJSON:
		return p.jsonCall(t)
	case tLen:
		return p.lenCall(t)
	case tWordNot:
		return nil, errAt(t.pos, `use ! instead of "not"`)
	case tWordAnd:
		return nil, errAt(t.pos, `use && instead of "and"`)
	case tWordOr:
		return nil, errAt(t.pos, `use || instead of "or"`)
	case tErr:
		return nil, t.err
	}
	if p.i == 0 || p.i == 1 && t.kind != tEOF {
		return nil, errAt(t.pos, "expected a condition, found %s", quoted(p.text(t)))
	}
	prev := p.toks[p.i-1]
	if t.kind != tEOF {
		prev = p.toks[p.i-2]
		return nil, errAt(t.pos, "expected a value after %s, found %s", quoted(p.text(prev)), quoted(p.text(t)))
	}
	return nil, errAt(t.pos, "expected a value after %s", quoted(p.text(prev)))
}

func (p *parser) closeParen(open token, x *node) *Error {
	t := p.peek()
	switch {
	case t.kind == tRParen:
		p.next()
		return nil
	case t.kind == tEOF:
		return errAt(open.pos, `unclosed "("`)
	case !x.isBool() && t.kind != tErr:
		return p.wantOperator(x)
	}
	return p.leftover(t, true)
}

func (p *parser) field(t token) (*node, *Error) {
	name := p.text(t)
	if p.peek().kind == tLParen {
		return nil, errAt(t.pos, "unknown function %s(): the functions are json() and len()", name)
	}
	kind, ok := p.schema[name]
	if !ok {
		return nil, &Error{Pos: t.pos, Msg: unknownField(name, p.schema)}
	}
	return &node{kind: nField, name: name, typ: kind, pos: t.pos}, nil
}

func (p *parser) jsonCall(t token) (*node, *Error) {
	const usage = `json() takes a path in double quotes, like json("$.status")`
	if open := p.next(); open.kind != tLParen {
		return nil, p.fail(open, usage)
	}
	arg := p.next()
	if arg.kind != tLit || arg.val.kind != KindString {
		return nil, p.fail(arg, usage)
	}
	path, at, msg := parsePath(arg.val.str)
	if msg != "" {
		pos := arg.pos
		if raw := p.text(arg); !strings.Contains(raw, `\`) {
			pos += 1 + at
		}
		return nil, &Error{Pos: pos, Msg: msg}
	}
	if c := p.next(); c.kind != tRParen {
		return nil, p.fail(c, `expected ")" after the json() path`)
	}
	return &node{kind: nJSON, path: path, pos: t.pos}, nil
}

func (p *parser) lenCall(t token) (*node, *Error) {
	open := p.next()
	if open.kind != tLParen {
		return nil, p.fail(open, `expected "(" after len`)
	}
	if err := p.enter(open.pos); err != nil {
		return nil, err
	}
	x, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if err := p.closeParen(open, x); err != nil {
		return nil, err
	}
	p.depth--
	if x.typ != KindString && x.typ != KindList && x.typ != 0 {
		return nil, errAt(t.pos, "len() applies to a string or a list, and %s is %s", short(x), article(x.typ))
	}
	return &node{kind: nLen, l: x, typ: KindNumber, pos: t.pos}, nil
}

func (p *parser) wantOperator(x *node) *Error {
	t := p.peek()
	if err := p.notContains(t); err != nil {
		return err
	}
	return p.fail(t, "expected an operator after %s", quoted(short(x)))
}

// leftover reports a token after a complete condition (or parenthesised part of one).
func (p *parser) leftover(t token, inParen bool) *Error {
	switch t.kind {
	case tRParen:
		return errAt(t.pos, `unexpected ")"`)
	case tCmp:
		return errAt(t.pos, "comparisons cannot be chained: join them with &&")
	case tWordAnd:
		return errAt(t.pos, `use && instead of "and"`)
	case tWordOr:
		return errAt(t.pos, `use || instead of "or"`)
	}
	if err := p.notContains(t); err != nil {
		return err
	}
	if inParen {
		return p.fail(t, `expected ")" before %s`, quoted(p.text(t)))
	}
	return p.fail(t, "unexpected %s: join conditions with && or ||", quoted(p.text(t)))
}

// check enforces the kind rules of a comparison; json() operands (kind 0) pass here and are
// checked at evaluation, except against durations and percentages, which JSON cannot hold.
func (p *parser) check(n *node) *Error {
	l, r := n.l, n.r
	switch n.op {
	case opEq, opNe, opLt, opLe, opGt, opGe:
		for _, x := range [2]*node{l, r} {
			if x.typ == KindList {
				return errAt(n.pos, "%s is a list: use contains, or compare len(%s)", short(x), short(x))
			}
		}
		if n.op.ordered() {
			for _, x := range [2]*node{l, r} {
				if x.typ == KindString || x.typ == KindBool {
					return errAt(n.pos, "%s compares numbers, durations or percentages, and %s is %s", n.op, short(x), article(x.typ))
				}
			}
		}
		if l.typ == 0 || r.typ == 0 {
			return jsonUnits(n)
		}
		if l.typ != r.typ {
			return mismatch(n)
		}
	case opContains, opNotContains:
		if l.typ != KindString && l.typ != KindList && l.typ != 0 {
			return errAt(n.pos, "%s applies to a string or a list, and %s is %s", n.op, short(l), article(l.typ))
		}
		if r.typ != KindString && r.typ != 0 {
			return errAt(n.pos, "%s needs a string on the right, and %s is %s", n.op, short(r), article(r.typ))
		}
	case opMatches, opNotMatches:
		if l.typ != KindString && l.typ != 0 {
			return errAt(n.pos, "%s applies to a string, and %s is %s", n.op, short(l), article(l.typ))
		}
		if r.kind != nLit || r.typ != KindString {
			return errAt(r.pos, `%s needs a regular expression in double quotes, like "^ok"`, n.op)
		}
		re, err := regexp.Compile(r.val.str)
		if err != nil {
			msg := err.Error()
			var se *syntax.Error
			if errors.As(err, &se) {
				msg = fmt.Sprintf("%s: `%s`", se.Code, se.Expr)
			}
			return errAt(r.pos, "invalid regexp: %s", msg)
		}
		n.re = re
	}
	return nil
}

func jsonUnits(n *node) *Error {
	for _, x := range [2]*node{n.l, n.r} {
		if x.typ == KindDuration || x.typ == KindPercent {
			return errAt(n.pos, "json() gives numbers, strings, booleans or lists, never %s: compare it with a number", article(x.typ))
		}
	}
	return nil
}

func mismatch(n *node) *Error {
	l, r := n.l, n.r
	for _, pair := range [2][2]*node{{l, r}, {r, l}} {
		x, lit := pair[0], pair[1]
		if lit.kind != nLit || lit.typ != KindNumber {
			continue
		}
		switch x.typ {
		case KindDuration:
			unit := "ms"
			if strings.Contains(x.String(), "expire") {
				unit = "d"
			}
			return errAt(lit.pos, "%s is a duration: write %s%s, not %s", short(x), literal(lit.val), unit, literal(lit.val))
		case KindPercent:
			return errAt(lit.pos, "%s is a percentage: write %s%%, not %s", short(x), literal(lit.val), literal(lit.val))
		}
	}
	return errAt(n.pos, "cannot compare %s (%s) with %s (%s)", short(l), article(l.typ), short(r), article(r.typ))
}

func unknownField(name string, schema Schema) string {
	names := make([]string, 0, len(schema))
	for k := range schema {
		names = append(names, k)
	}
	slices.Sort(names)
	best := suggest.Closest(name, names)
	switch {
	case best != "":
		return fmt.Sprintf("unknown field %q; did you mean %q?", name, best)
	case len(names) == 0:
		return fmt.Sprintf("unknown field %q: this check has no fields", name)
	}
	return fmt.Sprintf("unknown field %q (fields: %s)", name, strings.Join(names, ", "))
}

func article(k Kind) string {
	if k == 0 {
		return "a json() value"
	}
	return "a " + k.String()
}

// short renders an operand for a message, cut so that a long literal does not drown it.
func short(n *node) string {
	s := n.String()
	if len(s) <= 40 {
		return s
	}
	i := 37
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// quoted puts s in quotes for a message, unless it is a string literal, which has its own.
func quoted(s string) string {
	if strings.HasPrefix(s, `"`) {
		return s
	}
	return `"` + s + `"`
}
