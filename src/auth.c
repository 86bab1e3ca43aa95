/* auth.c */
#include "auth.h"
