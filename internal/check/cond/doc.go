// Package cond is the condition language of vigie's monitors. A monitor's conditions decide
// whether a check run is up; its degraded_if conditions mark a slow but working service.
//
//	status == 200
//	status >= 200 && status < 400
//	response_time < 500ms
//	body contains "ok"
//	json("$.db.status") == "up"
//	json("$.items[0].count") > 3
//	cert.expires_in > 14d
//	dns.answers contains "192.0.2.10"
//	len(dns.answers) >= 2
//	rtt < 50ms && loss < 20%
//	!(status == 503) || body matches "^maint"
//	tls.version == "TLS1.3"
//	connected == true
//
// # Syntax
//
//	form              example                      notes
//	----------------  ---------------------------  ------------------------------------------
//	field             cert.expires_in              dotted name; the probe kind lists its fields
//	number            200  1.5  -3                 no exponent
//	duration          500ms 1.5s 30m 2h 14d 1h30m  units ns us µs ms s m h d (d = 24h)
//	percentage        20%  99.5%                   compares only with percentages
//	string            "ok"  "say \"hi\""           escapes: \" and \\ only
//	boolean           true  false
//	equality          ==  !=                       same kind on both sides; not on lists
//	order             <  <=  >  >=                 numbers, durations, percentages
//	contains          body contains "ok"           substring of a string, item of a list
//	                  body !contains "error"       negation; "not contains" is not accepted
//	matches           body matches "^ok"           RE2 regexp in a string literal; !matches
//	logic             !  &&  ||  ( )               ! binds tightest, then comparisons, &&, ||
//	json("path")      json("$.items[0].count")     reads the response body, see below
//	len(x)            len(dns.answers) >= 2        length of a list, or of a string in bytes
//
// Kinds never mix: a duration compares with a duration (write 500ms, not 500), a percentage
// with a percentage, a number with a number. Strings and booleans only take == and != (and
// strings contains and matches); lists only take contains and len(). A condition is a
// comparison, a boolean field, or such things joined with ! && ||: "status" alone is an
// error. Since ! binds tighter than ==, write !(status == 503), not !status == 503. Compile
// reports the first mistake with the byte offset of the token at fault.
//
// # json()
//
// json("path") reads the HTTP body as JSON with a subset of JSONPath: $ (the document),
// .key, ['key'] or ["key"] (json("$['a b']") saves escaping the quotes), and [N] (from 0).
// Wildcards, slices, filters and .. are not supported. A JSON number is a number, a string
// a string, true and false booleans, an array of scalars a list of their string forms
// (["a", 1] is "a", "1"). Its kind is only known at evaluation: comparing a json() string
// with < is an evaluation error, and the condition is false. If a key appears twice, the
// first one counts.
//
// # Missing values
//
// A field the probe did not measure (cert.* on plain HTTP), a json() path that leads nowhere
// or to null, and any json() of a body that is not JSON have no value. A comparison with no
// value is false, except the negative ones != !contains !matches, which are true; a boolean
// field or json() with no value is false. So cert.expires_in > 14d fails on plain HTTP, and
// !(status == 503) holds when there is no status.
package cond
