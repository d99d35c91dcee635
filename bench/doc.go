// Package bench measures vigie against the limit it cannot beat, side by side in one run:
// the HTTP stack against a bare net/http handler, and store writes against raw database/sql
// inserts with the same durability settings. Run it with bench/run.sh.
package bench
