/*
 * Households from a CSV file (population.file): the format `arv synth`
 * writes, one row per household. Every cell is checked; every bad cell is
 * reported on stderr as "file: row R, column C: reason" and, if any was
 * bad, loading fails and nothing is simulated.
 *
 * The adults' sex and age (sex_1, sex_2, age_1, age_2) are optional
 * columns, all four or none; without them they are synthesised from the
 * children's ages (population.c).
 *
 * Observed characteristics come from the file; latent traits the register
 * does not hold (barrier to work, wage, take-up propensity, expense-shock
 * proneness, children's inclusion trait) are drawn as in synthesis.
 */
#include "population_file.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arv/csv.h"

static const char *const columns[] = {
    "household",     "office",       "origin",         "adults",
    "education_1",   "education_2",  "years_norway_1", "years_norway_2",
    "work_state_1",  "work_state_2", "housing",        "on_sa",
    "sa_months_last_year", "arrears", "child_ages",
    "sex_1",         "sex_2",        "age_1",          "age_2",
};
enum {
    COL_HOUSEHOLD, COL_OFFICE, COL_ORIGIN, COL_ADULTS, COL_EDU1, COL_EDU2, COL_YEARS1, COL_YEARS2,
    COL_WORK1, COL_WORK2, COL_HOUSING, COL_ON_SA, COL_SA_MONTHS, COL_ARREARS, COL_CHILD_AGES,
    N_REQUIRED, /* the optional columns follow, all or none */
    COL_SEX1 = N_REQUIRED, COL_SEX2, COL_AGE1, COL_AGE2,
    N_COLUMNS
};
_Static_assert(sizeof columns / sizeof columns[0] == N_COLUMNS, "column list");
static const char *const sex_names[2] = {"male", "female"};

enum { MAX_REPORTED = 50 };

struct checker {
    const char *file;
    size_t row; /* file line of the data row */
    int bad;    /* bad cells so far */
};

static void bad_cell(struct checker *c, int col, const char *fmt, const char *value)
{
    if (c->bad++ < MAX_REPORTED) {
        fprintf(stderr, "arv: %s: row %zu, column %s: ", c->file, c->row, columns[col]);
        fprintf(stderr, fmt, value);
        fputc('\n', stderr);
    }
}

static int name_index(const char *const *names, int n, const char *value)
{
    for (int k = 0; k < n; k++)
        if (strcmp(names[k], value) == 0)
            return k;
    return -1;
}

static double number(struct checker *c, int col, const char *v, double lo, double hi)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || *end != '\0' || errno == ERANGE || !isfinite(x)) {
        bad_cell(c, col, "'%.40s' is not a number", v);
        return lo;
    }
    if (x < lo || x > hi) {
        char msg[96];
        snprintf(msg, sizeof msg, "%%s is outside [%.15g, %.15g]", lo, hi);
        bad_cell(c, col, msg, v);
        return lo;
    }
    return x;
}

static int integer(struct checker *c, int col, const char *v, int lo, int hi)
{
    double x = number(c, col, v, lo, hi);
    if (x != floor(x)) {
        bad_cell(c, col, "'%.40s' is not a whole number", v);
        return lo;
    }
    return (int)x;
}

static int category(struct checker *c, int col, const char *v, const char *const *names, int n)
{
    int k = name_index(names, n, v);
    if (k < 0) {
        char msg[160] = "'%.40s' is not one of ";
        for (int i = 0; i < n; i++) {
            strncat(msg, names[i], sizeof msg - strlen(msg) - 2);
            if (i + 1 < n)
                strncat(msg, "|", sizeof msg - strlen(msg) - 1);
        }
        bad_cell(c, col, msg, v);
        return 0;
    }
    return k;
}

