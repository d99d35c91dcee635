package cond

import (
	"errors"
	"testing"
)

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		src string
		pos int
		msg string
	}{
		{"", 0, "empty condition"},
		{"   ", 0, "empty condition"},
		{"stauts == 200", 0, `unknown field "stauts"; did you mean "status"?`},
		{"status == 200 && cert.expire_in > 1d", 17, `unknown field "cert.expire_in"; did you mean "cert.expires_in"?`},
		{"foo == 1", 0, `unknown field "foo" (fields: body, cert.expires_in, connected, dns.answers, loss, redirects, response_time, rtt, status, tls.version)`},
		{"response_time < 500", 16, "response_time is a duration: write 500ms, not 500"},
		{"500 > response_time", 0, "response_time is a duration: write 500ms, not 500"},
		{"cert.expires_in > 14", 18, "cert.expires_in is a duration: write 14d, not 14"},
		{"loss < 20", 7, "loss is a percentage: write 20%, not 20"},
		{"status", 6, `expected an operator after "status"`},
		{"status 200", 7, `expected an operator after "status"`},
		{`"ok"`, 4, `expected an operator after "ok"`},
		{"status == 200 && loss", 21, `expected an operator after "loss"`},
		{"status && connected", 7, `expected an operator after "status"`},
		{"(status)", 8, `expected an operator after "(status)"`},
		{"status == ", 10, `expected a value after "=="`},
		{"status == && x", 10, `expected a value after "==", found "&&"`},
		{"status == 200 ||", 16, `expected a value after "||"`},
		{"&& status", 0, `expected a condition, found "&&"`},
		{"!", 1, `expected a value after "!"`},
		{"()", 1, `expected a value after "(", found ")"`},
		{`body contains "ok`, 14, "unterminated string"},
		{`tls.version == "é`, 15, "unterminated string"},
		{`body == "a\n"`, 10, `invalid escape \n in string: only \" and \\ are allowed`},
		{`tls.version < "TLS1.3"`, 12, "< compares numbers, durations or percentages, and tls.version is a string"},
		{`"a" <= "b"`, 4, `<= compares numbers, durations or percentages, and "a" is a string`},
		{"connected > true", 10, "> compares numbers, durations or percentages, and connected is a boolean"},
		{`status contains "2"`, 7, "contains applies to a string or a list, and status is a number"},
		{`rtt !contains "2"`, 4, "!contains applies to a string or a list, and rtt is a duration"},
		{"dns.answers contains 3", 12, "contains needs a string on the right, and 3 is a number"},
		{`dns.answers == "a"`, 12, "dns.answers is a list: use contains, or compare len(dns.answers)"},
		{`dns.answers matches "a"`, 12, "matches applies to a string, and dns.answers is a list"},
		{`body matches "(a"`, 13, "invalid regexp: missing closing ): `(a`"},
		{`body matches "\\q"`, 13, "invalid regexp: invalid escape sequence: `\\q`"},
		{"body matches tls.version", 13, `matches needs a regular expression in double quotes, like "^ok"`},
		{"status == 200ms", 7, "cannot compare status (a number) with 200ms (a duration)"},
		{"response_time < 1%", 14, "cannot compare response_time (a duration) with 1% (a percentage)"},
		{`connected == "true"`, 10, `cannot compare connected (a boolean) with "true" (a string)`},
		{`len(body) == "3"`, 10, `cannot compare len(body) (a number) with "3" (a string)`},
		{"status = 200", 7, `"=" is not an operator: use == to compare`},
		{"status == 200 & loss < 1%", 14, `"&" is not an operator: use &&`},
		{"status == 200 | connected", 14, `"|" is not an operator: use ||`},
		{"status == 200 and connected", 14, `use && instead of "and"`},
		{"status == 200 or connected", 14, `use || instead of "or"`},
		{"not connected", 0, `use ! instead of "not"`},
		{`body not contains "x"`, 5, `use !contains instead of "not contains"`},
		{`body not matches "x"`, 5, `use !matches instead of "not matches"`},
		{"(status == 200", 0, `unclosed "("`},
		{"connected && (status == 200 || (loss < 1%)", 13, `unclosed "("`},
		{"(connected status)", 11, `expected ")" before "status"`},
		{"status == 200)", 13, `unexpected ")"`},
		{"1 < status < 3", 11, "comparisons cannot be chained: join them with &&"},
		{"status == 200 200", 14, `unexpected "200": join conditions with && or ||`},
		{"status == 5x", 10, `unknown unit "x" in duration "5x": use ns, us, ms, s, m, h or d`},
		{"rtt < 1h30", 6, `missing unit in duration "1h30": use ns, us, ms, s, m, h or d`},
		{"rtt < 1.h", 6, `invalid duration "1.h"`},
		{"status == 1.", 10, `invalid number "1."`},
		{"loss < 5%%", 7, `invalid percentage "5%%"`},
		{"rtt < 300000d", 6, "duration out of range: 300000d"},
		{"!status == 503", 0, "! applies to a boolean, and status is a number; write !(status == 503)"},
		{"!status", 0, "! applies to a boolean, and status is a number"},
		{`json("db") == 1`, 6, `a json path starts with "$", like "$.status"`},
		{`json("$.a..b") == 1`, 9, "recursive descent (..) is not supported in json paths"},
		{`json("$.a[x]") == 1`, 10, `expected an index or a quoted key after "[" in json path`},
		{`json("$.a[0") == 1`, 11, `expected "]" in json path`},
		{`json("$.a['b]") == 1`, 10, "unterminated key in json path"},
		{`json("$.a[*]") == 1`, 10, "wildcards are not supported in json paths"},
		{`json("$a") == 1`, 7, `expected "." or "[" in json path, found "a"`},
		{`json("$\"a") == 1`, 5, `expected "." or "[" in json path, found "\""`},
		{`json($.a) == 1`, 5, `unexpected character "$"`},
		{`json("$.a"`, 10, `expected ")" after the json() path`},
		{"json == 1", 5, `json() takes a path in double quotes, like json("$.status")`},
		{`json("$.a") < 5ms`, 12, "json() gives numbers, strings, booleans or lists, never a duration: compare it with a number"},
		{`json("$.a") == 5%`, 12, "json() gives numbers, strings, booleans or lists, never a percentage: compare it with a number"},
		{"len(status) > 1", 0, "len() applies to a string or a list, and status is a number"},
		{"len(body", 3, `unclosed "("`},
		{"len body", 4, `expected "(" after len`},
		{"foo(1) == 2", 0, "unknown function foo(): the functions are json() and len()"},
		{"status @ 1", 7, `unexpected character "@"`},
		{"status ≥ 200", 7, `unexpected character "≥"`},
		{"\xff", 0, "unexpected byte 0xff"},
		{"cert. == 1", 0, `invalid field name "cert."`},
	}
	for _, tt := range tests {
		e, err := Compile(tt.src, testSchema)
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("Compile(%q) = %v, %v; want an *Error", tt.src, e, err)
			continue
		}
		if ce.Pos != tt.pos || ce.Msg != tt.msg || err.Error() != tt.msg {
			t.Errorf("Compile(%q):\n got %d %s\nwant %d %s", tt.src, ce.Pos, ce.Msg, tt.pos, tt.msg)
		}
	}
}

func TestCompileEmptySchema(t *testing.T) {
	_, err := Compile("status == 200", nil)
	if err == nil || err.Error() != `unknown field "status": this check has no fields` {
		t.Fatalf("Compile with no schema: %v", err)
	}
}
