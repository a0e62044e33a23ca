/*
 * Parameters: one table is the single source of truth.
 *
 * Every parameter is declared once, in the module that uses it, as a
 * struct arv_param_def {path, type, default, min, max, unit, description,
 * source}. The table (engine definitions followed by each registered model's,
 * in registry order) drives scenario loading, range checks, --set,
 * resolved.cfg and `arv params --markdown` (docs/parameters.md).
 *
 * Values are checked when they are loaded, never discovered mid-run: a value
 * of the wrong type or outside [min, max] is an error naming the file and
 * line (or the --set option) that gave it.
 */
#ifndef ARV_PARAMS_H
#define ARV_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arv/error.h"

enum arv_param_type {
    ARV_PARAM_INT,    /* 64-bit integer */
    ARV_PARAM_DOUBLE, /* finite double */
    ARV_PARAM_BOOL,   /* true / false */
    ARV_PARAM_ENUM,   /* one of the '|'-separated choices */
    ARV_PARAM_STRING  /* free text, such as a file name */
};

struct arv_param_def {
    const char *path;        /* dotted path, e.g. "run.months" */
    enum arv_param_type type;
    double def;              /* default (INT, DOUBLE, BOOL: 0 or 1) */
    double min, max;         /* inclusive range for INT and DOUBLE */
    const char *unit;        /* "months", "NOK/month", "probability", "-" */
    const char *description; /* one sentence */
    const char *source;      /* sources.md id, a paper, or "assumption" */
    const char *def_str;     /* default for ENUM and STRING */
    const char *choices;     /* ENUM: "a|b|c" */
};

/* A group of definitions contributed by one module. */
struct arv_param_group {
    const struct arv_param_def *defs;
    size_t n;
};

/* Another name for a parameter (a static table's entry). An alias is
 * accepted wherever a path is: scenario files, --set, --sweep,
 * parameter_draws and priors. It is never written: the loaders keep draws,
 * priors and sweeps by the path, so resolved.cfg, the fingerprint and every
 * output name the path. */
struct arv_param_alias {
    const char *alias;
    const char *path;
};

/* Where a value came from, for error messages and the manifest. */
struct arv_param_origin {
    const char *file; /* scenario file, "--set", or NULL for the default */
    int line;
};

struct arv_param_value {
    int64_t i;   /* INT, BOOL */
    double d;    /* DOUBLE */
    char *s;     /* ENUM, STRING (owned) */
    struct arv_param_origin origin;
};

/* Parameter uncertainty carried into a run: a scenario's `parameter_draws`
 * group (docs/cli.md). Replicate r runs with the values of row r mod
 * n_rows set (arv_world_start); every path is a real-valued parameter. */
struct arv_param_draws {
    char **paths;   /* n_paths (owned) */
    size_t n_paths;
    double *values; /* n_rows x n_paths, row-major (owned) */
    size_t n_rows;
    char *file;     /* the scenario file it came from (owned) */
    int line;
};

void arv_param_draws_free(struct arv_param_draws *d);

/* The group as a scenario file writes it (libconfig; reads back exactly). */
int arv_param_draws_write(const struct arv_param_draws *d, FILE *f);

/* The concatenated table plus current values. Heap object (_alloc/_free). */
struct arv_params {
    const struct arv_param_def **defs; /* n pointers into static tables */
    struct arv_param_value *values;    /* n values, parallel to defs */
    size_t n;
    char **files;                      /* scenario files read, in order (owned) */
    size_t n_files;
    /* the scenario's `calibration` group, parsed and checked when loaded
     * (the last file's wins); NULL if none (owned) */
    struct arv_calib_config *calibration;
    char *calibration_file;            /* the file it came from (owned) */
    /* the scenario's `parameter_draws` group (the last file's wins); NULL
     * if none (owned) */
    struct arv_param_draws *draws;
    const struct arv_param_alias *aliases; /* n_aliases entries of a static table */
    size_t n_aliases;
};

/* Builds the table from groups (in order) with every value at its default.
 * Asserts that no path is declared twice. Never returns NULL. */
struct arv_params *arv_params_alloc(const struct arv_param_group *groups, size_t n_groups);
/* Adds the aliases (a static table, not copied). Asserts that each path
 * exists, that no alias is a path or an earlier alias, and that each lies
 * in a group of paths without being one (so a scenario file can hold it). */
void arv_params_add_aliases(struct arv_params *p, const struct arv_param_alias *aliases,
                            size_t n);
void arv_params_free(struct arv_params *p);

/* A copy of the values, the files read and the aliases (not the
 * calibration group or the draws). Never returns NULL. */
struct arv_params *arv_params_clone(const struct arv_params *p);

/* Sets the values of row `row` of d (origin: d's file and line). */
void arv_params_apply_draw(struct arv_params *p, const struct arv_param_draws *d, size_t row);

/* Index of path, or -1. */
long arv_params_find(const struct arv_params *p, const char *path);

/* Typed access for models at set-up. The path must exist with that type
 * (asserted: a wrong path is a programming error, not bad input). */
int64_t arv_params_int(const struct arv_params *p, const char *path);
double arv_params_double(const struct arv_params *p, const char *path);
bool arv_params_bool(const struct arv_params *p, const char *path);
const char *arv_params_str(const struct arv_params *p, const char *path);
/* Index of the ENUM value among its choices (0-based). */
int arv_params_enum(const struct arv_params *p, const char *path);
/* Where a parameter's value came from (file NULL for the default). */
struct arv_param_origin arv_params_origin(const struct arv_params *p, const char *path);

/* The file named by string parameter path, as it is read: relative to the
 * directory of the scenario file that set it, else (a --set, or a file in
 * the working directory) as given. Empty if the value is. Parameters that
 * name files have the unit "file"; resolved.cfg records them absolute. */
const char *arv_params_file(const struct arv_params *p, const char *path, char *buf,
                            size_t size);

/* "file:line" or "default" or "--set" for a parameter, for messages. */
const char *arv_params_where(const struct arv_params *p, const char *path, char *buf,
                             size_t size);

/* Loads a libconfig scenario (and its @includes, resolved relative to the
 * including file) on top of the current values. On error returns non-zero
 * with "file:line: reason" in err; p may then hold a partial load and should
 * be discarded. */
int arv_params_load(struct arv_params *p, const char *file, struct arv_error *err);

/* Applies one "PATH=VALUE" override (the --set option). */
int arv_params_set(struct arv_params *p, const char *assignment, struct arv_error *err);

/* Sets one value from text, as if it came from origin. */
int arv_params_set_value(struct arv_params *p, const char *path, const char *value,
                         struct arv_param_origin origin, struct arv_error *err);

/* Writes every value as a libconfig scenario that loads back to the same
 * values (resolved.cfg). */
int arv_params_write_cfg(const struct arv_params *p, FILE *f);

/* Writes the table as Markdown (docs/parameters.md). */
void arv_params_write_markdown(const struct arv_params *p, FILE *f);

/* Writes one line per parameter: path, type, default, range, unit. */
void arv_params_write_list(const struct arv_params *p, FILE *f);

/* SHA-256 (hex, 64 chars + NUL) of the resolved-parameter text. */
void arv_params_sha256(const struct arv_params *p, char hex[65]);

/* The closest known path to an unknown one (for "did you mean"), or NULL. */
const char *arv_params_suggest(const struct arv_params *p, const char *path);

#endif
