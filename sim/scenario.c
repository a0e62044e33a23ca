/*
 * Scenario files: libconfig text with @include, loaded onto the parameter
 * table.
 *
 * Semantics. A scenario is a set of parameter assignments. `@include "f"`
 * lines (top level only) are resolved relative to the including file and
 * applied first, in order; the including file's own settings then override
 * them. (Plain libconfig splices included text in place, which would make a
 * scenario that includes baseline.cfg and changes one value a duplicate-key
 * error; layering is what scenario authors expect.)
 *
 * Bad input of any kind (syntax, binary data, NUL bytes, unknown keys, wrong
 * types, out-of-range values, include loops, missing files, directories,
 * huge files or lines, deep nesting, unterminated strings and comments) is
 * reported as "file:line: reason".
 */
#include "arv/params.h"
#include "arv/calibrate.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum {
    MAX_FILE_BYTES = 4 << 20,  /* no scenario is anywhere near 4 MiB */
    MAX_LINE_BYTES = 16384,
    MAX_INCLUDE_DEPTH = 16,
    MAX_GROUP_DEPTH = 6,
    MAX_BRACKET_DEPTH = 64, /* libconfig's parser gives up near 5000 */
};

/* The contract's top-level groups: always valid, even while empty. */
static const char *const top_groups[] = {
    "run", "population", "offices", "followup", "work", "income", "housing",
    "children", "young_adults", "measurement", "costs", "calibration", "trial",
};

struct include_stack {
    char *real[MAX_INCLUDE_DEPTH + 1];
    int depth;
};

static int load_file(struct arv_params *p, const char *file, struct include_stack *stack,
                     struct arv_error *err);

/* Reads the whole file, rejecting directories, huge files, NUL bytes and
 * huge lines. Returns a NUL-terminated buffer (owned by the caller). */
static char *read_text(const char *file, struct arv_error *err)
{
    struct stat st;
    if (stat(file, &st) != 0) {
        arv_error_set(err, ARV_EIO, "%s: cannot open: %s", file, strerror(errno));
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        arv_error_set(err, ARV_EINVAL, "%s: is a directory, not a scenario file", file);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        arv_error_set(err, ARV_EINVAL, "%s: not a regular file", file);
        return NULL;
    }
    if (st.st_size > MAX_FILE_BYTES) {
        arv_error_set(err, ARV_EINVAL, "%s: file too large for a scenario (%lld bytes, limit %d)",
                      file, (long long)st.st_size, MAX_FILE_BYTES);
        return NULL;
    }
    FILE *f = fopen(file, "rb");
    if (f == NULL) {
        arv_error_set(err, ARV_EIO, "%s: cannot open: %s", file, strerror(errno));
        return NULL;
    }
    char *text = arv_xmalloc((size_t)st.st_size + 1);
    size_t n = fread(text, 1, (size_t)st.st_size, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(text);
        arv_error_set(err, ARV_EIO, "%s: read error", file);
        return NULL;
    }
    text[n] = '\0';
    int line = 1;
    size_t line_len = 0;
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '\0') {
            arv_error_set(err, ARV_EINVAL, "%s:%d: NUL byte in scenario file (binary data?)",
                          file, line);
            free(text);
            return NULL;
        }
        if (text[i] == '\n') {
            line++;
            line_len = 0;
        } else if (++line_len > MAX_LINE_BYTES) {
            arv_error_set(err, ARV_EINVAL, "%s:%d: line longer than %d characters", file, line,
                          MAX_LINE_BYTES);
            free(text);
            return NULL;
        }
    }
    return text;
}

/* Directory part of path, with trailing slash ("" for a bare name). */
static void dir_of(const char *path, char *buf, size_t size)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path + 1) : 0;
    if (n >= size)
        n = size - 1;
    memcpy(buf, path, n);
    buf[n] = '\0';
}

/*
 * libconfig 1.5 silently wraps integer literals that do not fit in 32 bits
 * unless they carry an L suffix (households = 4294967297 would read as 1).
 * The lexer below checks every integer literal itself, with its sign
 * (-2147483648 fits) and in the base libconfig reads it in (decimal, even
 * with leading zeros, or 0x hex); *c is left on the literal's last
 * character.
 */
