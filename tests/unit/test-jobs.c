/* test-jobs.c — jobs and merge: pure parts. */
#include <stdlib.h>
#include <string.h>

#include "jobs.h"
#include "merge.h"
#include "tap.h"

int
main(void)
{
	return tap_done();
}
