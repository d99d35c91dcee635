package cond

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var fuzzSeeds = []string{
	"status == 200",
	"status >= 200 && status < 400",
	"response_time < 500ms",
	`body contains "ok"`,
	`json("$.db.status") == "up"`,
	`json("$.items[0].count") > 3`,
	"cert.expires_in > 14d",
	`dns.answers contains "192.0.2.10"`,
	"rtt < 50ms && loss < 20%",
	`!(status == 503) || body matches "^maint"`,
	`tls.version == "TLS1.3"`,
	"connected == true",
	"len(dns.answers) >= 2",
	`body !contains "a\"b\\c"`,
	"rtt < 1d2h3m4s5ms6us7ns",
	`json("$['weird key'][\"x\"][0]") != -1.5`,
	"((connected)) || !!false",
	"status == 200 && json(\"$.a\") && (loss < 1% || rtt > -2s)",
}

func FuzzCompile(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Compile(src, testSchema)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || ce.Msg == "" || ce.Pos < 0 || ce.Pos > len(src) {
				t.Fatalf("Compile(%q) error %#v", src, err)
			}
			return
		}
		s := e.String()
		again, err := Compile(s, testSchema)
		if err != nil {
			t.Fatalf("Compile(%q) = %q, which does not compile: %v", src, s, err)
		}
		if again.String() != s {
			t.Fatalf("Compile(%q) = %q, which compiles to %q", src, s, again.String())
		}
		if !slices.Equal(e.Fields(), again.Fields()) {
			t.Fatalf("fields of %q differ after a round trip: %q, %q", src, e.Fields(), again.Fields())
		}
	})
}

func FuzzEval(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, []byte(testBody))
	}
	f.Add(`json("$.a") == 1`, []byte(`{"a":1,"a":"x"}`))
	f.Add(`json("$[1]") contains "x"`, []byte(`[0, ["x", null, 1e400]]`))
	fields := defaultEnv().fields
	f.Fuzz(func(t *testing.T, src string, body []byte) {
		e, err := Compile(src, testSchema)
		if err != nil {
			return
		}
		env := testEnv{fields: fields, body: body}
		got, err := e.Eval(env)
		if err != nil {
			var ce *Error
			if got || !errors.As(err, &ce) || ce.Pos < 0 || ce.Pos > len(src) {
				t.Fatalf("Eval(%q) = %v, %#v", src, got, err)
			}
			if !strings.Contains(e.String(), "json(") {
				t.Fatalf("Eval(%q) without json(): %v", src, err)
			}
		}
		again, err2 := mustCompile(t, e.String()).Eval(env)
		if again != got || (err == nil) != (err2 == nil) {
			t.Fatalf("Eval(%q) = %v, %v but Eval(%q) = %v, %v", src, got, err, e.String(), again, err2)
		}
		if Explain(e, env) == "" {
			t.Fatalf("Explain(%q) is empty", src)
		}
	})
}

// FuzzLookup checks the JSON scanner against encoding/json on any valid document.
func FuzzLookup(f *testing.F) {
	f.Add([]byte(testBody), "$.db.status")
	f.Add([]byte(testBody), "$.items[1].count")
	f.Add([]byte(testBody), "$.tags")
	f.Add([]byte(testBody), `$['esc"k']`)
	f.Add([]byte(`{"a":1,"a":2}`), "$.a")
	f.Add([]byte(`[{"\u0061":"\ud83d\ude00"}]`), "$[0].a")
	f.Fuzz(func(t *testing.T, body []byte, path string) {
		p, _, msg := parsePath(path)
		if msg != "" || !json.Valid(body) {
			return
		}
		got, gotShape := lookup(body, p.segs)
		want, wantShape := refLookup(t, body, p.segs)
		if !got.Equal(want) || (gotShape == "") != (wantShape == "") {
			t.Fatalf("lookup(%q, %q) = %v %q, want %v %q", body, path, got, gotShape, want, wantShape)
		}
	})
}

type member struct {
	key string
	val any
}

// refLookup walks a document decoded by encoding/json, keeping object members in order so
// that the first of two equal keys wins, as in lookup.
func refLookup(t *testing.T, body []byte, segs []pathSeg) (Value, string) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var decode func() any
	decode = func() any {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("decoding valid JSON %q: %v", body, err)
		}
		switch tok {
		case json.Delim('{'):
			obj := []member{}
			for dec.More() {
				k, _ := dec.Token()
				obj = append(obj, member{k.(string), decode()})
			}
			_, _ = dec.Token()
			return obj
		case json.Delim('['):
			arr := []any{}
			for dec.More() {
				arr = append(arr, decode())
			}
			_, _ = dec.Token()
			return arr
		}
		return tok
	}
	v := decode()
	for _, s := range segs {
		switch x := v.(type) {
		case []member:
			i := slices.IndexFunc(x, func(m member) bool { return s.index < 0 && m.key == s.key })
			if i < 0 {
				return Value{}, ""
			}
			v = x[i].val
		case []any:
			if s.index < 0 || s.index >= len(x) {
				return Value{}, ""
			}
			v = x[s.index]
		default:
			return Value{}, ""
		}
	}
	scalar := func(v any) string {
		switch x := v.(type) {
		case string:
			return x
		case json.Number:
			f, _ := strconv.ParseFloat(string(x), 64)
			return formatNumber(f)
		case nil:
			return "null"
		}
		return strconv.FormatBool(v.(bool))
	}
	switch x := v.(type) {
	case []member:
		return Value{}, "an object"
	case []any:
		items := []string{}
		for _, it := range x {
			switch it.(type) {
			case []member, []any:
				return Value{}, "an array"
			}
			items = append(items, scalar(it))
		}
		return Value{kind: KindList, list: items}, ""
	case nil:
		return Value{}, ""
	case bool:
		return Bool(x), ""
	case string:
		return String(x), ""
	}
	f, _ := strconv.ParseFloat(string(v.(json.Number)), 64)
	return Number(f), ""
}

func FuzzValid(f *testing.F) {
	for _, s := range []string{testBody, `{}`, `[]`, `""`, `-0.5e+3`, `{"a":[1,{"b":null}]}`, `"\u00e9\n"`,
		`01`, `1.`, `.5`, `[1,]`, `{"a"}`, `"\x"`, "\"\x01\"", `tru`, `nulll`, ` 1 `, `"\ud800"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := validJSON(data), json.Valid(data); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid says %v", data, got, want)
		}
	})
}
