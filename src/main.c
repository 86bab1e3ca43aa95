/* main.c — command line entry point. */
#include <stdio.h>
int
main(void)
{
	return 0;
}