static int check_integer(const char *file, int line, char **c, bool negative,
                         struct arv_error *err)
{
    bool hex = (*c)[0] == '0' && ((*c)[1] == 'x' || (*c)[1] == 'X');
    char *start = negative ? *c - 1 : *c, *end;
    errno = 0;
    long long v = strtoll(start, &end, hex ? 16 : 10);
    bool overflow = errno == ERANGE;
    if (!hex && (*end == '.' || *end == 'e' || *end == 'E')) { /* a float: skip it */
        strtod(*c, &end);
        *c = end - 1;
        return ARV_OK;
    }
    bool wide = *end == 'L';
    if (overflow || (!wide && (v > INT32_MAX || v < INT32_MIN)))
        return arv_error_set(err, ARV_EINVAL, "%s:%d: integer %.*s is too large%s", file, line,
                             (int)(end - start < 30 ? end - start : 30), start,
                             overflow ? "" : " for a plain integer (write it with an L suffix)");
    *c = (wide ? end : end - 1);
    return ARV_OK;
}

/* Skips a block comment; *c is left on its closing '/'. libconfig 1.5
 * accepts a comment that never ends, silently dropping the rest of the
 * file, so that is an error here (at the line where the comment opens). */
static int skip_block_comment(const char *file, char **c, int *line, struct arv_error *err)
{
    int first = *line;
    char *q = *c + 2;
    for (; *q && !(q[0] == '*' && q[1] == '/'); q++)
        *line += *q == '\n';
    if (*q == '\0')
        return arv_error_set(err, ARV_EINVAL, "%s:%d: unterminated /* comment", file, first);
    *c = q + 1;
    return ARV_OK;
}

/* Skips a string literal, which may span lines as in libconfig (so that
 * text inside it is never taken for a comment or a directive); *c is left
 * on the closing quote. An unterminated string is reported at the line
 * where it opens (libconfig would blame the end of the file). */
static int skip_string(const char *file, char **c, int *line, struct arv_error *err)
{
    int first = *line;
    char *q = *c + 1;
    for (; *q && *q != '"'; q++) {
        if (*q == '\\' && q[1])
            q++;
        *line += *q == '\n';
    }
    if (*q == '\0')
        return arv_error_set(err, ARV_EINVAL, "%s:%d: unterminated string", file, first);
    *c = q;
    return ARV_OK;
}

/* Is the rest of the line (from c) blank or a comment? */
static bool rest_is_blank(const char *c)
{
    while (*c == ' ' || *c == '\t' || *c == '\r')
        c++;
    return *c == '\0' || *c == '\n' || *c == '#' || (c[0] == '/' && (c[1] == '/' || c[1] == '*'));
}

/*
 * Reports an included file's error as "file:line: in @include "name": ...".
 * When a long chain of includes does not fit in the message, its middle is
 * dropped rather than its end, which holds the root cause.
 */
static int include_error(struct arv_error *err, const struct arv_error *inner, const char *file,
                         int line, const char *name)
{
    char prefix[400];
    snprintf(prefix, sizeof prefix, "%.200s:%d: in @include \"%.120s\": ", file, line, name);
    size_t room = sizeof err->msg - 1 - strlen(prefix), n = strlen(inner->msg);
    if (n <= room)
        return arv_error_set(err, inner->status, "%s%s", prefix, inner->msg);
    return arv_error_set(err, inner->status, "%s... %s", prefix, inner->msg + n - (room - 4));
}

/*
 * Loads the file named by the @include directive at *c (relative to the
 * including file) and blanks the directive, keeping line numbers, so that
 * libconfig never sees it. *c is left on the directive's closing quote.
 */
