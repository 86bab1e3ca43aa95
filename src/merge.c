/* merge.c */
#include "merge.h"
