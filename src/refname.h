/* refname.h — git ref-name rules (git-check-ref-format) for tag names. */
#ifndef MT_REFNAME_H
#define MT_REFNAME_H

#include <stddef.h>

#define REFNAME_MAX_LEN 255

/*
 * Whether name is a valid tag name, i.e. refs/tags/<name> passes
 * git-check-ref-format: no control characters or DEL, no space ~ ^ : ? * [ \,
 * no "..", no "@{", not "@", no component starting with '.' or ending with
 * ".lock", no trailing '.' or '/', no "//", not empty, at most
 * REFNAME_MAX_LEN bytes. 1 valid, 0 not.
 */
int	refname_valid(const char *name);

#endif
