/*
 * The parameter table: construction from module groups, typed access,
 * text-to-value conversion with type and range checks, and the three views
 * of the table (resolved.cfg, Markdown, plain list).
 */
#include "arv/params.h"
#include "arv/calibrate.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <nettle/sha2.h>

enum {
    MAX_STRING = 4096, /* longest STRING value accepted */
    /* A value as text: a string quoted with every character escaped. */
    VALUE_BUF = 2 * MAX_STRING + 3,
};

static void set_default(const struct arv_param_def *d, struct arv_param_value *v)
{
    v->origin.file = NULL;
    v->origin.line = 0;
    free(v->s);
    v->s = NULL;
    switch (d->type) {
    case ARV_PARAM_INT:
    case ARV_PARAM_BOOL:
        v->i = (int64_t)d->def;
        break;
    case ARV_PARAM_DOUBLE:
        v->d = d->def;
        break;
    case ARV_PARAM_ENUM:
    case ARV_PARAM_STRING:
        v->s = arv_xstrdup(d->def_str ? d->def_str : "");
        break;
    }
}

struct arv_params *arv_params_alloc(const struct arv_param_group *groups, size_t n_groups)
{
    struct arv_params *p = arv_xcalloc(1, sizeof *p);
    size_t n = 0;
    for (size_t g = 0; g < n_groups; g++)
        n += groups[g].n;
    p->defs = arv_xcalloc(n, sizeof *p->defs);
    p->values = arv_xcalloc(n, sizeof *p->values);
    for (size_t g = 0; g < n_groups; g++)
        for (size_t k = 0; k < groups[g].n; k++) {
            const struct arv_param_def *d = &groups[g].defs[k];
            assert(arv_params_find(p, d->path) < 0 && "parameter declared twice");
            p->defs[p->n] = d;
            set_default(d, &p->values[p->n]);
            p->n++;
        }
    return p;
}

void arv_params_free(struct arv_params *p)
{
    if (p == NULL)
        return;
    for (size_t k = 0; k < p->n; k++)
        free(p->values[k].s);
    for (size_t k = 0; k < p->n_files; k++)
        free(p->files[k]);
    free(p->files);
    free(p->values);
    free(p->defs);
    if (p->calibration) {
        arv_calib_config_free(p->calibration);
        free(p->calibration);
    }
    free(p->calibration_file);
    arv_param_draws_free(p->draws);
    free(p);
}

void arv_param_draws_free(struct arv_param_draws *d)
{
    if (d == NULL)
        return;
    for (size_t k = 0; k < d->n_paths; k++)
        free(d->paths[k]);
    free(d->paths);
    free(d->values);
    free(d->file);
    free(d);
}

struct arv_params *arv_params_clone(const struct arv_params *p)
{
    struct arv_params *q = arv_xcalloc(1, sizeof *q);
    q->n = p->n;
    q->defs = arv_xcalloc(p->n, sizeof *q->defs);
    memcpy(q->defs, p->defs, p->n * sizeof *q->defs);
    q->values = arv_xcalloc(p->n, sizeof *q->values);
    for (size_t k = 0; k < p->n; k++) {
        q->values[k] = p->values[k];
        q->values[k].s = p->values[k].s ? arv_xstrdup(p->values[k].s) : NULL;
    }
    q->n_files = p->n_files;
    q->files = arv_xcalloc(p->n_files ? p->n_files : 1, sizeof *q->files);
    for (size_t k = 0; k < p->n_files; k++)
        q->files[k] = arv_xstrdup(p->files[k]);
    q->aliases = p->aliases;
    q->n_aliases = p->n_aliases;
    return q;
}

void arv_params_apply_draw(struct arv_params *p, const struct arv_param_draws *d, size_t row)
{
    for (size_t j = 0; j < d->n_paths; j++) {
        long k = arv_params_find(p, d->paths[j]);
        assert(k >= 0 && p->defs[k]->type == ARV_PARAM_DOUBLE);
        p->values[k].d = d->values[row * d->n_paths + j];
        p->values[k].origin = (struct arv_param_origin){d->file, d->line};
    }
}

