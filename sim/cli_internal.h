/*
 * What the command-line files share (sim/cli.c and the commands in their
 * own files): options, the progress bar and small helpers. Not a public API.
 */
#ifndef ARV_CLI_INTERNAL_H
#define ARV_CLI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "arv/error.h"
#include "arv/output.h"
#include "arv/params.h"
#include "arv/world.h"

#ifndef ARV_VERSION
#define ARV_VERSION "0.0.0"
#endif

enum { MAX_FILES = 64, MAX_SETS = 256, MAX_PANEL_MONTHS = 64, MAX_SWEEPS = 8 };

struct opts {
    const char *cmd;
    const char *files[MAX_FILES];
    int n_files;
    const char *out, *seed, *reps, *threads, *households, *months, *repeat;
    const char *targets, *draws; /* calibrate */
    const char *sets[MAX_SETS];
    int n_sets;
    const char *trials, *sweeps[MAX_SWEEPS];
    int n_sweeps;
    bool quiet, microdata, markdown;
    bool resume; /* calibrate */
};

struct progress {
    bool on;
    int shown; /* last percentage drawn */
    double t0;
};

/* One line "arv: ..." on stderr; returns 1. */
int arv__cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Parses an integer option in [lo, hi] (errors name the option). */
int arv__cli_option_int(const char *opt, const char *text, long long lo, long long hi,
                        long long *out);
/* The scenario's name for the outputs' first column. */
void arv__cli_scenario_name(const struct arv_params *p, const char *file, char *buf, size_t size);
/* The registry's parameters loaded from file with the options applied. */
struct arv_params *arv__cli_load_params(const struct arv_registry *reg, const struct opts *o,
                                        const char *file, struct arv_error *err);
/* Applies --threads; the thread count in use. Non-zero on a bad value. */
int arv__cli_set_threads(const struct opts *o, int *threads);
double arv__cli_now_seconds(void);
void arv__cli_progress_draw(struct progress *pr, double fraction);
void arv__cli_progress_end(struct progress *pr);
/* A manifest's common head (version, command line, scenario files), and
 * writing it to manifest.json (releases root). */
json_t *arv__cli_manifest_begin(const struct arv_params *p, int argc, char **argv);
int arv__cli_manifest_write(const struct arv_outdir *od, json_t *root, struct arv_error *err);

/* arv trial (sim/cli_trial.c). */
int arv__cli_trial(struct opts *o, const struct arv_registry *reg, int argc, char **argv);

#endif