static void child_ages(struct checker *c, const char *v, struct arv_household_row *row)
{
    row->n_children = 0;
    const char *s = v;
    while (*s) {
        char *end;
        errno = 0;
        long age = strtol(s, &end, 10);
        if (end == s || errno || age < 0 || age >= 18 * 12 || (*end && *end != ';')) {
            bad_cell(c, COL_CHILD_AGES,
                     "'%.40s' is not a ';'-separated list of ages in months (0-215)", v);
            return;
        }
        if (row->n_children == ARV_MAX_CHILDREN) {
            bad_cell(c, COL_CHILD_AGES, "'%.40s' lists more than 8 children", v);
            return;
        }
        row->child_age[row->n_children++] = (int16_t)age;
        s = *end ? end + 1 : end;
    }
}

int arv__households_read(const char *file, int n_offices, struct arv_household_row **rows,
                         size_t *n_rows, struct arv_error *err)
{
    struct arv_csv t;
    if (arv_csv_read(file, &t, err) != ARV_OK)
        return err->status;
    long col[N_COLUMNS];
    int optional = 0; /* optional columns present */
    for (int k = 0; k < N_COLUMNS; k++)
        optional += (col[k] = arv_csv_column(&t, columns[k])) >= 0 && k >= N_REQUIRED;
    for (int k = 0; k < N_COLUMNS; k++)
        if (col[k] < 0 && (k < N_REQUIRED || optional > 0)) {
            arv_csv_release(&t);
            return arv_error_set(err, ARV_EINVAL, "%s: row 1: missing column '%s'%s", file,
                                 columns[k],
                                 k < N_REQUIRED ? ""
                                                : " (sex_1, sex_2, age_1 and age_2 go together)");
        }
    bool has_age_sex = optional > 0;
    struct arv_household_row *out = arv_xcalloc(t.n_rows, sizeof *out);
    struct checker c = {.file = file};
    int previous_office = 0;
    for (size_t r = 0; r < t.n_rows; r++) {
        c.row = t.line[r];
        const char *v[N_COLUMNS];
        for (int k = 0; k < N_COLUMNS; k++)
            v[k] = col[k] >= 0 ? arv_csv_cell(&t, r, (size_t)col[k]) : "";
        struct arv_household_row *h = &out[r];
        h->has_age_sex = has_age_sex;
        /* the checks across cells read only cells that parsed (no new bad
         * cell since), so that a bad cell gets one message, its own */
        integer(&c, COL_HOUSEHOLD, v[COL_HOUSEHOLD], 0, 2147483647);
        int bad_before = c.bad;
        h->office = integer(&c, COL_OFFICE, v[COL_OFFICE], 0, n_offices - 1);
        if (c.bad == bad_before) {
            if (h->office < previous_office)
                bad_cell(&c, COL_OFFICE, "%s: rows must be grouped by office in increasing order",
                         v[COL_OFFICE]);
            previous_office = h->office;
        }
        bad_before = c.bad;
        h->origin = category(&c, COL_ORIGIN, v[COL_ORIGIN], arv__origin_names, N_ORIGINS);
        int origin_known = c.bad == bad_before;
        bad_before = c.bad;
        h->adults = integer(&c, COL_ADULTS, v[COL_ADULTS], 1, ARV_MAX_ADULTS);
        int adults_known = c.bad == bad_before;
        for (int a = 0; a < ARV_MAX_ADULTS; a++) {
            int ce = COL_EDU1 + a, cy = COL_YEARS1 + a, cw = COL_WORK1 + a;
            int cs = COL_SEX1 + a, ca = COL_AGE1 + a;
            if (a >= h->adults) {
                /* the first of the adult's cells that is not empty */
                int first = v[ce][0] ? ce : v[cy][0] ? cy : v[cw][0] ? cw : v[cs][0] ? cs
                          : v[ca][0]  ? ca : -1;
                if (adults_known && first >= 0)
                    bad_cell(&c, first, "'%.40s': no second adult, leave the _2 columns empty",
                             v[first]);
                continue;
            }
            h->education[a] = category(&c, ce, v[ce], arv__education_names, N_EDUCATION);
            bad_before = c.bad;
            h->years_norway[a] = (float)number(&c, cy, v[cy], 0, 100);
            if (c.bad == bad_before && origin_known && h->origin == ORIGIN_NORWAY &&
                h->years_norway[a] != 0)
                bad_cell(&c, cy, "%s: a Norway-born adult (origin norway) has 0", v[cy]);
            h->work[a] = category(&c, cw, v[cw], arv__work_names, N_WORK);
            if (has_age_sex) {
                h->female[a] = category(&c, cs, v[cs], sex_names, 2);
                h->age[a] = (float)number(&c, ca, v[ca], 16, 100);
            }
        }
        h->housing = category(&c, COL_HOUSING, v[COL_HOUSING], arv__housing_names, N_HOUSING);
        bad_before = c.bad;
        h->on_sa = integer(&c, COL_ON_SA, v[COL_ON_SA], 0, 1);
        h->sa_months = integer(&c, COL_SA_MONTHS, v[COL_SA_MONTHS], 0, 12);
        if (c.bad == bad_before && h->on_sa && h->sa_months == 0)
            bad_cell(&c, COL_SA_MONTHS, "%s: on_sa is 1, so at least 1", v[COL_SA_MONTHS]);
        /* the 12 months include this one */
        if (c.bad == bad_before && !h->on_sa && h->sa_months == 12)
            bad_cell(&c, COL_SA_MONTHS, "%s: on_sa is 0, so at most 11 (the 12 months include "
                     "this one)", v[COL_SA_MONTHS]);
        h->arrears = (float)number(&c, COL_ARREARS, v[COL_ARREARS], 0, 1e8);
        child_ages(&c, v[COL_CHILD_AGES], h);
    }
    size_t n = t.n_rows;
    arv_csv_release(&t);
    if (c.bad > 0) {
        free(out);
        return arv_error_set(err, ARV_EINVAL, "%s: %d bad cell%s%s; nothing simulated", file,
                             c.bad, c.bad == 1 ? "" : "s",
                             c.bad > MAX_REPORTED ? " (the first 50 are listed above)" : "");
    }
    *rows = out;
    *n_rows = n;
    return ARV_OK;
}

