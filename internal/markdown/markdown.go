// Package markdown renders a small, safe subset of Markdown to HTML: ATX headings,
// paragraphs (a line break inside one is kept), flat bullet, numbered and task lists, block
// quotes, fenced code, rules, and inline code, strong, emphasis and links. Everything else
// is text. Raw HTML is never
// passed through: every character of the source is escaped, and a link keeps its target
// only when it is http, https, mailto, or a path on the same site. Post-mortems are written
// by operators and published on public pages, so the output must be safe whatever the input.
package markdown

import (
	"html"
	"html/template"
	"net/url"
	"strconv"
	"strings"
)

// Options adjust the output.
type Options struct {
	// HeadingShift lowers every heading by this many levels (capped at h6), so a document's
	// "#" sits under the page's own h1.
	HeadingShift int
}

// maxDepth bounds nesting (quotes within quotes, emphasis within emphasis), so that a
// hostile document cannot make rendering deep or slow.
const maxDepth = 8

// Render returns the HTML of src.
func Render(src string, o Options) template.HTML {
	r := renderer{opts: o}
	lines := strings.Split(strings.ReplaceAll(strings.ReplaceAll(src, "\r\n", "\n"), "\r", "\n"), "\n")
	r.blocks(lines, 0)
	return template.HTML(r.out.String())
}

type renderer struct {
	opts Options
	out  strings.Builder
}

// blocks renders a sequence of lines: one block per run of lines of the same kind.
func (r *renderer) blocks(lines []string, depth int) {
	for i := 0; i < len(lines); {
		line := lines[i]
		body := strings.TrimLeft(line, " ")
		indent := len(line) - len(body)
		switch {
		case strings.TrimSpace(line) == "":
			i++
		case indent < 4 && isFence(body):
			i = r.fence(lines, i, body[:3])
		case indent < 4 && headingLevel(body) > 0:
			r.heading(body)
			i++
		case indent < 4 && isRule(body):
			r.out.WriteString("<hr>\n")
			i++
		case indent < 4 && strings.HasPrefix(body, ">") && depth < maxDepth:
			i = r.quote(lines, i, depth)
		case indent < 4 && listMarker(body) != nil:
			i = r.list(lines, i)
		default:
			i = r.paragraph(lines, i)
		}
	}
}

func isFence(s string) bool { return strings.HasPrefix(s, "```") || strings.HasPrefix(s, "~~~") }

// fence renders a fenced code block; an unclosed fence runs to the end.
func (r *renderer) fence(lines []string, i int, marker string) int {
	var code []string
	j := i + 1
	for ; j < len(lines); j++ {
		if strings.HasPrefix(strings.TrimLeft(lines[j], " "), marker) {
			j++
			break
		}
		code = append(code, lines[j])
	}
	r.out.WriteString("<pre><code>")
	if len(code) > 0 {
		r.out.WriteString(html.EscapeString(strings.Join(code, "\n")))
		r.out.WriteByte('\n')
	}
	r.out.WriteString("</code></pre>\n")
	return j
}