static int include_directive(struct arv_params *p, const char *file, int line, char **c,
                             struct include_stack *stack, struct arv_error *err)
{
    char *q = *c + 8;
    while (*q == ' ' || *q == '\t')
        q++;
    char *end = *q == '"' ? strchr(q + 1, '"') : NULL;
    char *eol = strchr(*c, '\n');
    if (end == NULL || (eol && end > eol))
        return arv_error_set(err, ARV_EINVAL, "%s:%d: @include expects a quoted file name", file,
                             line);
    /* Anything after the name would be dropped or misread: refuse it. */
    if (!rest_is_blank(end + 1))
        return arv_error_set(err, ARV_EINVAL,
                             "%s:%d: unexpected text after @include \"...\" (put it on its own "
                             "line)",
                             file, line);
    char name[PATH_MAX], dir[PATH_MAX], full[2 * PATH_MAX + 1];
    size_t n = (size_t)(end - q - 1);
    if (n == 0 || n >= sizeof name)
        return arv_error_set(err, ARV_EINVAL, "%s:%d: bad @include file name", file, line);
    memcpy(name, q + 1, n);
    name[n] = '\0';
    dir_of(file, dir, sizeof dir);
    snprintf(full, sizeof full, "%s%s", name[0] == '/' ? "" : dir, name);
    for (char *b = *c; b <= end; b++)
        *b = ' ';
    *c = end;
    struct arv_error inner;
    arv_error_init(&inner);
    if (load_file(p, full, stack, &inner) != ARV_OK)
        return include_error(err, &inner, file, line, name);
    return ARV_OK;
}

/* Can a digit at c start a number (rather than continue a name or one)? */
static bool starts_number(const char *text, const char *c)
{
    return isdigit((unsigned char)*c) &&
           (c == text || !(isalnum((unsigned char)c[-1]) || c[-1] == '_' || c[-1] == '.'));
}

/*
 * Finds top-level @include lines and loads them (include_directive). A
 * small lexer tracks strings, comments and bracket depth so that @include
 * inside a group is reported, not guessed at; it also rejects what
 * libconfig would misread (see check_integer, skip_block_comment) and
 * bracket nesting deep enough to exhaust libconfig's parser stack, which
 * would otherwise be reported as "memory exhausted".
 */
static int process_includes(struct arv_params *p, const char *file, char *text,
                            struct include_stack *stack, struct arv_error *err)
{
    int depth = 0, line = 1;
    bool at_line_start = true;
    for (char *c = text; *c; c++) {
        if (*c == '\n') {
            line++;
            at_line_start = true;
        } else if (*c == ' ' || *c == '\t' || *c == '\r') {
            /* blanks leave at_line_start as it is */
        } else if (*c == '#' || (c[0] == '/' && c[1] == '/')) {
            while (c[1] && c[1] != '\n')
                c++;
        } else if (c[0] == '/' && c[1] == '*') {
            if (skip_block_comment(file, &c, &line, err) != ARV_OK)
                return err->status;
        } else if (at_line_start && strncmp(c, "@include", 8) == 0) {
            if (depth != 0)
                return arv_error_set(err, ARV_EINVAL,
                                     "%s:%d: @include is only allowed at the top level", file,
                                     line);
            if (include_directive(p, file, line, &c, stack, err) != ARV_OK)
                return err->status;
            at_line_start = false;
        } else {
            at_line_start = false;
            if (*c == '"') {
                if (skip_string(file, &c, &line, err) != ARV_OK)
                    return err->status;
            } else if (starts_number(text, c)) {
                bool negative = c > text && c[-1] == '-';
                if (check_integer(file, line, &c, negative, err) != ARV_OK)
                    return err->status;
            } else if ((*c == '{' || *c == '(' || *c == '[') && ++depth > MAX_BRACKET_DEPTH)
                return arv_error_set(err, ARV_EINVAL, "%s:%d: brackets nested more than %d deep",
                                     file, line, MAX_BRACKET_DEPTH);
            else if (*c == '}' || *c == ')' || *c == ']')
                depth--;
        }
    }
    return ARV_OK;
}

static bool is_top_group(const char *name)
{
    for (size_t k = 0; k < sizeof top_groups / sizeof top_groups[0]; k++)
        if (strcmp(top_groups[k], name) == 0)
            return true;
    return false;
}

/* Is prefix ("work." or "work.wage.") the start of some parameter path? */
static bool known_group(const struct arv_params *p, const char *prefix)
{
    size_t n = strlen(prefix);
    for (size_t k = 0; k < p->n; k++)
        if (strncmp(p->defs[k]->path, prefix, n) == 0)
            return true;
    return false;
}

