/* status.c */
#include "status.h"
