/*
 * refname.c — git-check-ref-format rules applied to a tag name, i.e. the
 * part after "refs/tags/". Bytes >= 0x80 are allowed as git allows them;
 * they are sanitized when shown.
 */
#include <string.h>

#include "refname.h"

/* Whether byte c may never appear in a ref name. */
static int
refname_bad_byte(unsigned char c)
{
	if (c < 0x20 || c == 0x7f)
		return 1;
	return strchr(" ~^:?*[\\", c) != NULL;
}

/* Check one slash-free component of len bytes at s. 1 valid, 0 not. */
static int
refname_component_valid(const char *s, size_t len)
{
	static const char lock[] = ".lock";
	const size_t locklen = sizeof lock - 1;

	if (len == 0 || s[0] == '.')
		return 0;
	if (len >= locklen && memcmp(s + len - locklen, lock, locklen) == 0)
		return 0;
	return 1;
}

/* Whether name is a valid tag name per git-check-ref-format. */
int
refname_valid(const char *name)
{
	size_t len, i, start;

	if (name == NULL)
		return 0;
	len = strnlen(name, REFNAME_MAX_LEN + 1);
	if (len == 0 || len > REFNAME_MAX_LEN)
		return 0;
	if (strcmp(name, "@") == 0 || name[len - 1] == '.')
		return 0;

	start = 0;
	for (i = 0; i <= len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (i == len || c == '/') {
			if (!refname_component_valid(name + start, i - start))
				return 0;
			start = i + 1;
			continue;
		}
		if (refname_bad_byte(c))
			return 0;
		if (c == '.' && name[i + 1] == '.')
			return 0;
		if (c == '@' && name[i + 1] == '{')
			return 0;
	}
	return 1;
}
