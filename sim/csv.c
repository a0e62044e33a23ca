/* CSV tables through libcsv, with errors that name the file line. */
#include "arv/csv.h"

#include <csv.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { MAX_CSV_BYTES = 256 << 20, MAX_FIELD = 65536 };

struct reader {
    struct arv_csv *t;
    char **row;       /* fields of the record being read */
    size_t n_fields, cap_fields;
    size_t record;    /* file line where that record starts (1-based) */
    size_t newlines;  /* line breaks inside its quoted fields so far */
    int last_end;     /* the character that ended the previous record */
    bool header_read;
    size_t cap_cells;
    const char *file;
    struct arv_error *err;
};

static void on_field(void *data, size_t len, void *priv)
{
    struct reader *r = priv;
    if (r->err->status != ARV_OK)
        return;
    if (len > MAX_FIELD) {
        arv_error_set(r->err, ARV_EINVAL, "%s: row %zu: field longer than %d characters", r->file,
                      r->record, MAX_FIELD);
        return;
    }
    if (memchr(data, '\0', len)) {
        arv_error_set(r->err, ARV_EINVAL, "%s: row %zu: NUL byte in a field", r->file, r->record);
        return;
    }
    if (r->n_fields == r->cap_fields) {
        r->cap_fields = r->cap_fields ? 2 * r->cap_fields : 16;
        r->row = arv_xrealloc(r->row, r->cap_fields * sizeof *r->row);
    }
    for (const char *q = data; (q = memchr(q, '\n', len - (size_t)(q - (const char *)data)));
         q++)
        r->newlines++;
    char *s = arv_xmalloc(len + 1);
    memcpy(s, data, len);
    s[len] = '\0';
    r->row[r->n_fields++] = s;
}

static void drop_row(struct reader *r)
{
    for (size_t k = 0; k < r->n_fields; k++)
        free(r->row[k]);
    r->n_fields = 0;
}

static void on_record(int c, void *priv)
{
    struct reader *r = priv;
    struct arv_csv *t = r->t;
    if (r->n_fields == 0) {
        /* a blank line (reported with CSV_REPALL_NL), or the LF of a
         * CR LF that ended the previous record */
        if (!(c == '\n' && r->last_end == '\r'))
            r->record++;
        r->last_end = c;
        return;
    }
    if (r->err->status != ARV_OK) {
        drop_row(r);
        return;
    }
    if (!r->header_read) {
        r->header_read = true;
        t->n_cols = r->n_fields;
        t->header = arv_xcalloc(t->n_cols, sizeof *t->header);
        memcpy(t->header, r->row, r->n_fields * sizeof *r->row);
        r->n_fields = 0;
    } else if (r->n_fields != t->n_cols) {
        arv_error_set(r->err, ARV_EINVAL, "%s: row %zu: %zu fields, the header has %zu", r->file,
                      r->record, r->n_fields, t->n_cols);
        drop_row(r);
    } else {
        if ((t->n_rows + 1) * t->n_cols > r->cap_cells) {
            r->cap_cells = r->cap_cells ? 2 * r->cap_cells : 64 * t->n_cols;
            t->cells = arv_xrealloc(t->cells, r->cap_cells * sizeof *t->cells);
            t->line = arv_xrealloc(t->line, r->cap_cells / t->n_cols * sizeof *t->line);
        }
        memcpy(t->cells + t->n_rows * t->n_cols, r->row, t->n_cols * sizeof *r->row);
        t->line[t->n_rows] = r->record;
        t->n_rows++;
        r->n_fields = 0;
    }
    r->record += 1 + r->newlines;
    r->newlines = 0;
    r->last_end = c;
}

/* libcsv's reason, in the terms of the file's text where it is a parse
 * error (strict mode: a quote where a field may not have one) */
static const char *parse_error(const struct csv_parser *parser)
{
    int code = csv_error((struct csv_parser *)parser);
    if (code == CSV_EPARSE)
        return "bad quoting: a quote inside an unquoted field, text after a closing quote, "
               "or a quoted field that is never closed";
    return csv_strerror(code);
}

int arv_csv_read(const char *file, struct arv_csv *t, struct arv_error *err)
{
    memset(t, 0, sizeof *t);
    struct stat st;
    if (stat(file, &st) != 0)
        return arv_error_set(err, ARV_EIO, "%s: cannot open: %s", file, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return arv_error_set(err, ARV_EINVAL, "%s: is a directory, not a CSV file", file);
    if (st.st_size > MAX_CSV_BYTES)
        return arv_error_set(err, ARV_EINVAL, "%s: larger than %d MiB", file, MAX_CSV_BYTES >> 20);
    FILE *f = fopen(file, "rb");
    if (f == NULL)
        return arv_error_set(err, ARV_EIO, "%s: cannot open: %s", file, strerror(errno));
    struct csv_parser parser;
    /* (CSV_REPALL_NL: blank lines are reported too, so that lines are counted) */
    if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_REPALL_NL) != 0) {
        fclose(f);
        return arv_error_set(err, ARV_ENOMEM, "%s: cannot start the CSV parser", file);
    }
    struct reader r = {.t = t, .record = 1, .file = file, .err = err};
    char buf[65536];
    size_t n;
    while (err->status == ARV_OK && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        /* the text before a NUL byte is parsed first, so that the row
         * named is the NUL's own */
        const char *nul = memchr(buf, '\0', n);
        size_t text = nul ? (size_t)(nul - buf) : n;
        if (csv_parse(&parser, buf, text, on_field, on_record, &r) != text)
            arv_error_set(err, ARV_EINVAL, "%s: row %zu: %s", file, r.record,
                          parse_error(&parser));
        else if (nul && err->status == ARV_OK)
            arv_error_set(err, ARV_EINVAL, "%s: row %zu: NUL byte (binary data?)", file, r.record);
    }
    if (err->status == ARV_OK && ferror(f))
        arv_error_set(err, ARV_EIO, "%s: read error", file);
    if (err->status == ARV_OK && csv_fini(&parser, on_field, on_record, &r) != 0)
        arv_error_set(err, ARV_EINVAL, "%s: row %zu: %s", file, r.record, parse_error(&parser));
    csv_free(&parser);
    fclose(f);
    drop_row(&r);
    free(r.row);
    if (err->status == ARV_OK && t->n_cols == 0)
        arv_error_set(err, ARV_EINVAL, "%s: empty file (no header)", file);
    if (err->status != ARV_OK) {
        arv_csv_release(t);
        return err->status;
    }
    return ARV_OK;
}

void arv_csv_release(struct arv_csv *t)
{
    for (size_t k = 0; k < t->n_rows * t->n_cols; k++)
        free(t->cells[k]);
    for (size_t k = 0; t->header && k < t->n_cols; k++)
        free(t->header[k]);
    free(t->cells);
    free(t->line);
    free(t->header);
    memset(t, 0, sizeof *t);
}

long arv_csv_column(const struct arv_csv *t, const char *name)
{
    for (size_t k = 0; k < t->n_cols; k++)
        if (strcmp(t->header[k], name) == 0)
            return (long)k;
    return -1;
}
