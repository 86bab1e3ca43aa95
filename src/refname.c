/* refname.c */
#include "refname.h"
