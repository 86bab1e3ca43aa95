/* registry.c */
#include "registry.h"