long arv_params_find(const struct arv_params *p, const char *path)
{
    for (size_t k = 0; k < p->n; k++)
        if (strcmp(p->defs[k]->path, path) == 0)
            return (long)k;
    for (size_t a = 0; a < p->n_aliases; a++)
        if (strcmp(p->aliases[a].alias, path) == 0)
            return arv_params_find(p, p->aliases[a].path);
    return -1;
}

void arv_params_add_aliases(struct arv_params *p, const struct arv_param_alias *aliases,
                            size_t n)
{
    assert(p->n_aliases == 0 && "aliases added twice");
    for (size_t a = 0; a < n; a++) {
        const char *alias = aliases[a].alias, *dot = strrchr(alias, '.');
        assert(arv_params_find(p, alias) < 0 && "alias is a path or an alias");
        assert(arv_params_find(p, aliases[a].path) >= 0 && "alias of an unknown path");
        /* a scenario file can hold it: its group is a group of paths, and
         * it is not itself one */
        bool in_group = dot == NULL, is_group = false;
        size_t len = strlen(alias), glen = dot ? (size_t)(dot - alias) + 1 : 0;
        for (size_t k = 0; k < p->n; k++) {
            in_group |= dot && strncmp(p->defs[k]->path, alias, glen) == 0;
            is_group |= strncmp(p->defs[k]->path, alias, len) == 0 && p->defs[k]->path[len] == '.';
        }
        assert(in_group && !is_group && "alias outside the groups of paths, or a group");
        p->aliases = aliases; /* the first a + 1 entries are now known */
        p->n_aliases = a + 1;
    }
}

static const struct arv_param_value *get(const struct arv_params *p, const char *path,
                                         enum arv_param_type type)
{
    long k = arv_params_find(p, path);
    assert(k >= 0 && "unknown parameter path");
    assert(p->defs[k]->type == type && "parameter read with the wrong type");
    return &p->values[k];
}

int64_t arv_params_int(const struct arv_params *p, const char *path)
{
    return get(p, path, ARV_PARAM_INT)->i;
}

double arv_params_double(const struct arv_params *p, const char *path)
{
    return get(p, path, ARV_PARAM_DOUBLE)->d;
}

bool arv_params_bool(const struct arv_params *p, const char *path)
{
    return get(p, path, ARV_PARAM_BOOL)->i != 0;
}

const char *arv_params_str(const struct arv_params *p, const char *path)
{
    long k = arv_params_find(p, path);
    assert(k >= 0 && "unknown parameter path");
    assert(p->defs[k]->type == ARV_PARAM_ENUM || p->defs[k]->type == ARV_PARAM_STRING);
    return p->values[k].s;
}

/* Position of word in a '|'-separated list, or -1. */
static int choice_index(const char *choices, const char *word)
{
    size_t len = strlen(word);
    int idx = 0;
    for (const char *c = choices; c && *c; idx++) {
        const char *bar = strchr(c, '|');
        size_t n = bar ? (size_t)(bar - c) : strlen(c);
        if (n == len && strncmp(c, word, n) == 0)
            return idx;
        c = bar ? bar + 1 : NULL;
    }
    return -1;
}

int arv_params_enum(const struct arv_params *p, const char *path)
{
    long k = arv_params_find(p, path);
    assert(k >= 0 && p->defs[k]->type == ARV_PARAM_ENUM);
    int idx = choice_index(p->defs[k]->choices, p->values[k].s);
    assert(idx >= 0);
    return idx;
}

const char *arv_params_file(const struct arv_params *p, const char *path, char *buf,
                            size_t size)
{
    const char *name = arv_params_str(p, path);
    struct arv_param_origin o = arv_params_origin(p, path);
    const char *slash = o.file && o.line > 0 ? strrchr(o.file, '/') : NULL;
    if (name[0] != '\0' && name[0] != '/' && slash)
        snprintf(buf, size, "%.*s/%s", (int)(slash - o.file), o.file, name);
    else
        snprintf(buf, size, "%s", name);
    return buf;
}

const char *arv_params_where(const struct arv_params *p, const char *path, char *buf,
                             size_t size)
{
    long k = arv_params_find(p, path);
    assert(k >= 0);
    const struct arv_param_origin *o = &p->values[k].origin;
    if (o->file == NULL)
        snprintf(buf, size, "%s (default)", path);
    else if (o->line > 0)
        snprintf(buf, size, "%s:%d: %s", o->file, o->line, path);
    else
        snprintf(buf, size, "%s %s", o->file, path);
    return buf;
}