static const char *libconfig_type(int t)
{
    switch (t) {
    case CONFIG_TYPE_GROUP:
        return "a group";
    case CONFIG_TYPE_ARRAY:
        return "an array";
    case CONFIG_TYPE_LIST:
        return "a list";
    case CONFIG_TYPE_STRING:
        return "a string";
    case CONFIG_TYPE_BOOL:
        return "a boolean";
    case CONFIG_TYPE_FLOAT:
        return "a number";
    default:
        return "an integer";
    }
}

static const char *want_name(enum arv_param_type t)
{
    static const char *const names[] = {"an integer", "a number", "true or false", "a string",
                                        "a string"};
    return names[t];
}

static int apply_scalar(struct arv_params *p, const char *file, const char *path,
                        config_setting_t *s, struct arv_error *err)
{
    int line = (int)config_setting_source_line(s);
    long k = arv_params_find(p, path);
    if (k < 0) {
        const char *sug = arv_params_suggest(p, path);
        return arv_error_set(err, ARV_EINVAL, "%s:%d: unknown parameter '%s'%s%s%s", file, line,
                             path, sug ? " (did you mean '" : "", sug ? sug : "",
                             sug ? "'?)" : "");
    }
    /* libconfig refuses a name twice in a file, but not a path and its alias */
    const struct arv_param_origin *was = &p->values[k].origin;
    if (was->file && strcmp(was->file, file) == 0 && was->line != line)
        return arv_error_set(err, ARV_EINVAL, "%s:%d: %s sets the same parameter as line %d (%s)",
                             file, line, path, was->line, p->defs[k]->path);
    enum arv_param_type want = p->defs[k]->type;
    int t = config_setting_type(s);
    char text[4200];
    bool ok = false;
    switch (t) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        ok = want == ARV_PARAM_INT || want == ARV_PARAM_DOUBLE;
        snprintf(text, sizeof text, "%lld", config_setting_get_int64(s));
        break;
    case CONFIG_TYPE_FLOAT:
        ok = want == ARV_PARAM_DOUBLE;
        /* libconfig reads 1e400 as inf without a word */
        if (ok && !isfinite(config_setting_get_float(s)))
            return arv_error_set(err, ARV_EINVAL, "%s:%d: %s: number too large for a double",
                                 file, line, path);
        snprintf(text, sizeof text, "%.17g", config_setting_get_float(s));
        break;
    case CONFIG_TYPE_BOOL:
        ok = want == ARV_PARAM_BOOL;
        snprintf(text, sizeof text, "%s", config_setting_get_bool(s) ? "true" : "false");
        break;
    case CONFIG_TYPE_STRING:
        ok = want == ARV_PARAM_ENUM || want == ARV_PARAM_STRING;
        snprintf(text, sizeof text, "%s", config_setting_get_string(s));
        break;
    default:
        break;
    }
    if (!ok)
        return arv_error_set(err, ARV_EINVAL, "%s:%d: %s expects %s, got %s", file, line, path,
                             want_name(want), libconfig_type(t));
    struct arv_param_origin o = {file, line};
    return arv_params_set_value(p, path, text, o, err);
}

/* May path (a group at depth, inside prefix) hold settings? */
static int check_group(const struct arv_params *p, const char *file, int line, const char *prefix,
                       const char *path, int depth, struct arv_error *err)
{
    long k = arv_params_find(p, path);
    if (k >= 0) /* a parameter written as a group */
        return arv_error_set(err, ARV_EINVAL, "%s:%d: %s expects %s, got a group", file, line,
                             path, want_name(p->defs[k]->type));
    if (depth + 1 >= MAX_GROUP_DEPTH)
        return arv_error_set(err, ARV_EINVAL, "%s:%d: groups nested too deeply", file, line);
    char sub[520];
    snprintf(sub, sizeof sub, "%s.", path);
    if ((depth == 0 && is_top_group(path)) || known_group(p, sub))
        return ARV_OK;
    const char *sug = arv_params_suggest(p, path);
    char guess[256] = "";
    if (sug) {
        /* suggest the group, not a leaf, when the guess is a group; the
         * guess may be shorter than prefix (a leaf from another group) */
        size_t skip = strlen(prefix) < strlen(sug) ? strlen(prefix) : strlen(sug);
        const char *dot = strchr(sug + skip, '.');
        int len = dot ? (int)(dot - sug) : (int)strlen(sug);
        snprintf(guess, sizeof guess, " (did you mean '%.*s'?)", len, sug);
    }
    return arv_error_set(err, ARV_EINVAL, "%s:%d: unknown group '%s'%s", file, line, path, guess);
}

