/* test-util.c — sanitizing, capped buffers, atomic writes, digests. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "util.h"

static const struct {
	const char	*in;
	size_t		 max;
	const char	*want;
	const char	*what;
} sanitize_cases[] = {
	{ "plain 1.2.3", 0, "plain 1.2.3", "plain text kept" },
	{ "\x1b]0;pwned\x07title", 0, "title", "OSC with BEL dropped" },
	{ "\x1b]2;x\x1b\\ok", 0, "ok", "OSC with ST dropped" },
	{ "\x1b[2J\x1b[31mred\x1b[0m", 0, "red", "CSI sequences dropped" },
	{ "\x1bPq#0;2;0;0;0\x1b\\dcs", 0, "dcs", "DCS dropped" },
	{ "a\x07" "b\x08" "c\x7f" "d", 0, "abcd", "C0 controls and DEL dropped" },
	{ "a\xc2\x9b" "31mb", 0, "a31mb", "C1 CSI (U+009B) dropped whole" },
	{ "x\xe2\x80\xae" "evil", 0, "xevil", "RTL override dropped whole" },
	{ "x\xe2\x81\xa6y\xe2\x81\xa9", 0, "xy", "bidi isolates dropped" },
	{ "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x9a\x80", 0,
	  "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x9a\x80",
	  "UTF-8 (Latin, CJK, emoji) kept" },
	{ "bad\xff\xfe", 0, "bad??", "malformed bytes: one ? each" },
	{ "\xc0\xaf", 0, "??", "overlong encoding rejected" },
	{ "\xed\xa0\x80", 0, "???", "surrogate rejected" },
	{ "abcdef", 3, "abc", "cut at max bytes" },
	{ "ab\xe6\x97\xa5", 4, "ab", "cut never splits a character" },
	{ "\x1b", 0, "", "lone ESC" },
	{ "\x1b[", 0, "", "unterminated CSI" },
};

static const struct {
	const char	*in;
	const char	*want;
} oneline_cases[] = {
	{ "line one\nline two", "line one line two" },
	{ "a\r\nb\tc", "a  b c" },
};

int
main(void)
{
	size_t i;
	struct buf b;
	char digest[80], *path, *back = NULL, *cause = NULL, *s;
	size_t len = 0;
	long long v;

	for (i = 0; i < MT_ARRAY_LEN(sanitize_cases); i++) {
		s = str_sanitize(sanitize_cases[i].in, sanitize_cases[i].max);
		is_str(s, sanitize_cases[i].want, "sanitize: %s",
		    sanitize_cases[i].what);
		free(s);
	}
	for (i = 0; i < MT_ARRAY_LEN(oneline_cases); i++) {
		s = str_oneline(oneline_cases[i].in, 0);
		is_str(s, oneline_cases[i].want, "oneline %zu", i);
		free(s);
	}
	s = str_sanitize(NULL, 0);
	is_str(s, "", "sanitize(NULL) is empty");
	free(s);

	buf_init(&b, 8);
	ok(buf_append(&b, "12345678", 8) == 0, "buffer takes up to its cap");
	ok(buf_append(&b, "9", 1) == -1, "buffer refuses past its cap");
	is_int((long long)b.len, 8, "nothing appended past the cap");
	is_str(b.data, "12345678", "buffer is NUL-terminated");
	buf_free(&b);

	sha256_digest("", 0, digest, sizeof digest);
	is_str(digest, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b9"
	    "34ca495991b7852b855", "sha256 of the empty string");

	ok(str_to_ll("42", 0, 100, &v) == 0 && v == 42, "str_to_ll parses");
	ok(str_to_ll("42x", 0, 100, &v) == -1, "str_to_ll rejects junk");
	ok(str_to_ll("101", 0, 100, &v) == -1, "str_to_ll range check");
	ok(str_to_ll("", 0, 100, &v) == -1, "str_to_ll rejects empty");

	path = xasprintf("/tmp/mt-test-util-%ld", (long)getpid());
	ok(file_write_atomic(path, "one", 3, &cause) == 0, "atomic write");
	ok(file_write_atomic(path, "second", 6, &cause) == 0, "atomic rewrite");
	ok(file_read(path, 1024, &back, &len) == 0 && len == 6 &&
	    memcmp(back, "second", 6) == 0, "read back the new content");
	free(back);
	back = NULL;
	ok(file_read(path, 3, &back, &len) == -1, "file_read honours its cap");
	unlink(path);
	ok(file_write_atomic("/nonexistent-dir/x", "a", 1, &cause) == -1 &&
	    cause != NULL && strstr(cause, "/nonexistent-dir/x") != NULL,
	    "a failed write names the file");
	free(cause);
	free(path);
	return tap_done();
}