// headingLevel is n for a line starting with n (1 to 6) '#' then a space or nothing.
func headingLevel(s string) int {
	n := 0
	for n < len(s) && s[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || (n < len(s) && s[n] != ' ' && s[n] != '\t') {
		return 0
	}
	return n
}

func (r *renderer) heading(s string) {
	n := headingLevel(s)
	text := strings.TrimSpace(s[n:])
	// A closing run of '#' is decoration, when a space separates it from the text.
	if t := strings.TrimRight(text, "#"); t != text && (t == "" || strings.HasSuffix(t, " ")) {
		text = strings.TrimSpace(t)
	}
	level := strconv.Itoa(min(n+max(r.opts.HeadingShift, 0), 6))
	r.out.WriteString("<h" + level + ">")
	r.inline(text, 0)
	r.out.WriteString("</h" + level + ">\n")
}

// isRule is a line of three or more '-', '*' or '_' (spaces allowed between).
func isRule(s string) bool {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if len(s) < 3 {
		return false
	}
	return strings.Count(s, s[:1]) == len(s) && strings.ContainsAny(s[:1], "-*_")
}

// quote renders the run of lines starting with '>' as blocks of their own.
func (r *renderer) quote(lines []string, i, depth int) int {
	var inner []string
	for ; i < len(lines); i++ {
		body := strings.TrimLeft(lines[i], " ")
		if !strings.HasPrefix(body, ">") {
			break
		}
		body = strings.TrimPrefix(body[1:], " ")
		inner = append(inner, body)
	}
	r.out.WriteString("<blockquote>\n")
	r.blocks(inner, depth+1)
	r.out.WriteString("</blockquote>\n")
	return i
}

// marker is a list item's start: its kind, its number (ordered lists) and where its text begins.
type marker struct {
	ordered bool
	number  int
	text    string
}

func listMarker(s string) *marker {
	if len(s) >= 2 && strings.ContainsRune("-*+", rune(s[0])) && (s[1] == ' ' || s[1] == '\t') {
		return &marker{text: strings.TrimSpace(s[2:])}
	}
	digits := 0
	for digits < len(s) && digits < 9 && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	if digits == 0 || digits+1 >= len(s) || (s[digits] != '.' && s[digits] != ')') || (s[digits+1] != ' ' && s[digits+1] != '\t') {
		return nil
	}
	n, _ := strconv.Atoi(s[:digits])
	return &marker{ordered: true, number: n, text: strings.TrimSpace(s[digits+2:])}
}

// list renders consecutive items of one kind. A line that is not an item continues the
// item above it; a blank line ends the list unless another item of the same kind follows.
func (r *renderer) list(lines []string, i int) int {
	first := listMarker(strings.TrimLeft(lines[i], " "))
	var items []string
	for i < len(lines) {
		body := strings.TrimLeft(lines[i], " ")
		if strings.TrimSpace(body) == "" {
			next := i + 1
			for next < len(lines) && strings.TrimSpace(lines[next]) == "" {
				next++
			}
			if next < len(lines) {
				if m := listMarker(strings.TrimLeft(lines[next], " ")); m != nil && m.ordered == first.ordered {
					i = next
					continue
				}
			}
			break
		}
		m := listMarker(body)
		switch {
		case m != nil && m.ordered == first.ordered:
			items = append(items, m.text)
		case m != nil, len(items) > 0 && startsBlock(body):
			return r.closeList(first, items, i)
		default:
			items[len(items)-1] += "\n" + strings.TrimSpace(body)
		}
		i++
	}
	return r.closeList(first, items, i)
}

// startsBlock reports whether a line begins a block other than a paragraph.
func startsBlock(body string) bool {
	return isFence(body) || headingLevel(body) > 0 || isRule(body) || strings.HasPrefix(body, ">")
}

func (r *renderer) closeList(first *marker, items []string, next int) int {
	tag := "ul"
	if first.ordered {
		tag = "ol"
	}
	r.out.WriteString("<" + tag)
	if first.ordered && first.number != 1 {
		r.out.WriteString(` start="` + strconv.Itoa(first.number) + `"`)
	}
	r.out.WriteString(">\n")
	for _, it := range items {
		switch {
		case strings.HasPrefix(it, "[ ] ") || it == "[ ]":
			r.out.WriteString(`<li class="task"><span class="box">☐</span> `)
			r.inline(strings.TrimSpace(it[3:]), 0)
		case strings.HasPrefix(it, "[x] ") || strings.HasPrefix(it, "[X] ") || it == "[x]" || it == "[X]":
			r.out.WriteString(`<li class="task done"><span class="box">☑</span> `)
			r.inline(strings.TrimSpace(it[3:]), 0)
		default:
			r.out.WriteString("<li>")
			r.inline(it, 0)
		}
		r.out.WriteString("</li>\n")
	}
	r.out.WriteString("</" + tag + ">\n")
	return next
}

// paragraph renders lines up to a blank line or the start of another block.
func (r *renderer) paragraph(lines []string, i int) int {
	var text []string
	for ; i < len(lines); i++ {
		body := strings.TrimLeft(lines[i], " ")
		if strings.TrimSpace(body) == "" || (len(text) > 0 && (startsBlock(body) || listMarker(body) != nil)) {
			break
		}
		text = append(text, strings.TrimSpace(lines[i]))
	}
	r.out.WriteString("<p>")
	r.inline(strings.Join(text, "\n"), 0)
	r.out.WriteString("</p>\n")
	return i
}

// inline renders text with code spans, strong, emphasis, links and backslash escapes.
func (r *renderer) inline(s string, depth int) {
	// noCloser remembers delimiters already searched for in vain from an earlier position:
	// a later search would fail too, so each failure costs one scan, not one per opener.
	noCloser := map[string]bool{}
	closer := func(delim string, from int) int {
		if noCloser[delim] {
			return -1
		}
		for {
			j := strings.Index(s[from:], delim)
			if j < 0 {
				noCloser[delim] = true
				return -1
			}
			if j = from + j; j == 0 || s[j-1] != '\\' {
				return j
			}
			from = j + 1 // an escaped delimiter is text
		}
	}
	plain := 0 // start of the text not yet written
	flush := func(to int) {
		r.out.WriteString(html.EscapeString(s[plain:to]))
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && strings.IndexByte(escapable, s[i+1]) >= 0:
			flush(i)
			r.out.WriteString(html.EscapeString(s[i+1 : i+2]))
			i += 2
			plain = i
			continue
		case c == '`':
			run := 1
			for i+run < len(s) && s[i+run] == '`' {
				run++
			}
			delim := s[i : i+run]
			if j := closer(delim, i+run); j >= 0 {
				flush(i)
				r.out.WriteString("<code>" + html.EscapeString(strings.TrimSpace(s[i+run:j])) + "</code>")
				i = j + run
				plain = i
				continue
			}
			i += run
			continue
		case (c == '*' || c == '_') && depth < maxDepth:
			if n, ok := r.emphasis(s, i, depth, closer, flush); ok {
				i = n
				plain = i
				continue
			}
		case c == '[' && depth < maxDepth:
			if n, ok := r.link(s, i, depth, closer, flush); ok {
				i = n
				plain = i
				continue
			}
		case c == '\n':
			// Operators write logbooks line by line ("14:03 detected"): keep their breaks.
			flush(i)
			r.out.WriteString("<br>\n")
			i++
			plain = i
			continue
		}
		i++
	}
	flush(len(s))
}

