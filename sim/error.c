/* Error messages and the single out-of-memory handler. */
#include "arv/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void arv_error_init(struct arv_error *err)
{
    err->status = ARV_OK;
    err->msg[0] = '\0';
}

int arv_error_set(struct arv_error *err, enum arv_status status, const char *fmt, ...)
{
    if (err == NULL || err->status != ARV_OK)
        return status;
    err->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    /* Messages are one line by contract. */
    for (char *c = err->msg; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    return status;
}

static void out_of_memory(size_t size)
{
    fprintf(stderr, "arv: out of memory (allocating %zu bytes)\n", size);
    exit(3);
}

void *arv_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (p == NULL)
        out_of_memory(size);
    return p;
}

void *arv_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        out_of_memory(n * size);
    return p;
}

void *arv_xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (q == NULL)
        out_of_memory(size);
    return q;
}

char *arv_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = arv_xmalloc(n);
    memcpy(p, s, n);
    return p;
}