/* ---- text to value ---------------------------------------------------- */

static const char *type_name(enum arv_param_type t)
{
    switch (t) {
    case ARV_PARAM_INT:
        return "an integer";
    case ARV_PARAM_DOUBLE:
        return "a number";
    case ARV_PARAM_BOOL:
        return "true or false";
    case ARV_PARAM_ENUM:
        return "one of the listed words";
    case ARV_PARAM_STRING:
        return "a string";
    }
    return "?";
}

/* "file:line: " or "--set PATH: " prefix for messages. */
static void where_prefix(struct arv_param_origin o, const char *path, char *buf, size_t size)
{
    if (o.file && o.line > 0)
        snprintf(buf, size, "%s:%d: %s", o.file, o.line, path);
    else if (o.file)
        snprintf(buf, size, "%s %s", o.file, path);
    else
        snprintf(buf, size, "%s", path);
}

/* path: as the user wrote it (an alias names d by another name) */
static int range_error(const struct arv_param_def *d, const char *path, struct arv_param_origin o,
                       const char *text, struct arv_error *err)
{
    char w[320];
    where_prefix(o, path, w, sizeof w);
    /* %.15g, not %g: six digits would show run.seed's limit 4294967295 as
     * 4.29497e+09, which is not the limit. */
    return arv_error_set(err, ARV_EINVAL, "%s = %s is out of range [%.15g, %.15g]%s%s", w, text,
                         d->min, d->max, d->unit && strcmp(d->unit, "-") ? " " : "",
                         d->unit && strcmp(d->unit, "-") ? d->unit : "");
}

static int parse_int(const char *text, int64_t *out)
{
    errno = 0;
    char *end;
    long long v = strtoll(text, &end, 10);
    if (end == text || errno == ERANGE)
        return -1;
    while (isspace((unsigned char)*end))
        end++;
    if (*end == 'L' && end[1] == '\0')
        end++;
    if (*end != '\0')
        return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *text, double *out)
{
    errno = 0;
    char *end;
    double v = strtod(text, &end);
    if (end == text || errno == ERANGE || !isfinite(v))
        return -1;
    while (isspace((unsigned char)*end))
        end++;
    if (*end != '\0')
        return -1;
    *out = v;
    return 0;
}

static int parse_bool(const char *text, int64_t *out)
{
    static const char *const yes[] = {"true", "1", "yes", "on"};
    static const char *const no[] = {"false", "0", "no", "off"};
    for (size_t k = 0; k < 4; k++) {
        if (strcasecmp(text, yes[k]) == 0)
            return *out = 1, 0;
        if (strcasecmp(text, no[k]) == 0)
            return *out = 0, 0;
    }
    return -1;
}

int arv_params_set_value(struct arv_params *p, const char *path, const char *text,
                         struct arv_param_origin origin, struct arv_error *err)
{
    char w[320];
    long k = arv_params_find(p, path);
    if (k < 0) {
        where_prefix(origin, path, w, sizeof w);
        const char *s = arv_params_suggest(p, path);
        return arv_error_set(err, ARV_EINVAL, "%s: unknown parameter%s%s%s", w,
                             s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
    }
    const struct arv_param_def *d = p->defs[k];
    struct arv_param_value *v = &p->values[k];
    where_prefix(origin, path, w, sizeof w);
    int64_t iv;
    double dv;
    switch (d->type) {
    case ARV_PARAM_INT:
        if (parse_int(text, &iv) != 0)
            return arv_error_set(err, ARV_EINVAL, "%s expects %s, got '%.40s'", w,
                                 type_name(d->type), text);
        if ((double)iv < d->min || (double)iv > d->max)
            return range_error(d, path, origin, text, err);
        v->i = iv;
        break;
    case ARV_PARAM_DOUBLE:
        if (parse_double(text, &dv) != 0)
            return arv_error_set(err, ARV_EINVAL, "%s expects %s, got '%.40s'", w,
                                 type_name(d->type), text);
        if (dv < d->min || dv > d->max)
            return range_error(d, path, origin, text, err);
        v->d = dv;
        break;
    case ARV_PARAM_BOOL:
        if (parse_bool(text, &iv) != 0)
            return arv_error_set(err, ARV_EINVAL, "%s expects true or false, got '%.40s'", w,
                                 text);
        v->i = iv;
        break;
    case ARV_PARAM_ENUM:
        if (choice_index(d->choices, text) < 0)
            return arv_error_set(err, ARV_EINVAL, "%s must be one of %s, got '%.40s'", w,
                                 d->choices, text);
        free(v->s);
        v->s = arv_xstrdup(text);
        break;
    case ARV_PARAM_STRING:
        if (strlen(text) > MAX_STRING)
            return arv_error_set(err, ARV_EINVAL, "%s: string longer than %d characters", w,
                                 MAX_STRING);
        free(v->s);
        v->s = arv_xstrdup(text);
        break;
    }
    v->origin = origin;
    return ARV_OK;
}

int arv_params_set(struct arv_params *p, const char *assignment, struct arv_error *err)
{
    const char *eq = strchr(assignment, '=');
    if (eq == NULL || eq == assignment)
        return arv_error_set(err, ARV_EINVAL, "--set %.80s: expected PATH=VALUE", assignment);
    char path[256];
    size_t n = (size_t)(eq - assignment);
    if (n >= sizeof path)
        return arv_error_set(err, ARV_EINVAL, "--set: parameter path too long");
    memcpy(path, assignment, n);
    path[n] = '\0';
    struct arv_param_origin o = {"--set", 0};
    return arv_params_set_value(p, path, eq + 1, o, err);
}

/* ---- did you mean ----------------------------------------------------- */

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 120 || lb > 120)
        return (size_t)-1;
    size_t row[121];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* How far cand is from path, for a suggestion. */