/* A number of a parameter_draws row: an integer or a float. */
static bool setting_number(const config_setting_t *s, double *v)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        *v = (double)config_setting_get_int64(s);
        return true;
    case CONFIG_TYPE_FLOAT:
        *v = config_setting_get_float(s);
        return isfinite(*v);
    default:
        return false;
    }
}

/* The parameter_draws group: paths = [ "a.b", ... ]; values = ( [ ... ],
 * ... ); each path a real-valued parameter, each row one value per path
 * inside the parameter's range. */
static int parse_draws(const struct arv_params *p, const config_setting_t *group,
                       const char *file, struct arv_param_draws **out, struct arv_error *err)
{
    int gline = (int)config_setting_source_line(group);
    const config_setting_t *paths = NULL, *values = NULL;
    int n = config_setting_length(group);
    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
        const char *name = config_setting_name(s);
        if (strcmp(name, "paths") == 0)
            paths = s;
        else if (strcmp(name, "values") == 0)
            values = s;
        else
            return arv_error_set(err, ARV_EINVAL,
                                 "%s:%d: parameter_draws: unknown setting '%s' (paths, values)",
                                 file, (int)config_setting_source_line(s), name);
    }
    if (paths == NULL || config_setting_type(paths) != CONFIG_TYPE_ARRAY ||
        config_setting_length(paths) == 0)
        return arv_error_set(err, ARV_EINVAL,
                             "%s:%d: parameter_draws needs paths = [ \"a.b\", ... ] (one or "
                             "more parameter paths)",
                             file, paths ? (int)config_setting_source_line(paths) : gline);
    if (values == NULL || config_setting_type(values) != CONFIG_TYPE_LIST ||
        config_setting_length(values) == 0)
        return arv_error_set(err, ARV_EINVAL,
                             "%s:%d: parameter_draws needs values = ( [ ... ], ... ) (one row "
                             "per draw)",
                             file, values ? (int)config_setting_source_line(values) : gline);
    struct arv_param_draws *d = arv_xcalloc(1, sizeof *d);
    d->n_paths = (size_t)config_setting_length(paths);
    d->n_rows = (size_t)config_setting_length(values);
    d->paths = arv_xcalloc(d->n_paths, sizeof *d->paths);
    d->values = arv_xcalloc(d->n_rows * d->n_paths, sizeof *d->values);
    d->file = arv_xstrdup(file);
    d->line = gline;
    int pline = (int)config_setting_source_line(paths);
    long *index = arv_xcalloc(d->n_paths, sizeof *index);
    for (size_t j = 0; j < d->n_paths && err->status == ARV_OK; j++) {
        const config_setting_t *e = config_setting_get_elem(paths, (unsigned)j);
        const char *path = config_setting_type(e) == CONFIG_TYPE_STRING
                               ? config_setting_get_string(e) : NULL;
        if (path == NULL) {
            arv_error_set(err, ARV_EINVAL, "%s:%d: parameter_draws: paths are strings", file,
                          pline);
            break;
        }
        index[j] = arv_params_find(p, path);
        /* kept by the parameter's path, as resolved.cfg writes it */
        d->paths[j] = arv_xstrdup(index[j] >= 0 ? p->defs[index[j]]->path : path);
        if (index[j] < 0) {
            const char *sug = arv_params_suggest(p, path);
            arv_error_set(err, ARV_EINVAL,
                          "%s:%d: parameter_draws: unknown parameter '%s'%s%s%s", file, pline,
                          path, sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
        } else if (p->defs[index[j]]->type != ARV_PARAM_DOUBLE) {
            arv_error_set(err, ARV_EINVAL,
                          "%s:%d: parameter_draws: '%s' is not a real-valued parameter", file,
                          pline, path);
        }
        for (size_t q = 0; q < j && err->status == ARV_OK; q++)
            if (index[q] == index[j]) { /* the same path, or a path and its alias */
                bool other = strcmp(d->paths[q], path) != 0;
                arv_error_set(err, ARV_EINVAL, "%s:%d: parameter_draws: '%s' is listed twice%s%s%s",
                              file, pline, path, other ? " (as '" : "", other ? d->paths[q] : "",
                              other ? "')" : "");
            }
    }
    for (size_t r = 0; r < d->n_rows && err->status == ARV_OK; r++) {
        const config_setting_t *row = config_setting_get_elem(values, (unsigned)r);
        int line = (int)config_setting_source_line(row);
        if (config_setting_type(row) != CONFIG_TYPE_ARRAY ||
            (size_t)config_setting_length(row) != d->n_paths) {
            arv_error_set(err, ARV_EINVAL,
                          "%s:%d: parameter_draws: row %zu must be [ ... ] with %zu number%s, "
                          "one per path",
                          file, line, r + 1, d->n_paths, d->n_paths == 1 ? "" : "s");
            break;
        }
        for (size_t j = 0; j < d->n_paths; j++) {
            double v;
            const struct arv_param_def *def = p->defs[index[j]];
            if (!setting_number(config_setting_get_elem(row, (unsigned)j), &v)) {
                arv_error_set(err, ARV_EINVAL,
                              "%s:%d: parameter_draws: row %zu, %s: not a finite number", file,
                              line, r + 1, d->paths[j]);
                break;
            }
            if (v < def->min || v > def->max) {
                arv_error_set(err, ARV_EINVAL,
                              "%s:%d: parameter_draws: row %zu, %s = %.17g is outside [%.15g, "
                              "%.15g]",
                              file, line, r + 1, d->paths[j], v, def->min, def->max);
                break;
            }
            d->values[r * d->n_paths + j] = v;
        }
    }
    free(index);
    if (err->status != ARV_OK) {
        arv_param_draws_free(d);
        return err->status;
    }
    *out = d;
    return ARV_OK;
}

