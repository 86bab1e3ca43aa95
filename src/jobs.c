/* jobs.c */
#include "jobs.h"
