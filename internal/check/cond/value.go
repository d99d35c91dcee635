package cond

import (
	"fmt"
	"slices"
	"time"
)

// Kind is the type of a value in the condition language.
type Kind int

const (
	KindNumber   Kind = iota + 1 // 200, 1.5
	KindDuration                 // 500ms, 14d
	KindPercent                  // 20%
	KindString                   // "ok"
	KindBool                     // true
	KindList                     // a list of strings, e.g. DNS answers
)

func (k Kind) String() string {
	switch k {
	case KindNumber:
		return "number"
	case KindDuration:
		return "duration"
	case KindPercent:
		return "percentage"
	case KindString:
		return "string"
	case KindBool:
		return "boolean"
	case KindList:
		return "list"
	}
	return "unknown"
}

// Value is one typed value: a field a probe measured, or a literal in a condition.
type Value struct {
	kind Kind
	num  float64 // number, percentage (20% is 20), duration in nanoseconds
	str  string
	b    bool
	list []string
}

func Number(f float64) Value         { return Value{kind: KindNumber, num: f} }
func Duration(d time.Duration) Value { return Value{kind: KindDuration, num: float64(d)} }
func Percent(p float64) Value        { return Value{kind: KindPercent, num: p} }
func String(s string) Value          { return Value{kind: KindString, str: s} }
func Bool(b bool) Value              { return Value{kind: KindBool, b: b} }
func List(items []string) Value      { return Value{kind: KindList, list: slices.Clone(items)} }
func (v Value) Kind() Kind           { return v.kind }
func (v Value) Num() float64         { return v.num }
func (v Value) Dur() time.Duration   { return time.Duration(v.num) }
func (v Value) Str() string          { return v.str }
func (v Value) Bool() bool           { return v.b }
func (v Value) Items() []string      { return v.list }
func (v Value) IsZero() bool         { return v.kind == 0 }
func (v Value) Equal(o Value) bool {
	return v.kind == o.kind && v.num == o.num && v.str == o.str && v.b == o.b && slices.Equal(v.list, o.list)
}

// String renders the value as it would be written in a condition.
func (v Value) String() string {
	switch v.kind {
	case KindNumber:
		return fmt.Sprint(v.num)
	case KindDuration:
		return v.Dur().String()
	case KindPercent:
		return fmt.Sprintf("%g%%", v.num)
	case KindString:
		return fmt.Sprintf("%q", v.str)
	case KindBool:
		return fmt.Sprint(v.b)
	case KindList:
		return fmt.Sprintf("%q", v.list)
	}
	return "<none>"
}

// Schema lists the fields a probe kind provides, with their kinds. Conditions are checked
// against it when the configuration loads, so a typo is an error then, not a silent false.
type Schema map[string]Kind
