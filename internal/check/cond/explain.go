package cond

import "strings"

// Explain says in a few words why e came out as it did for env: for a false result the parts
// that failed, for a true one (a degraded_if that held) the parts that held, each followed by
// what it saw: `status == 200 (got 503)`, `cert.expires_in > 14d (not measured)`,
// `status == 200 (got 503) && response_time < 500ms (got 812ms)`. Long strings are cut.
func Explain(e *Expr, env Env) string {
	c := evalCtx{env: env}
	var b strings.Builder
	c.explain(&b, e.root)
	return b.String()
}

func (c *evalCtx) explain(b *strings.Builder, n *node) {
	if n.kind != nAnd && n.kind != nOr {
		c.explainLeaf(b, n)
		return
	}
	want, _ := c.bool(n)
	sep := " && "
	if n.kind == nOr {
		sep = " || "
	}
	first := true
	for _, part := range flatten(n, nil) {
		if ok, _ := c.bool(part); ok != want {
			continue
		}
		if !first {
			b.WriteString(sep)
		}
		first = false
		if part.kind == nAnd || part.kind == nOr {
			b.WriteByte('(')
			c.explain(b, part)
			b.WriteByte(')')
		} else {
			c.explain(b, part)
		}
	}
}

// flatten lists the operands of a chain of the same operator: a && b && c gives a, b, c.
func flatten(n *node, parts []*node) []*node {
	for _, x := range [2]*node{n.l, n.r} {
		if x.kind == n.kind && !x.paren {
			parts = flatten(x, parts)
		} else {
			parts = append(parts, x)
		}
	}
	return parts
}

func (c *evalCtx) explainLeaf(b *strings.Builder, n *node) {
	bare := *n
	bare.paren = false
	bare.write(b)
	if _, err := c.bool(n); err != nil {
		b.WriteString(" (" + err.Msg + ")")
		return
	}
	var operands []*node
	seen := map[string]bool{}
	var collect func(*node)
	collect = func(x *node) {
		switch x.kind {
		case nField, nJSON, nLen:
			if s := x.String(); !seen[s] {
				seen[s] = true
				operands = append(operands, x)
			}
			return
		case nLit:
			return
		}
		collect(x.l)
		if x.r != nil {
			collect(x.r)
		}
	}
	collect(n)
	if len(operands) == 0 {
		return
	}
	b.WriteString(" (")
	for i, x := range operands {
		if i > 0 {
			b.WriteString(", ")
		}
		v, _ := c.value(x)
		switch {
		case len(operands) == 1 && v.kind != 0:
			b.WriteString("got " + display(v))
		case len(operands) == 1:
			b.WriteString(c.missing(x))
		case v.kind != 0:
			b.WriteString(stripParen(x) + "=" + display(v))
		default:
			b.WriteString(stripParen(x) + " " + c.missing(x))
		}
	}
	b.WriteByte(')')
}

// missing says why an operand has no value.
func (c *evalCtx) missing(x *node) string {
	for x.kind == nLen {
		x = x.l
	}
	switch {
	case x.kind == nField:
		return "not measured"
	case c.state == bodyNotJSON:
		return "body is not JSON"
	}
	return "no value"
}

func stripParen(x *node) string {
	bare := *x
	bare.paren = false
	return bare.String()
}
