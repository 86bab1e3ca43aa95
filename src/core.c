/* core.c */
#include "core.h"
