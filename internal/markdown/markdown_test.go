package markdown

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

var update = flag.Bool("update", false, "rewrite the .html golden files in testdata")

func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.md")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := string(Render(string(src), Options{}))
			golden := strings.TrimSuffix(in, ".md") + ".html"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from %s\n got:\n%s\nwant:\n%s", in, golden, got, want)
			}
			checkSafe(t, string(src), got)
		})
	}
}

func TestCases(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain", "<p>plain</p>\n"},
		{"a\nb", "<p>a<br>\nb</p>\n"},
		{"# T", "<h1>T</h1>\n"},
		{"#no space", "<p>#no space</p>\n"},
		{"[x](javascript:alert(1))", "<p>x</p>\n"},
		{"[x](HTTPS://Example.com)", `<p><a href="HTTPS://Example.com" rel="nofollow noopener">x</a></p>` + "\n"},
		{`[x](https://e.com/"onmouseover=")`, "<p>x</p>\n"},
		{"<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n"},
		{"1) one\n2) two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>\n"},
		{"- a\n\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"},
		{"- a\n1. b", "<ul>\n<li>a</li>\n</ul>\n<ol>\n<li>b</li>\n</ol>\n"},
		{"text\n- item", "<p>text</p>\n<ul>\n<li>item</li>\n</ul>\n"},
		{"a_b_c", "<p>a_b_c</p>\n"},
		{"```\nx", "<pre><code>x\n</code></pre>\n"},
	} {
		if got := string(Render(c.in, Options{})); got != c.want {
			t.Errorf("Render(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := string(Render("# a\n###### b", Options{HeadingShift: 1})); got != "<h2>a</h2>\n<h6>b</h6>\n" {
		t.Errorf("shifted headings: %q", got)
	}
}

// allowed lists the elements the renderer may write, with the attributes each may carry.
var allowed = map[string][]string{
	"p": nil, "br": nil, "hr": nil, "h1": nil, "h2": nil, "h3": nil, "h4": nil, "h5": nil, "h6": nil,
	"ul": nil, "ol": {"start"}, "li": {"class"}, "span": {"class"}, "blockquote": nil,
	"pre": nil, "code": nil, "strong": nil, "em": nil, "a": {"href", "rel"},
}

// checkSafe parses out as HTML and fails on any element, attribute or link target outside
// what the renderer promises, and on tags that do not balance.
func checkSafe(t testing.TB, src, out string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(out))
	var open []string
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				t.Fatalf("output does not parse: %v\nsource %q\noutput %q", z.Err(), src, out)
			}
			if len(open) > 0 {
				t.Fatalf("unclosed %v\nsource %q\noutput %q", open, src, out)
			}
			return
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			tok := z.Token()
			attrs, ok := allowed[tok.Data]
			if !ok {
				t.Fatalf("element <%s> in output\nsource %q\noutput %q", tok.Data, src, out)
			}
			if tt == html.EndTagToken {
				if len(open) == 0 || open[len(open)-1] != tok.Data {
					t.Fatalf("</%s> closes %v\nsource %q\noutput %q", tok.Data, open, src, out)
				}
				open = open[:len(open)-1]
				continue
			}
			for _, a := range tok.Attr {
				if !contains(attrs, a.Key) {
					t.Fatalf("attribute %s on <%s>\nsource %q\noutput %q", a.Key, tok.Data, src, out)
				}
				if a.Key == "href" {
					if _, ok := safeURL(a.Val); !ok {
						t.Fatalf("unsafe link %q\nsource %q\noutput %q", a.Val, src, out)
					}
				}
			}
			if tok.Data != "br" && tok.Data != "hr" {
				open = append(open, tok.Data)
			}
		case html.CommentToken, html.DoctypeToken:
			t.Fatalf("comment or doctype in output\nsource %q\noutput %q", src, out)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func FuzzRender(f *testing.F) {
	for _, seed := range []string{
		"# h\n\n- a\n- [x] b\n\n> q\n\n```\ncode\n```\n",
		"**b *e* `c`** [l](https://e.com) \\* <script>",
		"[a](javascript:x) [b](//x) [c](/ok) [d](mailto:a@b)",
		"1. a\n2. b\n\n---\n", "*_`[](", "> > > > > > > > > >",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		checkSafe(t, src, string(Render(src, Options{HeadingShift: 1})))
	})
}
