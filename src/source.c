/* source.c */
#include "source.h"
