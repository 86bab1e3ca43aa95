/* actions.h — the write actions of the core: builds, merges, latest. */
#ifndef MT_ACTIONS_H
#define MT_ACTIONS_H
#endif