const escapable = "\\`*_{}[]()#+-.!>|~"

// emphasis renders **strong** or *emphasis* (or with '_') starting at i, if it closes.
func (r *renderer) emphasis(s string, i, depth int, closer func(string, int) int, flush func(int)) (int, bool) {
	c := s[i]
	// An underscore inside a word (snake_case) is a letter, not emphasis.
	if c == '_' && i > 0 && isWordByte(s[i-1]) {
		return 0, false
	}
	delim := string(c)
	if i+1 < len(s) && s[i+1] == c {
		delim += string(c)
	}
	start := i + len(delim)
	if start >= len(s) || s[start] == ' ' || s[start] == '\n' {
		return 0, false
	}
	j := closer(delim, start)
	if j < 0 || j == start || s[j-1] == ' ' {
		return 0, false
	}
	if c == '_' && j+len(delim) < len(s) && isWordByte(s[j+len(delim)]) {
		return 0, false
	}
	tag := "em"
	if len(delim) == 2 {
		tag = "strong"
	}
	flush(i)
	r.out.WriteString("<" + tag + ">")
	r.inline(s[start:j], depth+1)
	r.out.WriteString("</" + tag + ">")
	return j + len(delim), true
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b >= 0x80
}

// link renders [text](target) starting at i, if it closes. An unsafe target keeps the text
// and drops the link.
func (r *renderer) link(s string, i, depth int, closer func(string, int) int, flush func(int)) (int, bool) {
	mid := closer("](", i+1)
	if mid < 0 {
		return 0, false
	}
	end := closingParen(s, mid+2)
	if end < 0 || strings.ContainsAny(s[i+1:mid], "\n") {
		return 0, false
	}
	text, target := s[i+1:mid], strings.TrimSpace(s[mid+2:end])
	flush(i)
	if href, ok := safeURL(target); ok {
		r.out.WriteString(`<a href="` + html.EscapeString(href) + `" rel="nofollow noopener">`)
		r.inline(text, depth+1)
		r.out.WriteString("</a>")
	} else {
		r.inline(text, depth+1)
	}
	return end + 1, true
}

// closingParen finds the ')' that closes a link target starting at from, counting nested
// parentheses as URLs have them; -1 when the line ends first.
func closingParen(s string, from int) int {
	depth := 0
	for j := from; j < len(s); j++ {
		switch s[j] {
		case '(':
			depth++
		case ')':
			if depth == 0 {
				return j
			}
			depth--
		case '\n':
			return -1
		}
	}
	return -1
}

// safeURL accepts http, https and mailto URLs, and paths and fragments on the same site.
func safeURL(raw string) (string, bool) {
	if raw == "" || strings.ContainsAny(raw, " \t\n\"'<>\\") {
		return "", false
	}
	for _, c := range raw {
		if c < 0x20 || c == 0x7f {
			return "", false
		}
	}
	if strings.HasPrefix(raw, "#") || strings.HasPrefix(raw, "/") && !strings.HasPrefix(raw, "//") {
		return raw, true
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return raw, u.Host != ""
	case "mailto":
		return raw, u.Opaque != ""
	}
	return "", false
}