static size_t suggest_distance(const char *path, const char *leaf, const char *cand)
{
    size_t dist = edit_distance(path, cand);
    /* A right leaf in the wrong group is also a good guess. */
    const char *cleaf = strrchr(cand, '.');
    cleaf = cleaf ? cleaf + 1 : cand;
    if (strcmp(leaf, cleaf) == 0 && dist > 2)
        dist = 2;
    return dist;
}

const char *arv_params_suggest(const struct arv_params *p, const char *path)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    const char *leaf = strrchr(path, '.');
    leaf = leaf ? leaf + 1 : path;
    for (size_t k = 0; k < p->n + p->n_aliases; k++) {
        const char *cand = k < p->n ? p->defs[k]->path : p->aliases[k - p->n].alias;
        size_t dist = suggest_distance(path, leaf, cand);
        if (dist < best_d) {
            best_d = dist;
            best = cand;
        }
    }
    size_t limit = strlen(path) / 3;
    if (limit < 2)
        limit = 2;
    return best_d <= limit ? best : NULL;
}

/* ---- views ------------------------------------------------------------ */

/* Formats a double so libconfig reads it back as a float, exactly. */
static void format_double(double v, char *buf, size_t size)
{
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, size, "%.1f", v);
        return;
    }
    snprintf(buf, size, "%.17g", v);
    /* Shortest representation that round-trips, for readability. */
    for (int prec = 1; prec <= 17; prec++) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v) {
            snprintf(buf, size, "%s", tmp);
            break;
        }
    }
    if (strpbrk(buf, ".eEn") == NULL)
        strncat(buf, ".0", size - strlen(buf) - 1);
}

static void format_value(const struct arv_param_def *d, const struct arv_param_value *v,
                         char *buf, size_t size, bool quote)
{
    switch (d->type) {
    case ARV_PARAM_INT:
        snprintf(buf, size, "%" PRId64 "%s", v->i,
                 (quote && (v->i > INT32_MAX || v->i < INT32_MIN)) ? "L" : "");
        break;
    case ARV_PARAM_DOUBLE:
        format_double(v->d, buf, size);
        break;
    case ARV_PARAM_BOOL:
        snprintf(buf, size, "%s", v->i ? "true" : "false");
        break;
    case ARV_PARAM_ENUM:
    case ARV_PARAM_STRING:
        if (!quote) {
            snprintf(buf, size, "%s", v->s);
            break;
        }
        size_t o = 0;
        buf[o++] = '"';
        for (const char *c = v->s; *c && o + 3 < size; c++) {
            if (*c == '"' || *c == '\\')
                buf[o++] = '\\';
            buf[o++] = *c;
        }
        buf[o++] = '"';
        buf[o] = '\0';
        break;
    }
}

