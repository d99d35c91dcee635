// Package suggest finds the "did you mean" for a mistyped name: a configuration key, a
// monitor, a condition's field.
package suggest

import "strings"

// Closest returns the candidate closest to s: within a small edit distance (transpositions
// count as one edit), or else one that is a prefix of s or has s as prefix. Short words get a
// tighter distance, otherwise every three-letter typo would match some other key.
func Closest(s string, candidates []string) string {
	s = strings.ToLower(s)
	limit := 2
	if len(s) <= 3 {
		limit = 1
	}
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if d := Distance(s, strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best != "" || len(s) < 3 {
		return best
	}
	for _, c := range candidates {
		if len(c) >= 3 && (strings.HasPrefix(c, s) || strings.HasPrefix(s, c)) {
			return c
		}
	}
	return ""
}

// Distance is the optimal string alignment distance between a and b, in bytes.
func Distance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
