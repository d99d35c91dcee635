package cond

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var testSchema = Schema{
	"status":          KindNumber,
	"redirects":       KindNumber,
	"response_time":   KindDuration,
	"rtt":             KindDuration,
	"cert.expires_in": KindDuration,
	"loss":            KindPercent,
	"body":            KindString,
	"tls.version":     KindString,
	"connected":       KindBool,
	"dns.answers":     KindList,
}

const testBody = `{"db": {"status": "up", "latency": 12.5},
 "items": [{"count": 5}, {"count": 1}],
 "tags": ["a", "b", 3, 1.50, true, null],
 "empty": [], "ok": true, "off": false, "n": null, "zero": 0,
 "weird key": 7, "esc\"k": "caf\u00e9", "big": 1e400,
 "nested": [[1]], "objs": [{"a": 1}], "name": "vigie"}`

type testEnv struct {
	fields map[string]Value
	body   []byte
}

func (e testEnv) Field(name string) (Value, bool) {
	v, ok := e.fields[name]
	return v, ok
}

func (e testEnv) Body() []byte { return e.body }

func defaultEnv() testEnv {
	return testEnv{
		fields: map[string]Value{
			"status":        Number(200),
			"redirects":     Number(0),
			"response_time": Duration(123 * time.Millisecond),
			"rtt":           Duration(20 * time.Millisecond),
			"loss":          Percent(5),
			"body":          String("all ok here"),
			"tls.version":   String("TLS1.3"),
			"connected":     Bool(true),
			"dns.answers":   List([]string{"192.0.2.10", "192.0.2.11"}),
		},
		body: []byte(testBody),
	}
}

func (e testEnv) with(kv ...any) testEnv {
	f := make(map[string]Value, len(e.fields))
	for k, v := range e.fields {
		f[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(f, kv[i].(string))
			continue
		}
		f[kv[i].(string)] = kv[i+1].(Value)
	}
	return testEnv{fields: f, body: e.body}
}

func mustCompile(t testing.TB, src string) *Expr {
	t.Helper()
	e, err := Compile(src, testSchema)
	if err != nil {
		t.Fatalf("Compile(%q): %v", src, err)
	}
	return e
}

