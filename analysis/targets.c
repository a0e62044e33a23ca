/*
 * The calibration targets file: one published figure per line,
 *   id,kind,metric,group,time,value,se,source
 * checked cell by cell; an error names the file line and column.
 */
#include "arv/calibrate.h"
#include "arv/csv.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const columns[] = {"id", "kind", "metric", "group",
                                      "time", "value", "se", "source"};
enum { C_ID, C_KIND, C_METRIC, C_GROUP, C_TIME, C_VALUE, C_SE, C_SOURCE, N_COLS };

static bool in_list(const char *const *list, const char *name)
{
    for (; *list; list++)
        if (strcmp(*list, name) == 0)
            return true;
    return false;
}

static bool valid(const char *const *list, bool (*pred)(void *, const char *), void *ctx,
                  const char *name)
{
    if (pred)
        return pred(ctx, name);
    if (list)
        return in_list(list, name);
    return true;
}

static bool parse_double(const char *s, double *out)
{
    if (s[0] == '\0')
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static bool parse_int(const char *s, int max, int *out)
{
    if (s[0] < '0' || s[0] > '9')
        return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*end != '\0' || errno == ERANGE || v > max)
        return false;
    *out = (int)v;
    return true;
}

#define CELL_ERROR(line, col, ...)                                                               \
    do {                                                                                         \
        char reason_[400];                                                                       \
        snprintf(reason_, sizeof reason_, __VA_ARGS__);                                          \
        arv_error_set(err, ARV_EINVAL, "%s: line %zu, column %d (%s): %s", file, (line),         \
                      (col) + 1, columns[col], reason_);                                         \
        goto fail;                                                                               \
    } while (0)

int arv_targets_read(const char *file, const struct arv_target_names *names,
                     struct arv_targets *out, struct arv_error *err)
{
    memset(out, 0, sizeof *out);
    struct arv_csv t;
    struct arv_error inner;
    arv_error_init(&inner);
    if (arv_csv_read(file, &t, &inner) != ARV_OK) {
        /* the reader names file rows: say line, and the column where a
         * short or long row goes wrong */
        size_t row = 0, got = 0, want = 0;
        size_t n = strlen(file);
        const char *rest = strncmp(inner.msg, file, n) == 0 ? inner.msg + n : "";
        if (sscanf(rest, ": row %zu: %zu fields, the header has %zu", &row, &got, &want) == 3)
            return arv_error_set(err, ARV_EINVAL,
                                 "%s: line %zu, column %zu: %zu fields, the header has %zu", file,
                                 row, (got < want ? got : want) + 1, got, want);
        if (sscanf(rest, ": row %zu:", &row) == 1)
            return arv_error_set(err, inner.status, "%s: line %zu:%s", file, row,
                                 strchr(rest + 2, ':') + 1);
        return arv_error_set(err, inner.status, "%s", inner.msg);
    }
    for (size_t c = 0; c < N_COLS; c++) {
        if (c >= t.n_cols || strcmp(t.header[c], columns[c]) != 0) {
            arv_error_set(err, ARV_EINVAL,
                          "%s: line 1, column %zu (%s): the header must be exactly "
                          "id,kind,metric,group,time,value,se,source, found '%s'",
                          file, c + 1, columns[c], c < t.n_cols ? t.header[c] : "");
            arv_csv_release(&t);
            return err->status;
        }
    }
    if (t.n_cols != N_COLS) {
        arv_error_set(err, ARV_EINVAL,
                      "%s: line 1, column %d: the header must be exactly "
                      "id,kind,metric,group,time,value,se,source (extra column '%s')",
                      file, N_COLS + 1, t.header[N_COLS]);
        arv_csv_release(&t);
        return err->status;
    }
    if (t.n_rows == 0) {
        arv_error_set(err, ARV_EINVAL, "%s: no targets (only a header)", file);
        arv_csv_release(&t);
        return err->status;
    }
    struct arv_target_names none = {0};
    if (names == NULL)
        names = &none;
    out->t = arv_xcalloc(t.n_rows, sizeof *out->t);
    for (size_t r = 0; r < t.n_rows; r++) {
        size_t line = t.line[r];
        struct arv_target *x = &out->t[r];
        const char *c[N_COLS];
        for (int k = 0; k < N_COLS; k++)
            c[k] = arv_csv_cell(&t, r, (size_t)k);
        x->line = (int)line;
        out->n = r + 1;
        if (c[C_ID][0] == '\0')
            CELL_ERROR(line, C_ID, "empty id");
        for (size_t q = 0; q < r; q++)
            if (strcmp(out->t[q].id, c[C_ID]) == 0)
                CELL_ERROR(line, C_ID, "duplicate id '%s' (first on line %d)", c[C_ID],
                           out->t[q].line);
        x->id = arv_xstrdup(c[C_ID]);
        if (strcmp(c[C_KIND], "level") == 0)
            x->kind = ARV_TARGET_LEVEL;
        else if (strcmp(c[C_KIND], "trial_effect") == 0)
            x->kind = ARV_TARGET_TRIAL_EFFECT;
        else if (strcmp(c[C_KIND], "trial_null") == 0)
            x->kind = ARV_TARGET_TRIAL_NULL;
        else
            CELL_ERROR(line, C_KIND, "unknown kind '%s' (level, trial_effect, trial_null)",
                       c[C_KIND]);
        if (!valid(names->metrics, names->valid_metric, names->ctx, c[C_METRIC]))
            CELL_ERROR(line, C_METRIC, "unknown metric '%s'", c[C_METRIC]);
        x->metric = arv_xstrdup(c[C_METRIC]);
        if (!valid(names->groups, names->valid_group, names->ctx, c[C_GROUP]))
            CELL_ERROR(line, C_GROUP, "unknown group '%s'", c[C_GROUP]);
        x->group = arv_xstrdup(c[C_GROUP]);
        const char *tm = c[C_TIME];
        if (tm[0] == '\0') {
            x->time_kind = ARV_TIME_TOTAL;
        } else if (strncmp(tm, "age:", 4) == 0) {
            x->time_kind = ARV_TIME_AGE;
            if (!parse_int(tm + 4, 200, &x->time))
                CELL_ERROR(line, C_TIME, "bad age '%s' (age:N with N a whole number of years)",
                           tm);
        } else {
            x->time_kind = ARV_TIME_MONTH;
            if (!parse_int(tm, 100000, &x->time))
                CELL_ERROR(line, C_TIME, "bad time '%s' (a month such as 12, age:20, or empty "
                           "for the whole run)", tm);
        }
        if (c[C_VALUE][0] == '\0')
            CELL_ERROR(line, C_VALUE, "missing value");
        if (!parse_double(c[C_VALUE], &x->value))
            CELL_ERROR(line, C_VALUE, "not a finite number: '%s'", c[C_VALUE]);
        if (c[C_SE][0] == '\0') {
            x->se = 0;
            x->se_missing = true;
        } else if (!parse_double(c[C_SE], &x->se) || x->se < 0) {
            CELL_ERROR(line, C_SE, "not a number >= 0: '%s'", c[C_SE]);
        }
        x->source = arv_xstrdup(c[C_SOURCE]);
    }
    arv_csv_release(&t);
    return ARV_OK;
fail:
    arv_csv_release(&t);
    arv_targets_free(out);
    return err->status;
}

void arv_targets_free(struct arv_targets *t)
{
    for (size_t k = 0; t->t && k < t->n; k++) {
        free(t->t[k].id);
        free(t->t[k].metric);
        free(t->t[k].group);
        free(t->t[k].source);
    }
    free(t->t);
    t->t = NULL;
    t->n = 0;
}
