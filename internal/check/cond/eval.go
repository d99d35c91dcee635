package cond

import (
	"slices"
	"strings"
)

// Env gives a condition the results of one check run.
type Env interface {
	// Field returns a measured field; false when the probe did not measure it (cert.* on
	// plain HTTP, say).
	Field(name string) (Value, bool)
	// Body is the response body that json() reads.
	Body() []byte
}

// Eval tells whether the condition holds for env. A comparison with a field that was not
// measured, or a json() path with no value, is false, except for != and the !contains and
// !matches operators, which are true. The only errors are json() values of a type the
// condition cannot use (a string compared with <, say): Eval then returns false and an *Error
// whose Pos, in the source given to Compile, is the operator or the json() at fault. && and ||
// stop at the first operand that decides, so a clash behind them may go unnoticed.
func (e *Expr) Eval(env Env) (bool, error) {
	c := evalCtx{env: env}
	ok, err := c.bool(e.root)
	if err != nil {
		return false, err
	}
	return ok, nil
}

type bodyState uint8

const (
	bodyUnread bodyState = iota
	bodyJSON
	bodyNotJSON
)

// evalCtx holds what one evaluation learns about the body, so that several json() calls
// validate it once.
type evalCtx struct {
	env   Env
	body  []byte
	state bodyState
}

func (c *evalCtx) bool(n *node) (bool, *Error) {
	switch n.kind {
	case nAnd:
		if ok, err := c.bool(n.l); !ok || err != nil {
			return false, err
		}
		return c.bool(n.r)
	case nOr:
		if ok, err := c.bool(n.l); ok || err != nil {
			return ok, err
		}
		return c.bool(n.r)
	case nNot:
		ok, err := c.bool(n.l)
		return !ok && err == nil, err
	case nCmp:
		return c.cmp(n)
	}
	v, err := c.value(n)
	switch {
	case err != nil:
		return false, err
	case v.kind == KindBool:
		return v.b, nil
	case v.kind == 0:
		return false, nil
	}
	return false, errAt(n.pos, "%s is not a boolean", describe(n, v))
}

func (c *evalCtx) value(n *node) (Value, *Error) {
	switch n.kind {
	case nLit:
		return n.val, nil
	case nField:
		v, _ := c.env.Field(n.name)
		return v, nil
	case nJSON:
		return c.json(n)
	case nLen:
		v, err := c.value(n.l)
		switch {
		case err != nil || v.kind == 0:
			return Value{}, err
		case v.kind == KindString:
			return Number(float64(len(v.str))), nil
		case v.kind == KindList:
			return Number(float64(len(v.list))), nil
		}
		return Value{}, errAt(n.pos, "len() applies to a string or a list, and %s", describe(n.l, v))
	}
	ok, err := c.bool(n)
	return Bool(ok), err
}

func (c *evalCtx) json(n *node) (Value, *Error) {
	if c.state == bodyUnread {
		c.body, c.state = c.env.Body(), bodyNotJSON
		if validJSON(c.body) {
			c.state = bodyJSON
		}
	}
	if c.state != bodyJSON {
		return Value{}, nil
	}
	v, shape := lookup(c.body, n.path.segs)
	if shape != "" {
		return Value{}, errAt(n.pos, "%s is %s, not a value", n, shape)
	}
	return v, nil
}

func (c *evalCtx) cmp(n *node) (bool, *Error) {
	l, err := c.value(n.l)
	if err != nil {
		return false, err
	}
	r, err := c.value(n.r)
	if err != nil {
		return false, err
	}
	if l.kind == 0 || r.kind == 0 {
		return n.op.negative(), nil
	}
	switch n.op {
	case opEq, opNe:
		if l.kind != r.kind || l.kind == KindList {
			return false, kindClash(n, l, r)
		}
		eq := l.num == r.num && l.str == r.str && l.b == r.b
		return eq == (n.op == opEq), nil
	case opLt, opLe, opGt, opGe:
		if l.kind != r.kind || l.kind != KindNumber && l.kind != KindDuration && l.kind != KindPercent {
			return false, kindClash(n, l, r)
		}
		switch n.op {
		case opLt:
			return l.num < r.num, nil
		case opLe:
			return l.num <= r.num, nil
		case opGt:
			return l.num > r.num, nil
		}
		return l.num >= r.num, nil
	case opContains, opNotContains:
		if r.kind != KindString {
			return false, kindClash(n, l, r)
		}
		var in bool
		switch l.kind {
		case KindString:
			in = strings.Contains(l.str, r.str)
		case KindList:
			in = slices.Contains(l.list, r.str)
		default:
			return false, kindClash(n, l, r)
		}
		return in == (n.op == opContains), nil
	}
	if l.kind != KindString {
		return false, kindClash(n, l, r)
	}
	return n.re.MatchString(l.str) == (n.op == opMatches), nil
}

func kindClash(n *node, l, r Value) *Error {
	return errAt(n.pos, "%s cannot compare %s with %s", n.op, describe(n.l, l), describe(n.r, r))
}

// describe names an operand and, unless it is a literal, the value it had.
func describe(n *node, v Value) string {
	if n.kind == nLit {
		return short(n) + " (" + article(v.kind) + ")"
	}
	return short(n) + " = " + display(v) + " (" + article(v.kind) + ")"
}