func TestEval(t *testing.T) {
	env := defaultEnv()
	tests := []struct {
		src  string
		want bool
	}{
		// numbers, every operator
		{"status == 200", true},
		{"status == 201", false},
		{"status != 200", false},
		{"status != 503", true},
		{"status < 201", true},
		{"status < 200", false},
		{"status <= 200", true},
		{"status <= 199.5", false},
		{"status > 199", true},
		{"status > 200", false},
		{"status >= 200", true},
		{"status >= 200.5", false},
		{"200 == status", true},
		{"redirects == 0", true},
		{"redirects > -1", true},
		{"status >= 200 && status < 400", true},
		{"1.5 < 2", true},
		// durations
		{"response_time < 500ms", true},
		{"response_time < 123ms", false},
		{"response_time <= 123ms", true},
		{"response_time == 0.123s", true},
		{"response_time > 100ms", true},
		{"response_time < 123000us", false},
		{"response_time < 123001µs", true},
		{"response_time < 123000001ns", true},
		{"response_time < 1h30m", true},
		{"response_time < 1.5s", true},
		{"response_time != 123ms", false},
		{"rtt < 50ms", true},
		{"30m == 0.5h", true},
		{"2h == 120m", true},
		{"1d == 24h", true},
		{"14d == 336h", true},
		{"1h30m == 90m", true},
		{"1m30s == 90s", true},
		{"1.5s == 1500ms", true},
		{"1μs == 1000ns", true},
		{"-1s < 0s", true},
		// percentages
		{"loss < 20%", true},
		{"loss < 5%", false},
		{"loss == 5%", true},
		{"loss >= 4.5%", true},
		{"rtt < 50ms && loss < 20%", true},
		{"rtt < 10ms && loss < 20%", false},
		// strings
		{`tls.version == "TLS1.3"`, true},
		{`tls.version == "TLS1.2"`, false},
		{`tls.version != "TLS1.2"`, true},
		{`body contains "ok"`, true},
		{`body contains "KO"`, false},
		{`body !contains "error"`, true},
		{`body !contains "ok"`, false},
		{`body contains ""`, true},
		{`body matches "^all"`, true},
		{`body matches "^ok"`, false},
		{`body !matches "^maint"`, true},
		{`body !matches "here$"`, false},
		{`body matches "(?i)ALL OK"`, true},
		{`"a\"b" == "a\"b"`, true},
		{`"a\\b" contains "\\"`, true},
		{`"é" == "é"`, true},
		// booleans
		{"connected", true},
		{"!connected", false},
		{"!!connected", true},
		{"connected == true", true},
		{"connected != true", false},
		{"connected == false", false},
		{"!connected == false", true},
		{"true", true},
		{"false", false},
		{"(status == 200) == true", true},
		{"(status == 200) != (loss < 1%)", true},
		// lists
		{`dns.answers contains "192.0.2.10"`, true},
		{`dns.answers contains "192.0.2.1"`, false},
		{`dns.answers !contains "192.0.2.1"`, true},
		{`dns.answers !contains "192.0.2.11"`, false},
		{"len(dns.answers) >= 2", true},
		{"len(dns.answers) == 3", false},
		{`len(body) == 11`, true},
		{`len("é") == 2`, true},
		// logic and precedence
		{"status == 200 || status == 201", true},
		{"status == 500 || status == 201", false},
		{"status == 500 || status == 200 && loss < 1%", false},
		{"(status == 500 || status == 200) && loss < 10%", true},
		{"status == 200 || status == 500 && false", true},
		{"(status == 200 || status == 500) && false", false},
		{"!(status == 503) || body matches \"^maint\"", true},
		{"!(status == 200) || body matches \"^maint\"", false},
		{"!(status == 200 && loss < 1%)", true},
		{"!connected || status == 200", true},
		{"((status == 200))", true},
		{"false && status == 200 || true", true},
		{"false && (status == 200 || true)", false},
		{"!false && !false", true},
		// json
		{`json("$.db.status") == "up"`, true},
		{`json("$.db.status") != "up"`, false},
		{`json("$.db.latency") < 20`, true},
		{`json("$.db.latency") == 12.5`, true},
		{`json("$.items[0].count") > 3`, true},
		{`json("$.items[1].count") > 3`, false},
		{`json("$.items[2].count") > 3`, false},
		{`json("$.items[2].count") != 3`, true},
		{`json("$['db']['status']") == "up"`, true},
		{`json("$[\"db\"].status") == "up"`, true},
		{`json("$['weird key']") == 7`, true},
		{`json("$['esc\\\"k']") == "café"`, true},
		{`json("$.ok")`, true},
		{`json("$.off")`, false},
		{`!json("$.off")`, true},
		{`json("$.ok") == true`, true},
		{`json("$.n") == 1`, false},
		{`json("$.n") != 1`, true},
		{`json("$.n")`, false},
		{`json("$.missing.deep[3]") == "x"`, false},
		{`json("$.db.status.x") == "up"`, false},
		{`json("$.items.count") == 5`, false},
		{`json("$.db[0]") == "up"`, false},
		{`json("$.zero") == 0`, true},
		{`json("$.tags") contains "a"`, true},
		{`json("$.tags") contains "3"`, true},
		{`json("$.tags") contains "1.5"`, true},
		{`json("$.tags") contains "true"`, true},
		{`json("$.tags") contains "null"`, true},
		{`json("$.tags") contains "c"`, false},
		{`len(json("$.tags")) == 6`, true},
		{`len(json("$.empty")) == 0`, true},
		{`len(json("$.name")) == 5`, true},
		{`len(json("$.nothing")) == 0`, false},
		{`json("$.name") contains "vig"`, true},
		{`json("$.name") matches "^v.*e$"`, true},
		{`json("$.big") > 1000000`, true},
		{`json("$.db.status") == json("$.db.status")`, true},
		{`dns.answers contains json("$.tags[0]")`, false},
		// missing fields: false, except for the negative operators
		{"cert.expires_in > 14d", false},
		{"cert.expires_in < 14d", false},
		{"cert.expires_in == 14d", false},
		{"cert.expires_in != 14d", true},
		{"!(cert.expires_in > 14d)", true},
		{"cert.expires_in > 14d || status == 200", true},
	}
	for _, tt := range tests {
		e, err := Compile(tt.src, testSchema)
		if err != nil {
			t.Errorf("Compile(%q): %v", tt.src, err)
			continue
		}
		got, err := e.Eval(env)
		if err != nil {
			t.Errorf("Eval(%q): %v", tt.src, err)
		}
		if got != tt.want {
			t.Errorf("Eval(%q) = %v, want %v", tt.src, got, tt.want)
		}
	}
}

