// Command summarize reads `go test -bench` output and prints the median ns/op, B/op and
// allocs/op of each benchmark, with each vigie row's ratio to the "limit=" row of its group.
package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var line = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+([\d.]+) B/op\s+([\d.]+) allocs/op)?`)

type samples struct{ ns, bytes, allocs []float64 }

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func main() {
	byName := map[string]*samples{}
	var order []string
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		s := byName[m[1]]
		if s == nil {
			s = &samples{}
			byName[m[1]] = s
			order = append(order, m[1])
		}
		f := func(x string) float64 { v, _ := strconv.ParseFloat(x, 64); return v }
		s.ns = append(s.ns, f(m[2]))
		s.bytes = append(s.bytes, f(m[3]))
		s.allocs = append(s.allocs, f(m[4]))
	}
	if len(order) == 0 {
		fmt.Fprintln(os.Stderr, "summarize: no benchmark lines on stdin")
		os.Exit(1)
	}
	// The limit of a row is the "limit=" row sharing everything before the last slash.
	limits := map[string]float64{}
	for _, name := range order {
		if i := strings.LastIndex(name, "/"); i >= 0 && strings.HasPrefix(name[i+1:], "limit=") {
			limits[name[:i]] = median(byName[name].ns)
		}
	}
	fmt.Printf("%-46s %5s %12s %10s %10s %8s\n", "benchmark", "runs", "median", "B/op", "allocs/op", "× limit")
	for _, name := range order {
		s := byName[name]
		ns := median(s.ns)
		ratio := ""
		if i := strings.LastIndex(name, "/"); i >= 0 && !strings.HasPrefix(name[i+1:], "limit=") {
			if l, ok := limits[name[:i]]; ok && l > 0 {
				ratio = fmt.Sprintf("%.2f", ns/l)
			}
		}
		fmt.Printf("%-46s %5d %12s %10.0f %10.0f %8s\n", name, len(s.ns), human(ns), median(s.bytes), median(s.allocs), ratio)
	}
}

func human(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.2f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}