void arv__households_write(const struct arv_world *w, FILE *f)
{
    const struct arv_pop *p = arv__pop(w);
    for (int k = 0; k < N_COLUMNS; k++)
        fprintf(f, "%s%s", columns[k], k + 1 < N_COLUMNS ? "," : "\n");
    for (size_t h = 0; h < p->n; h++) {
        fprintf(f, "%zu,%u,%s,%u", h, p->office[h], arv__origin_names[p->origin[h]],
                p->n_adults[h]);
        size_t a0 = (size_t)ARV_MAX_ADULTS * h;
        for (int a = 0; a < ARV_MAX_ADULTS; a++)
            fprintf(f, ",%s", a < p->n_adults[h] ? arv__education_names[p->education[a0 + a]] : "");
        for (int a = 0; a < ARV_MAX_ADULTS; a++)
            if (a < p->n_adults[h])
                fprintf(f, ",%.2f", p->years_norway[a0 + a]);
            else
                fputs(",", f);
        for (int a = 0; a < ARV_MAX_ADULTS; a++)
            fprintf(f, ",%s", a < p->n_adults[h] ? arv__work_names[p->work[a0 + a]] : "");
        fprintf(f, ",%s,%u,%d,%.0f,", arv__housing_names[p->housing[h]], p->sa[h],
                __builtin_popcount(p->sa_history[h] & 0xFFFu), p->arrears[h]);
        int first = 1;
        for (int k = 0; k < ARV_MAX_CHILDREN; k++) {
            int age = p->child_age[(size_t)ARV_MAX_CHILDREN * h + k];
            if (age >= 0) {
                fprintf(f, "%s%d", first ? "" : ";", age);
                first = 0;
            }
        }
        for (int a = 0; a < ARV_MAX_ADULTS; a++)
            fprintf(f, ",%s", a < p->n_adults[h] ? sex_names[p->female[a0 + a]] : "");
        /* years to two decimals: 12 x the value rounds back to the months */
        for (int a = 0; a < ARV_MAX_ADULTS; a++)
            if (a < p->n_adults[h])
                fprintf(f, ",%.2f", p->adult_age[a0 + a] / 12.0);
            else
                fputs(",", f);
        fputc('\n', f);
    }
}
