#!/usr/bin/env bash
# Runs the benchmarks several times and prints, per benchmark, the median time per operation
# and its ratio to the limit run beside it. Needs PostgreSQL for the postgres rows
# (scripts/test.sh starts it; VIGIE_TEST_POSTGRES points elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
count=${COUNT:-7}
mkdir -p bench/out
out=bench/out/foundation.txt
go test -run '^$' -bench . -benchmem -count "$count" ./bench | tee "$out" >/dev/null
go run ./bench/summarize < "$out"
