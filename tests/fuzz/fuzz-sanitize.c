/*
 * fuzz-sanitize.c — the sanitizer every upstream string goes through
 * before the terminal: no control character or escape sequence survives,
 * the output is valid UTF-8 within the cut, one line for str_oneline.
 * Input: any bytes.
 */
#include "fuzz.h"
#include "util.h"

/* Valid UTF-8 without C0/C1 controls (tab allowed) or DEL. */
static void
check_clean(const unsigned char *s, int oneline)
{
	size_t i = 0, k, n;
	unsigned cp;

	while (s[i] != '\0') {
		unsigned char c = s[i];

		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && !(c == '\n' &&
			    !oneline)) || c == 0x7f)
				abort();
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			abort();
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				abort();
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp >= 0x80 && cp <= 0x9f)
			abort();	/* C1 controls (CSI as 0x9b...) */
		i += n + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *s = fuzz_str(data, len), *a, *b;
	size_t max = len > 0 ? data[0] : 0;

	a = str_sanitize(s, max);
	b = str_oneline(s, max);
	if (max != 0 && (strlen(a) > max || strlen(b) > max))
		abort();
	check_clean((const unsigned char *)a, 0);
	check_clean((const unsigned char *)b, 1);
	free(a);
	free(b);
	free(s);
	return 0;
}
