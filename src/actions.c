/* actions.c — the write actions of the core. */
#include "actions.h"
