/* jobs.h — build jobs (exec and github-actions builders). */
#ifndef MT_JOBS_H
#define MT_JOBS_H
#endif