/* Names each prior by its parameter's path, as posterior.csv and
 * calibrated.cfg write it, and refuses a path and its alias both given one
 * (the same path twice is a parse error). Unknown paths are left for the
 * calibration's own check, which suggests the nearest. */
static int priors_by_path(const struct arv_params *p, const char *file,
                          struct arv_calib_config *c, struct arv_error *err)
{
    for (size_t j = 0; j < c->n_priors; j++) {
        struct arv_prior *pr = &c->priors[j];
        long k = arv_params_find(p, pr->path);
        if (k < 0)
            continue;
        for (size_t i = 0; i < j; i++)
            if (strcmp(c->priors[i].path, p->defs[k]->path) == 0) {
                bool other = strcmp(pr->path, c->priors[i].path) != 0;
                return arv_error_set(err, ARV_EINVAL, "%s:%d: %s already has a prior (line %d%s%s)",
                                     file, pr->line, pr->path, c->priors[i].line,
                                     other ? ", as " : "", other ? c->priors[i].path : "");
            }
        assert(strlen(p->defs[k]->path) < sizeof pr->path);
        snprintf(pr->path, sizeof pr->path, "%s", p->defs[k]->path);
    }
    return ARV_OK;
}

static int apply_group(struct arv_params *p, const char *file, const char *prefix,
                       config_setting_t *group, int depth, struct arv_error *err)
{
    int n = config_setting_length(group);
    for (int i = 0; i < n; i++) {
        config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
        const char *name = config_setting_name(s);
        int line = (int)config_setting_source_line(s);
        char path[512];
        if (name == NULL)
            return arv_error_set(err, ARV_EINVAL, "%s:%d: unnamed setting in group", file, line);
        if (snprintf(path, sizeof path, "%s%s", prefix, name) >= (int)sizeof path)
            return arv_error_set(err, ARV_EINVAL, "%s:%d: setting name too long", file, line);
        if (depth == 0 && strcmp(name, "calibration") == 0 &&
            config_setting_type(s) == CONFIG_TYPE_GROUP) {
            /* not model parameters: the calibration's settings and priors,
             * checked now so that any command reports their errors */
            struct arv_calib_config *c = arv_xcalloc(1, sizeof *c);
            if (arv_calib_config_parse(s, file, c, err) != ARV_OK ||
                priors_by_path(p, file, c, err) != ARV_OK) {
                arv_calib_config_free(c);
                free(c);
                return err->status;
            }
            if (p->calibration) {
                arv_calib_config_free(p->calibration);
                free(p->calibration);
            }
            free(p->calibration_file);
            p->calibration = c;
            p->calibration_file = arv_xstrdup(file);
            continue;
        }
        if (depth == 0 && strcmp(name, "parameter_draws") == 0) {
            /* replicate-level parameter uncertainty: not parameters themselves */
            struct arv_param_draws *d = NULL;
            if (config_setting_type(s) != CONFIG_TYPE_GROUP)
                return arv_error_set(err, ARV_EINVAL,
                                     "%s:%d: parameter_draws must be a group: parameter_draws: "
                                     "{ paths = [ ... ]; values = ( ... ); };",
                                     file, line);
            if (parse_draws(p, s, file, &d, err) != ARV_OK)
                return err->status;
            arv_param_draws_free(p->draws);
            p->draws = d;
            continue;
        }
        if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
            if (depth == 0 && is_top_group(name))
                return arv_error_set(err, ARV_EINVAL, "%s:%d: '%s' must be a group: %s: { ... };",
                                     file, line, name, name);
            if (apply_scalar(p, file, path, s, err) != ARV_OK)
                return err->status;
            continue;
        }
        char sub[520];
        snprintf(sub, sizeof sub, "%s.", path);
        if (check_group(p, file, line, prefix, path, depth, err) != ARV_OK)
            return err->status;
        if (apply_group(p, file, sub, s, depth + 1, err) != ARV_OK)
            return err->status;
    }
    return ARV_OK;
}