func TestEvalMissing(t *testing.T) {
	env := defaultEnv().with("status", nil, "connected", nil, "body", nil, "dns.answers", nil)
	tests := []struct {
		src  string
		want bool
	}{
		{"status == 200", false},
		{"status != 200", true},
		{"status < 200", false},
		{"status >= 200", false},
		{"!(status == 200)", true},
		{"connected", false},
		{"!connected", true},
		{"connected == false", false},
		{`body contains "x"`, false},
		{`body !contains "x"`, true},
		{`body matches "x"`, false},
		{`body !matches "x"`, true},
		{`dns.answers contains "x"`, false},
		{`dns.answers !contains "x"`, true},
		{"len(dns.answers) == 0", false},
		{"len(dns.answers) != 0", true},
		{"rtt < 50ms && status == 200", false},
	}
	for _, tt := range tests {
		got, err := mustCompile(t, tt.src).Eval(env)
		if err != nil || got != tt.want {
			t.Errorf("Eval(%q) = %v, %v; want %v", tt.src, got, err, tt.want)
		}
	}
}

func TestEvalBodyNotJSON(t *testing.T) {
	for _, body := range []string{"", "<html>down</html>", `{"db": {"status": "up"}`, `{"a":1} x`} {
		env := testEnv{body: []byte(body)}
		for src, want := range map[string]bool{
			`json("$.db.status") == "up"`: false,
			`json("$.db.status") != "up"`: true,
			`json("$")`:                   false,
		} {
			got, err := mustCompile(t, src).Eval(env)
			if err != nil || got != want {
				t.Errorf("body %q: Eval(%q) = %v, %v; want %v", body, src, got, err, want)
			}
		}
	}
}

