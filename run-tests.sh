#!/bin/sh
# Install what is needed, build, and run the whole test suite: the plain
# build (with -Werror), then the same suite under AddressSanitizer and
# UndefinedBehaviorSanitizer, then every libFuzzer harness for 5 s (`make
# fuzz-smoke`, clang), then `make distcheck` (which runs the unit tests in
# a tree built from the tarball). Each stage prints what it ran
# and how long it took. Ends with one line "N passed, N failed, N skipped":
# a test point counts as passed only when it ran and passed; skipped tests
# and expected failures count as skipped, unexpected passes and errors as
# failed.
top=$(cd "$(dirname "$0")" && pwd)
cd "$top" || exit 2
sh scripts/deps.sh || exit 2
rm -rf build-test build-asan build-fuzz
./autogen.sh >/dev/null 2>&1 || { echo "autogen failed"; exit 2; }

pass=0 fail=0 skip=0
# Add the counts of one test run from the summary automake writes at the
# end of test-suite.log (or prints at the end of make's output: FILE may
# be either); LABEL names the stage in the per-stage line.
count() {
	label=$1 log=$2
	if [ ! -f "$log" ] || ! grep -q '^# TOTAL:' "$log"; then
		echo "$label: no test summary (the tests did not run)"
		fail=$((fail + 1))
		return
	fi
	sum() { sed -n "s/^# $1: *//p" "$log" | tail -1; }
	p=$(sum PASS) s=$(sum SKIP) xf=$(sum XFAIL)
	f=$(sum FAIL) e=$(sum ERROR) xp=$(sum XPASS)
	p=${p:-0} s=${s:-0} xf=${xf:-0} f=${f:-0} e=${e:-0} xp=${xp:-0}
	echo "$label: $p passed, $((f + e + xp)) failed ($f failed, $e errors," \
	    "$xp unexpected passes), $((s + xf)) skipped ($s skipped," \
	    "$xf expected failures)"
	pass=$((pass + p))
	fail=$((fail + f + e + xp))
	skip=$((skip + s + xf))
}
# Show failing tests' logs so CI output says what broke.
show_failures() {
	for t in $(find "$1" -name '*.trs' 2>/dev/null); do
		if grep -qE '^:test-result: (FAIL|ERROR|XPASS)' "$t"; then
			echo "---- ${t%.trs}.log"
			grep -E '^(not ok|#)' "${t%.trs}.log" | head -40
		fi
	done
}
# Stage timing: "stage NAME" starts one, "stage_end" prints its time.
stage() {
	stage_name=$1 stage_t0=$(date +%s)
	echo "== $1"
}
stage_end() {
	t=$(($(date +%s) - stage_t0))
	echo "   ($stage_name: $((t / 60))m$((t % 60))s)"
}
t_start=$(date +%s)

stage "build (-Werror) and the whole suite"
if sh scripts/build.sh build-test --enable-werror; then
	(cd build-test && make -k check >/dev/null 2>&1)
	count "plain" build-test/test-suite.log
	show_failures build-test
else
	echo "build failed"; fail=$((fail + 1))
fi
stage_end

stage "build with ASan+UBSan and the whole suite"
if sh scripts/build.sh build-asan --enable-asan --enable-werror; then
	(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    MT_SANITIZED=1 make -k check >/dev/null 2>&1)
	count "sanitizers" build-asan/test-suite.log
	show_failures build-asan
else
	echo "asan build failed"; fail=$((fail + 1))
fi
stage_end

stage "fuzzing: every libFuzzer harness for 5 s under ASan+UBSan (make fuzz-smoke)"
if sh scripts/build.sh build-fuzz --enable-fuzz CC=clang; then
	(cd build-fuzz && make fuzz-smoke FUZZ_SECONDS=5 >fuzz-smoke.log 2>&1)
	grep -E '^(PASS|FAIL):|^ *(ERROR|SUMMARY)' build-fuzz/fuzz-smoke.log
	count "fuzzing" build-fuzz/fuzz-smoke.log
else
	echo "fuzz build failed"; fail=$((fail + 1))
fi
stage_end

units=$(cd build-test && make -s print-unit-tests 2>/dev/null)
stage "make distcheck: tarball, build from it, install/uninstall, and the $(echo $units | wc -w) unit-test programs (not the integration or screen tests)"
if (cd build-test && make distcheck TESTS="$units" >distcheck.log 2>&1); then
	count "distcheck" build-test/distcheck.log
else
	tail -20 build-test/distcheck.log
	if grep -q '^# TOTAL:' build-test/distcheck.log; then
		count "distcheck" build-test/distcheck.log
	fi
	echo "distcheck failed"; fail=$((fail + 1))
fi
stage_end

t=$(($(date +%s) - t_start))
echo "   (all stages: $((t / 60))m$((t % 60))s)"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
