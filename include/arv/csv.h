/*
 * Reading CSV tables (libcsv does the quoting). A table is read whole into
 * memory with its header; cells are addressed by data row (0-based) and
 * column. Blank lines are skipped; line[r] is the file line where data row
 * r starts (r + 2 in a file without blank lines), and the reader's own
 * errors name file lines too ("row L").
 */
#ifndef ARV_CSV_H
#define ARV_CSV_H

#include <stddef.h>

#include "arv/error.h"

struct arv_csv {
    char **header;  /* n_cols column names (owned) */
    char **cells;   /* n_rows * n_cols cells, row-major (owned) */
    size_t *line;   /* n_rows file lines, 1-based (owned) */
    size_t n_rows, n_cols;
};

/* Reads file. Fails (with "file: row R: reason") on a missing or unreadable
 * file, a directory, NUL bytes, malformed quoting, an empty file or a row
 * whose number of fields differs from the header's. */
int arv_csv_read(const char *file, struct arv_csv *t, struct arv_error *err);
void arv_csv_release(struct arv_csv *t);

/* Index of the column named name, or -1. */
long arv_csv_column(const struct arv_csv *t, const char *name);

static inline const char *arv_csv_cell(const struct arv_csv *t, size_t row, size_t col)
{
    return t->cells[row * t->n_cols + col];
}

#endif
