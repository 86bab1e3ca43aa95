/* merge.h — native multi-arch index merges and `latest`. */
#ifndef MT_MERGE_H
#define MT_MERGE_H
#endif