func TestEvalScalarDocuments(t *testing.T) {
	for body, src := range map[string]string{
		`"up"`:                      `json("$") == "up"`,
		` 42 `:                      `json("$") == 42`,
		`true`:                      `json("$")`,
		`[1, 2]`:                    `json("$[1]") == 2`,
		`[[1,2]]`:                   `json("$[0][1]") == 2`,
		`{"a":{"b":[0,{"c":"d"}]}}`: `json("$.a.b[1].c") == "d"`,
		`{"a":1,"a":2}`:             `json("$.a") == 1`,
		`{"x":"}","a":"{["}`:        `json("$.a") == "{["`,
		`{"x":[{"a":"]"}],"a":3}`:   `json("$.a") == 3`,
	} {
		got, err := mustCompile(t, src).Eval(testEnv{body: []byte(body)})
		if err != nil || !got {
			t.Errorf("body %s: Eval(%q) = %v, %v; want true", body, src, got, err)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	env := defaultEnv()
	tests := []struct {
		src     string
		pos     int
		wantMsg string
	}{
		{`json("$.db.status") < 3`, 20, `< cannot compare json("$.db.status") = "up" (a string) with 3 (a number)`},
		{`json("$.db.status") == 3`, 20, `== cannot compare json("$.db.status") = "up" (a string) with 3 (a number)`},
		{`json("$.db") == "up"`, 0, `json("$.db") is an object, not a value`},
		{`json("$.nested") contains "1"`, 0, `json("$.nested") is an array of objects or arrays, not a value`},
		{`json("$.objs") contains "1"`, 0, `json("$.objs") is an array of objects or arrays, not a value`},
		{`json("$.tags") == "a"`, 15, `== cannot compare json("$.tags") = ["a", "b", "3", "1.5", "true", …] (a list) with "a" (a string)`},
		{`json("$.ok") < 3`, 13, `< cannot compare json("$.ok") = true (a boolean) with 3 (a number)`},
		{`json("$.zero") contains "0"`, 15, `contains cannot compare json("$.zero") = 0 (a number) with "0" (a string)`},
		{`body contains json("$.zero")`, 5, `contains cannot compare body = "all ok here" (a string) with json("$.zero") = 0 (a number)`},
		{`json("$.zero") matches "0"`, 15, `matches cannot compare json("$.zero") = 0 (a number) with "0" (a string)`},
		{`json("$.name")`, 0, `json("$.name") = "vigie" (a string) is not a boolean`},
		{`status == 200 && json("$.name")`, 17, `json("$.name") = "vigie" (a string) is not a boolean`},
		{`len(json("$.zero")) > 0`, 0, `len() applies to a string or a list, and json("$.zero") = 0 (a number)`},
		{`!(json("$.db.status") > 1)`, 22, `> cannot compare json("$.db.status") = "up" (a string) with 1 (a number)`},
	}
	for _, tt := range tests {
		got, err := mustCompile(t, tt.src).Eval(env)
		var ce *Error
		if got || !errors.As(err, &ce) {
			t.Errorf("Eval(%q) = %v, %v; want false and an *Error", tt.src, got, err)
			continue
		}
		if ce.Msg != tt.wantMsg || ce.Pos != tt.pos {
			t.Errorf("Eval(%q) error = %d %q\n                      want %d %q", tt.src, ce.Pos, ce.Msg, tt.pos, tt.wantMsg)
		}
	}
	// && and || stop once decided, so a later clash is not reached.
	for _, src := range []string{`status == 200 || json("$.name") < 1`, `status == 1 && json("$.name") < 1`} {
		if _, err := mustCompile(t, src).Eval(env); err != nil {
			t.Errorf("Eval(%q): %v", src, err)
		}
	}
}

func TestString(t *testing.T) {
	for src, want := range map[string]string{
		"status==200":                               "status == 200",
		"  status  >=200&&status<400 ":              "status >= 200 && status < 400",
		"response_time<0.5s":                        "response_time < 500ms",
		"cert.expires_in > 336h":                    "cert.expires_in > 14d",
		"cert.expires_in > 1d12h":                   "cert.expires_in > 1d12h",
		"rtt < 90m":                                 "rtt < 1h30m",
		"rtt < 3600s":                               "rtt < 1h",
		"rtt < 1500000us":                           "rtt < 1.5s",
		"rtt < 2µs":                                 "rtt < 2µs",
		"rtt < 2us":                                 "rtt < 2µs",
		"rtt > -90s":                                "rtt > -1m30s",
		"loss<020.50%":                              "loss < 20.5%",
		"status == 2.0":                             "status == 2",
		`body contains "a\"b\\c"`:                   `body contains "a\"b\\c"`,
		"!( status==503 )||body matches \"^m\"":     `!(status == 503) || body matches "^m"`,
		"body !contains\"x\"":                       `body !contains "x"`,
		"((connected))":                             "(connected)",
		"(a_b == 1)":                                "",
		"json( \"$.a\" )==1":                        `json("$.a") == 1`,
		"len( dns.answers )>=2":                     "len(dns.answers) >= 2",
		"status == 1 ||\n status == 2 && !false":    "status == 1 || status == 2 && !false",
		"(status == 1 || status == 2) && connected": "(status == 1 || status == 2) && connected",
	} {
		e, err := Compile(src, testSchema)
		if want == "" {
			if err == nil {
				t.Errorf("Compile(%q) succeeded", src)
			}
			continue
		}
		if err != nil {
			t.Errorf("Compile(%q): %v", src, err)
			continue
		}
		if e.String() != want {
			t.Errorf("Compile(%q).String() = %q, want %q", src, e.String(), want)
		}
		again := mustCompile(t, e.String())
		if again.String() != want {
			t.Errorf("round trip of %q gives %q", want, again.String())
		}
	}
}

func TestFields(t *testing.T) {
	e := mustCompile(t, `status == 200 && (response_time < 1s || status == 204) && json("$.a") == 1 && len(dns.answers) > 0`)
	want := []string{"dns.answers", "response_time", "status"}
	got := e.Fields()
	if !slices.Equal(got, want) {
		t.Fatalf("Fields() = %q, want %q", got, want)
	}
	got[0] = "changed"
	if e.Fields()[0] != "dns.answers" {
		t.Error("Fields() shares its slice with the caller")
	}
	if f := mustCompile(t, `json("$.ok")`).Fields(); len(f) != 0 {
		t.Errorf("Fields() = %q, want none", f)
	}
}

func TestExplain(t *testing.T) {
	env := defaultEnv().with(
		"status", Number(503),
		"response_time", Duration(812345678*time.Nanosecond),
		"body", String(strings.Repeat("x", 100)),
	)
	tests := []struct{ src, want string }{
		{"status == 200", "status == 200 (got 503)"},
		{"response_time < 500ms", "response_time < 500ms (got 812ms)"},
		{"status == 200 && response_time < 1s", "status == 200 (got 503)"},
		{"status == 200 && response_time < 500ms && loss < 10%",
			"status == 200 (got 503) && response_time < 500ms (got 812ms)"},
		{"status == 200 || status == 204", "status == 200 (got 503) || status == 204 (got 503)"},
		{"(status == 200 || status == 204) && loss < 1%",
			"(status == 200 (got 503) || status == 204 (got 503)) && loss < 1% (got 5%)"},
		{"cert.expires_in > 14d", "cert.expires_in > 14d (not measured)"},
		{`body contains "ok"`, `body contains "ok" (got "` + strings.Repeat("x", 60) + `…")`},
		{"connected == false", "connected == false (got true)"},
		{"!connected", "!connected (got true)"},
		{"!(status == 503)", "!(status == 503) (got 503)"},
		{"!(status == 503 && loss < 10%)", "!(status == 503 && loss < 10%) (status=503, loss=5%)"},
		{"(status == 200)", "status == 200 (got 503)"},
		{"status == 200 && cert.expires_in > 1d", "status == 200 (got 503) && cert.expires_in > 1d (not measured)"},
		{"response_time > cert.expires_in", "response_time > cert.expires_in (response_time=812ms, cert.expires_in not measured)"},
		{`json("$.db.status") == "down"`, `json("$.db.status") == "down" (got "up")`},
		{`json("$.db.nope") == "up"`, `json("$.db.nope") == "up" (no value)`},
		{`json("$.db.status") < 3`, `json("$.db.status") < 3 (< cannot compare json("$.db.status") = "up" (a string) with 3 (a number))`},
		{`dns.answers contains "x"`, `dns.answers contains "x" (got ["192.0.2.10", "192.0.2.11"])`},
		{"len(dns.answers) > 2", "len(dns.answers) > 2 (got 2)"},
		{"false", "false"},
		// A true result (a degraded_if that held) is explained by the parts that held.
		{"response_time > 500ms", "response_time > 500ms (got 812ms)"},
		{"response_time > 500ms && loss > 1%", "response_time > 500ms (got 812ms) && loss > 1% (got 5%)"},
		{"response_time > 5s || loss > 1%", "loss > 1% (got 5%)"},
	}
	for _, tt := range tests {
		if got := Explain(mustCompile(t, tt.src), env); got != tt.want {
			t.Errorf("Explain(%q)\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
	notJSON := testEnv{body: []byte("<html>")}
	if got, want := Explain(mustCompile(t, `json("$.a") == 1`), notJSON), `json("$.a") == 1 (body is not JSON)`; got != want {
		t.Errorf("Explain = %q, want %q", got, want)
	}
}

func TestConcurrentEval(t *testing.T) {
	e := mustCompile(t, `status == 200 && body matches "ok" && json("$.db.status") == "up"`)
	env := defaultEnv()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				if ok, err := e.Eval(env); !ok || err != nil {
					t.Errorf("Eval = %v, %v", ok, err)
					return
				}
				_ = Explain(e, env)
			}
		})
	}
	wg.Wait()
}

func BenchmarkEval(b *testing.B) {
	var env Env = defaultEnv() // boxed once, so that the figures are Eval's own
	for _, src := range []string{
		`status == 200 && response_time < 500ms && body contains "ok"`,
		`status == 200 && json("$.db.status") == "up"`,
		`json("$.items[1].count") >= 1 && json("$.db.latency") < 20`,
	} {
		e := mustCompile(b, src)
		b.Run(src, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if ok, err := e.Eval(env); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
	}
}

func TestValidJSONNesting(t *testing.T) {
	for _, n := range []int{maxNesting - 1, maxNesting, maxNesting + 1} {
		doc := []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
		if got, want := validJSON(doc), json.Valid(doc); got != want {
			t.Errorf("validJSON at depth %d = %v, json.Valid says %v", n, got, want)
		}
	}
}