static int cmp_path(const void *a, const void *b)
{
    const struct arv_param_def *const *x = a, *const *y = b;
    return strcmp((*x)->path, (*y)->path);
}

/* Length of the shared leading dotted components of a and b (in chars,
 * including the trailing dot). */
static size_t common_groups(const char *a, const char *b)
{
    size_t last = 0;
    for (size_t i = 0; a[i] && a[i] == b[i]; i++)
        if (a[i] == '.')
            last = i + 1;
    return last;
}

static int count_dots(const char *s, size_t n)
{
    int c = 0;
    for (size_t i = 0; i < n && s[i]; i++)
        c += s[i] == '.';
    return c;
}

/* A string parameter that names a file (unit "file"). */
static bool is_file(const struct arv_param_def *d)
{
    return d->type == ARV_PARAM_STRING && d->unit != NULL && strcmp(d->unit, "file") == 0;
}

int arv_params_write_cfg(const struct arv_params *p, FILE *f)
{
    /* Emit in path order so that groups nest. */
    const struct arv_param_def **sorted = arv_xcalloc(p->n, sizeof *sorted);
    memcpy(sorted, p->defs, p->n * sizeof *sorted);
    qsort(sorted, p->n, sizeof *sorted, cmp_path);
    const char *prev = "";
    for (size_t k = 0; k < p->n; k++) {
        const char *path = sorted[k]->path;
        size_t keep = common_groups(prev, path);
        /* close groups of prev beyond the common prefix */
        for (int depth = count_dots(prev, strlen(prev)); depth > count_dots(prev, keep); depth--)
            fprintf(f, "%*s};\n", 2 * (depth - 1), "");
        /* open groups of path beyond the common prefix */
        size_t start = keep;
        for (size_t i = keep; path[i]; i++)
            if (path[i] == '.') {
                int depth = count_dots(path, i);
                fprintf(f, "%*s%.*s: {\n", 2 * depth, "", (int)(i - start), path + start);
                start = i + 1;
            }
        char buf[VALUE_BUF];
        long idx = arv_params_find(p, path);
        struct arv_param_value v = p->values[idx];
        char file[PATH_MAX + 8], absolute[PATH_MAX];
        if (is_file(sorted[k]) && v.s[0] != '\0') {
            /* a file, absolute: the run reads it from wherever resolved.cfg is */
            arv_params_file(p, path, file, sizeof file);
            if (realpath(file, absolute) != NULL)
                v.s = absolute;
            else if (file[0] != '/' && getcwd(absolute, sizeof absolute) != NULL &&
                     strlen(absolute) + strlen(file) + 2 <= sizeof file) {
                memmove(file + strlen(absolute) + 1, file, strlen(file) + 1);
                memcpy(file, absolute, strlen(absolute));
                file[strlen(absolute)] = '/';
                v.s = file;
            } else {
                v.s = file;
            }
        }
        format_value(sorted[k], &v, buf, sizeof buf, true);
        fprintf(f, "%*s%s = %s;\n", 2 * count_dots(path, strlen(path)), "", path + start, buf);
        prev = path;
    }
    for (int depth = count_dots(prev, strlen(prev)); depth > 0; depth--)
        fprintf(f, "%*s};\n", 2 * (depth - 1), "");
    free(sorted);
    if (p->draws)
        arv_param_draws_write(p->draws, f);
    return ferror(f) ? ARV_EIO : ARV_OK;
}

/* A real number libconfig reads back as one (a point or an exponent). */
static void put_real(FILE *f, double v)
{
    char num[64];
    snprintf(num, sizeof num, "%.17g", v);
    if (strpbrk(num, ".eEni") == NULL)
        strcat(num, ".0");
    fputs(num, f);
}

int arv_param_draws_write(const struct arv_param_draws *d, FILE *f)
{
    fprintf(f, "parameter_draws: {\n  paths = [");
    for (size_t j = 0; j < d->n_paths; j++)
        fprintf(f, "%s\"%s\"", j ? ", " : " ", d->paths[j]);
    fprintf(f, " ];\n  values = (\n");
    for (size_t r = 0; r < d->n_rows; r++) {
        fputs("    [ ", f);
        for (size_t j = 0; j < d->n_paths; j++) {
            if (j)
                fputs(", ", f);
            put_real(f, d->values[r * d->n_paths + j]);
        }
        fprintf(f, " ]%s\n", r + 1 < d->n_rows ? "," : "");
    }
    fprintf(f, "  );\n};\n");
    return ferror(f) ? ARV_EIO : ARV_OK;
}

