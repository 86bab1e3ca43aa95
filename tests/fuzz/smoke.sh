#!/bin/sh
# smoke.sh SRCDIR BUILDDIR HARNESS... — run each libFuzzer harness for
# $FUZZ_SECONDS (default 20) under ASan+UBSan (`make fuzz-smoke`); with
# $FUZZ_RUNS set, for that many executions instead, however long it takes
# (a campaign: `make fuzz-smoke FUZZ_RUNS=10000000`).
#
# Inputs: the corpus kept in BUILDDIR/fuzz-corpus/NAME (grows run to run),
# the hand-written and regression inputs of SRCDIR/tests/fuzz/corpus/NAME,
# and seeds from the recorded traffic in SRCDIR/../shared (seed.py).
# A finding (crash, sanitizer report, leak, timeout, out of memory) fails
# the run; its input is kept as BUILDDIR/fuzz-findings/NAME-*: add it to
# tests/fuzz/corpus/NAME and write the unit test (doc/fuzzing.md).
# Ends with an automake-style summary (# TOTAL / # PASS / # FAIL).
srcdir=$1 builddir=$2
shift 2
secs=${FUZZ_SECONDS:-20}
runs=${FUZZ_RUNS:-}
if [ -n "$runs" ]; then
	limit="-runs=$runs"
else
	limit="-max_total_time=$secs"
fi
py=${PYTHON:-python3}
pass=0 fail=0
cd "$builddir" || exit 2
mkdir -p fuzz-findings fuzz-logs
for h in "$@"; do
	bin=tests/fuzz/fuzz-$h
	work=fuzz-corpus/$h seeds=fuzz-seeds/$h
	mkdir -p "$work"
	rm -rf "$seeds"
	nseed=$("$py" "$srcdir/tests/fuzz/seed.py" "$h" "$srcdir" "$seeds" \
	    2>/dev/null || echo 0)
	dirs="$work $seeds"
	[ -d "$srcdir/tests/fuzz/corpus/$h" ] && dirs="$dirs $srcdir/tests/fuzz/corpus/$h"
	log=fuzz-logs/$h.log
	start=$(date +%s)
	# shellcheck disable=SC2086
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	    "$bin" "$limit" -timeout=25 -rss_limit_mb=2048 \
	    -max_len=65536 -print_final_stats=1 \
	    -artifact_prefix="fuzz-findings/$h-" $dirs >"$log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(sed -n 's/^#[0-9]*.*DONE *cov: \([0-9]*\) ft: \([0-9]*\).*/\1 edges, \2 features/p' "$log" | tail -1)
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1))
		echo "PASS: fuzz-$h: ${execs:-?} executions in ${took} s, cov ${cov:-?}, $nseed recorded seeds"
	else
		fail=$((fail + 1))
		echo "FAIL: fuzz-$h (exit $rc): finding kept as $(ls -t fuzz-findings/"$h"-* 2>/dev/null | head -1)"
		grep -E 'ERROR|runtime error|SUMMARY|==[0-9]+==' "$log" | head -15
	fi
done
echo "# TOTAL: $((pass + fail))"
echo "# PASS: $pass"
echo "# FAIL: $fail"
[ "$fail" -eq 0 ]