/* Keeps file names alive for origins and the manifest; returns the copy. */
static const char *remember_file(struct arv_params *p, const char *file)
{
    for (size_t k = 0; k < p->n_files; k++)
        if (strcmp(p->files[k], file) == 0)
            return p->files[k];
    p->files = arv_xrealloc(p->files, (p->n_files + 1) * sizeof *p->files);
    p->files[p->n_files] = arv_xstrdup(file);
    return p->files[p->n_files++];
}

static int load_file(struct arv_params *p, const char *file, struct include_stack *stack,
                     struct arv_error *err)
{
    if (stack->depth >= MAX_INCLUDE_DEPTH)
        return arv_error_set(err, ARV_EINVAL, "%s: includes nested more than %d deep", file,
                             MAX_INCLUDE_DEPTH);
    char *text = read_text(file, err);
    if (text == NULL)
        return err->status;
    char *real = realpath(file, NULL);
    if (real == NULL) {
        free(text);
        return arv_error_set(err, ARV_EIO, "%s: cannot resolve path: %s", file, strerror(errno));
    }
    for (int k = 0; k < stack->depth; k++)
        if (strcmp(stack->real[k], real) == 0) {
            free(real);
            free(text);
            return arv_error_set(err, ARV_EINVAL, "%s: include loop (the file includes itself)",
                                 file);
        }
    stack->real[stack->depth++] = real;
    const char *name = remember_file(p, file);

    int rc = process_includes(p, name, text, stack, err);
    if (rc == ARV_OK) {
        config_t cfg;
        config_init(&cfg);
        if (config_read_string(&cfg, text) != CONFIG_TRUE)
            rc = arv_error_set(err, ARV_EINVAL, "%s:%d: %s", name, config_error_line(&cfg),
                               config_error_text(&cfg));
        else
            rc = apply_group(p, name, "", config_root_setting(&cfg), 0, err);
        config_destroy(&cfg);
    }
    stack->depth--;
    free(stack->real[stack->depth]);
    free(text);
    return rc;
}

int arv_params_load(struct arv_params *p, const char *file, struct arv_error *err)
{
    struct include_stack stack = {.depth = 0};
    return load_file(p, file, &stack, err);
}
