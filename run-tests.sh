#!/bin/sh
# Install what is needed, build, and run the whole test suite: the plain
# build (with -Werror), then the same suite under AddressSanitizer and
# UndefinedBehaviorSanitizer, then `make distcheck`. Ends with one line
# "N passed, N failed".
top=$(cd "$(dirname "$0")" && pwd)
cd "$top" || exit 2
sh scripts/deps.sh || exit 2
rm -rf build-test build-asan
./autogen.sh >/dev/null 2>&1 || { echo "autogen failed"; exit 2; }

pass=0 fail=0
# Add the counts of one `make check` run from its test-suite.log.
count() {
	log=$1
	if [ ! -f "$log" ]; then fail=$((fail + 1)); return; fi
	p=$(sed -n 's/^# PASS: *//p' "$log" | head -1)
	s=$(sed -n 's/^# SKIP: *//p' "$log" | head -1)
	xf=$(sed -n 's/^# XFAIL: *//p' "$log" | head -1)
	f=$(sed -n 's/^# FAIL: *//p' "$log" | head -1)
	e=$(sed -n 's/^# ERROR: *//p' "$log" | head -1)
	xp=$(sed -n 's/^# XPASS: *//p' "$log" | head -1)
	pass=$((pass + ${p:-0} + ${s:-0} + ${xf:-0}))
	fail=$((fail + ${f:-0} + ${e:-0} + ${xp:-0}))
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

echo "== build (-Werror)"
if sh scripts/build.sh build-test --enable-werror; then
	(cd build-test && make -k check >/dev/null 2>&1)
	count build-test/test-suite.log
	show_failures build-test
else
	echo "build failed"; fail=$((fail + 1))
fi

echo "== build with ASan+UBSan"
if sh scripts/build.sh build-asan --enable-asan --enable-werror; then
	(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    MT_SANITIZED=1 make -k check >/dev/null 2>&1)
	count build-asan/test-suite.log
	show_failures build-asan
else
	echo "asan build failed"; fail=$((fail + 1))
fi

echo "== make distcheck (unit tests)"
units=$(cd build-test && make -s print-unit-tests 2>/dev/null)
if (cd build-test && make distcheck TESTS="$units" >distcheck.log 2>&1); then
	pass=$((pass + 1))
else
	tail -20 build-test/distcheck.log
	fail=$((fail + 1))
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