static void format_range(const struct arv_param_def *d, char *buf, size_t size)
{
    switch (d->type) {
    case ARV_PARAM_INT:
    case ARV_PARAM_DOUBLE:
        /* every digit of the limits (see range_error) */
        snprintf(buf, size, "%.15g – %.15g", d->min, d->max);
        break;
    case ARV_PARAM_BOOL:
        snprintf(buf, size, "true, false");
        break;
    case ARV_PARAM_ENUM:
        snprintf(buf, size, "%s", d->choices);
        for (char *c = buf; *c; c++)
            if (*c == '|')
                *c = '/';
        break;
    case ARV_PARAM_STRING:
        snprintf(buf, size, "text");
        break;
    }
}

static const char *short_type(enum arv_param_type t)
{
    static const char *const names[] = {"int", "double", "bool", "enum", "string"};
    return names[t];
}

void arv_params_write_markdown(const struct arv_params *p, FILE *f)
{
    fprintf(f, "# Parameters\n\n"
               "Generated by `arv params --markdown`; do not edit by hand. Every parameter\n"
               "a scenario may set, with its default, the range accepted at load time, its\n"
               "unit and where its value comes from (`sources.md` ids refer to\n"
               "`shared/data/sources.md`; *assumption* marks values awaiting calibration).\n");
    const char *group = "";
    size_t glen = 0;
    for (size_t k = 0; k < p->n; k++) {
        const struct arv_param_def *d = p->defs[k];
        const char *dot = strchr(d->path, '.');
        size_t len = dot ? (size_t)(dot - d->path) : strlen(d->path);
        if (len != glen || strncmp(group, d->path, len) != 0) {
            group = d->path;
            glen = len;
            fprintf(f, "\n## `%.*s`\n\n", (int)len, group);
            fprintf(f, "| path | type | default | range | unit | description | source |\n");
            fprintf(f, "|---|---|---|---|---|---|---|\n");
        }
        char def[VALUE_BUF], range[256];
        struct arv_param_value dv = {0};
        set_default(d, &dv);
        format_value(d, &dv, def, sizeof def, false);
        free(dv.s);
        format_range(d, range, sizeof range);
        fprintf(f, "| `%s` | %s | %s | %s | %s | %s | %s |\n", d->path, short_type(d->type),
                def, range, d->unit, d->description,
                strcmp(d->source, "assumption") == 0 ? "*assumption*" : d->source);
    }
    if (p->n_aliases == 0)
        return;
    fprintf(f, "\n## Aliases\n\n"
               "Other names accepted wherever a path is (scenario files, `--set`, `--sweep`,\n"
               "`parameter_draws`, priors); every output names the path.\n\n"
               "| alias | path |\n|---|---|\n");
    for (size_t a = 0; a < p->n_aliases; a++)
        fprintf(f, "| `%s` | `%s` |\n", p->aliases[a].alias, p->aliases[a].path);
}

void arv_params_write_list(const struct arv_params *p, FILE *f)
{
    for (size_t k = 0; k < p->n; k++) {
        const struct arv_param_def *d = p->defs[k];
        char val[VALUE_BUF], range[256];
        format_value(d, &p->values[k], val, sizeof val, false);
        format_range(d, range, sizeof range);
        fprintf(f, "%-44s %-6s %-14s [%s] %s; source: %s\n", d->path, short_type(d->type), val,
                range, d->unit, d->source);
    }
    for (size_t a = 0; a < p->n_aliases; a++)
        fprintf(f, "%-44s alias of %s\n", p->aliases[a].alias, p->aliases[a].path);
}

void arv_params_sha256(const struct arv_params *p, char hex[65])
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    assert(mem != NULL);
    arv_params_write_cfg(p, mem);
    fclose(mem);
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, len, (const uint8_t *)text);
    sha256_digest(&ctx, sizeof digest, digest);
    free(text);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

struct arv_param_origin arv_params_origin(const struct arv_params *p, const char *path)
{
    long k = arv_params_find(p, path);
    assert(k >= 0);
    return p->values[k].origin;
}
