/* semver.c */
#include "semver.h"
