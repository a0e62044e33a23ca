/*
 * Expected failures: a status code plus a one-line message that names where
 * the problem is (file:line, CSV row and column, or the command-line option).
 * Invariants are checked with assert(), which stays on in release builds;
 * out of memory is handled in one place (arv_xmalloc and friends).
 */
#ifndef ARV_ERROR_H
#define ARV_ERROR_H

#include <stddef.h>

enum arv_status {
    ARV_OK = 0,
    ARV_EINVAL = 1, /* bad input: scenario, option, CSV */
    ARV_EIO = 2,    /* reading or writing a file failed */
    ARV_ENOMEM = 3, /* an allocation the caller can recover from failed */
    ARV_ENOSTAT = 4, /* the model could not compute a statistic for these inputs
                        (a virtual trial with too few offices with families in an
                        arm): a calibration rejects the candidate */
};

/* A message buffer filled by the first failure; later failures do not
 * overwrite it, so the message names the root cause. */
struct arv_error {
    enum arv_status status;
    char msg[512];
};

void arv_error_init(struct arv_error *err);

/* Records a failure (printf-style) unless one is already recorded; returns
 * the status so callers can write `return arv_error_set(err, ...)`. */
int arv_error_set(struct arv_error *err, enum arv_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Allocation that cannot fail: prints one line and exits on out of memory.
 * Used at set-up only; nothing allocates in the monthly step. */
void *arv_xmalloc(size_t size);
void *arv_xcalloc(size_t n, size_t size);
void *arv_xrealloc(void *p, size_t size);
char *arv_xstrdup(const char *s);

#endif
