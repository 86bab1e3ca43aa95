/* filter.c */
#include "filter.h"
