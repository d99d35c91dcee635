package backup

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Expectation judges the answer of a drill's smoke query: "> 0", ">= 1000", "== 42",
// "!= 0", or any other text, which the answer must equal exactly. Numbers compare as numbers.
type Expectation struct {
	op     string // "", ">", ">=", "<", "<=", "==", "!="; "" compares text
	number float64
	text   string
}

// ParseExpectation reads an expectation. An empty one accepts any answer: the query only
// has to run and return a row.
func ParseExpectation(s string) (Expectation, error) {
	s = strings.TrimSpace(s)
	for _, op := range []string{">=", "<=", "==", "!=", ">", "<"} {
		rest, ok := strings.CutPrefix(s, op)
		if !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		n, err := strconv.ParseFloat(rest, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return Expectation{}, fmt.Errorf("expect %q: after %s comes a number, like \"%s 0\"", s, op, op)
		}
		return Expectation{op: op, number: n}, nil
	}
	return Expectation{text: s}, nil
}

// Check reports whether answer meets the expectation, and if not, why in words.
func (e Expectation) Check(answer string) error {
	if e.op == "" {
		if e.text == "" || answer == e.text {
			return nil
		}
		return fmt.Errorf("the smoke query answered %q, expected %q", answer, e.text)
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(answer), 64)
	if err != nil {
		return fmt.Errorf("the smoke query answered %q, expected a number %s", answer, e)
	}
	ok := map[string]bool{">": n > e.number, ">=": n >= e.number, "<": n < e.number, "<=": n <= e.number,
		"==": n == e.number, "!=": n != e.number}[e.op]
	if !ok {
		return fmt.Errorf("the smoke query answered %s, expected %s", answer, e)
	}
	return nil
}

func (e Expectation) String() string {
	if e.op == "" {
		return strconv.Quote(e.text)
	}
	return e.op + " " + strconv.FormatFloat(e.number, 'g', -1, 64)
}
